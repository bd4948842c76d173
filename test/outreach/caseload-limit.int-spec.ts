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

async function settle<T>(work: Promise<T>): Promise<T | 'refused'> {
  try {
    return await work;
  } catch (err) {
    if (isDomainError(err, ErrorCode.CONFLICT)) return 'refused';
    throw err;
  }
}

async function openLoad(db: TestDatabase, userId: string): Promise<number> {
  const rows = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM cases WHERE assigned_to = $1 AND status IN ('ASSIGNED', 'IN_PROGRESS')`, [userId]);
  return rows[0].n;
}

jest.setTimeout(120_000);

describe('the caseload limit on every way of taking a case', () => {
  let db: TestDatabase;
  let app: INestApplicationContext;
  let work: CaseWorkService;
  let boss: string;

  beforeAll(async () => {
    db = await createTestDatabase({ DB_POOL_SIZE: '30' });
    @Module({ imports: [ConfigModule.forRoot(db.config), ClockModule.forRoot(new FixedClock(new Date('2026-10-01T08:00:00Z'))), DatabaseModule.forRoot(), OutreachModule] })
    class TestModule {}
    app = await NestFactory.createApplicationContext(TestModule, { logger: false });
    work = app.get(CaseWorkService);
    await insertManyCases(db, 300, { municipality: 'LT-57', label: 'limit' });
    boss = await insertUser(db, 'limit-coordinator', 'COORDINATOR', 'LT-57');
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('lets 25 parallel claim-next calls by one worker with a limit of 7 take exactly 7 cases', async () => {
    const id = await insertUser(db, 'limit-parallel', 'WORKER', 'LT-57', 7);
    const results = await Promise.all(Array.from({ length: 25 }, () => settle(work.claimNext(worker(id)))));
    expect(results.filter((r) => r !== 'refused')).toHaveLength(7);
    expect(results.filter((r) => r === 'refused')).toHaveLength(18);
    expect(await openLoad(db, id)).toBe(7);
  });

  it('holds the limit exactly when claims of chosen cases, claim-next and a coordinator\'s assignments race for one worker', async () => {
    const id = await insertUser(db, 'limit-mixed', 'WORKER', 'LT-57', 5);
    const free = await db.query<{ id: string; version: number }>(`SELECT id, version FROM cases WHERE status = 'NEW' ORDER BY id DESC LIMIT 12`);
    const attempts = [
      ...free.slice(0, 6).map((c) => settle(work.claim(worker(id), Number(c.id), c.version))),
      ...free.slice(6, 12).map((c) => settle(work.assign(coordinator(boss), Number(c.id), id, c.version))),
      ...Array.from({ length: 6 }, () => settle(work.claimNext(worker(id)))),
    ];
    const results = await Promise.all(attempts);
    expect(results.filter((r) => r !== 'refused')).toHaveLength(5);
    expect(await openLoad(db, id)).toBe(5);
  });

  it('refuses a claim past the limit with the load and the limit named, and lets it through once a case closes', async () => {
    const id = await insertUser(db, 'limit-full', 'WORKER', 'LT-57', 2);
    await work.claimNext(worker(id));
    const second = await work.claimNext(worker(id));
    await expect(work.claimNext(worker(id))).rejects.toMatchObject({ code: ErrorCode.CONFLICT, details: { load: 2, caseloadLimit: 2 } });
    await db.query(`UPDATE cases SET status = 'CLOSED', outcome = 'UNREACHABLE', closed_at = now() WHERE id = $1`, [second.caseId]);
    await expect(work.claimNext(worker(id))).resolves.toMatchObject({ status: 'ASSIGNED', assignedTo: id });
    expect(await openLoad(db, id)).toBe(2);
  });

  it('fills no worker past their limit when automatic assignment runs beside their own claims', async () => {
    const a = await insertUser(db, 'limit-auto-a', 'WORKER', 'LT-13', 4);
    const b = await insertUser(db, 'limit-auto-b', 'WORKER', 'LT-13', 3);
    await insertManyCases(db, 40, { municipality: 'LT-13', label: 'limit-auto' });
    const lt13 = coordinator(await insertUser(db, 'limit-auto-coordinator', 'COORDINATOR', 'LT-13'), 'LT-13');
    await Promise.all([
      work.autoAssign(lt13),
      ...Array.from({ length: 6 }, () => settle(work.claimNext(worker(a, 'LT-13')))),
      ...Array.from({ length: 6 }, () => settle(work.claimNext(worker(b, 'LT-13')))),
    ]);
    expect(await openLoad(db, a)).toBe(4);
    expect(await openLoad(db, b)).toBe(3);
  });

  it('offers cases to workers only: assigning to a coordinator is refused', async () => {
    const c = await insertCase(db, 'limit-to-coordinator');
    await expect(work.assign(coordinator(boss), c, boss, 1)).rejects.toMatchObject({ code: ErrorCode.VALIDATION_FAILED });
    const row = await db.query<{ status: string; assigned_to: string | null }>(`SELECT status, assigned_to FROM cases WHERE id = $1`, [c]);
    expect(row[0]).toEqual({ status: 'NEW', assigned_to: null });
  });
});
