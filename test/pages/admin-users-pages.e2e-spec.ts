import { NestExpressApplication } from '@nestjs/platform-express';
import { FixedClock } from '@tiltas/common';
import request from 'supertest';
import { addUser, startApi } from '../outreach/outreach-test-app';
import { FormBrowser } from '../support/form-browser';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

describe('administrators manage users on pages, each action audited and answered by a redirect', () => {
  let db: TestDatabase;
  let app: NestExpressApplication;
  const clock = new FixedClock(new Date('2026-10-01T08:00:00Z'));
  let national: FormBrowser;
  let vilnius: FormBrowser;
  const ids: Record<string, string> = {};

  const entries = (action: string, userId: string) =>
    db.query<{ actor: string; details: Record<string, unknown> }>(`SELECT actor, details FROM audit_log WHERE action = $1 AND object_id = $2 ORDER BY seq`, [action, userId]);
  const userRow = async (username: string) =>
    (await db.query<{ id: string; role: string; municipality: string | null; disabled: boolean; caseload_limit: number | null }>(
      `SELECT id::text AS id, role, municipality, disabled_at IS NOT NULL AS disabled, caseload_limit FROM users WHERE username = $1`,
      [username],
    ))[0];
  const signInStatus = async (username: string, password: string) =>
    (await request(app.getHttpServer()).post('/api/auth/sign-in').send({ username, password })).status;

  beforeAll(async () => {
    db = await createTestDatabase({ SIGN_IN_MAX_FAILURES: '3' });
    app = await startApi(db.config, clock);
    ids.admin = await addUser(app, 'adm', 'ADMIN', null);
    ids.admin57 = await addUser(app, 'adm57', 'ADMIN', 'LT-57');
    ids.worker = await addUser(app, 'w57', 'WORKER', 'LT-57', 40);
    ids.worker13 = await addUser(app, 'w13', 'WORKER', 'LT-13', 40);
    national = new FormBrowser(app);
    await national.signIn('adm');
    vilnius = new FormBrowser(app);
    await vilnius.signIn('adm57');
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('adds a user; the generated password is shown once on the page redirected to, and signs in', async () => {
    const post = await vilnius.post('/admin/users', { username: 'new.worker', displayName: 'Nauja Darbuotoja', role: 'WORKER', municipality: 'LT-57', language: 'en', caseloadLimit: '25' });
    expect(post.status).toBe(303);
    expect(post.headers.location).toBe('/admin/users');
    const page = await vilnius.get('/admin/users');
    expect(page.status).toBe(200);
    const password = /id="new-password">([^<]+)</.exec(page.text)?.[1];
    expect(password).toBeDefined();
    expect(page.text).toContain('id="users-done"');
    const row = await userRow('new.worker');
    expect(row).toMatchObject({ role: 'WORKER', municipality: 'LT-57', disabled: false, caseload_limit: 25 });
    expect(await entries('user.created', row.id)).toEqual([{ actor: ids.admin57, details: { role: 'WORKER', municipality: 'LT-57' } }]);
    expect(await signInStatus('new.worker', password!)).toBe(200);
    // A refresh shows the list, not the password again.
    expect((await vilnius.get('/admin/users')).text).not.toContain('id="new-password"');
  });

  it('refuses a user outside the municipal admin\'s scope, and a bad form, with the reasons on the page', async () => {
    await vilnius.post('/admin/users', { username: 'x', role: 'WORKER', municipality: 'LT-57', language: 'lt' });
    const page = await vilnius.get('/admin/users');
    expect(page.text).toContain('id="users-error"');
    expect(page.text).toContain('<span class="mono">username</span>');
    expect(page.text).toContain('value="x"');
    await vilnius.post('/admin/users', { username: 'kaunas.worker', role: 'WORKER', municipality: 'LT-13', language: 'lt' });
    expect((await vilnius.get('/admin/users')).text).toContain('A municipal administrator adds users of their own municipality only');
    expect(await userRow('kaunas.worker')).toBeUndefined();
  });

  it('lists only the municipal admin\'s own municipality, and refuses acting on a user elsewhere', async () => {
    const page = await vilnius.get('/admin/users');
    expect(page.text).toContain('data-username="w57"');
    expect(page.text).not.toContain('data-username="w13"');
    await vilnius.post('/admin/users/w13/disable', {});
    expect((await vilnius.get('/admin/users')).text).toContain('user not found');
    expect((await userRow('w13')).disabled).toBe(false);
  });

  it('changes a role, ending the user\'s sessions, audited with the old and the new role', async () => {
    const worker = new FormBrowser(app);
    await worker.signIn('w57');
    expect((await worker.get('/queue')).status).toBe(200);
    expect((await vilnius.post('/admin/users/w57/role', { role: 'COORDINATOR', municipality: 'LT-57' })).status).toBe(303);
    expect((await vilnius.get('/admin/users')).text).toContain('id="users-done"');
    expect(await userRow('w57')).toMatchObject({ role: 'COORDINATOR', municipality: 'LT-57', caseload_limit: null });
    expect(await entries('user.role_changed', ids.worker)).toEqual([
      { actor: ids.admin57, details: { from: { role: 'WORKER', municipality: 'LT-57' }, to: { role: 'COORDINATOR', municipality: 'LT-57' } } },
    ]);
    expect((await worker.get('/queue')).status).not.toBe(200);
    // A municipal admin cannot make anyone national; nobody changes their own role.
    await vilnius.post('/admin/users/w57/role', { role: 'AUDITOR', municipality: '' });
    expect((await vilnius.get('/admin/users')).text).toContain('A municipal administrator keeps users in their own municipality');
    await national.post('/admin/users/adm/role', { role: 'AUDITOR', municipality: '' });
    expect((await national.get('/admin/users')).text).toContain('Nobody changes their own role');
    expect((await userRow('adm')).role).toBe('ADMIN');
  });

  it('resets a password: the old one stops working, the new one is shown once, audited', async () => {
    expect((await national.post('/admin/users/w13/reset-password', {})).status).toBe(303);
    const page = await national.get('/admin/users');
    const password = /id="new-password">([^<]+)</.exec(page.text)?.[1];
    expect(password).toBeDefined();
    expect(await signInStatus('w13', 'a-long-outreach-test-password')).toBe(401);
    expect(await signInStatus('w13', password!)).toBe(200);
    expect(await entries('user.password_reset', ids.worker13)).toEqual([{ actor: ids.admin, details: {} }]);
  });

  it('lifts a sign-in lockout, and says so when there was none', async () => {
    for (let i = 0; i < 4; i++) await signInStatus('new.worker', 'wrong-password-typed');
    expect(await signInStatus('new.worker', 'wrong-password-typed')).toBe(429);
    await vilnius.post('/admin/users/new.worker/unlock', {});
    const row = await userRow('new.worker');
    expect(await entries('user.sign_in_unlocked', row.id)).toEqual([{ actor: ids.admin57, details: { wasLocked: true } }]);
    expect((await vilnius.get('/admin/users')).text).toContain('id="users-done"');
    expect(await signInStatus('new.worker', 'wrong-password-typed')).toBe(401);
    await vilnius.post('/admin/users/w57/unlock', {});
    expect(await entries('user.sign_in_unlocked', ids.worker)).toEqual([{ actor: ids.admin57, details: { wasLocked: false } }]);
  });

  it('disables a user (not oneself), audited, and the disabled user cannot sign in', async () => {
    expect((await national.post('/admin/users/w13/disable', {})).status).toBe(303);
    expect((await userRow('w13')).disabled).toBe(true);
    expect(await entries('user.disabled', ids.worker13)).toEqual([{ actor: ids.admin, details: {} }]);
    await vilnius.post('/admin/users/adm57/disable', {});
    expect((await vilnius.get('/admin/users')).text).toContain('You cannot disable yourself');
    expect((await userRow('adm57')).disabled).toBe(false);
  });

  it('is for administrators only', async () => {
    const coordinator = new FormBrowser(app);
    await addUser(app, 'c57', 'COORDINATOR', 'LT-57');
    await coordinator.signIn('c57');
    expect((await coordinator.post('/admin/users/w13/reset-password', {})).status).toBe(403);
  });
});
