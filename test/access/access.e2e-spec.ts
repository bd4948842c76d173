import { NestExpressApplication } from '@nestjs/platform-express';
import { UsersService } from '@tiltas/access';
import { FixedClock } from '@tiltas/common';
import request from 'supertest';
import { TestDatabase, createTestDatabase } from '../support/test-database';
import { addUser, createOwnToken, sessionCookie, signIn, startApp } from './access-test-app';

const START = new Date('2026-11-02T08:00:00Z');

// Every sign-in runs scrypt (about 0.1 s by design), so a test with many of them needs more than 5 s.
jest.setTimeout(60_000);

describe('users, roles, sessions, CSRF and API tokens through HTTP', () => {
  let db: TestDatabase;
  let app: NestExpressApplication;
  let clock: FixedClock;
  let origin: string;
  const ids: Record<string, string> = {};

  const http = () => request(app.getHttpServer());
  const audit = (action: string) =>
    db.query<{ actor: string; role: string; municipality: string | null; object_id: string | null; details: Record<string, unknown> }>(
      'SELECT actor, role, municipality, object_id, details FROM audit_log WHERE action = $1 ORDER BY seq',
      [action],
    );

  beforeAll(async () => {
    db = await createTestDatabase({ SESSION_IDLE_MINUTES: '30', SESSION_ABSOLUTE_HOURS: '10', SIGN_IN_MAX_FAILURES: '5', SIGN_IN_LOCKOUT_MINUTES: '15' });
    await db.query(`
      CREATE TABLE scope_probe (id serial PRIMARY KEY, municipality text NOT NULL);
      INSERT INTO scope_probe (municipality) SELECT m FROM unnest(ARRAY['LT-57', 'LT-15', 'LT-57', 'LT-15', 'LT-19']) m;
      SELECT tiltas_enable_municipality_scope('scope_probe');
      SELECT tiltas_grant_app('SELECT', 'scope_probe');
    `);
    clock = new FixedClock(START);
    app = await startApp(db.config, clock);
    origin = new URL(db.config.http.publicUrl).origin;
    ids.worker = await addUser(app, 'worker57', 'WORKER', 'LT-57');
    ids.coordinator = await addUser(app, 'coordinator57', 'COORDINATOR', 'LT-57');
    ids.auditor = await addUser(app, 'auditor', 'AUDITOR', null);
    ids.admin = await addUser(app, 'admin', 'ADMIN', null);
    ids.worker15 = await addUser(app, 'worker15', 'WORKER', 'LT-15');
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  beforeEach(() => clock.set(START));

  describe('signing in', () => {
    it('signs in with the right password, sets an httpOnly SameSite=Lax cookie and records auth.signed_in', async () => {
      const res = await http().post('/api/auth/sign-in').send({ username: 'worker57', password: 'a-long-test-password' }).expect(200);
      const setCookie = ([] as string[]).concat(res.headers['set-cookie']).find((c) => c.startsWith('tiltas_session='))!;
      expect(setCookie).toMatch(/HttpOnly/);
      expect(setCookie).toMatch(/SameSite=Lax/);
      expect(setCookie).not.toMatch(/Secure/); // NODE_ENV=test: no TLS in front of the test server
      expect(res.body.actor).toEqual({ userId: ids.worker, username: 'worker57', role: 'WORKER', municipality: 'LT-57', scope: 'municipal', language: 'lt' });
      const entries = await audit('auth.signed_in');
      expect(entries.at(-1)).toMatchObject({ actor: ids.worker, role: 'WORKER', municipality: 'LT-57', object_id: ids.worker, details: { method: 'password' } });
      const [user] = await db.query<{ last_signed_in_at: Date }>('SELECT last_signed_in_at FROM users WHERE id = $1', [ids.worker]);
      expect(user.last_signed_in_at.toISOString()).toBe(START.toISOString());
    });

    it('refuses a wrong password and an unknown user alike, and logs the failure without the typed username', async () => {
      const wrong = await http().post('/api/auth/sign-in').send({ username: 'auditor', password: 'not-the-password' }).expect(401);
      const unknown = await http().post('/api/auth/sign-in').send({ username: 'nobody-here', password: 'not-the-password' }).expect(401);
      expect(wrong.body.message).toBe(unknown.body.message);
      expect(wrong.headers['set-cookie']).toBeUndefined();
      const failures = await audit('auth.sign_in_failed');
      expect(failures.slice(-2)).toEqual([
        { actor: ids.auditor, role: 'AUDITOR', municipality: null, object_id: ids.auditor, details: { reason: 'wrong_password' } },
        { actor: 'system:auth', role: 'SYSTEM', municipality: null, object_id: null, details: { reason: 'unknown_user' } },
      ]);
      const anywhere = await db.query(`SELECT seq FROM audit_log WHERE details::text LIKE '%nobody-here%'`);
      expect(anywhere).toEqual([]);
    });

    it('answers 401 to a signed-out API call and sends a signed-out page request to the sign-in page', async () => {
      await http().get('/api/probe/any').expect(401);
      const page = await http().get('/probe/page').set('Accept', 'text/html').expect(303);
      expect(page.headers.location).toBe('/sign-in?next=%2Fprobe%2Fpage');
    });

    it('keeps health, the API docs and the sign-in page public, and not metrics or the status page', async () => {
      await http().get('/health/live').expect(200);
      await http().get('/metrics').expect(404); // no METRICS_TOKEN here: metrics are off
      await http().get('/status').set('Accept', 'text/html').expect(303);
      await http().get('/status').set('Accept', 'application/json').expect(401);
      await http().get('/api/docs/openapi.json').expect(200);
      const page = await http().get('/sign-in').expect(200);
      expect(page.text).toContain('name="_csrf"');
      expect(page.headers['content-security-policy']).toBeDefined();
    });

    it('ends the sessions of a disabled user at once and refuses their next sign-in', async () => {
      const id = await addUser(app, 'leaver', 'COORDINATOR', 'LT-19');
      const agent = await signIn(app, 'leaver');
      await http().get('/api/probe/any').set('Cookie', agent.cookie).expect(200);
      await app.get(UsersService).disableUser('leaver');
      await http().get('/api/probe/any').set('Cookie', agent.cookie).expect(401);
      await http().post('/api/auth/sign-in').send({ username: 'leaver', password: 'a-long-test-password' }).expect(401);
      const failures = await audit('auth.sign_in_failed');
      expect(failures.at(-1)).toMatchObject({ actor: id, details: { reason: 'disabled' } });
      expect(await audit('user.disabled')).toEqual([expect.objectContaining({ actor: 'system:cli', object_id: id })]);
    });
  });

  describe('roles', () => {
    const matrix: Array<[string, string, Record<string, number>]> = [
      ['worker57', 'WORKER', { worker: 200, coordinator: 403, auditor: 403, admin: 403, 'coordinator-or-admin': 403 }],
      ['coordinator57', 'COORDINATOR', { worker: 403, coordinator: 200, auditor: 403, admin: 403, 'coordinator-or-admin': 200 }],
      ['auditor', 'AUDITOR', { worker: 403, coordinator: 403, auditor: 200, admin: 403, 'coordinator-or-admin': 403 }],
      ['admin', 'ADMIN', { worker: 403, coordinator: 403, auditor: 403, admin: 200, 'coordinator-or-admin': 200 }],
    ];

    it.each(matrix)('lets %s (%s) call exactly the routes of its role and answers 403 elsewhere', async (username, role, expected) => {
      const agent = await signIn(app, username);
      for (const [route, status] of Object.entries(expected)) {
        const res = await http().get(`/api/probe/${route}`).set('Cookie', agent.cookie);
        expect({ route, status: res.status }).toEqual({ route, status });
        if (status === 403) expect(res.body.code).toBe('FORBIDDEN');
      }
      const me = await http().get('/api/auth/session').set('Cookie', agent.cookie).expect(200);
      expect(me.body.actor.role).toBe(role);
      const users = await http().get('/api/users').set('Cookie', agent.cookie);
      expect(users.status).toBe(role === 'ADMIN' ? 200 : 403);
    });

    it('lets an administrator list and add users through the API, returning a generated password once', async () => {
      const agent = await signIn(app, 'admin');
      const list = await http().get('/api/users').set('Cookie', agent.cookie).expect(200);
      expect(list.body.map((u: { username: string }) => u.username)).toEqual(expect.arrayContaining(['worker57', 'coordinator57', 'auditor', 'admin']));
      expect(JSON.stringify(list.body)).not.toMatch(/scrypt/);
      const added = await http()
        .post('/api/users')
        .set('Cookie', agent.cookie)
        .set('Origin', origin)
        .set('X-CSRF-Token', agent.csrfToken)
        .send({ username: 'new-worker', role: 'WORKER', municipality: 'LT-19' })
        .expect(201);
      expect(added.body.user).toMatchObject({ username: 'new-worker', role: 'WORKER', municipality: 'LT-19', caseloadLimit: 40, language: 'lt' });
      expect(added.body.generatedPassword).toMatch(/^[A-Za-z0-9]{20}$/);
      await signIn(app, 'new-worker', added.body.generatedPassword);
      const bad = await http()
        .post('/api/users')
        .set('Cookie', agent.cookie)
        .set('Origin', origin)
        .set('X-CSRF-Token', agent.csrfToken)
        .send({ username: 'x', role: 'WORKER' })
        .expect(400);
      expect(Object.keys(bad.body.details.problems).sort()).toEqual(['municipality', 'username']);
    });

    it('shows a worker of LT-57 only LT-57 rows through HTTP, and a national auditor every row', async () => {
      const worker = await signIn(app, 'worker57');
      const rows = await http().get('/api/probe/scoped').set('Cookie', worker.cookie).expect(200);
      expect(rows.body).toEqual([{ municipality: 'LT-57' }, { municipality: 'LT-57' }]);
      const other = await signIn(app, 'worker15');
      expect((await http().get('/api/probe/scoped').set('Cookie', other.cookie).expect(200)).body).toEqual([{ municipality: 'LT-15' }, { municipality: 'LT-15' }]);
      const auditor = await signIn(app, 'auditor');
      expect((await http().get('/api/probe/scoped').set('Cookie', auditor.cookie).expect(200)).body).toHaveLength(5);
    });
  });

  describe('sessions', () => {
    it('expires a session idle for longer than the idle limit', async () => {
      const agent = await signIn(app, 'coordinator57');
      clock.advance(29 * 60_000);
      await http().get('/api/probe/any').set('Cookie', agent.cookie).expect(200);
      clock.advance(29 * 60_000); // 58 minutes in, but only 29 idle: still alive
      await http().get('/api/probe/any').set('Cookie', agent.cookie).expect(200);
      clock.advance(30 * 60_000 + 1);
      await http().get('/api/probe/any').set('Cookie', agent.cookie).expect(401);
      clock.advance(-60 * 60_000); // the expired session is gone, not just hidden by the clock
      await http().get('/api/probe/any').set('Cookie', agent.cookie).expect(401);
    });

    it('restarts the idle timer at most once a second, so requests in a burst cost one Redis read and the limit is kept', async () => {
      const agent = await signIn(app, 'coordinator57');
      clock.advance(400); // within the second: the session is not written again, so its last activity stays at sign-in
      await http().get('/api/probe/any').set('Cookie', agent.cookie).expect(200);
      clock.advance(30 * 60_000 - 400 + 1); // 30 minutes and 1 ms after the last recorded activity
      await http().get('/api/probe/any').set('Cookie', agent.cookie).expect(401);

      const busy = await signIn(app, 'coordinator57');
      clock.advance(1_000); // a second on: this request restarts the idle timer
      await http().get('/api/probe/any').set('Cookie', busy.cookie).expect(200);
      clock.advance(30 * 60_000 - 1); // 30 minutes after sign-in, not yet 30 idle
      await http().get('/api/probe/any').set('Cookie', busy.cookie).expect(200);
    });

    it('expires a busy session at the absolute limit', async () => {
      const agent = await signIn(app, 'coordinator57');
      for (let minutes = 20; minutes < 600; minutes += 20) {
        clock.set(new Date(START.getTime() + minutes * 60_000));
        await http().get('/api/probe/any').set('Cookie', agent.cookie).expect(200);
      }
      clock.set(new Date(START.getTime() + 600 * 60_000));
      await http().get('/api/probe/any').set('Cookie', agent.cookie).expect(401);
    });

    it('deletes the session at sign-out, so the old cookie no longer works, and records auth.signed_out', async () => {
      const agent = await signIn(app, 'auditor');
      const before = (await audit('auth.signed_out')).length;
      const out = await http().post('/api/auth/sign-out').set('Cookie', agent.cookie).set('Origin', origin).set('X-CSRF-Token', agent.csrfToken).expect(204);
      expect(([] as string[]).concat(out.headers['set-cookie']).join()).toMatch(/tiltas_session=;/);
      await http().get('/api/probe/any').set('Cookie', agent.cookie).expect(401);
      const entries = await audit('auth.signed_out');
      expect(entries).toHaveLength(before + 1);
      expect(entries.at(-1)).toMatchObject({ actor: ids.auditor, role: 'AUDITOR' });
    });

    it('signs out from the page with a form post and lands on the sign-in page', async () => {
      const agent = await signIn(app, 'worker57');
      const res = await http().post('/sign-out').type('form').set('Cookie', agent.cookie).set('Origin', origin).send({ _csrf: agent.csrfToken }).expect(303);
      expect(res.headers.location).toBe('/sign-in?signedOut=1&lang=lt');
      await http().get('/api/probe/any').set('Cookie', agent.cookie).expect(401);
    });
  });

  describe('CSRF', () => {
    it('rejects a cross-site form post even with a valid session token and accepts the same post from our origin', async () => {
      const agent = await signIn(app, 'worker57');
      const cross = await http().post('/probe/form').type('form').set('Cookie', agent.cookie).set('Origin', 'https://evil.example').send({ note: 'hi', _csrf: agent.csrfToken }).expect(403);
      expect(cross.body.details).toEqual({ reason: 'csrf' });
      const same = await http().post('/probe/form').type('form').set('Cookie', agent.cookie).set('Origin', origin).send({ note: 'hi', _csrf: agent.csrfToken }).expect(201);
      expect(same.body).toEqual({ by: 'worker57', note: 'hi' });
    });

    it('rejects a same-origin post without the session token, or with another session’s', async () => {
      const agent = await signIn(app, 'worker57');
      const other = await signIn(app, 'coordinator57');
      await http().post('/probe/form').type('form').set('Cookie', agent.cookie).set('Origin', origin).send({ note: 'hi' }).expect(403);
      await http().post('/probe/form').type('form').set('Cookie', agent.cookie).set('Origin', origin).send({ note: 'hi', _csrf: other.csrfToken }).expect(403);
      await http().post('/probe/form').type('form').set('Cookie', agent.cookie).set('Referer', 'https://evil.example/x').send({ note: 'hi', _csrf: agent.csrfToken }).expect(403);
      await http().post('/probe/form').type('form').set('Cookie', agent.cookie).set('Referer', `${origin}/cases`).send({ note: 'hi', _csrf: agent.csrfToken }).expect(201);
    });

    it('rejects a cross-site post to the sign-in form and accepts it from our origin', async () => {
      await http().post('/sign-in').type('form').set('Origin', 'https://evil.example').send({ username: 'worker57', password: 'a-long-test-password' }).expect(403);
      const ok = await http().post('/sign-in').type('form').set('Origin', origin).send({ username: 'worker57', password: 'a-long-test-password', next: '/cases?x=1' }).expect(303);
      expect(ok.headers.location).toBe('/cases?x=1');
      await http().get('/api/probe/any').set('Cookie', sessionCookie(ok)).expect(200);
    });

    it('asks a sign-in post with a hidden origin for the form’s pre-session token', async () => {
      const page = await http().get('/sign-in').expect(200);
      const token = /name="_csrf" value="([^"]+)"/.exec(page.text)![1];
      const cookie = ([] as string[]).concat(page.headers['set-cookie']).find((c) => c.startsWith('tiltas_csrf='))!.split(';')[0];
      await http().post('/sign-in').type('form').set('Origin', 'null').send({ username: 'worker57', password: 'a-long-test-password' }).expect(403);
      const ok = await http().post('/sign-in').type('form').set('Origin', 'null').set('Cookie', cookie).send({ _csrf: token, username: 'worker57', password: 'a-long-test-password' }).expect(303);
      expect(ok.headers.location).toBe('/');
    });

    it('re-renders the sign-in page with 401 after a wrong password, and never redirects off-site', async () => {
      const res = await http().post('/sign-in?lang=en').type('form').set('Origin', origin).send({ username: 'worker57', password: 'wrong-password!', next: '//evil.example' }).expect(401);
      expect(res.text).toContain('Sign-in failed');
      expect(res.text).toContain('name="next" value="/"');
    });
  });

  describe('API tokens', () => {
    it('creates a token shown once and stored hashed, which acts as its owner until it expires', async () => {
      const coordinator = await signIn(app, 'coordinator57');
      const created = await createOwnToken(app, coordinator, { name: 'stats export', expiresDays: 2 });
      expect(created.token).toMatch(/^tlt_[0-9a-f-]{36}_[0-9a-f]{64}$/);
      const rows = await db.query<{ secret_sha256: string; created_by: string }>('SELECT secret_sha256, created_by FROM api_token WHERE id = $1', [created.id]);
      expect(rows[0].secret_sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(rows[0].created_by).toBe(ids.coordinator);
      expect(created.token).not.toContain(rows[0].secret_sha256);
      const me = await http().get('/api/probe/any').set('Authorization', `Bearer ${created.token}`).expect(200);
      expect(me.body).toMatchObject({ userId: ids.coordinator, role: 'COORDINATOR', municipality: 'LT-57' });
      await http().get('/api/probe/coordinator').set('Authorization', `Bearer ${created.token}`).expect(200);
      await http().get('/api/probe/admin').set('Authorization', `Bearer ${created.token}`).expect(403);
      clock.advance(2 * 86_400_000 - 1000);
      await http().get('/api/probe/any').set('Authorization', `Bearer ${created.token}`).expect(200);
      clock.advance(1000);
      await http().get('/api/probe/any').set('Authorization', `Bearer ${created.token}`).expect(401);
    });

    it('refuses a token whose secret is altered and a made-up one', async () => {
      const created = await createOwnToken(app, await signIn(app, 'worker57'));
      const altered = created.token.slice(0, -1) + (created.token.endsWith('0') ? '1' : '0');
      await http().get('/api/probe/any').set('Authorization', `Bearer ${altered}`).expect(401);
      await http().get('/api/probe/any').set('Authorization', 'Bearer tlt_nothing').expect(401);
    });

    it('lets an admin add a service account, create and revoke its token through the API, after which it stops working', async () => {
      const admin = await signIn(app, 'admin');
      const account = await http()
        .post('/api/service-accounts')
        .set('Cookie', admin.cookie)
        .set('Origin', origin)
        .set('X-CSRF-Token', admin.csrfToken)
        .send({ username: 'chain-verifier', role: 'AUDITOR' })
        .expect(201);
      expect(account.body).toMatchObject({ username: 'chain-verifier', role: 'AUDITOR', kind: 'SERVICE', signIn: 'none', municipality: null });
      const created = await http()
        .post('/api/tokens')
        .set('Cookie', admin.cookie)
        .set('Origin', origin)
        .set('X-CSRF-Token', admin.csrfToken)
        .send({ username: 'chain-verifier', name: 'verifier', expiresDays: 30 })
        .expect(201);
      const token = created.body.token as string;
      const me = await http().get('/api/probe/auditor').set('Authorization', `Bearer ${token}`).expect(200);
      expect(me.body).toEqual({ ok: 'AUDITOR' });
      expect((await http().get('/api/probe/any').set('Authorization', `Bearer ${token}`).expect(200)).body).toMatchObject({ username: 'chain-verifier', serviceAccount: true });
      // A bearer request needs no CSRF token and no origin: no browser attaches it by itself.
      await http().post('/probe/form').set('Authorization', `Bearer ${token}`).send({ note: 'machine' }).expect(201);
      await http().delete(`/api/tokens/${created.body.id}`).set('Cookie', admin.cookie).set('Origin', origin).set('X-CSRF-Token', admin.csrfToken).expect(204);
      await http().get('/api/probe/auditor').set('Authorization', `Bearer ${token}`).expect(401);
      expect((await audit('token.revoked')).at(-1)).toMatchObject({ actor: ids.admin, role: 'ADMIN', object_id: created.body.id });
      // Nobody signs in as a service account.
      await http().post('/api/auth/sign-in').send({ username: 'chain-verifier', password: 'a-long-test-password' }).expect(401);
    });

    it('stops a token working when its owner is disabled, and refuses a coordinator a token for a worker', async () => {
      await addUser(app, 'temp-worker', 'WORKER', 'LT-57');
      const created = await createOwnToken(app, await signIn(app, 'temp-worker'));
      await http().get('/api/probe/worker').set('Authorization', `Bearer ${created.token}`).expect(200);
      await app.get(UsersService).disableUser('temp-worker');
      await http().get('/api/probe/worker').set('Authorization', `Bearer ${created.token}`).expect(401);
      const coordinator = await signIn(app, 'coordinator57');
      const refused = await http().post('/api/tokens').set('Cookie', coordinator.cookie).set('Origin', origin).set('X-CSRF-Token', coordinator.csrfToken).send({ username: 'worker57' }).expect(403);
      expect(refused.body.message).toMatch(/^A token for a person's account is created only by that person/);
    });
  });
});
