import { INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AuditModule, AuditService } from '@tiltas/audit';
import { ClockModule, FixedClock } from '@tiltas/common';
import { ConfigModule } from '@tiltas/config';
import { DatabaseModule } from '@tiltas/database';
import { CaseWorkService, OutreachModule, type OutreachActor } from '@tiltas/outreach';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { insertCase, insertUser, pseudonymOf } from './outreach-factory';

/**
 * Every log entry about a person names the lawful basis it relies on (docs/audit-log.md, `lawfulBasisId`):
 * for case work, the basis of the criterion version that listed the person.
 */
describe('case entries in the audit log', () => {
  let db: TestDatabase;
  let app: INestApplicationContext;
  let work: CaseWorkService;
  let audit: AuditService;

  beforeAll(async () => {
    db = await createTestDatabase();
    @Module({
      imports: [ConfigModule.forRoot(db.config), ClockModule.forRoot(new FixedClock(new Date('2026-10-01T08:00:00Z'))), DatabaseModule.forRoot(), AuditModule, OutreachModule],
    })
    class TestModule {}
    app = await NestFactory.createApplicationContext(TestModule, { logger: false });
    work = app.get(CaseWorkService);
    audit = app.get(AuditService);
    // A second cohort under a basis of its own, before the factory adds its versions (it keeps existing ones).
    await db.query(`INSERT INTO criterion (id, created_by) VALUES ('leaving-care', 'test')`);
    await db.query(
      `INSERT INTO criterion_version (criterion_id, version, definition, status, lawful_basis_id, created_by, activated_by, activated_at)
       VALUES ('leaving-care', 1, '{"id": "leaving-care"}', 'ACTIVE', 'LB-CARE', 'test', 'test', now())`,
    );
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  async function entriesAbout(label: string): Promise<Array<{ action: string; lawfulBasisId: string | null; details: Record<string, unknown> }>> {
    return (await audit.search({ subject: pseudonymOf(label) }, { limit: 500 })).entries.map((e) => ({ action: e.action, lawfulBasisId: e.lawfulBasisId, details: e.details }));
  }

  it('names the criterion version\'s lawful basis on every entry of case work: assignment, claim, attempt, close', async () => {
    const coordinator: OutreachActor = { userId: await insertUser(db, 'coord-57', 'COORDINATOR', 'LT-57'), role: 'COORDINATOR', municipality: 'LT-57', scope: 'municipal' };
    const workerId = await insertUser(db, 'worker-57', 'WORKER', 'LT-57');
    const worker: OutreachActor = { userId: workerId, role: 'WORKER', municipality: 'LT-57', scope: 'municipal' };
    const auto = await insertCase(db, 'auto-assigned', { priority: 1 });
    const second = await insertCase(db, 'second', { priority: 2 });
    const assigned = await work.autoAssign(coordinator);
    expect(assigned.assigned).toBeGreaterThanOrEqual(1);
    await work.recordAttempt(worker, auto, { channel: 'PHONE', result: 'NO_ANSWER' });
    await work.close(worker, auto, { outcome: 'DECLINED' });
    const other = await work.recordAttempt(worker, second, { channel: 'SMS', result: 'REACHED' });
    expect(other).toBeDefined();

    const entries = [...(await entriesAbout('auto-assigned')), ...(await entriesAbout('second'))];
    expect(entries.map((e) => e.action).sort()).toEqual(['attempt.recorded', 'attempt.recorded', 'case.assigned', 'case.assigned', 'case.closed']);
    for (const e of entries) {
      expect(e.lawfulBasisId).toBe('LB-TEST');
      expect(e.details.lawfulBases).toBeUndefined();
    }
    // None of the log's entries about a person is without its basis.
    const bare = await db.query<{ seq: string; action: string }>(`SELECT seq::text, action FROM audit_log WHERE subject IS NOT NULL AND lawful_basis_id IS NULL`);
    expect(bare).toEqual([]);
  });

  it('names the first basis and lists every one when criteria under different bases listed the person', async () => {
    const worker: OutreachActor = { userId: await insertUser(db, 'worker-57b', 'WORKER', 'LT-57'), role: 'WORKER', municipality: 'LT-57', scope: 'municipal' };
    const id = await insertCase(db, 'two-bases', { cohorts: ['leaving-care', 'neet-youth'], priority: 0 });
    const claimed = await work.claimNext(worker);
    expect(claimed.caseId).toBe(id);
    const [entry] = await entriesAbout('two-bases');
    expect(entry).toEqual({ action: 'case.claimed', lawfulBasisId: 'LB-CARE', details: expect.objectContaining({ caseId: id, lawfulBases: ['LB-CARE', 'LB-TEST'] }) });
  });
});
