import { DomainError, ErrorCode } from '@tiltas/common';
import { isRfc3339DateTime, parseManifest, parseManifestJson } from './manifest';

const good = {
  register: 'education',
  asOf: '2026-09-30',
  extractedAt: '2026-10-01T02:00:00Z',
  rows: 123456,
  sha256: '9f2c'.repeat(16),
  lawfulBasis: 'LB-NEET-2026',
  pseudonymKeyId: 'k2026',
};

function failureOf(input: unknown): DomainError {
  try {
    parseManifest(input);
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected the manifest to be refused');
}

describe('parseManifest', () => {
  it('returns the typed manifest for the example in the contract, a full delivery', () => {
    expect(parseManifest(good)).toEqual({ ...good, delivery: 'full' });
  });

  it('ignores fields the contract does not name', () => {
    expect(parseManifest({ ...good, comment: 'x' })).toEqual({ ...good, delivery: 'full' });
  });

  it('reads "delivery": "delta" and "full", and refuses any other value naming it', () => {
    expect(parseManifest({ ...good, delivery: 'delta' }).delivery).toBe('delta');
    expect(parseManifest({ ...good, delivery: 'full' }).delivery).toBe('full');
    for (const bad of ['DELTA', 'partial', '', null, 1]) {
      const error = failureOf({ ...good, delivery: bad });
      expect(error.message).toMatch(/delivery .* is not a kind of delivery: expected "delta", or "full"/);
      expect(error.message).toContain(JSON.stringify(bad));
    }
  });

  it('names every bad field in one VALIDATION_FAILED error', () => {
    const error = failureOf({
      register: 'tax',
      asOf: '2026-02-30',
      extractedAt: '2026-10-01 02:00',
      rows: -1,
      sha256: 'ABC',
      lawfulBasis: '',
    });
    expect(error.code).toBe(ErrorCode.VALIDATION_FAILED);
    const fields = (error.details?.problems as Array<{ field: string }>).map((p) => p.field);
    expect(fields.sort()).toEqual(
      ['asOf', 'extractedAt', 'lawfulBasis', 'pseudonymKeyId', 'register', 'rows', 'sha256'].sort(),
    );
    expect(error.message).toContain('register "tax" is not a known register code');
    expect(error.message).toContain('asOf "2026-02-30" is not a calendar date');
    expect(error.message).toContain('extractedAt "2026-10-01 02:00" is not an RFC 3339 date-time');
    expect(error.message).toContain('rows must not be negative');
    expect(error.message).toContain('sha256 must be 64 lowercase hex characters');
    expect(error.message).toContain('lawfulBasis must not be empty');
    expect(error.message).toContain('pseudonymKeyId is missing');
  });

  it('refuses an upper-case sha256', () => {
    expect(failureOf({ ...good, sha256: good.sha256.toUpperCase() }).message).toContain('sha256');
  });

  it('refuses rows that are not a whole number', () => {
    expect(failureOf({ ...good, rows: 1.5 }).message).toContain('rows must be a whole number');
    expect(failureOf({ ...good, rows: '12' }).message).toContain('rows must be a number');
  });

  it('refuses a leap day in a common year but accepts one in a leap year', () => {
    expect(failureOf({ ...good, asOf: '2023-02-29' }).message).toContain('asOf');
    expect(parseManifest({ ...good, asOf: '2024-02-29' }).asOf).toBe('2024-02-29');
  });

  it('refuses something that is not an object', () => {
    expect(failureOf([good]).message).toBe('manifest is invalid: it must be a JSON object');
    expect(failureOf(null).code).toBe(ErrorCode.VALIDATION_FAILED);
  });
});

describe('parseManifestJson', () => {
  it('refuses text that is not JSON', () => {
    expect(() => parseManifestJson('{"register": ')).toThrow('manifest is not valid JSON');
  });

  it('parses and checks manifest text', () => {
    expect(parseManifestJson(JSON.stringify(good)).register).toBe('education');
  });
});

describe('isRfc3339DateTime', () => {
  it.each(['2026-10-01T02:00:00Z', '2026-10-01T02:00:00.123+03:00', '2026-10-01t02:00:00z', '2016-12-31T23:59:60Z'])(
    'accepts %s',
    (value) => expect(isRfc3339DateTime(value)).toBe(true),
  );

  it.each([
    '2026-10-01',
    '2026-10-01T02:00Z',
    '2026-10-01T02:00:00',
    '2026-10-01 02:00:00Z',
    '2026-02-30T02:00:00Z',
    '2026-10-01T24:00:00Z',
    '2026-10-01T02:60:00Z',
    '2026-10-01T02:00:00+24:00',
  ])('refuses %s', (value) => expect(isRfc3339DateTime(value)).toBe(false));
});
