import { INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClockModule, ErrorCode, FixedClock } from '@tiltas/common';
import { ConfigModule } from '@tiltas/config';
import { DatabaseModule } from '@tiltas/database';
import { OutreachModule, WorkListsService, type OutreachActor } from '@tiltas/outreach';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { insertCase, insertManyCases, insertUser } from './outreach-factory';

const worker = (userId: string): OutreachActor => ({ userId, role: 'WORKER', municipality: 'LT-57', scope: 'municipal' });
const coordinator = (userId: string): OutreachActor => ({ userId, role: 'COORDINATOR', municipality: 'LT-57', scope: 'municipal' });

jest.setTimeout(120_000);

describe('work lists: filters, sorting, paging, saved views and bulk actions', () => {
  let db: TestDatabase;
  let app: INestApplicationContext;
  let lists: WorkListsService;
  let boss: OutreachActor;
  let ana: string;
  let ben: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    @Module({ imports: [ConfigModule.forRoot(db.config), ClockModule.forRoot(new FixedClock(new Date('2026-10-01T08:00:00Z'))), DatabaseModule.forRoot(), OutreachModule] })
    class TestModule {}
    app = await NestFactory.createApplicationContext(TestModule, { logger: false });
    lists = app.get(WorkListsService);
    await insertManyCases(db, 1000, { municipality: 'LT-57', label: 'list' });
    await insertManyCases(db, 30, { municipality: 'LT-13', label: 'elsewhere' });
    boss = coordinator(await insertUser(db, 'list-coordinator', 'COORDINATOR', 'LT-57'));
    ana = await insertUser(db, 'list-ana', 'WORKER', 'LT-57', 3);
    ben = await insertUser(db, 'list-ben', 'WORKER', 'LT-57', 40);
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('pages through all 1,000 unassigned cases of the caseload, every case once, in urgency order', async () => {
    const seen: number[] = [];
    let pages: number;
    for (let n = 1; ; n++) {
      const page = await lists.list(boss, 'caseload', { holder: 'nobody', pageSize: 200 }, n);
      expect(page.total).toBe(1000);
      pages = page.pages;
      seen.push(...page.items.map((c) => c.id));
      if (n >= page.pages) break;
    }
    expect(pages).toBe(5);
    const expected = await db.query<{ id: string }>(`SELECT id FROM cases WHERE municipality = 'LT-57' ORDER BY priority, window_date NULLS LAST, id`);
    expect(seen).toEqual(expected.map((r) => Number(r.id)));
  });

  it('filters by window dates and cohort and sorts by a whitelisted column in either direction', async () => {
    const page = await lists.list(boss, 'caseload', { windowFrom: '2026-10-10', windowTo: '2026-10-12', sort: 'window', dir: 'desc', pageSize: 200 });
    const expected = await db.query<{ id: string }>(
      `SELECT id FROM cases WHERE municipality = 'LT-57' AND window_date BETWEEN '2026-10-10' AND '2026-10-12' ORDER BY window_date DESC, priority DESC, id DESC`,
    );
    expect(page.items.map((c) => c.id)).toEqual(expected.map((r) => Number(r.id)));
    expect(page.total).toBe(expected.length);
    const none = await lists.list(boss, 'caseload', { cohort: 'no-such-cohort' });
    expect(none).toMatchObject({ total: 0, items: [] });
  });

  it('keeps a worker\'s case list to their own cases whatever the holder filter says', async () => {
    const mine = await insertCase(db, 'list-mine', { status: 'ASSIGNED', assignedTo: ben });
    const page = await lists.list(worker(ben), 'cases', { holder: 'nobody' });
    expect(page.items.map((c) => c.id)).toEqual([mine]);
  });

  it('saves, lists, applies and deletes a view per user, and hides it from everyone else', async () => {
    const { id } = await lists.saveView(boss, 'caseload', 'Urgent October', { windowTo: '2026-10-31', holder: 'nobody', sort: 'window' });
    await expect(lists.views(boss, 'caseload')).resolves.toEqual([expect.objectContaining({ id, name: 'Urgent October', page: 'caseload' })]);
    const view = await lists.view(boss, id);
    expect(view.filter).toEqual({ windowTo: '2026-10-31', holder: 'nobody', sort: 'window' });
    await expect(lists.views(worker(ben))).resolves.toEqual([]);
    await expect(lists.view(worker(ben), id)).rejects.toMatchObject({ code: ErrorCode.NOT_FOUND });
    await expect(lists.saveView(boss, 'caseload', 'Bad', { sort: 'pseudonym' })).rejects.toMatchObject({ code: ErrorCode.VALIDATION_FAILED });
    await lists.deleteView(boss, id);
    await expect(lists.views(boss)).resolves.toEqual([]);
  });

  it('previews a bulk assignment row by row, stops at the caseload limit, and applies exactly the preview', async () => {
    const picked = (await db.query<{ id: string }>(`SELECT id FROM cases WHERE municipality = 'LT-57' AND status = 'NEW' ORDER BY id LIMIT 5`)).map((r) => Number(r.id));
    const preview = await lists.bulkPreview(boss, 'assign', picked, ana);
    expect(preview).toMatchObject({ changes: 3, refused: 2, worker: { before: 0, after: 3, caseloadLimit: 3 } });
    expect(preview.rows.slice(0, 3).every((r) => r.becomes?.status === 'ASSIGNED' && r.becomes.assignedTo === ana)).toBe(true);
    expect(preview.rows.slice(3).map((r) => r.problem)).toEqual([expect.stringContaining('caseload limit'), expect.stringContaining('caseload limit')]);
    const held = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM cases WHERE assigned_to = $1`, [ana]);
    expect(held[0].n).toBe(0);

    const done = await lists.bulkApply(boss, 'assign', preview.rows.map((r) => ({ caseId: r.caseId, version: r.version })), ana);
    expect(done.changed).toEqual(picked.slice(0, 3));
    expect(done.refused.map((r) => r.caseId)).toEqual(picked.slice(3));
    const rows = await db.query<{ id: string; assigned_to: string | null }>(`SELECT id, assigned_to FROM cases WHERE id = ANY ($1::bigint[]) ORDER BY id`, [picked]);
    expect(rows.map((r) => r.assigned_to)).toEqual([ana, ana, ana, null, null]);
    const events = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM case_event WHERE case_id = ANY ($1::bigint[]) AND kind = 'ASSIGNED'`, [picked]);
    expect(events[0].n).toBe(3);

    await expect(lists.bulkPreview(boss, 'assign', picked, boss.userId)).rejects.toMatchObject({ code: ErrorCode.VALIDATION_FAILED });
  });

  it('returns cases to the backlog and refuses rows that are there already or changed since the preview', async () => {
    const held = (await db.query<{ id: string; version: number }>(`SELECT id, version FROM cases WHERE assigned_to = $1 ORDER BY id`, [ana])).map((r) => ({ caseId: Number(r.id), version: r.version }));
    const fresh = Number((await db.query<{ id: string }>(`SELECT id FROM cases WHERE status = 'NEW' AND municipality = 'LT-57' ORDER BY id LIMIT 1`))[0].id);
    const preview = await lists.bulkPreview(boss, 'unassign', [...held.map((h) => h.caseId), fresh], null);
    expect(preview.rows.find((r) => r.caseId === fresh)?.problem).toContain('backlog already');
    expect(preview.changes).toBe(3);
    const stale = [{ ...held[0], version: held[0].version - 1 }, ...held.slice(1)];
    const done = await lists.bulkApply(boss, 'unassign', stale, null);
    expect(done.changed).toEqual(held.slice(1).map((h) => h.caseId));
    expect(done.refused[0]).toMatchObject({ caseId: held[0].caseId, problem: expect.stringContaining('changed since you read it') });
    const rows = await db.query<{ status: string; assigned_to: string | null }>(`SELECT status, assigned_to FROM cases WHERE id = ANY ($1::bigint[]) ORDER BY id`, [held.slice(1).map((h) => h.caseId)]);
    expect(rows).toEqual([{ status: 'NEW', assigned_to: null }, { status: 'NEW', assigned_to: null }]);
  });

  it('closes as UNREACHABLE only the rows whose unanswered attempts allow it, naming why the others stay open', async () => {
    const ready = await insertCase(db, 'list-ready', { status: 'IN_PROGRESS', assignedTo: ben });
    const early = await insertCase(db, 'list-early', { status: 'IN_PROGRESS', assignedTo: ben });
    // UNREACHABLE_AFTER_ATTEMPTS is 3 unless configured otherwise.
    const attempts = 3;
    for (let i = 0; i < attempts; i++) {
      await db.query(`INSERT INTO case_attempt (case_id, municipality, channel, result, attempted_at, recorded_by) VALUES ($1, 'LT-57', 'PHONE', 'NO_ANSWER', now() - interval '1 day' * $2, $3)`, [ready, i + 1, ben]);
    }
    const preview = await lists.bulkPreview(worker(ben), 'close-unreachable', [ready, early], null);
    const byId = new Map(preview.rows.map((r) => [r.caseId, r]));
    expect(byId.get(ready)).toMatchObject({ problem: null, becomes: { status: 'CLOSED', outcome: 'UNREACHABLE' } });
    expect(byId.get(early)?.problem).toContain('UNREACHABLE after');
    const done = await lists.bulkApply(worker(ben), 'close-unreachable', preview.rows.map((r) => ({ caseId: r.caseId, version: r.version })), null);
    expect(done.changed).toEqual([ready]);
    const rows = await db.query<{ id: string; status: string; outcome: string | null }>(`SELECT id, status, outcome FROM cases WHERE id = ANY ($1::bigint[]) ORDER BY id`, [[ready, early]]);
    expect(rows.map((r) => [Number(r.id), r.status, r.outcome])).toEqual([[ready, 'CLOSED', 'UNREACHABLE'], [early, 'IN_PROGRESS', null]]);
  });
});
