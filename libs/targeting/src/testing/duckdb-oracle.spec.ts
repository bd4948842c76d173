import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ORACLE_REGISTERS, oracleCases, oracleValidRows } from './duckdb-oracle';
import { SAMPLE_DIR as SAMPLE } from '../../../../test/fixtures';


function expectedCases(): { pseudonym: string; municipality: string; cohorts: string[] }[] {
  const [, ...lines] = readFileSync(join(SAMPLE, 'expected-cases.csv'), 'utf8').split(/\r?\n/).filter(Boolean);
  return lines.map((line) => {
    const [pseudonym, municipality, cohorts] = line.split(',');
    return { pseudonym, municipality, cohorts: cohorts.split('|') };
  });
}

describe('the DuckDB oracle over the conformance sample', () => {
  const expected = JSON.parse(readFileSync(join(SAMPLE, 'expected.json'), 'utf8')) as {
    asOf: string;
    cases: number;
    casesByCohort: Record<string, number>;
    rows: Record<string, number>;
    quarantined: Record<string, number>;
  };

  it('reproduces expected-cases.csv exactly, person by person', async () => {
    const cases = await oracleCases(SAMPLE, expected.asOf);
    expect(cases).toHaveLength(expected.cases);
    expect(cases).toEqual(expectedCases().sort((a, b) => (a.pseudonym + a.municipality).localeCompare(b.pseudonym + b.municipality)));
  });

  it('counts the cases of each cohort as expected.json does', async () => {
    const cases = await oracleCases(SAMPLE, expected.asOf);
    const byCohort: Record<string, number> = {};
    for (const c of cases) for (const cohort of c.cohorts) byCohort[cohort] = (byCohort[cohort] ?? 0) + 1;
    expect(byCohort).toEqual(expected.casesByCohort);
  });

  it('keeps exactly the rows the contract does not quarantine', async () => {
    const nation = await oracleValidRows(SAMPLE);
    for (const register of ORACLE_REGISTERS) {
      expect({ register, kept: nation[register as keyof typeof nation]!.length }).toEqual({
        register,
        kept: expected.rows[register] - expected.quarantined[register],
      });
    }
  });

  it('finds other people at another reference date', async () => {
    const later = await oracleCases(SAMPLE, '2027-01-15');
    const now = await oracleCases(SAMPLE, expected.asOf);
    expect(later.length).toBeGreaterThan(0);
    expect(later).not.toEqual(now);
  });
});
