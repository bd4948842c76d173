import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RegisterCode } from '@tiltas/registers';
import { STANDARD_CRITERIA } from '../standard-criteria';
import { oracleValidRows } from '../testing/duckdb-oracle';
import { createRegisterTables, loadNation } from '../testing/register-tables';
import { createTestDatabase, type TestDatabase } from '../testing/test-database';
import { compileCriterion } from './criterion-compiler';
import { bindParams } from './sql-params';
import { SAMPLE_DIR as SAMPLE } from '../../../../test/fixtures';


describe('the compiled standard cohorts over the conformance sample', () => {
  let db: TestDatabase;
  let extractIds: Record<RegisterCode, number>;

  beforeAll(async () => {
    db = await createTestDatabase('targeting_sample');
    await createRegisterTables(db.client);
    // The rows an ingest keeps (the oracle drops what the contract quarantines); the SQL must do the rest.
    extractIds = await loadNation(db.client, await oracleValidRows(SAMPLE), '2026-10-01');
  });

  afterAll(async () => {
    await db?.drop();
  });

  it('opens exactly the cases of expected-cases.csv, person by person', async () => {
    const cases = new Map<string, Set<string>>();
    for (const criterion of STANDARD_CRITERIA) {
      const compiled = compileCriterion(criterion);
      const { rows } = await db.client.query<{ pseudonym: string; municipality: string }>(
        `SELECT encode(pseudonym, 'hex') AS pseudonym, municipality FROM (${compiled.sql}) AS q`,
        bindParams(compiled, { asOf: '2026-10-01', extractIds }),
      );
      for (const row of rows) {
        const key = `${row.pseudonym},${row.municipality}`;
        cases.set(key, (cases.get(key) ?? new Set()).add(criterion.id));
      }
    }
    const found = [...cases].map(([key, cohorts]) => `${key},${[...cohorts].sort().join('|')}`).sort();
    const [, ...expected] = readFileSync(join(SAMPLE, 'expected-cases.csv'), 'utf8').split(/\r?\n/).filter(Boolean);
    expect(found).toEqual(expected.sort());
  });
});
