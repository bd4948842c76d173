import { NestExpressApplication } from '@nestjs/platform-express';
import { generateKeyPairSync } from 'node:crypto';
import request from 'supertest';
import { TestDatabase, createTestDatabase } from '../support/test-database';
import { sessionCookie, startApp } from './access-test-app';
import { OidcStubIssuer } from './oidc-stub-issuer';

// Every sign-in runs scrypt (about 0.1 s by design), so a test with many of them needs more than 5 s.
jest.setTimeout(60_000);

describe('OpenID Connect sign-in against a stub issuer', () => {
  let db: TestDatabase;
  let app: NestExpressApplication;
  const stub = new OidcStubIssuer('tiltas-test', 'stub-client-secret-value');

  const http = () => request(app.getHttpServer());

  beforeAll(async () => {
    const issuer = await stub.start();
    db = await createTestDatabase({ OIDC_ISSUER: issuer, OIDC_CLIENT_ID: stub.clientId, OIDC_CLIENT_SECRET: stub.clientSecret });
    app = await startApp(db.config);
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
    await stub.stop();
  });

  beforeEach(() => {
    stub.signWith = null;
    stub.kidOverride = null;
    stub.nonceOverride = null;
    stub.tokenClaimsOverride = {};
    stub.signing = 'RS256';
  });

  afterEach(() => {
    jest.restoreAllMocks();
  });

  /** A refused flow: 401, the reason on the page, no session, no user. */
  async function expectRefused(subject: string, reason: string | RegExp): Promise<void> {
    stub.claims = { sub: subject, tiltas_role: 'ADMIN' };
    const failures = () =>
      db.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'auth.sign_in_failed' AND details = '{"reason":"oidc_token","method":"oidc"}'::jsonb`);
    const [before] = await failures();
    const res = await runFlow();
    expect(res.status).toBe(401);
    // The refusal is on the record, without the subject it claimed (a token that does not check out names no one).
    expect(await failures()).toEqual([{ n: before.n + 1 }]);
    expect(res.text).toMatch(reason);
    expect(res.headers['set-cookie']?.toString() ?? '').not.toMatch(/tiltas_session=[^;]/);
    expect(await db.query(`SELECT id FROM users WHERE oidc_subject = $1`, [subject])).toEqual([]);
  }

  /** Browser steps: Tiltas → provider's authorize (signs in at once) → back to Tiltas' callback. */
  async function runFlow(next = '/cases'): Promise<request.Response> {
    const login = await http().get(`/auth/oidc/login?next=${encodeURIComponent(next)}`).expect(302);
    const authorize = await fetch(login.headers.location, { redirect: 'manual' });
    expect(authorize.status).toBe(302);
    const callback = new URL(authorize.headers.get('location')!);
    expect(`${callback.origin}${callback.pathname}`).toBe(`${new URL(db.config.http.publicUrl).origin}/auth/oidc/callback`);
    return http().get(`${callback.pathname}${callback.search}`);
  }

  it('sends the browser to the provider with PKCE (S256), a state and a nonce', async () => {
    const login = await http().get('/auth/oidc/login').expect(302);
    const url = new URL(login.headers.location);
    expect(`${url.origin}${url.pathname}`).toBe(`${stub.issuer}/authorize`);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      response_type: 'code',
      client_id: 'tiltas-test',
      redirect_uri: `${new URL(db.config.http.publicUrl).origin}/auth/oidc/callback`,
      scope: 'openid profile',
      state: expect.stringMatching(/^[A-Za-z0-9_-]{32}$/),
      nonce: expect.stringMatching(/^[A-Za-z0-9_-]{32}$/),
      code_challenge: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      code_challenge_method: 'S256',
    });
  });

  it('creates the user on first sign-in from the role and municipality claims and starts a session', async () => {
    stub.claims = { sub: 'subject-1', preferred_username: 'rasa.k', name: 'Rasa K.', tiltas_role: 'coordinator', tiltas_municipality: 'LT-57' };
    const res = await runFlow('/cases');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/cases');
    const me = await http().get('/api/auth/session').set('Cookie', sessionCookie(res)).expect(200);
    expect(me.body.actor).toMatchObject({ username: 'oidc:rasa.k', role: 'COORDINATOR', municipality: 'LT-57', scope: 'municipal' });
    const [user] = await db.query<{ id: string; password_hash: string | null; oidc_subject: string; display_name: string }>(
      `SELECT id, password_hash, oidc_subject, display_name FROM users WHERE username = 'oidc:rasa.k'`,
    );
    expect(user).toMatchObject({ password_hash: null, oidc_subject: 'subject-1', display_name: 'Rasa K.' });
    const entries = await db.query<{ action: string; details: Record<string, unknown> }>(`SELECT action, details FROM audit_log WHERE object_id = $1 ORDER BY seq`, [user.id]);
    expect(entries).toEqual([
      { action: 'user.created', details: { role: 'COORDINATOR', municipality: 'LT-57', method: 'oidc' } },
      { action: 'auth.signed_in', details: { method: 'oidc' } },
    ]);
  });

  it('follows the provider when the role or municipality changes, keeping the same user', async () => {
    stub.claims = { sub: 'subject-1', preferred_username: 'rasa.k', tiltas_role: 'WORKER', tiltas_municipality: 'LT-19' };
    const res = await runFlow();
    expect(res.status).toBe(303);
    const me = await http().get('/api/auth/session').set('Cookie', sessionCookie(res)).expect(200);
    expect(me.body.actor).toMatchObject({ username: 'oidc:rasa.k', role: 'WORKER', municipality: 'LT-19' });
    expect(await db.query(`SELECT count(*)::int AS n FROM users WHERE oidc_subject = 'subject-1'`)).toEqual([{ n: 1 }]);
  });

  it('refuses an id_token signed with a key the provider did not publish', async () => {
    stub.claims = { sub: 'subject-2', tiltas_role: 'ADMIN' };
    stub.signWith = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const res = await runFlow();
    expect(res.status).toBe(401);
    expect(res.text).toContain('signature does not verify');
    expect(res.headers['set-cookie']?.toString() ?? '').not.toMatch(/tiltas_session=[^;]/);
    expect(await db.query(`SELECT id FROM users WHERE oidc_subject = 'subject-2'`)).toEqual([]);
  });

  it('refuses an id_token that answers another sign-in (wrong nonce)', async () => {
    stub.claims = { sub: 'subject-3', tiltas_role: 'AUDITOR' };
    stub.nonceOverride = 'some-other-nonce';
    const res = await runFlow();
    expect(res.status).toBe(401);
    expect(res.text).toContain('nonce');
  });

  it('accepts each state once: a replayed callback is refused', async () => {
    stub.claims = { sub: 'subject-4', tiltas_role: 'AUDITOR' };
    const login = await http().get('/auth/oidc/login').expect(302);
    const authorize = await fetch(login.headers.location, { redirect: 'manual' });
    const callback = new URL(authorize.headers.get('location')!);
    await http().get(`${callback.pathname}${callback.search}`).expect(303);
    const replay = await http().get(`${callback.pathname}${callback.search}`).expect(401);
    expect(replay.text).toContain('already used');
  });

  it('refuses a sign-in whose claims give no Tiltas role, or a worker without a municipality', async () => {
    stub.claims = { sub: 'subject-5', tiltas_role: 'superuser' };
    expect((await runFlow()).status).toBe(403);
    stub.claims = { sub: 'subject-5', tiltas_role: 'WORKER' };
    expect((await runFlow()).status).toBe(403);
    expect(await db.query(`SELECT id FROM users WHERE oidc_subject = 'subject-5'`)).toEqual([]);
  });

  it('gives an OpenID Connect user no password to sign in with', async () => {
    await http().post('/api/auth/sign-in').send({ username: 'oidc:rasa.k', password: 'anything-at-all' }).expect(401);
  });

  it('refuses an id_token issued to another client (wrong audience), and one shared with others without naming us as azp', async () => {
    stub.tokenClaimsOverride = { aud: 'another-client' };
    await expectRefused('subject-aud-1', 'for another client (audience)');
    stub.tokenClaimsOverride = { aud: ['another-client', stub.clientId] };
    await expectRefused('subject-aud-2', 'for another client (audience)');
  });

  it('refuses an expired id_token, beyond the minute of clock difference it tolerates', async () => {
    const now = Math.floor(Date.now() / 1000);
    stub.tokenClaimsOverride = { iat: now - 600, exp: now - 120 };
    await expectRefused('subject-exp', 'the id_token has expired');
    // Within the tolerance it is still accepted: clocks differ a little between Tiltas and a provider.
    stub.tokenClaimsOverride = { iat: now - 600, exp: now - 20 };
    stub.claims = { sub: 'subject-exp', tiltas_role: 'AUDITOR' };
    expect((await runFlow()).status).toBe(303);
  });

  it('refuses an unsigned id_token (alg none)', async () => {
    stub.signing = 'none';
    await expectRefused('subject-none', 'not signed with the algorithm the provider announces (RS256)');
  });

  it('refuses HS256 id_tokens keyed with the client secret or with the provider\'s public key (algorithm confusion)', async () => {
    stub.signing = 'HS256-client-secret';
    await expectRefused('subject-hs-1', 'not signed with the algorithm the provider announces (RS256)');
    stub.signing = 'HS256-public-key';
    await expectRefused('subject-hs-2', 'not signed with the algorithm the provider announces (RS256)');
  });

  it('follows a key rotation: a new kid in the key set is fetched and trusted, the retired key no longer is', async () => {
    stub.claims = { sub: 'subject-rot', tiltas_role: 'AUDITOR' };
    expect((await runFlow()).status).toBe(303);
    const fetched = stub.jwksRequests;
    // The provider signs with a new key at once and publishes only it. openid-client fetches the key set
    // again for an unknown kid once its copy is a minute old (so forged kids cannot make it hammer the
    // provider): move the clock past that minute rather than wait it out.
    const old = stub.rotate(false);
    const realNow = Date.now.bind(Date);
    jest.spyOn(Date, 'now').mockImplementation(() => realNow() + 61_000);
    const res = await runFlow();
    expect(res.status).toBe(303);
    expect(stub.jwksRequests).toBe(fetched + 1);
    // A token still signed with the retired key, under its old kid, is now refused: the set no longer holds it.
    stub.signWith = old.privateKey;
    stub.kidOverride = old.kid;
    await expectRefused('subject-rot-retired', 'signed with an unknown key');
  });
});
