import { INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClockModule, ErrorCode, FixedClock, isDomainError } from '@tiltas/common';
import { ConfigModule } from '@tiltas/config';
import { DatabaseModule } from '@tiltas/database';
import { CaseWorkService, OutreachModule, type OutreachActor } from '@tiltas/outreach';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { insertCase, insertManyCases, insertUser } from './outreach-factory';

const worker = (userId: string, municipality = 'LT-57'): OutreachActor => ({ userId, role: 'WORKER', municipality, scope: 'municipal' });
const coordinator = (userId: string, municipality = 'LT-57'): OutreachActor => ({ userId, role: 'COORDINATOR', municipality, scope: 'municipal' });

/** Claims until the backlog answers CONFLICT ("nothing left"); returns the case ids in the order taken. */
async function drain(work: CaseWorkService, actor: OutreachActor): Promise<number[]> {
  const taken: number[] = [];
  for (;;) {
    try {
      taken.push((await work.claimNext(actor)).caseId);
    } catch (err) {
      if (isDomainError(err, ErrorCode.CONFLICT)) return taken;
      throw err;
    }
  }
}

jest.setTimeout(120_000);

describe('claiming and assigning cases concurrently', () => {
  let db: TestDatabase;
  let app: INestApplicationContext;
  let work: CaseWorkService;

  beforeAll(async () => {
    db = await createTestDatabase({ DB_POOL_SIZE: '40' });
    @Module({ imports: [ConfigModule.forRoot(db.config), ClockModule.forRoot(new FixedClock(new Date('2026-10-01T08:00:00Z'))), DatabaseModule.forRoot(), OutreachModule] })
    class TestModule {}
    app = await NestFactory.createApplicationContext(TestModule, { logger: false });
    work = app.get(CaseWorkService);
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('lets 32 concurrent claimers drain one municipality with every case claimed exactly once, most urgent first for each claimer', async () => {
    await insertManyCases(db, 600, { municipality: 'LT-57', label: 'drain' });
    await insertManyCases(db, 40, { municipality: 'LT-13', label: 'elsewhere' });
    const workers = await Promise.all(Array.from({ length: 32 }, (_, i) => insertUser(db, `drain-worker-${i}`, 'WORKER', 'LT-57')));

    const results = await Promise.all(workers.map((id) => drain(work, worker(id))));

    const all = results.flat();
    expect(all.length).toBe(600);
    expect(new Set(all).size).toBe(600);
    const expected = await db.query<{ id: string }>(`SELECT id FROM cases WHERE municipality = 'LT-57' ORDER BY id`);
    expect([...all].sort((a, b) => a - b)).toEqual(expected.map((r) => Number(r.id)));
    // More than a handful of claimers got work: the claims really ran side by side.
    expect(results.filter((r) => r.length > 0).length).toBeGreaterThan(8);

    const held = await db.query<{ assigned_to: string; n: string; status: string }>(
      `SELECT assigned_to, status, count(*) AS n FROM cases WHERE municipality = 'LT-57' GROUP BY assigned_to, status`,
    );
    for (const [i, id] of workers.entries()) {
      const row = held.find((h) => h.assigned_to === id);
      expect(Number(row?.n ?? 0)).toBe(results[i].length);
    }
    expect(held.every((h) => h.status === 'ASSIGNED')).toBe(true);
    const untouched = await db.query<{ n: string }>(`SELECT count(*) AS n FROM cases WHERE municipality = 'LT-13' AND status = 'NEW'`);
    expect(Number(untouched[0].n)).toBe(40);

    // Each claimer's cases come in urgency order: anything more urgent was already taken by someone else.
    const keys = new Map(
      (await db.query<{ id: string; priority: number; window_date: string }>(`SELECT id, priority, to_char(window_date, 'YYYY-MM-DD') AS window_date FROM cases WHERE municipality = 'LT-57'`)).map((r) => [
        Number(r.id),
        `${String(r.priority).padStart(6, '0')}|${r.window_date}|${String(r.id).padStart(10, '0')}`,
      ]),
    );
    for (const taken of results) {
      const order = taken.map((id) => keys.get(id)!);
      expect(order).toEqual([...order].sort());
    }

    const logged = await db.query<{ n: string; subjects: string }>(`SELECT count(*) AS n, count(DISTINCT subject) AS subjects FROM audit_log WHERE action = 'case.claimed'`);
    expect(Number(logged[0].n)).toBe(600);
    expect(Number(logged[0].subjects)).toBe(600);
  });

  it('gives exactly one clean CONFLICT when a coordinator assigns the case a worker is claiming', async () => {
    const coordinatorId = await insertUser(db, 'race-coordinator', 'COORDINATOR', 'LT-22');
    const claimerId = await insertUser(db, 'race-claimer', 'WORKER', 'LT-22');
    const otherId = await insertUser(db, 'race-other', 'WORKER', 'LT-22');
    const winners = { claim: 0, assign: 0 };
    for (let round = 0; round < 20; round++) {
      const caseId = await insertCase(db, `race-${round}`, { municipality: 'LT-22' });
      const [claimed, assigned] = await Promise.allSettled([
        work.claimNext(worker(claimerId, 'LT-22')),
        work.assign(coordinator(coordinatorId, 'LT-22'), caseId, otherId, 1),
      ]);
      const failures = [claimed, assigned].filter((r) => r.status === 'rejected');
      expect(failures).toHaveLength(1);
      expect((failures[0] as PromiseRejectedResult).reason).toMatchObject({ code: ErrorCode.CONFLICT });
      const row = await db.query<{ assigned_to: string; version: number; status: string }>(`SELECT assigned_to, version, status FROM cases WHERE id = $1`, [caseId]);
      expect(row[0]).toMatchObject({ status: 'ASSIGNED', version: 2, assigned_to: claimed.status === 'fulfilled' ? claimerId : otherId });
      if (claimed.status === 'fulfilled') winners.claim++;
      else winners.assign++;
      // Each round leaves the municipality without a NEW case, so the next round races for a fresh one.
    }
    expect(winners.claim + winners.assign).toBe(20);
  });

  it('fills the least-loaded workers with the most urgent cases, never past a caseload limit', async () => {
    const m = 'LT-33';
    const coordinatorId = await insertUser(db, 'auto-coordinator', 'COORDINATOR', m);
    const full = await insertUser(db, 'auto-full', 'WORKER', m, 2);
    const busy = await insertUser(db, 'auto-busy', 'WORKER', m, 5);
    const idle = await insertUser(db, 'auto-idle', 'WORKER', m, 5);
    await insertUser(db, 'auto-none', 'WORKER', m, 0);
    for (let i = 0; i < 3; i++) await insertCase(db, `auto-held-${i}`, { municipality: m, status: 'ASSIGNED', assignedTo: busy });
    const backlog: number[] = [];
    for (let i = 0; i < 12; i++) backlog.push(await insertCase(db, `auto-new-${i}`, { municipality: m, priority: 100 - i }));

    const result = await work.autoAssign(coordinator(coordinatorId, m));

    // Room: full 2, busy 5-3=2, idle 5, none 0 → 9 of the 12.
    expect(result.assigned).toBe(9);
    expect(result.backlogLeft).toBe(3);
    const byWorker = Object.fromEntries(result.workers.map((w) => [w.username, { before: w.before, assigned: w.assigned, after: w.after }]));
    expect(byWorker).toEqual({
      'auto-full': { before: 0, assigned: 2, after: 2 },
      'auto-busy': { before: 3, assigned: 2, after: 5 },
      'auto-idle': { before: 0, assigned: 5, after: 5 },
    });
    // The nine most urgent (smallest priority = the last inserted) were the ones given out.
    const left = await db.query<{ id: string }>(`SELECT id FROM cases WHERE municipality = $1 AND status = 'NEW' ORDER BY id`, [m]);
    expect(left.map((r) => Number(r.id))).toEqual(backlog.slice(0, 3));
    // Least-loaded first: the first case went to an empty worker, not to the one already holding three.
    const first = await db.query<{ assigned_to: string }>(`SELECT assigned_to FROM cases WHERE id = $1`, [backlog[11]]);
    expect([full, idle]).toContain(first[0].assigned_to);
    const logged = await db.query<{ n: string }>(`SELECT count(*) AS n FROM audit_log WHERE action = 'case.assigned' AND municipality = $1 AND details->>'mode' = 'auto'`, [m]);
    expect(Number(logged[0].n)).toBe(9);

    const again = await work.autoAssign(coordinator(coordinatorId, m));
    expect(again.assigned).toBe(0);
  });
});
