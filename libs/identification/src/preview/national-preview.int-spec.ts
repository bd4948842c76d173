import { INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { systemActor } from '@tiltas/audit';
import { ClockModule, FixedClock } from '@tiltas/common';
import { ConfigModule } from '@tiltas/config';
import { DatabaseModule } from '@tiltas/database';
import { LawfulBasesModule, LawfulBasisService } from '@tiltas/lawful-bases';
import type { CriterionDefinition } from '@tiltas/targeting';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/test-database';
import { CriteriaService } from '../criteria/criteria.service';
import { systemIdentificationActor } from '../identification-actor';
import { IdentificationModule } from '../identification.module';
import { IdentificationService } from '../runs/identification.service';
import { TEST_LAWFUL_BASIS, loadRegisters, testPseudonym, type Row } from '../testing/register-loader';
import { PreviewService, type Preview } from './preview.service';

const D = '2026-10-01';
const ACTOR = systemIdentificationActor('test');
const COPY = 'neet-youth-lt57';

/**
 * Who lives where, born when (full years at D in the label); `employed` people are outside neet-youth at
 * any age. The national neet-youth finds 16–26, Vilnius's copy 17–29, the national draft 18–29.
 */
const PEOPLE: Record<string, { birth: string; municipality: string; employed?: boolean }> = {
  vilnius16: { birth: '2010-01-01', municipality: 'LT-57' },
  vilnius17: { birth: '2009-01-01', municipality: 'LT-57' },
  vilnius20: { birth: '2006-01-01', municipality: 'LT-57' },
  vilnius28: { birth: '1998-01-01', municipality: 'LT-57' },
  kaunas16: { birth: '2010-01-01', municipality: 'LT-15' },
  kaunas20: { birth: '2006-01-01', municipality: 'LT-15' },
  kaunas28: { birth: '1998-01-01', municipality: 'LT-15' },
  kaunasEmployed20: { birth: '2006-01-01', municipality: 'LT-15', employed: true },
  klaipeda17: { birth: '2009-01-01', municipality: 'LT-21' },
  klaipeda22: { birth: '2004-01-01', municipality: 'LT-21' },
  klaipeda27: { birth: '1999-01-01', municipality: 'LT-21' },
};

function who(pseudonym: string): string {
  return Object.keys(PEOPLE).find((label) => testPseudonym(label) === pseudonym) ?? pseudonym;
}

function withAges(definition: CriterionDefinition, min: number, max: number): CriterionDefinition {
  return { ...definition, conditions: definition.conditions.map((c) => (c.kind === 'age' ? { ...c, min, max } : c)) };
}

describe('previewing a national criterion while a municipality runs its own copy', () => {
  let db: TestDatabase;
  let app: INestApplicationContext;
  let criteria: CriteriaService;
  let previews: PreviewService;
  let identification: IdentificationService;

  /** Per municipality, the open cases listing neet-youth the way a preview counts them after run `runId`. */
  async function nationalCases(runId: number): Promise<Preview['byMunicipality']> {
    const rows = await db.query<{ municipality: string; found: string; adds: string; drops: string }>(
      `SELECT municipality,
              count(*) FILTER (WHERE lapsed_on IS NULL) AS found,
              count(*) FILTER (WHERE created_run_id = $1) AS adds,
              count(*) FILTER (WHERE (lapsed_reason->>'runId')::int = $1) AS drops
       FROM cases WHERE 'neet-youth' = ANY(cohorts) AND status <> 'CLOSED'
       GROUP BY municipality ORDER BY municipality`,
      [runId],
    );
    return rows.map((r) => ({ municipality: r.municipality, found: Number(r.found), adds: Number(r.adds), drops: Number(r.drops) }));
  }

  async function openCases(municipality: string): Promise<Array<{ who: string; cohorts: string; lapsed: boolean }>> {
    const rows = await db.query<{ pseudonym: string; cohorts: string; lapsed: boolean }>(
      `SELECT encode(pseudonym, 'hex') AS pseudonym, array_to_string(cohorts, '|') AS cohorts, lapsed_on IS NOT NULL AS lapsed
       FROM cases WHERE municipality = $1 AND status <> 'CLOSED'`,
      [municipality],
    );
    return rows.map((r) => ({ who: who(r.pseudonym), cohorts: r.cohorts, lapsed: r.lapsed })).sort((a, b) => a.who.localeCompare(b.who));
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    @Module({
      imports: [ConfigModule.forRoot(db.config), ClockModule.forRoot(new FixedClock(new Date('2026-10-01T08:00:00Z'))), DatabaseModule.forRoot(), IdentificationModule, LawfulBasesModule],
    })
    class TestModule {}
    app = await NestFactory.createApplicationContext(TestModule, { logger: false });
    criteria = app.get(CriteriaService);
    previews = app.get(PreviewService);
    identification = app.get(IdentificationService);
    await app.get(LawfulBasisService).add(undefined, TEST_LAWFUL_BASIS, systemActor('test'));
    const population: Row[] = [];
    const employment: Row[] = [];
    for (const [label, p] of Object.entries(PEOPLE)) {
      const pseudonym = testPseudonym(label);
      population.push({ pseudonym, birth_date: p.birth, sex: 'M', municipality: p.municipality, registered_since: '2000-01-01', deceased_on: null, emigrated_on: null });
      if (p.employed) employment.push({ pseudonym, employer: 'E1', kind: 'EMPLOYEE', employed_from: '2025-01-01', employed_to: null });
    }
    await loadRegisters(db.url, { population, employment }, { asOf: D });
    await criteria.activate('neet-youth', 'LB-TEST', ACTOR);
    const copy = await criteria.copyForMunicipality('neet-youth', 'LT-57', COPY, ACTOR);
    await criteria.saveDraft(COPY, withAges(copy.definition, 17, 29), ACTOR);
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('counts Vilnius while its copy is only a draft: nothing takes it over yet', async () => {
    const preview = await previews.preview({ criterionId: 'neet-youth', asOf: D }, ACTOR);
    expect(preview.version).toBe(1);
    expect(preview.leftOut).toEqual([]);
    expect(preview.byMunicipality.map((r) => [r.municipality, r.found])).toEqual([['LT-15', 2], ['LT-21', 2], ['LT-57', 3]]);
    expect(preview.funnel.at(-1)!.label).not.toMatch(/copy/);
  });

  it('leaves Vilnius out once its copy is active, and the run creates in each municipality the cases it counted', async () => {
    await criteria.activate(COPY, 'LB-TEST', ACTOR);
    const preview = await previews.preview({ criterionId: 'neet-youth', asOf: D }, ACTOR);
    expect(preview.leftOut).toEqual([{ municipality: 'LT-57', criterionId: COPY, version: 1 }]);
    expect(preview.diff).toBeNull();
    expect(preview.total).toBe(4);
    expect(preview.byMunicipality).toEqual([
      { municipality: 'LT-15', found: 2, adds: 2, drops: 0 },
      { municipality: 'LT-21', found: 2, adds: 2, drops: 0 },
    ]);
    // Everyone; resident; aged 16–26 (Vilnius's three among them); the employed one drops out; then Vilnius.
    expect(preview.funnel[0]).toEqual({ label: 'in the population extract', remaining: Object.keys(PEOPLE).length });
    expect(preview.funnel.at(-2)!.remaining).toBe(7);
    expect(preview.funnel.at(-1)).toEqual({ label: 'case municipality not taken over by its own copy', remaining: 4 });

    const { run } = await identification.run({ asOf: D, trigger: 'test', actor: ACTOR });
    expect(await nationalCases(run.id)).toEqual(preview.byMunicipality);
    expect(run.counts.find((c) => c.cohort === 'neet-youth')!.matched).toBe(preview.total);
    expect(await openCases('LT-57')).toEqual([
      { who: 'vilnius17', cohorts: COPY, lapsed: false },
      { who: 'vilnius20', cohorts: COPY, lapsed: false },
      { who: 'vilnius28', cohorts: COPY, lapsed: false },
    ]);
  });

  it("diffs a national draft against the active version without Vilnius's people, and the next run does what it said, row by row", async () => {
    const active = await criteria.version('neet-youth', ACTOR);
    await criteria.saveDraft('neet-youth', withAges(active.definition, 18, 29), ACTOR);
    const preview = await previews.preview({ criterionId: 'neet-youth', asOf: D }, ACTOR);
    expect(preview.version).toBe(2);
    expect(preview.leftOut).toEqual([{ municipality: 'LT-57', criterionId: COPY, version: 1 }]);
    // Counted in Vilnius, the draft would add vilnius28 and drop vilnius16 and vilnius17: the copy lists them instead.
    expect(preview.diff).toEqual({ criterionId: 'neet-youth', activeVersion: 1, adds: 2, drops: 2 });
    expect(preview.total).toBe(4);
    expect(preview.byMunicipality).toEqual([
      { municipality: 'LT-15', found: 2, adds: 1, drops: 1 },
      { municipality: 'LT-21', found: 2, adds: 1, drops: 1 },
    ]);
    expect(preview.funnel.at(-1)).toEqual({ label: 'case municipality not taken over by its own copy', remaining: 4 });

    await criteria.activate('neet-youth', 'LB-TEST', ACTOR);
    const { run, repeated } = await identification.run({ asOf: D, trigger: 'test', actor: ACTOR });
    expect(repeated).toBe(false);
    expect(await nationalCases(run.id)).toEqual(preview.byMunicipality);
    expect(run.casesCreated).toBe(preview.diff!.adds);
    expect(run.casesLapsed).toBe(preview.diff!.drops);
    expect(await openCases('LT-15')).toEqual([
      { who: 'kaunas16', cohorts: 'neet-youth', lapsed: true },
      { who: 'kaunas20', cohorts: 'neet-youth', lapsed: false },
      { who: 'kaunas28', cohorts: 'neet-youth', lapsed: false },
    ]);
    // Vilnius is the copy's: the national run touched none of its cases.
    expect(await openCases('LT-57')).toEqual([
      { who: 'vilnius17', cohorts: COPY, lapsed: false },
      { who: 'vilnius20', cohorts: COPY, lapsed: false },
      { who: 'vilnius28', cohorts: COPY, lapsed: false },
    ]);
  });
});
