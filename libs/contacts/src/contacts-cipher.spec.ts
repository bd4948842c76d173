import { randomBytes } from 'node:crypto';
import { ContactsCipher, sealedLength } from './contacts-cipher';

const alice = 'a'.repeat(64);
const bob = 'b'.repeat(64);

describe('ContactsCipher', () => {
  const cipher = new ContactsCipher(randomBytes(32), 'contacts-1');

  it('opens what it sealed for the same person and key id', () => {
    const sealed = cipher.seal(alice, '{"given_name":"Žydrūnė"}');
    expect(cipher.open(alice, sealed, 'contacts-1')).toBe('{"given_name":"Žydrūnė"}');
  });

  it('lays a sealed row out as nonce, tag and ciphertext, with no clear text in it', () => {
    const sealed = cipher.seal(alice, '{"phone":"+37060000000"}');
    expect(sealed.length).toBe(12 + 16 + Buffer.byteLength('{"phone":"+37060000000"}'));
    expect(sealed.toString('latin1')).not.toContain('37060000000');
  });

  it('uses a fresh nonce for every row, so equal rows seal differently', () => {
    expect(cipher.seal(alice, 'x').equals(cipher.seal(alice, 'x'))).toBe(false);
  });

  it('seals into a buffer at an offset what open then reads back', () => {
    const plaintext = Buffer.from('{"address":"Gedimino pr. 1, Vilnius"}', 'utf8');
    const out = Buffer.alloc(5 + sealedLength(plaintext.length) + 3);
    const end = cipher.sealInto(alice, plaintext, randomBytes(12), out, 5);
    expect(end).toBe(5 + sealedLength(plaintext.length));
    expect(out.subarray(0, 5)).toEqual(Buffer.alloc(5));
    expect(out.subarray(end)).toEqual(Buffer.alloc(3));
    expect(out.toString('latin1')).not.toContain('Gedimino');
    expect(cipher.open(alice, out.subarray(5, end), 'contacts-1')).toBe('{"address":"Gedimino pr. 1, Vilnius"}');
  });

  it('refuses a nonce that is not 12 bytes', () => {
    expect(() => cipher.sealInto(alice, Buffer.from('{}'), randomBytes(8), Buffer.alloc(64), 0)).toThrow('12 bytes');
  });

  it('refuses a row moved onto another person', () => {
    const sealed = cipher.seal(alice, '{}');
    expect(() => cipher.open(bob, sealed, 'contacts-1')).toThrow('does not authenticate');
  });

  it('refuses a tampered row and a row of another key id', () => {
    const sealed = cipher.seal(alice, '{"a":1}');
    sealed[sealed.length - 1] ^= 1;
    expect(() => cipher.open(alice, sealed, 'contacts-1')).toThrow('does not authenticate');
    expect(() => cipher.open(alice, cipher.seal(alice, '{}'), 'contacts-0')).toThrow('configured key is contacts-1');
  });

  it('refuses a key that is not 32 bytes', () => {
    expect(() => new ContactsCipher(randomBytes(16), 'k')).toThrow('32 bytes');
  });
});
