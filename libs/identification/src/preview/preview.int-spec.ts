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
import { systemIdentificationActor, type IdentificationActor } from '../identification-actor';
import { IdentificationModule } from '../identification.module';
import { IdentificationService } from '../runs/identification.service';
import { TEST_LAWFUL_BASIS, loadRegisters, testPseudonym, type Row } from '../testing/register-loader';
import { PreviewService, shownPreview, type Preview } from './preview.service';

const D = '2026-10-01';
const ACTOR = systemIdentificationActor('test');
const COORDINATOR: IdentificationActor = { userId: 'coordinator-57', role: 'COORDINATOR', municipality: 'LT-57', scope: 'municipal' };
const COPY = 'neet-youth-lt57';

/** Who lives where, born when; `employed` people are outside neet-youth at any age. */
type People = Record<string, { birth: string; municipality: string; employed?: boolean }>;

function withAges(definition: CriterionDefinition, min: number, max: number): CriterionDefinition {
  return { ...definition, conditions: definition.conditions.map((c) => (c.kind === 'age' ? { ...c, min, max } : c)) };
}

interface Setting {
  readonly db: TestDatabase;
  readonly app: INestApplicationContext;
  readonly criteria: CriteriaService;
  readonly previews: PreviewService;
  readonly identification: IdentificationService;
  /** The open cases of a municipality, by label, with their cohorts and whether they lapsed. */
  openCases(municipality: string): Promise<Array<{ who: string; cohorts: string; lapsed: boolean }>>;
}

/** A database of its own with `people` in the population (the employed in employment) at D, and the identification module over it. */
async function settle(people: People): Promise<Setting> {
  const db = await createTestDatabase();
  @Module({
    imports: [ConfigModule.forRoot(db.config), ClockModule.forRoot(new FixedClock(new Date('2026-10-01T08:00:00Z'))), DatabaseModule.forRoot(), IdentificationModule, LawfulBasesModule],
  })
  class TestModule {}
  const app = await NestFactory.createApplicationContext(TestModule, { logger: false });
  await app.get(LawfulBasisService).add(undefined, TEST_LAWFUL_BASIS, systemActor('test'));
  const population: Row[] = [];
  const employment: Row[] = [];
  for (const [label, p] of Object.entries(people)) {
    const pseudonym = testPseudonym(label);
    population.push({ pseudonym, birth_date: p.birth, sex: 'F', municipality: p.municipality, registered_since: '2000-01-01', deceased_on: null, emigrated_on: null });
    if (p.employed) employment.push({ pseudonym, employer: 'E1', kind: 'EMPLOYEE', employed_from: '2025-01-01', employed_to: null });
  }
  await loadRegisters(db.url, { population, employment }, { asOf: D });
  const who = (pseudonym: string): string => Object.keys(people).find((label) => testPseudonym(label) === pseudonym) ?? pseudonym;
  return {
    db,
    app,
    criteria: app.get(CriteriaService),
    previews: app.get(PreviewService),
    identification: app.get(IdentificationService),
    async openCases(municipality) {
      const rows = await db.query<{ pseudonym: string; cohorts: string; lapsed: boolean }>(
        `SELECT encode(pseudonym, 'hex') AS pseudonym, array_to_string(cohorts, '|') AS cohorts, lapsed_on IS NOT NULL AS lapsed
         FROM cases WHERE municipality = $1 AND status <> 'CLOSED'`,
        [municipality],
      );
      return rows.map((r) => ({ who: who(r.pseudonym), cohorts: r.cohorts, lapsed: r.lapsed })).sort((a, b) => a.who.localeCompare(b.who));
    },
  };
}

/** Ages are full years at D: the national neet-youth finds 16–26, the Vilnius copy is tuned to 17–29. */
const PEOPLE: People = {
  both20: { birth: '2006-05-05', municipality: 'LT-57' },
  both22: { birth: '2004-02-02', municipality: 'LT-57' },
  copyOnly28: { birth: '1998-05-05', municipality: 'LT-57' },
  copyOnly29OnBirthday: { birth: '1997-10-01', municipality: 'LT-57' },
  neither30OnBirthday: { birth: '1996-10-01', municipality: 'LT-57' },
  nationalOnly16: { birth: '2010-01-01', municipality: 'LT-57' },
  employed18: { birth: '2008-03-03', municipality: 'LT-57', employed: true },
  kaunas28: { birth: '1998-01-01', municipality: 'LT-15' },
  kaunas20: { birth: '2006-01-01', municipality: 'LT-15' },
};

describe("previewing a municipality's copy of a national criterion", () => {
  let setting: Setting;
  let criteria: CriteriaService;
  let previews: PreviewService;
  let identification: IdentificationService;
  const openCases = (municipality: string) => setting.openCases(municipality);

  beforeAll(async () => {
    setting = await settle(PEOPLE);
    ({ criteria, previews, identification } = setting);
    await criteria.activate('neet-youth', 'LB-TEST', ACTOR);
    await identification.run({ asOf: D, criteria: ['neet-youth'], trigger: 'test', actor: ACTOR });
  });

  afterAll(async () => {
    await setting?.app.close();
    await setting?.db.drop();
  });

  it('compares a new copy with the national active version in that municipality, and a run then does what it said', async () => {
    expect(await openCases('LT-57')).toEqual([
      { who: 'both20', cohorts: 'neet-youth', lapsed: false },
      { who: 'both22', cohorts: 'neet-youth', lapsed: false },
      { who: 'nationalOnly16', cohorts: 'neet-youth', lapsed: false },
    ]);
    const copy = await criteria.copyForMunicipality('neet-youth', 'LT-57', COPY, ACTOR);
    await criteria.saveDraft(COPY, withAges(copy.definition, 17, 29), ACTOR);

    const preview = await previews.preview({ criterionId: COPY, asOf: D }, ACTOR);
    expect(preview.version).toBe(1);
    expect(preview.diff).toEqual({ criterionId: 'neet-youth', activeVersion: 1, adds: 2, drops: 1 });
    expect(preview.total).toBe(4);
    // Kaunas's people (one of them found by the national criterion) are neither found, added nor dropped.
    expect(preview.byMunicipality).toEqual([{ municipality: 'LT-57', found: 4, adds: 2, drops: 1 }]);
    // Everyone; resident; aged 17–29 (Kaunas's two too: the scope comes last); then the one employed drops out.
    expect(preview.funnel.map((s) => s.remaining)).toEqual([9, 9, 7, 7, 6, 6, 6, 6, 6, 6, 6, 4]);
    expect(preview.funnel[0]).toEqual({ label: 'in the population extract', remaining: Object.keys(PEOPLE).length });
    expect(preview.funnel.at(-1)).toEqual({ label: 'case municipality in scope', remaining: 4 });

    // What the preview said, the run does: the added open new cases, the dropped one lapses, the kept gain the copy.
    await criteria.activate(COPY, 'LB-TEST', ACTOR);
    const { run, repeated } = await identification.run({ asOf: D, trigger: 'test', actor: ACTOR });
    expect(repeated).toBe(false);
    expect(run.casesCreated).toBe(preview.diff!.adds);
    expect(run.casesLapsed).toBe(preview.diff!.drops);
    const after = await openCases('LT-57');
    expect(after).toEqual([
      { who: 'both20', cohorts: `neet-youth|${COPY}`, lapsed: false },
      { who: 'both22', cohorts: `neet-youth|${COPY}`, lapsed: false },
      { who: 'copyOnly28', cohorts: COPY, lapsed: false },
      { who: 'copyOnly29OnBirthday', cohorts: COPY, lapsed: false },
      { who: 'nationalOnly16', cohorts: 'neet-youth', lapsed: true },
    ]);
    expect(after.filter((c) => c.cohorts.includes(COPY))).toHaveLength(preview.total);
    expect(await openCases('LT-15')).toEqual([{ who: 'kaunas20', cohorts: 'neet-youth', lapsed: false }]);
  });

  it("shows the municipality's coordinator the same comparison with small counts as \"<5\"", async () => {
    const own = await criteria.version(COPY, ACTOR);
    await criteria.saveDraft(COPY, withAges(own.definition, 17, 30), ACTOR);
    const preview = await previews.preview({ criterionId: COPY, asOf: D }, COORDINATOR);
    // The copy is live now: its own active version is what a new draft is compared with.
    expect(preview.diff).toEqual({ criterionId: COPY, activeVersion: 1, adds: 1, drops: 0 });
    expect(preview.total).toBe(5);
    expect(shownPreview(preview).diff).toEqual({ criterionId: COPY, activeVersion: 1, adds: 1, drops: 0 });
    expect(shownPreview(preview).total).toBe(5);
  });

  it('has nothing to compare with when the live version itself is previewed', async () => {
    const preview = await previews.preview({ criterionId: COPY, asOf: D, version: 1 }, ACTOR);
    expect(preview.diff).toBeNull();
    expect(preview.total).toBe(4);
  });
});

/**
 * Full years at D in the label: the national neet-youth finds 16–26, Vilnius's copy 17–29, the national
 * draft 18–29.
 */
const NATION: People = {
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

describe('previewing a national criterion while a municipality runs its own copy', () => {
  let setting: Setting;
  let db: TestDatabase;
  let criteria: CriteriaService;
  let previews: PreviewService;
  let identification: IdentificationService;
  const openCases = (municipality: string) => setting.openCases(municipality);

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

  beforeAll(async () => {
    setting = await settle(NATION);
    ({ db, criteria, previews, identification } = setting);
    await criteria.activate('neet-youth', 'LB-TEST', ACTOR);
    const copy = await criteria.copyForMunicipality('neet-youth', 'LT-57', COPY, ACTOR);
    await criteria.saveDraft(COPY, withAges(copy.definition, 17, 29), ACTOR);
  });

  afterAll(async () => {
    await setting?.app.close();
    await setting?.db.drop();
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
    expect(preview.funnel[0]).toEqual({ label: 'in the population extract', remaining: Object.keys(NATION).length });
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
