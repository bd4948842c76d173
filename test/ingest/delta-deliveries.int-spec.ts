import { INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { systemActor } from '@tiltas/audit';
import { ClockModule, FixedClock } from '@tiltas/common';
import { ConfigModule } from '@tiltas/config';
import { DatabaseModule } from '@tiltas/database';
import { CriteriaService, IdentificationModule, IdentificationService, IdentifyHandler, systemIdentificationActor } from '@tiltas/identification';
import { LawfulBasesModule, LawfulBasisService } from '@tiltas/lawful-bases';
import { deltaJobId, JobProducer, QueueModule, QueueName } from '@tiltas/queue';
import { formatOutcomeLine, IngestOutcome, IngestService, RegistersModule, RetentionService } from '@tiltas/registers';
import { STANDARD_CRITERION_IDS } from '@tiltas/targeting';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { SAMPLE_DIR } from '../fixtures';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { freshDir, writeDelivery } from './ingest-fixtures';

/**
 * Delta deliveries (spec/extracts.md "Delta deliveries") over the conformance sample: what a delta does to
 * the register's data, what a bad one leaves (nothing), and the same-day run of its persons, held against
 * a full run at the same D over the same merged data in a second, independent system.
 */
jest.setTimeout(120_000);

const ACTOR = systemActor('test');
const RUN_ACTOR = systemIdentificationActor('test');
const D0 = '2026-10-01';
/** Today in Vilnius for the clock below (06:00 UTC is 09:00 there): the delta's D. */
const D = '2026-10-05';
const PRISON_HEADER = 'pseudonym,institution,custody_from,released_on,expected_release_on,release_municipality';

interface System {
  readonly db: TestDatabase;
  readonly app: INestApplicationContext;
  readonly clock: FixedClock;
}

async function startSystem(): Promise<System> {
  const db = await createTestDatabase();
  const clock = new FixedClock(new Date(`${D}T06:00:00Z`));
  @Module({
    imports: [
      ConfigModule.forRoot(db.config),
      ClockModule.forRoot(clock),
      DatabaseModule.forRoot({ owner: true }),
      QueueModule,
      RegistersModule.forRoot({ ingest: true }),
      LawfulBasesModule,
      IdentificationModule,
    ],
    providers: [IdentifyHandler],
  })
  class DeltaModule {}
  const app = await NestFactory.createApplicationContext(DeltaModule, { logger: false, abortOnError: false });
  await app.get(LawfulBasisService).add(undefined, JSON.parse(await readFile(join(SAMPLE_DIR, 'lawful-basis.json'), 'utf8')), ACTOR);
  return { db, app, clock };
}

async function stopSystem(s: System | undefined): Promise<void> {
  await s?.app.close();
  await s?.db.drop();
}

/** The sample's people, read from its population extract. */
async function samplePeople(): Promise<Array<{ pseudonym: string; birthDate: string; dead: boolean }>> {
  const [, ...lines] = (await readFile(join(SAMPLE_DIR, 'population.csv'), 'utf8')).trim().split(/\r?\n/);
  const seen = new Map<string, number>();
  const rows = lines.map((l) => l.split(','));
  for (const r of rows) seen.set(r[0], (seen.get(r[0]) ?? 0) + 1);
  return rows
    .filter((r) => /^[0-9a-f]{64}$/.test(r[0]) && seen.get(r[0]) === 1)
    .map((r) => ({ pseudonym: r[0], birthDate: r[1], dead: r[5] !== '' || r[6] !== '' }));
}

async function prisonPseudonyms(): Promise<Set<string>> {
  const [, ...lines] = (await readFile(join(SAMPLE_DIR, 'prison.csv'), 'utf8')).trim().split(/\r?\n/);
  return new Set(lines.map((l) => l.split(',')[0]));
}

/** The sample's answer at D0: the cases of `cohort`, or every case for ''. */
async function expectedCases(cohort: string): Promise<Array<{ pseudonym: string; municipality: string }>> {
  const [, ...lines] = (await readFile(join(SAMPLE_DIR, 'expected-cases.csv'), 'utf8')).trim().split(/\r?\n/);
  return lines
    .map((l) => l.split(','))
    .filter((r) => cohort === '' || r[2].split('|').includes(cohort))
    .map((r) => ({ pseudonym: r[0], municipality: r[1] }));
}

/** The register's rows identification reads (the ACTIVE extract's partition), as comparable text. */
async function activeRows(db: TestDatabase, register: string): Promise<Array<{ pseudonym: string; row: string; delta: number | null }>> {
  return db.query(
    `SELECT encode(r.pseudonym, 'hex') AS pseudonym, concat_ws('|', r.institution, r.custody_from, r.released_on, r.expected_release_on, r.release_municipality) AS row,
            r.delta_extract_id AS delta
       FROM reg_${register} r JOIN extract e ON e.id = r.extract_id AND e.status = 'ACTIVE'
      ORDER BY 1, 2`,
  );
}

/** The cases of these persons as the rules shape them: where, which cohorts, how urgent, open or lapsed. */
async function casesOf(db: TestDatabase, pseudonyms: readonly string[]): Promise<string[]> {
  const rows = await db.query<{ line: string }>(
    `SELECT concat_ws(' ', encode(pseudonym, 'hex'), municipality, array_to_string(cohorts, '|'), status, priority, window_date, lapsed_on IS NOT NULL) AS line
       FROM cases WHERE encode(pseudonym, 'hex') = ANY($1::text[]) ORDER BY 1`,
    [[...pseudonyms]],
  );
  return rows.map((r) => r.line);
}

async function extractStates(db: TestDatabase): Promise<Array<{ id: number; status: string }>> {
  return db.query(`SELECT id, status FROM extract WHERE status <> 'REJECTED' ORDER BY id`);
}

/** Stand-alone tables of extracts (a delta's own table must not outlive its load, accepted or not). */
async function extractTables(db: TestDatabase, register: string): Promise<string[]> {
  const rows = await db.query<{ relname: string }>(`SELECT relname FROM pg_class WHERE relkind = 'r' AND relname LIKE $1 ORDER BY 1`, [`reg\\_${register}\\_e%`]);
  return rows.map((r) => r.relname);
}

async function loadSample(s: System): Promise<void> {
  const outcomes = await s.app.get(IngestService).loadDirectory(SAMPLE_DIR, ACTOR);
  expect(outcomes.filter((o) => o.status !== 'ACCEPTED')).toEqual([]);
  const criteria = s.app.get(CriteriaService);
  for (const id of STANDARD_CRITERION_IDS) await criteria.activate(id, 'LB-SAMPLE', RUN_ACTOR);
}

async function loadDelta(s: System, dir: string): Promise<IngestOutcome> {
  const outcomes = await s.app.get(IngestService).loadDirectory(dir, ACTOR);
  expect(outcomes).toHaveLength(1);
  return outcomes[0];
}

describe('delta deliveries', () => {
  let a: System;
  let b: System | undefined;
  let work: string;
  /** The delta's persons: a new pre-release case, a listed pre-release person released meanwhile, a prisoner now out, an opted-out person. */
  let people: { fresh: string; listed: string; listedMunicipality: string; twoRows: string; optedOut: string };
  let deltaCsv: string;
  let deltaDir: string;
  let deltaId: number;
  let fullPrisonId: number;

  beforeAll(async () => {
    work = await freshDir('tiltas-delta-');
    a = await startSystem();
    const inPrison = await prisonPseudonyms();
    const listedAtD0 = new Set((await expectedCases('')).map((c) => c.pseudonym));
    const adults = (await samplePeople()).filter(
      (p) => !p.dead && p.birthDate >= '1960-01-01' && p.birthDate <= '1990-12-31' && !inPrison.has(p.pseudonym) && !listedAtD0.has(p.pseudonym),
    );
    const listed = (await expectedCases('pre-release'))[0];
    const [, ...prisonLines] = (await readFile(join(SAMPLE_DIR, 'prison.csv'), 'utf8')).trim().split(/\r?\n/);
    const counts = new Map<string, number>();
    for (const l of prisonLines) counts.set(l.split(',')[0], (counts.get(l.split(',')[0]) ?? 0) + 1);
    const twoRows = [...counts].find(([p, n]) => n === 2 && p !== listed.pseudonym)![0];
    people = { fresh: adults[0].pseudonym, listed: listed.pseudonym, listedMunicipality: listed.municipality, twoRows, optedOut: adults[1].pseudonym };
    deltaCsv = [
      PRISON_HEADER,
      // In custody, to be released within 60 days of D, into another municipality: pre-release today.
      `${people.fresh},P3,2026-06-01,,2026-10-20,LT-13`,
      // Listed pre-release at D0, released two days before D: recent-release now.
      `${people.listed},P2,2025-01-10,2026-10-03,,${people.listedMunicipality}`,
      // Two rows of custody replace the two the full extract had.
      `${people.twoRows},P1,2020-01-01,2021-01-01,,LT-57`,
      `${people.twoRows},P4,2026-09-01,,2026-11-15,LT-15`,
      // Would be pre-release, but opted out: no case, as in a full run.
      `${people.optedOut},P5,2026-07-01,,2026-10-30,LT-20`,
    ].join('\n') + '\n';
    deltaDir = await writeDelivery(join(work, 'delta'), 'prison', deltaCsv, { asOf: D, lawfulBasis: 'LB-SAMPLE', pseudonymKeyId: 'k-sample', manifest: { delivery: 'delta' } });
  });

  afterAll(async () => {
    await stopSystem(a);
    await stopSystem(b);
    await rm(work, { recursive: true, force: true });
  });

  it('refuses a delta while the register has no ACTIVE full extract, and keeps nothing of it', async () => {
    const outcome = await loadDelta(a, deltaDir);
    expect(outcome).toMatchObject({ register: 'prison', status: 'REJECTED', delivery: 'delta' });
    expect(outcome.reason).toBe('a delta delivery changes the ACTIVE full extract of prison, and there is none: send a full delivery of prison first');
    expect(formatOutcomeLine(outcome)).toMatch(/^prison 2026-10-05 REJECTED rows=0 quarantined=0 delivery=delta reason=a delta delivery changes/);
    expect(await a.db.query(`SELECT count(*)::int AS n FROM reg_prison`)).toEqual([{ n: 0 }]);
    expect(await extractTables(a.db, 'prison')).toEqual([]);
  });

  it('applies a delta: its persons get exactly its rows, everyone else keeps theirs, and the rows name the delta', async () => {
    await loadSample(a);
    await a.app.get(IdentificationService).run({ asOf: D0, trigger: 'test', actor: RUN_ACTOR });
    await a.db.query(`INSERT INTO opt_out (pseudonym, recorded_by) VALUES (decode($1, 'hex'), 'test')`, [people.optedOut]);
    const before = await activeRows(a.db, 'prison');
    fullPrisonId = (await a.db.query<{ id: number }>(`SELECT id FROM extract WHERE register = 'prison' AND status = 'ACTIVE'`))[0].id;
    const tablesBefore = await extractTables(a.db, 'prison');

    const outcome = await loadDelta(a, deltaDir);
    expect(outcome).toMatchObject({ register: 'prison', asOf: D, status: 'ACCEPTED', rows: 5, quarantined: 0, delivery: 'delta' });
    expect(formatOutcomeLine(outcome)).toBe('prison 2026-10-05 ACCEPTED rows=5 quarantined=0 delivery=delta');
    deltaId = outcome.extractId!;
    expect(outcome.identificationJobId).toBe(deltaJobId(deltaId));

    const inDelta = new Set(Object.values(people).filter((p) => /^[0-9a-f]{64}$/.test(p)));
    const after = await activeRows(a.db, 'prison');
    expect(after.filter((r) => !inDelta.has(r.pseudonym))).toEqual(before.filter((r) => !inDelta.has(r.pseudonym)));
    const expected = deltaCsv
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(','))
      .map(([pseudonym, ...rest]) => ({ pseudonym, row: rest.filter((f) => f !== '').join('|'), delta: deltaId }));
    const got = after.filter((r) => inDelta.has(r.pseudonym));
    expect(got.map((r) => `${r.pseudonym} ${r.delta}`).sort()).toEqual(expected.map((r) => `${r.pseudonym} ${r.delta}`).sort());
    expect(got.map((r) => r.row).sort()).toEqual(expected.map((r) => r.row).sort());
    expect(before.filter((r) => r.pseudonym === people.twoRows)).toHaveLength(2);

    // The full extract stays the ACTIVE one; the delta is APPLIED to it; its own table is gone.
    const rows = await a.db.query(`SELECT id, status, delivery, applied_to AS "appliedTo" FROM extract WHERE register = 'prison' ORDER BY id`);
    expect(rows.slice(-2)).toEqual([
      { id: fullPrisonId, status: 'ACTIVE', delivery: 'full', appliedTo: null },
      { id: deltaId, status: 'APPLIED', delivery: 'delta', appliedTo: fullPrisonId },
    ]);
    expect(await extractTables(a.db, 'prison')).toEqual(tablesBefore);
    const audit = await a.db.query<{ details: Record<string, unknown> }>(`SELECT details FROM audit_log WHERE action = 'extract.accepted' AND object_id = $1`, [String(deltaId)]);
    expect(audit).toHaveLength(1);
    const replaced = before.filter((r) => inDelta.has(r.pseudonym)).length;
    expect(replaced).toBeGreaterThanOrEqual(3);
    expect(audit[0].details).toMatchObject({ delivery: 'delta', status: 'APPLIED', appliedToExtractId: fullPrisonId, persons: 4, rowsAdded: 5, rowsReplaced: replaced });
  });

  it('loading the same delta again is a no-op that says so', async () => {
    const rowsBefore = await activeRows(a.db, 'prison');
    const outcome = await loadDelta(a, deltaDir);
    expect(outcome).toMatchObject({ status: 'ALREADY_LOADED', extractId: deltaId, delivery: 'delta' });
    expect(formatOutcomeLine(outcome)).toBe('prison 2026-10-05 ALREADY_LOADED rows=5 quarantined=0 delivery=delta');
    expect(await activeRows(a.db, 'prison')).toEqual(rowsBefore);
  });

  describe('a bad delta is rejected whole and changes nothing', () => {
    async function expectRejected(dir: string, reason: RegExp): Promise<IngestOutcome> {
      const rows = await activeRows(a.db, 'prison');
      const states = await extractStates(a.db);
      const tables = await extractTables(a.db, 'prison');
      const quarantine = await a.db.query(`SELECT count(*)::int AS n FROM extract_quarantine`);
      const outcome = await loadDelta(a, dir);
      expect(outcome.status).toBe('REJECTED');
      expect(outcome.reason).toMatch(reason);
      expect(await activeRows(a.db, 'prison')).toEqual(rows);
      expect(await extractStates(a.db)).toEqual(states);
      expect(await extractTables(a.db, 'prison')).toEqual(tables);
      expect(await a.db.query(`SELECT count(*)::int AS n FROM extract_quarantine`)).toEqual(quarantine);
      return outcome;
    }
    const delivery = (name: string, csv: string, asOf: string, manifest: Record<string, unknown> = { delivery: 'delta' }) =>
      writeDelivery(join(work, name), 'prison', csv, { asOf, lawfulBasis: 'LB-SAMPLE', pseudonymKeyId: 'k-sample', manifest });

    it('with an asOf before the ACTIVE extract\'s, naming both dates', async () => {
      const outcome = await expectRejected(await delivery('early', `${PRISON_HEADER}\n${people.fresh},P9,2026-01-01,,2026-10-10,LT-01\n`, '2026-09-30'), /2026-09-30.*2026-10-01/);
      expect(outcome.reason).toBe("delta asOf 2026-09-30 is before the ACTIVE prison extract's asOf 2026-10-01: a delta must be on or after it");
    });

    it('with an asOf before a delta already applied', async () => {
      await expectRejected(await delivery('older-delta', `${PRISON_HEADER}\n${people.fresh},P9,2026-01-01,,2026-10-10,LT-01\n`, '2026-10-03'), /delta asOf 2026-10-03 is before 2026-10-05/);
    });

    it('with more of its own rows quarantined than the 1% allowed', async () => {
      const rows = Array.from({ length: 10 }, (_, i) => `${people.fresh},P${i},2026-01-0${(i % 9) + 1},,2026-10-10,LT-01`);
      rows[3] = `${people.fresh},P3,2026-02-30,,2026-10-10,LT-01`;
      rows[7] = `${people.fresh},P7,2026-01-01,,2026-10-10,LT-99`;
      await expectRejected(await delivery('quarantined', `${PRISON_HEADER}\n${rows.join('\n')}\n`, D), /2 of 10 rows quarantined, more than the 1% allowed \(at most 1\)/);
    });

    it('with a delivery value the contract does not know', async () => {
      const outcome = await expectRejected(await delivery('partial', `${PRISON_HEADER}\n${people.fresh},P9,2026-01-01,,2026-10-10,LT-01\n`, D, { delivery: 'partial' }), /delivery "partial" is not a kind of delivery/);
      expect(outcome.asOf).toBeNull();
    });

    it('with a pseudonym key other than the ACTIVE extract\'s', async () => {
      const dir = await writeDelivery(join(work, 'key'), 'prison', `${PRISON_HEADER}\n${people.fresh},P9,2026-01-01,,2026-10-10,LT-01\n`, {
        asOf: D,
        lawfulBasis: 'LB-SAMPLE',
        pseudonymKeyId: 'k-other',
        manifest: { delivery: 'delta' },
      });
      await expectRejected(dir, /delta pseudonym key id k-other differs from k-sample/);
    });
  });

  it('identifies the delta\'s persons the same day, in the job named by the delta, as a delta run', async () => {
    const job = await a.app.get(JobProducer).queue(QueueName.IDENTIFY).getJob(deltaJobId(deltaId));
    expect(job?.data).toEqual({ extractId: deltaId, asOf: D });
    // Until it has run, the schedule's catch-up would queue it again (under the same job id).
    expect(await a.app.get(IdentificationService).unidentifiedDeltas(a.clock.now())).toEqual([deltaId]);
    const handler = a.app.get(IdentifyHandler);
    const result = await handler.handleDelta(job!.data as { extractId: number; asOf: string });
    expect(result).toMatchObject({ repeated: false, persons: 4 });
    expect(await a.app.get(IdentificationService).unidentifiedDeltas(a.clock.now())).toEqual([]);

    const runs = await a.db.query<{ id: number; kind: string; delta: number; trigger: string; asOf: string; criteria: Array<{ id: string }> }>(
      `SELECT id, kind, delta_extract_id AS delta, trigger, to_char(as_of, 'YYYY-MM-DD') AS "asOf", criteria FROM identification_run ORDER BY id`,
    );
    const run = runs[runs.length - 1];
    expect(run).toMatchObject({ kind: 'delta', delta: deltaId, trigger: 'ingest', asOf: D });
    // Every ACTIVE criterion that reads prison, and no other.
    expect(run.criteria.map((c) => c.id)).toEqual(['neet-youth', 'pre-release', 'recent-release']);

    const fresh = await a.db.query<{ municipality: string; cohorts: string[]; created_run_id: number }>(
      `SELECT municipality, cohorts, created_run_id FROM cases WHERE pseudonym = decode($1, 'hex')`,
      [people.fresh],
    );
    expect(fresh).toEqual([{ municipality: 'LT-13', cohorts: ['pre-release'], created_run_id: run.id }]);
    const reason = await a.db.query<{ reason: { custody: Record<string, unknown> } }>(
      `SELECT r.reason FROM case_reason r JOIN cases c ON c.id = r.case_id WHERE c.pseudonym = decode($1, 'hex')`,
      [people.fresh],
    );
    expect(Object.values(reason[0].reason).find((v) => typeof v === 'object')).toMatchObject({ delta_extract_id: deltaId, expected_release_on: '2026-10-20' });
    expect(await casesOf(a.db, [people.optedOut])).toEqual([]);
    const entry = await a.db.query<{ details: Record<string, unknown> }>(`SELECT details FROM audit_log WHERE action = 'identification.run' AND object_id = $1`, [String(run.id)]);
    expect(entry[0].details).toMatchObject({ kind: 'delta', deltaExtractId: deltaId, persons: 4, asOf: D });

    // The job once more (a second replica, a retry): nothing new.
    const cases = await a.db.query(`SELECT count(*)::int AS n FROM cases`);
    expect(await handler.handleDelta({ extractId: deltaId, asOf: D })).toMatchObject({ repeated: true, runId: run.id });
    expect(await a.db.query(`SELECT count(*)::int AS n FROM cases`)).toEqual(cases);
  });

  it('gives each of the delta\'s persons what a full run at D over the same data gives them, and the full run later adds nothing for them', async () => {
    const persons = [people.fresh, people.listed, people.twoRows, people.optedOut];
    const sameDay = await casesOf(a.db, persons);
    // A cohort is never taken off an open case: the released person's case keeps pre-release.
    expect(sameDay.find((l) => l.startsWith(`${people.listed} ${people.listedMunicipality} `))).toMatch(/ pre-release/);

    // An independent system with the same history: the sample, the run at D0, the opt-out, the delta; then a full run at D.
    b = await startSystem();
    await loadSample(b);
    await b.app.get(IdentificationService).run({ asOf: D0, trigger: 'test', actor: RUN_ACTOR });
    await b.db.query(`INSERT INTO opt_out (pseudonym, recorded_by) VALUES (decode($1, 'hex'), 'test')`, [people.optedOut]);
    expect((await loadDelta(b, deltaDir)).status).toBe('ACCEPTED');
    await b.app.get(IdentificationService).run({ asOf: D, trigger: 'test', actor: RUN_ACTOR });
    expect(sameDay).toEqual(await casesOf(b.db, persons));
    expect(sameDay.length).toBeGreaterThanOrEqual(2);

    // The full run at D on the first system: a run of its own (the data changed), nothing new for the delta's persons.
    const full = await a.app.get(IdentificationService).run({ asOf: D, trigger: 'test', actor: RUN_ACTOR });
    expect(full.repeated).toBe(false);
    expect(full.run.extracts.find((e) => e.register === 'prison')).toEqual({ register: 'prison', id: fullPrisonId, asOf: D0, deltaIds: [deltaId] });
    expect(await casesOf(a.db, persons)).toEqual(sameDay);
    // And the whole of both systems agrees.
    const all = async (s: System) => (await s.db.query<{ line: string }>(`SELECT concat_ws(' ', encode(pseudonym, 'hex'), municipality, array_to_string(cohorts, '|'), status) AS line FROM cases ORDER BY 1`)).map((r) => r.line);
    expect(await all(a)).toEqual(await all(b));
  });

  it('a full delivery older than an applied delta is kept for the record only, not activated', async () => {
    const csv = await readFile(join(SAMPLE_DIR, 'prison.csv'));
    const dir = await writeDelivery(join(work, 'older-full'), 'prison', csv, { asOf: '2026-10-03', lawfulBasis: 'LB-SAMPLE', pseudonymKeyId: 'k-sample' });
    const rows = await activeRows(a.db, 'prison');
    const outcome = await loadDelta(a, dir);
    expect(outcome).toMatchObject({ status: 'NOT_ACTIVATED', delivery: 'full' });
    expect(formatOutcomeLine(outcome)).toBe('prison 2026-10-03 NOT_ACTIVATED rows=159 quarantined=1');
    expect(await activeRows(a.db, 'prison')).toEqual(rows);
  });

  it('a later full delivery supersedes the full extract and every delta before it, and retention purges them both', async () => {
    const csv = await readFile(join(SAMPLE_DIR, 'prison.csv'));
    const dir = await writeDelivery(join(work, 'later-full'), 'prison', csv, { asOf: '2026-10-06', lawfulBasis: 'LB-SAMPLE', pseudonymKeyId: 'k-sample' });
    const outcome = await loadDelta(a, dir);
    expect(outcome).toMatchObject({ status: 'ACCEPTED', delivery: 'full' });
    const states = await a.db.query(`SELECT id, status FROM extract WHERE id = ANY($1::int[]) ORDER BY id`, [[fullPrisonId, deltaId, outcome.extractId]]);
    expect(states).toEqual([
      { id: fullPrisonId, status: 'SUPERSEDED' },
      { id: deltaId, status: 'SUPERSEDED' },
      { id: outcome.extractId, status: 'ACTIVE' },
    ]);
    const rows = await activeRows(a.db, 'prison');
    expect(rows.filter((r) => r.delta !== null)).toEqual([]);
    expect(rows.filter((r) => r.pseudonym === people.fresh)).toEqual([]);
    expect(rows.filter((r) => r.pseudonym === people.twoRows)).toHaveLength(2);
    const audit = await a.db.query<{ details: Record<string, unknown> }>(`SELECT details FROM audit_log WHERE action = 'extract.accepted' AND object_id = $1`, [String(outcome.extractId)]);
    expect(audit[0].details).toMatchObject({ supersededExtractId: fullPrisonId, supersededDeltaIds: [deltaId] });
    // A superseded delta's run has nothing left to read.
    expect(await a.app.get(IdentificationService).runDelta({ extractId: deltaId, asOf: D, trigger: 'test', actor: RUN_ACTOR })).toMatchObject({ kind: 'ran', repeated: true });

    a.clock.advance(400 * 86_400_000);
    try {
      const purged = await a.app.get(RetentionService).purgeSupersededExtracts();
      expect(purged.map((p) => p.id)).toEqual(expect.arrayContaining([fullPrisonId, deltaId]));
    } finally {
      a.clock.set(`${D}T06:00:00Z`);
    }
    expect(await a.db.query(`SELECT id, status FROM extract WHERE id = ANY($1::int[]) ORDER BY id`, [[fullPrisonId, deltaId]])).toEqual([
      { id: fullPrisonId, status: 'PURGED' },
      { id: deltaId, status: 'PURGED' },
    ]);
    expect(await extractTables(a.db, 'prison')).not.toContain(`reg_prison_e${fullPrisonId}`);
    expect(await a.db.query(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'retention.purged' AND object_id = $1`, [String(deltaId)])).toEqual([{ n: 1 }]);
  });
});
