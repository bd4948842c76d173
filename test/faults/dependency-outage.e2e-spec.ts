import { NestExpressApplication } from '@nestjs/platform-express';
import { ApiTokensService, UsersService } from '@tiltas/access';
import request from 'supertest';
import { addUser, createOwnToken, signIn, startApp } from '../access/access-test-app';
import { TcpProxy, targetOf } from '../support/tcp-proxy';
import { ADMIN_URL, TEST_REDIS_URL, TestDatabase, createTestDatabase, testConfig } from '../support/test-database';

jest.setTimeout(90_000);

/** Polls until `probe` holds, up to `ms`. */
async function eventually(probe: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > until) throw new Error(`not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * The api with PostgreSQL and Redis each behind a proxy the test owns: a dependency that goes away gives
 * every request that needs it a 503 that says which (a calm page for a person, the JSON error shape for
 * the API) within seconds, readiness names it, and everything works again once it is back.
 */
describe('the api while PostgreSQL or Redis is unreachable', () => {
  let db: TestDatabase;
  let pg: TcpProxy;
  let redis: TcpProxy;
  let app: NestExpressApplication;
  let cookie: string;
  let token: string;
  let probe: string;
  const http = () => request(app.getHttpServer());

  beforeAll(async () => {
    db = await createTestDatabase();
    pg = await TcpProxy.start(targetOf(ADMIN_URL, 5432));
    redis = await TcpProxy.start(targetOf(TEST_REDIS_URL, 6379));
    app = await startApp(testConfig(db.name, { DATABASE_URL: pg.url(db.url), REDIS_URL: redis.url(TEST_REDIS_URL), REDIS_PREFIX: db.config.redis.prefix }));
    await addUser(app, 'worker57', 'WORKER', 'LT-57');
    const agent = await signIn(app, 'worker57');
    cookie = agent.cookie;
    // The worker's own token, as they create it signed in.
    token = (await createOwnToken(app, agent)).token;
    // The deployment probe that enqueues pings: an ADMIN service account's token, as an operator sets it up.
    await app.get(UsersService).addServiceAccount({ username: 'deploy-probe', role: 'ADMIN' });
    probe = `Bearer ${(await app.get(ApiTokensService).create({ username: 'deploy-probe' })).token}`;
  });

  afterAll(async () => {
    redis?.set('forward');
    pg?.set('forward');
    await app?.close();
    await redis?.close();
    await pg?.close();
    await db?.drop();
  });

  afterEach(async () => {
    redis.set('forward');
    pg.set('forward');
    await eventually(async () => (await http().get('/health/ready')).status === 200);
  });

  it('is ready, and serves pages and the API, while both answer', async () => {
    const ready = await http().get('/health/ready').expect(200);
    expect(ready.body.info).toMatchObject({ postgres: { status: 'up' }, redis: { status: 'up' } });
    await http().get('/queue').set('Cookie', cookie).set('Accept', 'text/html').expect(200);
    await http().post('/api/system/ping').set('Authorization', probe).send({ token: 'before-outage' }).expect(202);
  });

  for (const mode of ['refuse', 'blackhole'] as const) {
    it(`answers 503 naming Redis within seconds when Redis ${mode === 'refuse' ? 'refuses connections' : 'swallows every packet'}, and recovers`, async () => {
      redis.set(mode);
      const started = Date.now();
      const ready = await http().get('/health/ready');
      expect(ready.status).toBe(503);
      expect(ready.body.error.redis).toMatchObject({ status: 'down', message: expect.stringContaining(`Redis at 127.0.0.1:${redis.port} is unavailable`) });
      expect(ready.body.error.postgres).toBeUndefined();
      expect(ready.body.info.postgres).toMatchObject({ status: 'up' });

      // A person opening a page: a calm page in their language, not the "something broke" one.
      const page = await http().get('/queue').set('Cookie', cookie).set('Accept', 'text/html').expect(503);
      expect(page.headers['content-type']).toMatch(/text\/html/);
      expect(page.headers['retry-after']).toBe('30');
      expect(page.text).toContain('Tiltas trumpam nepasiekiamas');
      expect(page.text).not.toMatch(/Įvyko klaida|MaxRetries|ECONN|stack/);

      // The API: the JSON error shape, for a session and for a token request that enqueues work.
      const bySession = await http().get('/api/outreach/queue').set('Cookie', cookie).expect(503);
      expect(bySession.body).toEqual({ statusCode: 503, code: 'DEPENDENCY_UNAVAILABLE', message: expect.stringMatching(/Redis cannot be reached.*try again/), details: { dependency: 'Redis' }, requestId: expect.any(String) });
      const enqueue = await http().post('/api/system/ping').set('Authorization', probe).send({ token: `during-${mode}` }).expect(503);
      expect(enqueue.body.code).toBe('DEPENDENCY_UNAVAILABLE');
      // Bounded: every one of these requests waited at most a few seconds, not for the outage to end.
      expect(Date.now() - started).toBeLessThan(mode === 'refuse' ? 8_000 : 20_000);

      redis.set('forward');
      await eventually(async () => (await http().get('/health/ready')).status === 200);
      await http().get('/queue').set('Cookie', cookie).set('Accept', 'text/html').expect(200);
      await http().post('/api/system/ping').set('Authorization', probe).send({ token: `after-${mode}` }).expect(202);
    });
  }

  it('answers 503 naming PostgreSQL when the database cannot be reached, and recovers', async () => {
    pg.set('refuse');
    const ready = await http().get('/health/ready').expect(503);
    expect(ready.body.error.postgres).toMatchObject({ status: 'down', message: expect.stringContaining(`PostgreSQL at 127.0.0.1:${pg.port}/${db.name} is unavailable`) });
    expect(ready.body.info.redis).toMatchObject({ status: 'up' });
    const api = await http().get('/api/outreach/queue').set('Authorization', `Bearer ${token}`).expect(503);
    expect(api.body).toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE', message: expect.stringMatching(/PostgreSQL cannot be reached/), details: { dependency: 'PostgreSQL' } });
    const page = await http().get('/queue').set('Cookie', cookie).set('Accept', 'text/html').expect(503);
    expect(page.text).toContain('Tiltas trumpam nepasiekiamas');

    pg.set('forward');
    await eventually(async () => (await http().get('/health/ready')).status === 200);
    await http().get('/api/outreach/queue').set('Authorization', `Bearer ${token}`).expect(200);
  });

  it('never answers 500 when PostgreSQL terminates its connections (pg_terminate_backend), and serves again at once', async () => {
    await Promise.all(Array.from({ length: 4 }, () => http().get('/api/outreach/queue').set('Authorization', `Bearer ${token}`).expect(200)));
    const ended = await db.query<{ n: string }>(
      `SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
    );
    expect(Number(ended[0].n)).toBeGreaterThan(0);
    const statuses = await Promise.all(Array.from({ length: 8 }, () => http().get('/api/outreach/queue').set('Authorization', `Bearer ${token}`).then((r) => r.status)));
    expect(statuses.filter((s) => s !== 200 && s !== 503)).toEqual([]);
    await eventually(async () => (await http().get('/api/outreach/queue').set('Authorization', `Bearer ${token}`)).status === 200, 5_000);
  });
});
