import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { coverageProblems } from './coverage';
import { canonicalLawfulBasis, parseLawfulBasisFile } from './lawful-basis-entry';
import { SAMPLE_DIR } from '../../../test/fixtures';

const SAMPLE = JSON.parse(readFileSync(join(SAMPLE_DIR, 'lawful-basis.json'), 'utf8')) as Record<string, unknown>;

describe('the lawful-basis entry file', () => {
  it('accepts the conformance sample as it is', () => {
    const verdict = parseLawfulBasisFile(SAMPLE);
    expect(verdict).toMatchObject({ ok: true, entry: { id: 'LB-SAMPLE', validTo: null, gdprArticle6: 'e' } });
  });

  it('reads an absent validTo or condition as null when no register needs it', () => {
    const { validTo: _v, article9Condition: _a9, article10Authorisation: _a10, ...rest } = SAMPLE;
    const verdict = parseLawfulBasisFile({ ...rest, registers: ['population', 'education'] });
    expect(verdict).toMatchObject({ ok: true, entry: { validTo: null, article9Condition: null, article10Authorisation: null } });
  });

  it('names every broken field at once', () => {
    const verdict = parseLawfulBasisFile({ id: 'bad id', title: ' ', gdprArticle6: 'E', purposes: [], registers: ['population', 'population', 'tax'], validFrom: '2026-01-01', validTo: '2025-12-31', article9Condition: 'x', colour: 'red' });
    expect(verdict).toEqual({
      ok: false,
      problems: [
        '`colour` is not a field of a lawful-basis entry (id, title, legalReference, gdprArticle6, purposes, registers, validFrom, validTo, article9Condition, article10Authorisation)',
        '`id` must be 1-64 letters, digits, . _ - starting with a letter or digit, not "bad id"',
        '`title` must be a non-empty string',
        '`legalReference` must be a non-empty string (it is missing)',
        '`gdprArticle6` must be one of a b c d e f (the GDPR Art. 6(1) point), not "E"',
        '`purposes` must be a non-empty array of purposes',
        '`registers` holds "tax", which is not a register code (population, contacts, education, employment, jobseekers, social_services, prison, care, military, parental_leave, disability)',
        '`registers` names "population" more than once',
        '`validTo` 2025-12-31 is before `validFrom` 2026-01-01',
        '`article9Condition` must be null because `registers` does not hold `disability`',
      ],
    });
  });

  it('calls two files identical whatever their key or list order', () => {
    const a = parseLawfulBasisFile(SAMPLE);
    const b = parseLawfulBasisFile({ ...SAMPLE, registers: [...(SAMPLE.registers as string[])].reverse() });
    if (!a.ok || !b.ok) throw new Error('sample refused');
    expect(canonicalLawfulBasis(a.entry)).toBe(canonicalLawfulBasis(b.entry));
  });
});

describe('the coverage check', () => {
  const parsed = parseLawfulBasisFile({ ...SAMPLE, id: 'LB-2026-01', registers: ['population', 'education'], article9Condition: null, article10Authorisation: null, validTo: '2026-12-31' });
  if (!parsed.ok) throw new Error('refused');
  const basis = { ...parsed.entry, retiredValidTo: null };

  it('says yes when purpose, registers and date are all covered', () => {
    expect(coverageProblems(basis, { lawfulBasisId: 'LB-2026-01', purpose: 'outreach', registers: ['population'], date: '2026-12-31' })).toEqual([]);
  });

  it('names each register not covered and why, and the purpose and date', () => {
    expect(coverageProblems(basis, { lawfulBasisId: 'LB-2026-01', purpose: 'statistics', registers: ['population', 'prison', 'disability', 'tax'], date: '2027-01-01' })).toEqual([
      'LB-2026-01 does not allow the purpose `statistics` (it allows `outreach`)',
      'LB-2026-01 was valid to 2026-12-31; it does not cover 2027-01-01',
      '`prison` is not among the registers LB-2026-01 permits',
      '`prison` needs an Art. 10 authorisation; LB-2026-01 has none',
      '`disability` is not among the registers LB-2026-01 permits',
      '`disability` needs an Art. 9 condition; LB-2026-01 has none',
      '`tax` is not a register',
    ]);
  });

  it('holds a retired entry to its retirement date and an unknown id to nothing', () => {
    expect(coverageProblems({ ...basis, retiredValidTo: '2026-06-30' }, { lawfulBasisId: 'LB-2026-01', purpose: 'outreach', registers: ['population'], date: '2026-07-01' })).toEqual([
      'LB-2026-01 was retired after 2026-06-30; it does not cover 2026-07-01',
    ]);
    expect(coverageProblems(null, { lawfulBasisId: 'LB-NONE', purpose: 'outreach', registers: ['population'], date: '2026-07-01' })).toEqual(['no lawful basis "LB-NONE" is registered']);
  });
});
