import { NestExpressApplication } from '@nestjs/platform-express';
import { UsersService } from '@tiltas/access';
import { ContactRevealService } from '@tiltas/outreach';
import { createHash, randomUUID } from 'node:crypto';
import request from 'supertest';
import { lawfulBasisInsert } from '../ingest/ingest-fixtures';
import { insertCase, insertPerson } from '../outreach/outreach-factory';
import { createTestDatabase, TestDatabase } from '../support/test-database';
import { addUser, createOwnToken, signIn, startApp, type SignedInAgent } from './access-test-app';

jest.setTimeout(60_000);

/**
 * Nobody acts under another person's name: a person's token is made by that person, signed in; machine
 * clients use service accounts, which never hold cases or reveal contacts.
 */
describe('who may create which API token, and what a service account may not do', () => {
  let db: TestDatabase;
  let app: NestExpressApplication;
  let origin: string;
  let admin: SignedInAgent;
  let vilniusAdmin: SignedInAgent;
  let coordinator: SignedInAgent;
  let worker: SignedInAgent;
  let caseId: number;
  const ids: Record<string, string> = {};

  const http = () => request(app.getHttpServer());
  const post = (path: string, agent: SignedInAgent) => http().post(path).set('Cookie', agent.cookie).set('Origin', origin).set('X-CSRF-Token', agent.csrfToken);
  const tokensOf = (userId: string) => db.query<{ id: string }>('SELECT id FROM api_token WHERE user_id = $1', [userId]);

  beforeAll(async () => {
    db = await createTestDatabase();
    const basis = lawfulBasisInsert({ id: 'LB-TEST', registers: ['population', 'contacts'] });
    await db.query(basis.sql, basis.params);
    app = await startApp(db.config);
    origin = new URL(db.config.http.publicUrl).origin;
    ids.admin = await addUser(app, 'admin', 'ADMIN', null);
    ids.vilniusAdmin = await addUser(app, 'admin-lt57', 'ADMIN', 'LT-57');
    ids.coordinator = await addUser(app, 'coordinator57', 'COORDINATOR', 'LT-57');
    ids.worker = await addUser(app, 'worker57', 'WORKER', 'LT-57');
    admin = await signIn(app, 'admin');
    vilniusAdmin = await signIn(app, 'admin-lt57');
    coordinator = await signIn(app, 'coordinator57');
    worker = await signIn(app, 'worker57');
    await insertPerson(db, 'ona');
    caseId = await insertCase(db, 'ona');
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  describe('tokens for a person', () => {
    it('refuses a national administrator a token for a worker, with 403 naming the rule, and stores none', async () => {
      const res = await post('/api/tokens', admin).send({ username: 'worker57' }).expect(403);
      expect(res.body.message).toBe("A token for a person's account is created only by that person: worker57 must sign in and create it. For a machine client, create a service account.");
      expect(await tokensOf(ids.worker)).toEqual([]);
    });

    it('refuses the worker’s own municipal administrator too', async () => {
      await post('/api/tokens', vilniusAdmin).send({ username: 'worker57' }).expect(403);
      expect(await tokensOf(ids.worker)).toEqual([]);
    });

    it('lets a worker create their own token, which acts as them, and records who made it', async () => {
      const created = await createOwnToken(app, worker, { name: 'my laptop script' });
      const me = await http().get('/api/probe/any').set('Authorization', `Bearer ${created.token}`).expect(200);
      expect(me.body).toMatchObject({ userId: ids.worker, role: 'WORKER' });
      expect(me.body.serviceAccount).toBeUndefined();
      const [row] = await db.query<{ user_id: string; created_by: string }>('SELECT user_id, created_by FROM api_token WHERE id = $1', [created.id]);
      expect(row).toEqual({ user_id: ids.worker, created_by: ids.worker });
      const [entry] = await db.query<{ actor: string; details: Record<string, unknown> }>(`SELECT actor, details FROM audit_log WHERE action = 'token.created' AND object_id = $1`, [created.id]);
      expect(entry).toMatchObject({ actor: ids.worker, details: { userId: ids.worker, kind: 'PERSON' } });
      // Naming oneself is the same as omitting the name.
      await post('/api/tokens', worker).send({ username: 'worker57' }).expect(201);
    });

    it('refuses to create a token with a token, so a leaked one cannot renew itself', async () => {
      const own = await createOwnToken(app, worker);
      const res = await http().post('/api/tokens').set('Authorization', `Bearer ${own.token}`).send({}).expect(403);
      expect(res.body.message).toMatch(/^An API token cannot create API tokens/);
    });

    it('lists a worker’s own tokens only, lets them revoke theirs and not another’s', async () => {
      const mine = await createOwnToken(app, worker, { name: 'to revoke' });
      const theirs = await createOwnToken(app, coordinator, { name: 'coordinator’s' });
      const list = await http().get('/api/tokens').set('Cookie', worker.cookie).expect(200);
      expect(new Set(list.body.map((t: { userId: string }) => t.userId))).toEqual(new Set([ids.worker]));
      await http().delete(`/api/tokens/${theirs.id}`).set('Cookie', worker.cookie).set('Origin', origin).set('X-CSRF-Token', worker.csrfToken).expect(404);
      await http().delete(`/api/tokens/${mine.id}`).set('Cookie', worker.cookie).set('Origin', origin).set('X-CSRF-Token', worker.csrfToken).expect(204);
      await http().get('/api/outreach/queue').set('Authorization', `Bearer ${mine.token}`).expect(401);
      await http().get('/api/outreach/queue').set('Authorization', `Bearer ${theirs.token}`).expect(200);
    });

    it('refuses a person’s token someone else made before this rule, though it is on record', async () => {
      // A token an administrator minted for the worker under the old rules, written as it was stored.
      const id = randomUUID();
      const secret = 'a'.repeat(64);
      await db.query(
        `INSERT INTO api_token (id, user_id, name, secret_sha256, created_by, created_at, expires_at) VALUES ($1, $2, 'minted by an admin', $3, $4, now(), now() + interval '30 days')`,
        [id, ids.worker, createHash('sha256').update(secret).digest('hex'), ids.admin],
      );
      await http().get('/api/outreach/queue').set('Authorization', `Bearer tlt_${id}_${secret}`).expect(401);
    });
  });

  describe('the My API tokens page', () => {
    it('lets a worker create a token with the form, shown once, then revoke it', async () => {
      const empty = await http().get('/account/tokens').set('Cookie', worker.cookie).set('Accept', 'text/html').expect(200);
      expect(empty.text).toContain('<form method="post" action="/account/tokens">');
      const made = await http().post('/account/tokens').type('form').set('Cookie', worker.cookie).set('Origin', origin).send({ _csrf: worker.csrfToken, name: 'page token', expiresDays: '7' }).expect(200);
      const token = /id="new-token" class="mono" readonly value="(tlt_[0-9a-f-]{36}_[0-9a-f]{64})"/.exec(made.text)?.[1];
      expect(token).toBeDefined();
      await http().get('/api/probe/worker').set('Authorization', `Bearer ${token}`).expect(200);
      const id = token!.slice(4, 40);
      const again = await http().get('/account/tokens').set('Cookie', worker.cookie).set('Accept', 'text/html').expect(200);
      expect(again.text).not.toContain(token!);
      expect(again.text).toContain(`action="/account/tokens/${id}/revoke"`);
      const revoked = await http().post(`/account/tokens/${id}/revoke`).type('form').set('Cookie', worker.cookie).set('Origin', origin).send({ _csrf: worker.csrfToken }).expect(303);
      expect(revoked.headers.location).toBe('/account/tokens?done=revoked');
      await http().get('/api/probe/worker').set('Authorization', `Bearer ${token}`).expect(401);
    });

    it('refuses the form without the session’s token, creating nothing', async () => {
      const before = (await tokensOf(ids.worker)).length;
      await http().post('/account/tokens').type('form').set('Cookie', worker.cookie).set('Origin', origin).send({ name: 'no csrf' }).expect(403);
      expect(await tokensOf(ids.worker)).toHaveLength(before);
    });

    it('shows an administrator only their own tokens there', async () => {
      await createOwnToken(app, admin, { name: 'admin’s own' });
      const page = await http().get('/account/tokens').set('Cookie', admin.cookie).set('Accept', 'text/html').expect(200);
      expect(page.text).toContain('admin’s own');
      expect(page.text).not.toContain('my laptop script');
    });
  });

  describe('service accounts', () => {
    let serviceId: string;
    let serviceToken: string;

    it('lets an administrator add a service account and create its token', async () => {
      const added = await post('/api/service-accounts', vilniusAdmin).send({ username: 'lt57-reports', role: 'ADMIN', municipality: 'LT-57' }).expect(201);
      expect(added.body).toMatchObject({ kind: 'SERVICE', role: 'ADMIN', municipality: 'LT-57', signIn: 'none', caseloadLimit: null });
      serviceId = added.body.id;
      const created = await post('/api/tokens', vilniusAdmin).send({ username: 'lt57-reports' }).expect(201);
      serviceToken = created.body.token;
      const users = await http().get('/api/users').set('Authorization', `Bearer ${serviceToken}`).expect(200);
      expect(users.body.every((u: { municipality: string | null }) => u.municipality === 'LT-57')).toBe(true);
    });

    it('refuses a municipal administrator a service account of another municipality, and a non-administrator any', async () => {
      const other = await post('/api/service-accounts', vilniusAdmin).send({ username: 'lt15-bot', role: 'AUDITOR', municipality: 'LT-15' }).expect(403);
      expect(other.body.message).toBe('A municipal administrator adds service accounts of their own municipality only');
      await post('/api/service-accounts', coordinator).send({ username: 'coord-bot', role: 'AUDITOR', municipality: 'LT-57' }).expect(403);
      await post('/api/tokens', coordinator).send({ username: 'lt57-reports' }).expect(403);
    });

    it('refuses a service account with a role that holds cases, naming the problem', async () => {
      const res = await post('/api/service-accounts', admin).send({ username: 'case-bot', role: 'WORKER', municipality: 'LT-57' }).expect(400);
      expect(res.body.details.problems.role).toBe('must be AUDITOR or ADMIN: a service account never holds cases or reveals contacts');
      await expect(db.query(`UPDATE users SET role = 'COORDINATOR' WHERE id = $1`, [serviceId])).rejects.toThrow(/users_service_account/);
      await expect(db.query(`UPDATE users SET password_hash = 'scrypt$x' WHERE id = $1`, [serviceId])).rejects.toThrow(/users_service_account/);
    });

    it('refuses a service-account token a contact reveal with 403, and logs no reveal', async () => {
      const res = await http().post(`/api/outreach/cases/${caseId}/reveal`).set('Authorization', `Bearer ${serviceToken}`).send({ purpose: 'reading the contact for a report' }).expect(403);
      expect(res.body.code).toBe('FORBIDDEN');
      expect(await db.query('SELECT id FROM contact_reveal')).toEqual([]);
      expect(await db.query(`SELECT seq FROM audit_log WHERE action LIKE 'contact.%'`)).toEqual([]);
    });

    it('refuses a service account in the reveal service itself, whatever role it claims', async () => {
      const reveals = app.get(ContactRevealService);
      const forged = { userId: serviceId, role: 'WORKER' as const, municipality: 'LT-57', scope: 'municipal' as const, serviceAccount: true as const };
      await expect(reveals.reveal(forged, caseId, 'reading the contact for a report')).rejects.toMatchObject({ code: 'FORBIDDEN', message: 'A service account acts for no person: it cannot reveal contact details.' });
    });

    it('cannot be assigned a case: the coordinator is told why and the case stays NEW', async () => {
      const [c] = await db.query<{ version: number }>('SELECT version FROM cases WHERE id = $1', [caseId]);
      const res = await post(`/api/outreach/cases/${caseId}/assign`, coordinator).send({ userId: serviceId, version: c.version }).expect(400);
      expect(res.body.message).toBe('userId is a service account, which acts for no person and cannot hold cases');
      expect(await db.query('SELECT status, assigned_to FROM cases WHERE id = $1', [caseId])).toEqual([{ status: 'NEW', assigned_to: null }]);
      await http().post(`/api/outreach/cases/${caseId}/claim`).set('Authorization', `Bearer ${serviceToken}`).send({ version: c.version }).expect(403);
    });

    it('is not offered to coordinators as someone who could hold cases', async () => {
      const board = await http().get('/api/outreach/board').set('Cookie', coordinator.cookie).expect(200);
      expect(JSON.stringify(board.body)).not.toContain(serviceId);
      const summaries = await app.get(UsersService).listUsers();
      expect(summaries.find((u) => u.id === serviceId)).toMatchObject({ kind: 'SERVICE' });
    });
  });
});
