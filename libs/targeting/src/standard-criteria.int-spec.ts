import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addDays } from '@tiltas/common';
import type { RegisterCode } from '@tiltas/registers';
import { parseCriterion } from './criterion.schema';
import { compileCriterion, compileFunnel, readFunnel, sqlForReview } from './sql/criterion-compiler';
import { bindParams } from './sql/sql-params';
import { STANDARD_CRITERIA } from './standard-criteria';
import { buildBoundaryNation, mergeNations, pseudonymOf } from './testing/boundary-nation';
import { oracleStandardCohorts, type OracleCase } from './testing/cohort-oracle';
import { createRegisterTables, loadNation, type Nation } from './testing/register-tables';
import { createTestDatabase, type TestDatabase } from './testing/test-database';

// A common-year 28 February puts the 29 February birthdays on their edge.
const D = '2027-02-28';
const LEAP_D = '2028-02-29';
const SAMPLE_D = '2026-10-01';
const RUN_DATES = [D, addDays(D, -1), addDays(D, 1), LEAP_D, addDays(LEAP_D, 1), SAMPLE_D];

interface Found {
  pseudonym: string;
  municipality: string;
  priority: number;
  window_date: string;
  reason: Record<string, unknown>;
}

describe('standard cohorts against the boundary nation', () => {
  let db: TestDatabase;
  let extractIds: Record<RegisterCode, number>;
  // The same boundaries built around three dates (a common-year 28 February, a leap day, an ordinary day).
  const { nation, labels } = mergeNations(buildBoundaryNation(D), buildBoundaryNation(LEAP_D, 'leap: '), buildBoundaryNation(SAMPLE_D, 'october: '));
  const label = (p: string): string => labels.get(p) ?? p;

  async function run(sql: string, params: unknown[]): Promise<Found[]> {
    const { rows } = await db.client.query(
      `SELECT encode(pseudonym, 'hex') AS pseudonym, municipality, priority, to_char(window_date, 'YYYY-MM-DD') AS window_date, reason FROM (${sql}) AS q`,
      params,
    );
    return rows as Found[];
  }

  beforeAll(async () => {
    db = await createTestDatabase('targeting_boundary');
    await createRegisterTables(db.client);
    // A superseded extract in which everyone is employed and nobody is dead: a run that read it would differ.
    const stale: Nation = {
      population: nation.population!.map((p) => ({ ...p, deceased_on: null, emigrated_on: null })),
      employment: nation.population!.map((p) => ({ pseudonym: p.pseudonym, employer: 'E9', kind: 'EMPLOYEE', employed_from: '1990-01-01', employed_to: null })),
    };
    await loadNation(db.client, stale, '2026-01-01', 'SUPERSEDED');
    extractIds = await loadNation(db.client, nation, D);
  });

  afterAll(async () => {
    await db?.drop();
  });

  // Keyed by person and municipality: pre-release finds a person once per custody municipality.
  const comparable = (c: { pseudonym: string; municipality: string; priority: number; windowDate: string }): string =>
    `${label(c.pseudonym)} | ${c.municipality} | priority ${c.priority} | window ${c.windowDate}`;

  for (const asOf of RUN_DATES) {
    for (const criterion of STANDARD_CRITERIA) {
      it(`finds exactly the oracle's people, municipalities and priorities for ${criterion.id} at ${asOf}`, async () => {
        const compiled = compileCriterion(criterion);
        const found = await run(compiled.sql, bindParams(compiled, { asOf, extractIds }));
        const expected: OracleCase[] = oracleStandardCohorts(nation, asOf)[criterion.id];
        expect(expected.length).toBeGreaterThan(2);
        expect(found.map((f) => comparable({ ...f, windowDate: f.window_date })).sort()).toEqual(expected.map(comparable).sort());
      });
    }
  }

  it('decides the boundary people at D as the spec words them', async () => {
    // Only the people built around D itself; the leap-day and October people have their own edges.
    const untagged = (c: OracleCase): boolean => !label(c.pseudonym).includes(': ');
    const at = Object.fromEntries(Object.entries(oracleStandardCohorts(nation, D)).map(([k, v]) => [k, v.filter(untagged)]));
    const ids = (cohort: string): Set<string> => new Set(at[cohort].map((c) => label(c.pseudonym)));
    // Guards that the oracle itself reads the spec as intended on the sharpest edges.
    const neet = ids('neet-youth');
    expect([...neet]).toEqual(expect.arrayContaining(['turns 16 on D', 'last day aged 26', 'born 29 February 2000', 'born 1 March 2000', 'deceased on D+1', 'education ended D-1', 'education starts D+1', 'young released on D', 'young custody from D+1']));
    for (const out of ['turns 16 on D+1', 'turns 27 on D', 'born 28 February 2000', 'deceased on D', 'emigrated on D', 'education ends D', 'education starts D', 'jobseeker until D', 'military from D', 'young in custody']) {
      expect(neet.has(out)).toBe(false);
    }
    const recent = at['recent-release'];
    const mun = (l: string): string | undefined => recent.find((c) => c.pseudonym === pseudonymOf(l))?.municipality;
    expect(mun('two releases one day')).toBe('LT-03');
    expect(mun('two releases one day one null')).toBe('LT-07');
    expect(mun('latest release without municipality')).toBe('LT-08');
    expect(mun('released D-91')).toBeUndefined();
    expect(mun('released D-90')).toBe('LT-33');
    const pre = new Set(at['pre-release'].map((c) => label(c.pseudonym)));
    expect(at['pre-release'].filter((c) => c.pseudonym === pseudonymOf('two custodies ending soon, two municipalities')).map((c) => `${c.municipality} ${c.priority}`).sort()).toEqual(['LT-40 2', 'LT-41 20']);
    expect(pre).toEqual(new Set(['two custodies ending soon, two municipalities', 'expected release D', 'expected release D+60', 'released D+1 expected D+30', 'custody from D expected D+5', 'expected release no municipality', 'two custodies one expected', 'expected release and employed']));
    expect(ids('care-leaver')).toEqual(new Set(['care ended D-365', 'care ended D-1', 'care ended aged 24', 'care ended jobseeker from D+1', 'born 29 February 2004']));
    expect(ids('disability-unserved')).toEqual(new Set(['capacity 55', 'assessment valid to D', 'assessed on D', 'two valid assessments', 'disabled aged 64', 'disabled employment ended D-1']));
  });

  it('gives the reason for a release: its date and the municipality it names', async () => {
    const compiled = compileCriterion(STANDARD_CRITERIA.find((c) => c.id === 'recent-release')!);
    const found = await run(compiled.sql, bindParams(compiled, { asOf: D, extractIds }));
    const twoOnOneDay = found.find((f) => f.pseudonym === pseudonymOf('two releases one day'))!;
    expect(twoOnOneDay.reason).toEqual({ age: 40, release: { released_on: addDays(D, -10), release_municipality: 'LT-03' } });
    expect(twoOnOneDay.priority).toBe(10);
  });

  it('counts a funnel whose last step is the number of people the criterion finds', async () => {
    // People, not cases: pre-release may find one person in two municipalities.
    for (const criterion of STANDARD_CRITERIA) {
      const funnel = compileFunnel(criterion);
      const { rows } = await db.client.query(funnel.sql, bindParams(funnel, { asOf: D, extractIds }));
      const steps = readFunnel(funnel, rows);
      const compiled = compileCriterion(criterion);
      const found = await run(compiled.sql, bindParams(compiled, { asOf: D, extractIds }));
      expect(steps).toHaveLength(criterion.conditions.length + 1);
      expect(steps[0].remaining).toBe(nation.population!.length);
      for (let i = 1; i < steps.length; i++) expect(steps[i].remaining).toBeLessThanOrEqual(steps[i - 1].remaining);
      expect(steps.at(-1)!.remaining).toBe(new Set(found.map((f) => f.pseudonym)).size);
    }
  });

  it("ends the funnel with the people a run keeps when it leaves a municipality's cases to its own copy", async () => {
    for (const criterion of STANDARD_CRITERIA) {
      const compiled = compileCriterion(criterion);
      const found = await run(compiled.sql, bindParams(compiled, { asOf: D, extractIds }));
      // The municipality with the most cases, so the step has people to leave out.
      const perMunicipality = new Map<string, number>();
      for (const f of found) perMunicipality.set(f.municipality, (perMunicipality.get(f.municipality) ?? 0) + 1);
      const leftOut = [[...perMunicipality].sort((a, b) => b[1] - a[1])[0][0]];
      const kept = new Set(found.filter((f) => !leftOut.includes(f.municipality)).map((f) => f.pseudonym));
      expect(kept.size).toBeLessThan(new Set(found.map((f) => f.pseudonym)).size);
      const funnel = compileFunnel(criterion, { leftOut });
      const { rows } = await db.client.query(funnel.sql, bindParams(funnel, { asOf: D, extractIds }));
      const steps = readFunnel(funnel, rows);
      expect(steps).toHaveLength(criterion.conditions.length + 2);
      expect(steps.at(-1)).toEqual({ label: 'case municipality not taken over by its own copy', remaining: kept.size });
      expect(steps.at(-2)!.remaining).toBe(new Set(found.map((f) => f.pseudonym)).size);
    }
  });

  it('keeps only the cases of its own municipality in a scoped copy', async () => {
    const base = STANDARD_CRITERIA.find((c) => c.id === 'recent-release')!;
    const scoped = parseCriterion({ ...base, id: 'recent-release-lt03', scope: ['LT-03', 'LT-08'] });
    const compiled = compileCriterion(scoped);
    const found = await run(compiled.sql, bindParams(compiled, { asOf: D, extractIds }));
    const expected = oracleStandardCohorts(nation, D)['recent-release'].filter((c) => ['LT-03', 'LT-08'].includes(c.municipality));
    expect(expected.length).toBeGreaterThanOrEqual(3);
    expect(found.map((f) => label(f.pseudonym)).sort()).toEqual(expected.map((c) => label(c.pseudonym)).sort());
    const funnel = compileFunnel(scoped);
    const { rows } = await db.client.query(funnel.sql, bindParams(funnel, { asOf: D, extractIds }));
    expect(readFunnel(funnel, rows).at(-1)!.remaining).toBe(expected.length);
  });

  it('runs the review SQL by hand against the ACTIVE extracts with the same result', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'targeting-review-'));
    try {
      for (const criterion of STANDARD_CRITERIA) {
        const compiled = compileCriterion(criterion);
        const found = await run(compiled.sql, bindParams(compiled, { asOf: D, extractIds }));
        const literal = await run(sqlForReview(criterion, { asOf: D }).replace(/;\s*$/, ''), []);
        expect(literal.map((f) => f.pseudonym).sort()).toEqual(found.map((f) => f.pseudonym).sort());

        const file = join(dir, `${criterion.id}.sql`);
        writeFileSync(file, sqlForReview(criterion));
        const out = execFileSync('psql', ['-h', '127.0.0.1', '-U', 'postgres', '-d', db.name, '-v', `as_of=${D}`, '-v', 'ON_ERROR_STOP=1', '-At', '-F', ',', '-f', file], { encoding: 'utf8' });
        const psqlRows = out.split('\n').filter(Boolean).map((line) => line.split(',')[0].replace(/^\\x/, ''));
        expect(psqlRows.sort()).toEqual(found.map((f) => f.pseudonym).sort());
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
