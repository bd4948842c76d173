import { ApiTokensService, UsersService } from '@tiltas/access';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApp } from '../access/access-test-app';
import { AppProcess, ensureBuilt, freePort } from '../support/app-process';
import { TcpProxy, targetOf } from '../support/tcp-proxy';
import { TEST_REDIS_URL, TestDatabase, createTestDatabase } from '../support/test-database';

jest.setTimeout(90_000);


/**
 * The built api with Redis behind a proxy the test owns, unreachable for a while: readiness is red and
 * names Redis, requests that need it answer 503 at once, the process prints nothing but its structured
 * log (no unhandled ioredis error events) and logs the outage once per connection, and it is ready
 * again when Redis is back.
 */
describe('the api process while Redis is unreachable', () => {
  let db: TestDatabase;
  let proxy: TcpProxy;
  let api: AppProcess;
  let base: string;
  let probe: string;

  beforeAll(async () => {
    ensureBuilt('api');
    db = await createTestDatabase();
    // The deployment probe that enqueues a ping: an ADMIN service account's token, as an operator sets it up.
    const setup = await startApp(db.config);
    try {
      await setup.get(UsersService).addServiceAccount({ username: 'deploy-probe', role: 'ADMIN' });
      probe = `Bearer ${(await setup.get(ApiTokensService).create({ username: 'deploy-probe' })).token}`;
    } finally {
      await setup.close();
    }
    proxy = await TcpProxy.start(targetOf(TEST_REDIS_URL, 6379));
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    api = AppProcess.start('api', {
      NODE_ENV: 'test',
      DATABASE_URL: db.url,
      REDIS_URL: proxy.url(TEST_REDIS_URL),
      REDIS_PREFIX: db.config.redis.prefix,
      SESSION_SECRET: randomBytes(32).toString('hex'),
      CONTACTS_KEY: db.config.secrets.contactsKey.toString('hex'),
      DEMO_SECRETS_FILE: join(tmpdir(), `tiltas-faults-${randomBytes(4).toString('hex')}.json`),
      HOST: '127.0.0.1',
      PORT: String(port),
      PUBLIC_URL: base,
      LOG_LEVEL: 'info',
    });
    await api.waitFor(/api listening/, 40_000);
  });

  afterAll(async () => {
    proxy?.set('forward');
    await api?.stop();
    await proxy?.close();
    await db?.drop();
  });

  it('is red naming Redis, answers 503, logs the outage once per connection and floods nothing, then recovers', async () => {
    expect((await fetch(`${base}/health/ready`, { signal: AbortSignal.timeout(8_000) })).status).toBe(200);
    proxy.set('refuse');
    const since = api.log.length;
    try {
      for (let i = 0; i < 3; i++) {
        const ready = await fetch(`${base}/health/ready`, { signal: AbortSignal.timeout(8_000) });
        expect(ready.status).toBe(503);
        const body = (await ready.json()) as { error: { redis?: { message: string } }; message: string };
        expect(body.error.redis?.message).toMatch(/^Redis at 127\.0\.0\.1:\d+ is unavailable/);
        expect(body.message).toMatch(/^not ready: Redis at/);
        const started = Date.now();
        const enqueue = await fetch(`${base}/api/system/ping`, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: probe }, signal: AbortSignal.timeout(8_000), body: JSON.stringify({ token: `outage-${i}` }) });
        expect(enqueue.status).toBe(503);
        expect(((await enqueue.json()) as { code: string }).code).toBe('DEPENDENCY_UNAVAILABLE');
        expect(Date.now() - started).toBeLessThan(6_000);
        await new Promise((r) => setTimeout(r, 700));
      }
    } catch (err) {
      throw new Error(`${String(err)}\n${api.log.slice(since).slice(0, 4000)}`, { cause: err });
    }
    const during = api.log.slice(since).split('\n').filter((l) => l.trim() !== '');
    expect(during.filter((l) => !l.startsWith('{'))).toEqual([]);
    const lost = during.filter((l) => /unreachable/.test(l));
    expect(lost.length).toBeGreaterThan(0);
    // The api's Redis clients (sessions, reveal limits, status, the producer) each say it once.
    expect(lost.length).toBeLessThanOrEqual(6);
    expect(during.filter((l) => /"level":"error"/.test(l))).toEqual([]);

    proxy.set('forward');
    const until = Date.now() + 20_000;
    while ((await fetch(`${base}/health/ready`, { signal: AbortSignal.timeout(8_000) })).status !== 200) {
      if (Date.now() > until) throw new Error('not ready again within 20 s');
      await new Promise((r) => setTimeout(r, 200));
    }
    expect((await fetch(`${base}/api/system/ping`, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: probe }, signal: AbortSignal.timeout(8_000), body: JSON.stringify({ token: 'after' }) })).status).toBe(202);
    expect(api.lines(/reachable again/).length).toBeGreaterThan(0);
  });
});
