import { NestExpressApplication } from '@nestjs/platform-express';
import { JobProducer } from '@tiltas/queue';
import request from 'supertest';
import { addUser, signIn, startApp, type SignedInAgent } from '../access/access-test-app';
import { createTestDatabase, TestDatabase } from '../support/test-database';

jest.setTimeout(60_000);

const METRICS_TOKEN = 'prometheus-scrape-token-fedcba9876543210';

/** The operations endpoints are for the people and the scraper meant to use them, not for anyone who asks. */
describe('who may ping the worker, read metrics and see the status page', () => {
  let db: TestDatabase;
  let app: NestExpressApplication;
  let origin: string;
  let admin: SignedInAgent;
  let worker: SignedInAgent;

  const http = () => request(app.getHttpServer());
  // No worker runs in this file: a ping that got through waits in its queue.
  const queued = async () => Object.values(await app.get(JobProducer).counts()).reduce((n, c) => n + (c.waiting ?? 0), 0);

  beforeAll(async () => {
    db = await createTestDatabase({ METRICS_TOKEN });
    app = await startApp(db.config);
    origin = new URL(db.config.http.publicUrl).origin;
    await addUser(app, 'admin', 'ADMIN', null);
    await addUser(app, 'worker57', 'WORKER', 'LT-57');
    admin = await signIn(app, 'admin');
    worker = await signIn(app, 'worker57');
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  describe('the worker round trip, /api/system/ping', () => {
    it('refuses an anonymous write with 401 and a non-administrator with 403, enqueueing nothing', async () => {
      await http().post('/api/system/ping').send({ token: 'anon-1' }).expect(401);
      const refused = await http().post('/api/system/ping').set('Cookie', worker.cookie).set('Origin', origin).set('X-CSRF-Token', worker.csrfToken).send({ token: 'worker-1' }).expect(403);
      expect(refused.body.message).toBe('This needs the role ADMIN.');
      await http().get('/api/system/ping/anon-1').expect(401);
      expect(await queued()).toBe(0);
    });

    it('lets a signed-in administrator enqueue one', async () => {
      const res = await http().post('/api/system/ping').set('Cookie', admin.cookie).set('Origin', origin).set('X-CSRF-Token', admin.csrfToken).send({ token: 'admin-1' }).expect(202);
      expect(res.body).toEqual({ jobId: 'system.ping@admin-1' });
      expect(await queued()).toBe(1);
      // Not processed here (no worker runs in this file): the administrator is told so, the anonymous caller is not.
      await http().get('/api/system/ping/admin-1').set('Cookie', admin.cookie).expect(404);
    });
  });

  describe('/metrics', () => {
    it('answers only the configured bearer token', async () => {
      const none = await http().get('/metrics').expect(401);
      expect(none.body.message).toBe('Metrics need the bearer token configured as METRICS_TOKEN.');
      await http().get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}x`).expect(401);
      await http().get('/metrics').set('Authorization', 'Bearer short').expect(401);
      // A signed-in person is not the scraper either.
      await http().get('/metrics').set('Cookie', admin.cookie).expect(401);
      const ok = await http().get('/metrics').set('Authorization', `Bearer ${METRICS_TOKEN}`).expect(200);
      expect(ok.text).toMatch(/^# HELP /m);
      expect(ok.text).toContain('tiltas_http_requests_total');
    });
  });

  describe('/status', () => {
    it('sends a signed-out browser to the sign-in page and answers an API client 401', async () => {
      const page = await http().get('/status').set('Accept', 'text/html').expect(303);
      expect(page.headers.location).toBe('/sign-in?next=%2Fstatus');
      await http().get('/status').set('Accept', 'application/json').expect(401);
    });

    it('shows a signed-in person the services and queues in their language, with their menu', async () => {
      const res = await http().get('/status').set('Cookie', worker.cookie).set('Accept', 'text/html').expect(200);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.text).toContain('<h1>Sistemos būsena</h1>');
      expect(res.text).toMatch(/<tr><th scope="row">PostgreSQL<\/th><td class="state-up">up<\/td><td>version \d+/);
      expect(res.text).toMatch(/<tr><th scope="row">Redis<\/th><td class="state-up">up<\/td>/);
      expect(res.text).toContain('href="/queue"');
      expect(res.text).toContain('worker57');
    });
  });
});
