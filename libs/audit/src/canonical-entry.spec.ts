import canonicalize from 'canonicalize';
import fc from 'fast-check';
import { canonicalDetails, canonicalEntry, canonicalParts, gapCanonical } from './canonical-entry';

const nullableText = fc.option(fc.string({ unit: 'grapheme', maxLength: 20 }), { nil: null });
const detailValue = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.string({ unit: 'grapheme', maxLength: 10 }),
    fc.maxSafeInteger(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(fc.stringMatching(/^[A-Za-z][A-Za-z0-9_]{0,8}$/), tie('value'), { maxKeys: 3 }),
  ),
})).value;

const entry = fc.record({
  actor: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }),
  role: fc.constantFrom('WORKER', 'COORDINATOR', 'AUDITOR', 'ADMIN', 'SYSTEM'),
  municipality: fc.option(fc.constantFrom('LT-01', 'LT-57'), { nil: null }),
  action: fc.constantFrom('case.created', 'contact.revealed'),
  subject: fc.option(fc.stringMatching(/^[0-9a-f]{64}$/), { nil: null }),
  objectType: nullableText,
  objectId: nullableText,
  purpose: nullableText,
  lawfulBasisId: nullableText,
  details: fc.dictionary(fc.stringMatching(/^[A-Za-z][A-Za-z0-9_]{0,8}$/), detailValue, { maxKeys: 4 }),
  seq: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
  at: fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString()),
});

describe('the canonical form of an entry', () => {
  it('is byte for byte what RFC 8785 (the canonicalize package) makes of the whole entry', () => {
    fc.assert(
      fc.property(entry, (e) => {
        expect(canonicalEntry(e, canonicalDetails(e.details))).toBe(canonicalize(e));
      }),
      { numRuns: 500 },
    );
  });

  it('splits around at and seq so that the database can fill them in', () => {
    const e = { actor: 'u', role: 'WORKER', municipality: null, action: 'case.created', subject: null, objectType: null, objectId: null, purpose: null, lawfulBasisId: null };
    const p = canonicalParts(e, '{"count":3}');
    expect(`${p.prefix}2026-01-01T00:00:00.000Z${p.middle}7${p.suffix}`).toBe(canonicalize({ ...e, details: { count: 3 }, at: '2026-01-01T00:00:00.000Z', seq: 7 }));
  });
});

describe('the canonical form of a rollback gap', () => {
  it('is what RFC 8785 makes of the gap line without its hashes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), (seq) => {
        expect(gapCanonical(seq)).toBe(canonicalize({ seq, gap: true }));
      }),
    );
  });
});
