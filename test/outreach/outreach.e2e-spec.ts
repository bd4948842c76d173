import { NestExpressApplication } from '@nestjs/platform-express';
import { FixedClock } from '@tiltas/common';
import request from 'supertest';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { insertCase, insertPerson, pseudonymOf } from './outreach-factory';
import { Agent, addUser, signIn, startApi } from './outreach-test-app';

jest.setTimeout(120_000);

interface QueueBody {
  date: string;
  cases: Array<{ id: number; ageBand: string | null; cohorts: string[]; attempts: number; windows: Record<string, string | null>; reasons: Array<{ criterionId: string; runId: number }>; version: number }>;
  more: boolean;
}

describe('outreach through the API', () => {
  let db: TestDatabase;
  let app: NestExpressApplication;
  const clock = new FixedClock(new Date('2026-10-01T08:00:00Z'));
  const ids: Record<string, string> = {};
  let worker: Agent;
  let coordinator: Agent;
  let auditor: Agent;
  let admin: Agent;
  let otherCoordinator: Agent;
  let dueSoon: number;
  let dueLater: number;
  let scheduled: number;
  let unassigned: number;
  let elsewhere: number;

  beforeAll(async () => {
    db = await createTestDatabase({ UNREACHABLE_AFTER_ATTEMPTS: '3', REVEALS_PER_HOUR: '5' });
    app = await startApi(db.config, clock);
    ids.worker = await addUser(app, 'w57', 'WORKER', 'LT-57', 40);
    ids.worker2 = await addUser(app, 'w57b', 'WORKER', 'LT-57', 3);
    ids.coordinator = await addUser(app, 'c57', 'COORDINATOR', 'LT-57');
    ids.otherCoordinator = await addUser(app, 'c13', 'COORDINATOR', 'LT-13');
    ids.auditor = await addUser(app, 'aud', 'AUDITOR', null);
    ids.admin = await addUser(app, 'adm', 'ADMIN', null);
    [worker, coordinator, auditor, admin, otherCoordinator] = await Promise.all([
      signIn(app, 'w57'),
      signIn(app, 'c57'),
      signIn(app, 'aud'),
      signIn(app, 'adm'),
      signIn(app, 'c13'),
    ]);

    await insertPerson(db, 'soon', { birth: '2005-06-15' });
    dueSoon = await insertCase(db, 'soon', { priority: 5, status: 'ASSIGNED', assignedTo: ids.worker, cohorts: ['neet-youth', 'recent-release'] });
    await insertPerson(db, 'later', { birth: '1990-01-01' });
    dueLater = await insertCase(db, 'later', { priority: 50, status: 'ASSIGNED', assignedTo: ids.worker });
    scheduled = await insertCase(db, 'scheduled', { priority: 1, status: 'IN_PROGRESS', assignedTo: ids.worker, nextAttemptOn: '2026-10-05' });
    await insertPerson(db, 'backlog');
    unassigned = await insertCase(db, 'backlog', { priority: 7 });
    await insertPerson(db, 'kaunas', { municipality: 'LT-13' });
    elsewhere = await insertCase(db, 'kaunas', { municipality: 'LT-13', status: 'ASSIGNED', assignedTo: ids.otherCoordinator });
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  describe("a worker's day", () => {
    it('reads the daily queue: held cases due today, most urgent first, with why listed and an age band, and no contact details', async () => {
      const res = await worker.get('/api/outreach/queue').expect(200);
      const body = res.body as QueueBody;
      expect(body.date).toBe('2026-10-01');
      expect(body.cases.map((c) => c.id)).toEqual([dueSoon, dueLater]);
      expect(body.cases[0]).toMatchObject({ ageBand: '18–24', cohorts: ['neet-youth', 'recent-release'], attempts: 0, windows: { 'neet-youth': '2026-12-31', 'recent-release': '2026-12-31' } });
      expect(body.cases[0].reasons.map((r) => r.criterionId)).toEqual(['neet-youth', 'recent-release']);
      expect(body.cases[1].ageBand).toBe('30–39');
      expect(res.text).not.toMatch(/Testait|\+3706|example\.invalid|Gedimino|pseudonym/);
    });

    it('reveals the contact of a held case with a stated purpose, logs it with the subject, and keeps contact details out of the log', async () => {
      await worker.post(`/api/outreach/cases/${dueSoon}/reveal`, {}).expect(400);
      const res = await worker.post(`/api/outreach/cases/${dueSoon}/reveal`, { purpose: 'first phone call about the invitation' }).expect(200);
      expect(res.body).toMatchObject({ caseId: dueSoon, givenName: 'Žydrūnė', familyName: 'Testaitė', phone: '+37060000001', email: 'zydrune@example.invalid', language: 'lt', revealsLeftThisHour: 4 });
      const logged = await db.query<{ subject: string; purpose: string; actor: string; reveal_id: string; text: string }>(
        `SELECT subject, purpose, actor, details->>'revealId' AS reveal_id, row_to_json(a)::text AS text FROM audit_log a WHERE action = 'contact.revealed'`,
      );
      expect(logged).toHaveLength(1);
      expect(logged[0]).toMatchObject({ subject: pseudonymOf('soon'), purpose: 'outreach', actor: ids.worker });
      const reveal = await db.query<{ purpose: string; case_id: string; found: boolean }>(`SELECT purpose, case_id, found FROM contact_reveal WHERE id = $1`, [Number(logged[0].reveal_id)]);
      expect(reveal).toEqual([{ purpose: 'first phone call about the invitation', case_id: String(dueSoon), found: true }]);
      expect(logged[0].text).not.toMatch(/Testait|Žydrūn|\+3706|example\.invalid|Gedimino/);
    });

    it('records an unanswered attempt with the next date, which takes the case out of today\'s queue', async () => {
      const res = await worker.post(`/api/outreach/cases/${dueSoon}/attempts`, { channel: 'PHONE', result: 'NO_ANSWER', note: 'no voicemail', nextAttemptOn: '2026-10-02' }).expect(201);
      expect(res.body).toMatchObject({ status: 'IN_PROGRESS', attempts: 1, nextAttemptOn: '2026-10-02', unanswered: 1, unreachableAllowed: false });
      const queue = (await worker.get('/api/outreach/queue').expect(200)).body as QueueBody;
      expect(queue.cases.map((c) => c.id)).toEqual([dueLater]);
      await worker.post(`/api/outreach/cases/${dueSoon}/attempts`, { channel: 'PHONE', result: 'NO_ANSWER', nextAttemptOn: '2026-09-30' }).expect(400);
      await worker.post(`/api/outreach/cases/${dueSoon}/attempts`, { channel: 'PIGEON', result: 'NO_ANSWER' }).expect(400);
    });

    it('refuses UNREACHABLE before the configured number of unanswered attempts, and allows it after', async () => {
      const early = await worker.post(`/api/outreach/cases/${dueSoon}/close`, { outcome: 'UNREACHABLE' }).expect(409);
      expect(early.body.message).toContain('after 3 unanswered attempts; it has 1');
      await worker.post(`/api/outreach/cases/${dueSoon}/attempts`, { channel: 'SMS', result: 'MESSAGE_LEFT' }).expect(201);
      const third = await worker.post(`/api/outreach/cases/${dueSoon}/attempts`, { channel: 'HOME_VISIT', result: 'NO_ANSWER' }).expect(201);
      expect(third.body).toMatchObject({ attempts: 3, unreachableAllowed: true });
      const closed = await worker.post(`/api/outreach/cases/${dueSoon}/close`, { outcome: 'UNREACHABLE' }).expect(200);
      expect(closed.body).toMatchObject({ status: 'CLOSED', outcome: 'UNREACHABLE' });
      const again = await worker.post(`/api/outreach/cases/${dueSoon}/attempts`, { channel: 'PHONE', result: 'REACHED' }).expect(409);
      expect(again.body.message).toContain('a closed case is final');
    });

    it('refers the person to a service from the directory, closes as SUPPORT_ACCEPTED only with a referral, and follows the referral up', async () => {
      const service = (await coordinator.post('/api/outreach/services', { kind: 'PES', name: 'Užimtumo tarnyba, Vilnius', contact: '+370 5 000 0000' }).expect(201)).body as { id: number };
      await coordinator.post('/api/outreach/services', { kind: 'PES', name: 'užimtumo tarnyba, vilnius' }).expect(409);
      await worker.post('/api/outreach/services', { kind: 'NGO', name: 'A worker cannot add this' }).expect(403);
      expect(((await worker.get('/api/outreach/services').expect(200)).body as Array<{ id: number }>).map((s) => s.id)).toEqual([service.id]);

      await worker.post(`/api/outreach/cases/${dueLater}/attempts`, { channel: 'PHONE', result: 'REACHED', note: 'wants help finding work' }).expect(201);
      const tooEarly = await worker.post(`/api/outreach/cases/${dueLater}/close`, { outcome: 'SUPPORT_ACCEPTED' }).expect(409);
      expect(tooEarly.body.message).toContain('at least one referral');
      const referral = (await worker.post(`/api/outreach/cases/${dueLater}/referrals`, { serviceId: service.id }).expect(201)).body as { id: number; status: string };
      expect(referral.status).toBe('SENT');
      await worker.post(`/api/outreach/cases/${dueLater}/close`, { outcome: 'SUPPORT_ACCEPTED' }).expect(200);

      // The service answers later, after the case closed; the one who holds the case records it, not the coordinator.
      await coordinator.patch(`/api/outreach/referrals/${referral.id}`, { status: 'ACCEPTED' }).expect(403);
      await worker.patch(`/api/outreach/referrals/${referral.id}`, { status: 'ACCEPTED' }).expect(200);
      const backwards = await worker.patch(`/api/outreach/referrals/${referral.id}`, { status: 'SENT' }).expect(409);
      expect(backwards.body.message).toBe(`referral ${referral.id} is ACCEPTED: it can become STARTED or REJECTED, not SENT`);
      await worker.patch(`/api/outreach/referrals/${referral.id}`, { status: 'STARTED' }).expect(200);

      const detail = (await worker.get(`/api/outreach/cases/${dueLater}`).expect(200)).body as { history: Array<{ kind: string }>; attemptsLog: unknown[]; referrals: Array<{ status: string }>; status: string; outcome: string };
      expect(detail).toMatchObject({ status: 'CLOSED', outcome: 'SUPPORT_ACCEPTED' });
      expect(detail.history.map((e) => e.kind)).toEqual(['ATTEMPT', 'REFERRED', 'CLOSED', 'REFERRAL_STATUS', 'REFERRAL_STATUS']);
      expect(detail.attemptsLog).toHaveLength(1);
      expect(detail.referrals.map((r) => r.status)).toEqual(['STARTED']);
      const actions = await db.query<{ action: string }>(`SELECT action FROM audit_log WHERE object_id = $1 AND object_type = 'case' ORDER BY seq`, [String(dueLater)]);
      expect(actions.map((a) => a.action)).toEqual(['attempt.recorded', 'referral.created', 'case.closed', 'referral.updated', 'referral.updated']);
    });

    it('schedules the next attempt of a held case and asks for a reason before NOT_ELIGIBLE', async () => {
      const res = await worker.put(`/api/outreach/cases/${scheduled}/next-attempt`, { on: '2026-10-01' }).expect(200);
      expect(res.body.nextAttemptOn).toBe('2026-10-01');
      expect(((await worker.get('/api/outreach/queue').expect(200)).body as QueueBody).cases.map((c) => c.id)).toEqual([scheduled]);
      await worker.post(`/api/outreach/cases/${scheduled}/close`, { outcome: 'NOT_ELIGIBLE' }).expect(400);
      await worker.post(`/api/outreach/cases/${scheduled}/close`, { outcome: 'NOT_ELIGIBLE', reason: 'studies abroad since spring', version: 1 }).expect(409);
      const closed = await worker.post(`/api/outreach/cases/${scheduled}/close`, { outcome: 'NOT_ELIGIBLE', reason: 'studies abroad since spring' }).expect(200);
      expect(closed.body.outcome).toBe('NOT_ELIGIBLE');
      const row = await db.query<{ outcome_note: string }>(`SELECT outcome_note FROM cases WHERE id = $1`, [scheduled]);
      expect(row[0].outcome_note).toBe('studies abroad since spring');
      const entry = await db.query<{ text: string }>(`SELECT details::text AS text FROM audit_log WHERE action = 'case.closed' AND object_id = $1`, [String(scheduled)]);
      expect(entry[0].text).not.toContain('abroad');
    });
  });

  describe('scope refusals leak nothing', () => {
    it("answers another municipality's case exactly as a case that does not exist", async () => {
      const foreign = await worker.get(`/api/outreach/cases/${elsewhere}`).expect(404);
      const missing = await worker.get('/api/outreach/cases/99999999').expect(404);
      expect(foreign.body.message).toBe(`case ${elsewhere} not found`);
      expect(missing.body.message).toBe('case 99999999 not found');
      await coordinator.get(`/api/outreach/cases/${elsewhere}`).expect(404);
      await coordinator.post(`/api/outreach/cases/${elsewhere}/assign`, { userId: ids.worker, version: 1 }).expect(404);
      await worker.post(`/api/outreach/cases/${elsewhere}/reveal`, { purpose: 'trying my luck' }).expect(404);
    });

    it("refuses to reveal for an unassigned case, another worker's case, a coordinator who does not hold the case, and an auditor", async () => {
      const before = await db.query<{ n: string }>(`SELECT count(*) AS n FROM contact_reveal`);
      const unheld = await worker.post(`/api/outreach/cases/${unassigned}/reveal`, { purpose: 'trying my luck' }).expect(404);
      expect(unheld.body.message).toBe(`case ${unassigned} not found`);
      const coord = await coordinator.post(`/api/outreach/cases/${unassigned}/reveal`, { purpose: 'checking the address' }).expect(403);
      expect(coord.body.message).toContain('only to the one who holds the case');
      await auditor.post(`/api/outreach/cases/${unassigned}/reveal`, { purpose: 'audit' }).expect(403);
      await admin.post(`/api/outreach/cases/${unassigned}/reveal`, { purpose: 'admin' }).expect(403);
      await auditor.get(`/api/outreach/cases/${unassigned}`).expect(403);
      const after = await db.query<{ n: string }>(`SELECT count(*) AS n FROM contact_reveal`);
      expect(after[0].n).toBe(before[0].n);
    });

    it('rate-limits reveals per worker per hour and shows auditors the volumes, flagging a worker at the limit', async () => {
      await insertPerson(db, 'busy');
      const held = await insertCase(db, 'busy', { status: 'ASSIGNED', assignedTo: ids.worker });
      // One reveal happened already this hour; the limit is 5.
      for (let i = 0; i < 4; i++) await worker.post(`/api/outreach/cases/${held}/reveal`, { purpose: 'calling back' }).expect(200);
      const limited = await worker.post(`/api/outreach/cases/${held}/reveal`, { purpose: 'calling back' }).expect(429);
      expect(limited.body.code).toBe('RATE_LIMITED');
      const volume = (await auditor.get('/api/outreach/reveals/volume?from=2026-01-01&to=2030-12-31').expect(200)).body as { workers: Array<{ userId: string; reveals: number; cases: number; flagged: boolean; why: string[] }> };
      expect(volume.workers).toHaveLength(1);
      expect(volume.workers[0]).toMatchObject({ userId: ids.worker, reveals: 5, cases: 2, flagged: true });
      expect(volume.workers[0].why).toContain('reached the hourly limit of 5');
      await worker.get('/api/outreach/reveals/volume').expect(403);
      const refused = await db.query<{ n: string }>(`SELECT count(*) AS n FROM audit_log WHERE action = 'contact.reveal_refused'`);
      expect(Number(refused[0].n)).toBe(1);
    });
  });

  describe("a coordinator's day", () => {
    it('assigns the backlog automatically within caseloads, most urgent first, and shows the board', async () => {
      const fresh: number[] = [];
      for (let i = 0; i < 6; i++) fresh.push(await insertCase(db, `fresh-${i}`, { priority: 20 + i }));
      const res = await coordinator.post('/api/outreach/assignments/auto').expect(200);
      // w57 has room for 40 (holds 1 open), w57b for 3: least-loaded first, all 7 backlog cases fit.
      expect(res.body.assigned).toBe(7);
      expect(res.body.backlogLeft).toBe(0);
      const byName = Object.fromEntries((res.body.workers as Array<{ username: string; assigned: number; after: number }>).map((w) => [w.username, w]));
      expect(byName.w57b).toMatchObject({ assigned: 3, after: 3 });
      expect(byName.w57).toMatchObject({ assigned: 4, after: 5 });
      const first = await db.query<{ assigned_to: string }>(`SELECT assigned_to FROM cases WHERE id = $1`, [unassigned]);
      expect(first[0].assigned_to).toBe(ids.worker2);

      const board = (await coordinator.get('/api/outreach/board').expect(200)).body as { workers: Array<{ username: string; open: number; caseloadLimit: number | null; room: number | null }>; backlog: { unassigned: number } };
      expect(board.backlog.unassigned).toBe(0);
      expect(board.workers.find((w) => w.username === 'w57b')).toMatchObject({ open: 3, caseloadLimit: 3, room: 0 });
      await worker.get('/api/outreach/board').expect(403);
      await worker.post('/api/outreach/assignments/auto').expect(403);
    });

    it('reassigns at the version read, and a stale version is a clean 409', async () => {
      const held = (await coordinator.get(`/api/outreach/cases?assignedTo=${ids.worker2}&status=OPEN`).expect(200)).body as Array<{ id: number; version: number }>;
      expect(held).toHaveLength(3);
      const target = held[0];
      await coordinator.post(`/api/outreach/cases/${target.id}/assign`, { userId: ids.worker, version: target.version }).expect(200);
      const stale = await coordinator.post(`/api/outreach/cases/${target.id}/assign`, { userId: ids.worker2, version: target.version }).expect(409);
      expect(stale.body.message).toContain('changed since you read it');
      const row = await db.query<{ assigned_to: string }>(`SELECT assigned_to FROM cases WHERE id = $1`, [target.id]);
      expect(row[0].assigned_to).toBe(ids.worker);
      // The worker now sees it; the worker it left no longer does.
      await worker.get(`/api/outreach/cases/${target.id}`).expect(200);
    });

    it('hands a case over to the municipality the person moved to, with its history, visible there and gone from here', async () => {
      const mine = (await worker.get('/api/outreach/queue?limit=200').expect(200)).body as QueueBody;
      const moving = mine.cases[0];
      await worker.post(`/api/outreach/cases/${moving.id}/attempts`, { channel: 'PHONE', result: 'REACHED', note: 'moved to Kaunas last month' }).expect(201);
      const version = ((await coordinator.get(`/api/outreach/cases/${moving.id}`).expect(200)).body as { version: number }).version;
      const res = await coordinator.post(`/api/outreach/cases/${moving.id}/hand-over`, { toMunicipality: 'LT-13', version }).expect(200);
      expect(res.body).toMatchObject({ status: 'CLOSED', outcome: 'MOVED_AWAY', handedOver: { municipality: 'LT-13' } });
      const newId = res.body.handedOver.caseId as number;

      const there = (await otherCoordinator.get(`/api/outreach/cases/${newId}`).expect(200)).body as {
        status: string;
        municipality: string;
        handedOverFrom: { municipality: string; caseId: number };
        attemptsLog: Array<{ carriedFrom: string; result: string }>;
        history: Array<{ kind: string; carriedFromCase: number | null }>;
        reasons: unknown[];
      };
      expect(there).toMatchObject({ status: 'NEW', municipality: 'LT-13', handedOverFrom: { municipality: 'LT-57', caseId: moving.id } });
      expect(there.attemptsLog).toEqual([expect.objectContaining({ carriedFrom: 'LT-57', result: 'REACHED' })]);
      expect(there.history[there.history.length - 1].kind).toBe('HANDED_OVER_IN');
      expect(there.history.filter((e) => e.carriedFromCase === moving.id).map((e) => e.kind)).toContain('CLOSED');
      expect(there.reasons).toHaveLength(1);
      await coordinator.get(`/api/outreach/cases/${newId}`).expect(404);
      const logged = await db.query<{ municipality: string; details: { toMunicipality: string; toCaseId: number } }>(`SELECT municipality, details FROM audit_log WHERE action = 'case.handed_over'`);
      expect(logged).toEqual([{ municipality: 'LT-57', details: expect.objectContaining({ toMunicipality: 'LT-13', toCaseId: newId }) }]);
    });

    it('records an opt-out nationally, closes the person\'s open cases elsewhere, and lets only an admin withdraw it', async () => {
      await insertPerson(db, 'twice');
      const here = await insertCase(db, 'twice', { status: 'ASSIGNED', assignedTo: ids.worker });
      const there = await insertCase(db, 'twice', { municipality: 'LT-13' });
      const res = await worker.post(`/api/outreach/cases/${here}/opt-out`).expect(200);
      expect(res.body).toMatchObject({ outcome: 'OPTED_OUT', optOut: { otherCasesClosed: 1 } });
      const other = await db.query<{ status: string; outcome: string }>(`SELECT status, outcome FROM cases WHERE id = $1`, [there]);
      expect(other[0]).toEqual({ status: 'CLOSED', outcome: 'OPTED_OUT' });

      const list = (await admin.get('/api/outreach/opt-outs').expect(200)).body as Array<{ id: number; subject: string }>;
      expect(list.map((o) => o.subject)).toEqual([pseudonymOf('twice')]);
      await coordinator.post(`/api/outreach/opt-outs/${list[0].id}/withdraw`).expect(403);
      await admin.post(`/api/outreach/opt-outs/${list[0].id}/withdraw`).expect(200);
      await admin.post(`/api/outreach/opt-outs/${list[0].id}/withdraw`).expect(409);
      const actions = await db.query<{ action: string }>(`SELECT action FROM audit_log WHERE subject = $1 ORDER BY seq`, [pseudonymOf('twice')]);
      expect(actions.map((a) => a.action)).toEqual(['case.closed', 'opt_out.recorded', 'case.closed', 'opt_out.withdrawn']);
    });

    it('documents the outreach API in OpenAPI', async () => {
      const doc = (await request(app.getHttpServer()).get('/api/docs/openapi.json').expect(200)).body as { paths: Record<string, unknown> };
      for (const path of ['/api/outreach/queue', '/api/outreach/cases/claim-next', '/api/outreach/cases/{id}/reveal', '/api/outreach/cases/{id}/hand-over', '/api/outreach/assignments/auto', '/api/outreach/reveals/volume']) {
        expect(Object.keys(doc.paths)).toContain(path);
      }
    });
  });
});
