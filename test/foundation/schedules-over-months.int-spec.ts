import { INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { systemActor } from '@tiltas/audit';
import { ClockModule } from '@tiltas/common';
import { ConfigModule } from '@tiltas/config';
import { DatabaseModule } from '@tiltas/database';
import { CriteriaService, IdentificationModule, systemIdentificationActor } from '@tiltas/identification';
import { LawfulBasesModule, LawfulBasisService } from '@tiltas/lawful-bases';
import { TEST_LAWFUL_BASIS, loadRegisters, testPseudonym, type Rows } from '../../libs/identification/src/testing/register-loader';
import { AuditAnchorSchedule } from '../../apps/worker/src/audit-anchor.schedule';
import { IdentifySchedule } from '../../apps/worker/src/identify.schedule';
import { RetentionSchedule } from '../../apps/worker/src/retention.schedule';
import { SchedulesService } from '../../apps/worker/src/schedules.service';
import { WorkerModule } from '../../apps/worker/src/worker.module';
import { TestDatabase, createTestDatabase } from '../support/test-database';

jest.setTimeout(300_000);

const REPLICAS = 3;
const PEOPLE = 12;
/** Fifty days across each of Europe/Vilnius's DST changes: 100 simulated days. */
const WINDOWS: ReadonlyArray<[string, string]> = [
  ['2026-10-01T00:00:00Z', '2026-11-20T00:00:00Z'], // clocks go back on 2026-10-25
  ['2027-03-05T00:00:00Z', '2027-04-24T00:00:00Z'], // clocks go forward on 2027-03-28
];
/** In the hour the clocks skip in March and repeat in October. */
const IDENTIFY_CRON = '30 3 * * *';
const RETENTION_CRON = '15 3 * * *';
const ANCHOR_CRON = '0 0,12 * * *';
const SEAL_CRON = '0 */6 * * *';

function localDates(): string[] {
  const out: string[] = [];
  for (const [from, to] of WINDOWS) {
    for (let t = Date.parse(from); t < Date.parse(to); t += 86_400_000) out.push(new Date(t).toISOString().slice(0, 10));
  }
  return out;
}

async function waitFor(probe: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const until = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > until) throw new Error(`${what} not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * Three worker replicas driven through 100 days by a clock that steps from one fire time to the next, as
 * the cron engine computes them in Europe/Vilnius: at every instant each replica ticks each schedule, as
 * three real processes would. Every schedule runs once per period, identification once per local date
 * (the day the clocks skip 03:30 included), and nobody gets a second case.
 */
describe('schedules over 100 days with three worker replicas', () => {
  let db: TestDatabase;
  const workers: INestApplicationContext[] = [];

  beforeAll(async () => {
    db = await createTestDatabase({
      IDENTIFY_CRON,
      RETENTION_CRON,
      AUDIT_ANCHOR_CRON: ANCHOR_CRON,
      AUDIT_SEAL_CRON: SEAL_CRON,
      SCHEDULE_TIME_ZONE: 'Europe/Vilnius',
    });
    @Module({ imports: [ConfigModule.forRoot(db.config), ClockModule.forRoot(), DatabaseModule.forRoot(), IdentificationModule, LawfulBasesModule] })
    class SetupModule {}
    const setup = await NestFactory.createApplicationContext(SetupModule, { logger: false });
    try {
      await setup.get(LawfulBasisService).add(undefined, TEST_LAWFUL_BASIS, systemActor('test'));
      await setup.get(CriteriaService).activate('neet-youth', 'LB-TEST', systemIdentificationActor('test'));
    } finally {
      await setup.close();
    }
    const population = Array.from({ length: PEOPLE }, (_, i) => ({
      pseudonym: testPseudonym(`months-${i}`), birth_date: '2006-05-05', sex: 'M', municipality: 'LT-13', registered_since: '2000-01-01', deceased_on: null, emigrated_on: null,
    }));
    await loadRegisters(db.url, { population } as Rows, { asOf: '2026-09-30' });
    for (let i = 0; i < REPLICAS; i++) {
      workers.push(await NestFactory.createApplicationContext(WorkerModule.forRoot({ config: db.config, schedules: false }), { logger: false }));
    }
  });

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.close()));
    await db?.drop();
  });

  it('fires every schedule once per period, identifies each local date once, and makes each case once', async () => {
    const engine = workers[0].get(SchedulesService);
    const plan: Array<{ name: string; cron: string; tick: (w: INestApplicationContext, at: Date) => Promise<string> }> = [
      { name: 'identify.run', cron: IDENTIFY_CRON, tick: (w, at) => w.get(IdentifySchedule).tick(at) },
      { name: 'retention.run', cron: RETENTION_CRON, tick: (w, at) => w.get(RetentionSchedule).tick(at) },
      { name: 'audit.anchor', cron: ANCHOR_CRON, tick: (w, at) => w.get(AuditAnchorSchedule).tick(at) },
      { name: 'audit.seal', cron: SEAL_CRON, tick: (w, at) => w.get(AuditAnchorSchedule).sealTick(at) },
    ];
    const expected = new Map<string, Set<string>>();
    const instants: Array<{ at: Date; step: (typeof plan)[number] }> = [];
    for (const step of plan) {
      for (const [from, to] of WINDOWS) for (const at of engine.fireTimes(step.cron, new Date(from), new Date(to))) instants.push({ at, step });
    }
    instants.sort((a, b) => a.at.getTime() - b.at.getTime());
    for (const { at, step } of instants) {
      const ids = await Promise.all(workers.map((w) => step.tick(w, at)));
      expect(new Set(ids).size).toBe(1);
      const set = expected.get(step.name) ?? new Set<string>();
      set.add(ids[0]);
      expected.set(step.name, set);
    }

    // The engine fires the daily schedules once on every local date, in the skipped and repeated hours too.
    const dates = localDates();
    expect(dates).toHaveLength(100);
    expect([...expected.get('identify.run')!].sort()).toEqual(dates.map((d) => `identify.run@${d}`));
    expect(expected.get('retention.run')!.size).toBe(100);
    expect(expected.get('audit.anchor')!.size).toBe(200);
    expect(expected.get('audit.seal')!.size).toBe(400);

    const total = [...expected.values()].reduce((n, s) => n + s.size, 0);
    await waitFor(
      async () => Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM job_run WHERE status = 'COMPLETED'`))[0].n) >= total,
      240_000,
      `${total} jobs completed`,
    );
    // Time for a duplicate, had there been one, to run.
    await new Promise((r) => setTimeout(r, 1_500));
    const ledger = await db.query<{ name: string; job_id: string; status: string; attempts: number }>(`SELECT name, job_id, status, attempts FROM job_run ORDER BY job_id`);
    for (const [name, ids] of expected) {
      const rows = ledger.filter((r) => r.name === name);
      expect(rows.map((r) => r.job_id).sort()).toEqual([...ids].sort());
      expect(rows.every((r) => r.status === 'COMPLETED' && r.attempts === 1)).toBe(true);
    }
    expect(ledger).toHaveLength(total);

    const runs = await db.query<{ as_of: string; n: string }>(`SELECT to_char(as_of, 'YYYY-MM-DD') AS as_of, count(*) AS n FROM identification_run GROUP BY as_of ORDER BY as_of`);
    expect(runs).toEqual(dates.map((d) => ({ as_of: d, n: '1' })));
    const cases = await db.query<{ n: string; people: string }>(`SELECT count(*) AS n, count(DISTINCT pseudonym) AS people FROM cases`);
    expect(cases).toEqual([{ n: String(PEOPLE), people: String(PEOPLE) }]);
    const runEntries = await db.query<{ n: string }>(`SELECT count(*) AS n FROM audit_log WHERE action = 'identification.run'`);
    expect(Number(runEntries[0].n)).toBe(100);
  });
});
