import { pseudonymFor, isPseudonym } from './pseudonym';

describe('pseudonymFor', () => {
  it('is HMAC-SHA-256 in lowercase hex (RFC 4231 test case 2)', () => {
    // RFC 4231 section 4.3: key "Jefe", data "what do ya want for nothing?".
    expect(pseudonymFor(Buffer.from('Jefe'), 'what do ya want for nothing?')).toBe(
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
  });

  it('uses the key bytes, not their hex text', () => {
    const key = Buffer.from('0b'.repeat(20), 'hex');
    // RFC 4231 section 4.2: key 0x0b x 20, data "Hi There".
    expect(pseudonymFor(key, 'Hi There')).toBe('b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7');
    expect(pseudonymFor(Buffer.from('0b'.repeat(20)), 'Hi There')).not.toBe(pseudonymFor(key, 'Hi There'));
  });

  it('gives the same person the same pseudonym under one key and a different one under another', () => {
    const a = Buffer.from('k1-secret-bytes');
    const b = Buffer.from('k2-secret-bytes');
    expect(pseudonymFor(a, '38706151238')).toBe(pseudonymFor(a, '38706151238'));
    expect(pseudonymFor(a, '38706151238')).not.toBe(pseudonymFor(b, '38706151238'));
    expect(pseudonymFor(a, '38706151238')).not.toBe(pseudonymFor(a, '33309240064'));
    expect(isPseudonym(pseudonymFor(a, '38706151238'))).toBe(true);
  });

  it('refuses an empty key', () => {
    expect(() => pseudonymFor(Buffer.alloc(0), '38706151238')).toThrow(/key is empty/);
  });
});

describe('isPseudonym', () => {
  it('accepts 64 lowercase hex characters and nothing else', () => {
    expect(isPseudonym('a'.repeat(64))).toBe(true);
    expect(isPseudonym('A'.repeat(64))).toBe(false);
    expect(isPseudonym('a'.repeat(63))).toBe(false);
    expect(isPseudonym('g'.repeat(64))).toBe(false);
  });
});
