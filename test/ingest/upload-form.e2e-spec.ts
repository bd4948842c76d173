import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { join } from 'node:path';
import request from 'supertest';
import { WorkerModule } from '../../apps/worker/src/worker.module';
import { addUser, signIn, startApp, type SignedInAgent } from '../access/access-test-app';
import { createTestDatabase, TestDatabase } from '../support/test-database';
import { csvOf, freshDir, lawfulBasisInsert, POPULATION_HEADER, populationRows, writeDelivery } from './ingest-fixtures';

jest.setTimeout(60_000);

/**
 * The administrator's upload form as a browser without script sends it: a plain multipart post to the
 * form's action, the session cookie, the Origin the browser adds, and the token the page put in the action.
 */
describe('uploading an extract with the plain form, without script', () => {
  let db: TestDatabase;
  let api: NestExpressApplication;
  let worker: INestApplicationContext;
  let admin: SignedInAgent;
  let origin: string;
  let dir: string;

  const http = () => request(api.getHttpServer());
  const uploads = async () => Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM extract_upload'))[0].n);

  function post(path: string): request.Test {
    return http()
      .post(path)
      .set('Cookie', admin.cookie)
      .set('Accept', 'text/html,application/xhtml+xml')
      .attach('manifest', join(dir, 'population.manifest.json'))
      .attach('csv', join(dir, 'population.csv'));
  }

  async function formAction(): Promise<string> {
    const page = await http().get('/admin/extracts').set('Cookie', admin.cookie).set('Accept', 'text/html').expect(200);
    const action = /<form method="post" action="([^"]+)" enctype="multipart\/form-data" id="upload-form"/.exec(page.text)?.[1];
    if (!action) throw new Error('no upload form on the page');
    return action.replace(/&amp;/g, '&');
  }

  beforeAll(async () => {
    db = await createTestDatabase({ STORAGE_DIR: await freshDir('form-uploads') });
    const basis = lawfulBasisInsert({ id: 'LB-TEST', registers: ['population'] });
    await db.query(basis.sql, basis.params);
    api = await startApp(db.config);
    worker = await NestFactory.createApplicationContext(WorkerModule.forRoot({ config: db.config, schedules: false }), { logger: false });
    origin = new URL(db.config.http.publicUrl).origin;
    await addUser(api, 'admin1', 'ADMIN', null);
    admin = await signIn(api, 'admin1');
    dir = await writeDelivery(await freshDir('form-up'), 'population', csvOf(POPULATION_HEADER, populationRows(0, 40)));
  });

  afterAll(async () => {
    await worker?.close();
    await api?.close();
    await db?.drop();
  });

  it("puts the session's token in the form's action", async () => {
    expect(await formAction()).toBe(`/api/extracts/uploads?_csrf=${admin.csrfToken}`);
  });

  it('refuses the post without the token, with another token, from another site, or with no origin at all, storing nothing', async () => {
    const action = await formAction();
    const refused = [
      await post('/api/extracts/uploads').set('Origin', origin),
      await post('/api/extracts/uploads?_csrf=not-the-token').set('Origin', origin),
      await post(action).set('Origin', 'https://evil.example'),
      await post(action).set('Referer', 'https://evil.example/upload.html'),
      await post(action),
    ];
    expect(refused.map((r) => r.status)).toEqual([403, 403, 403, 403, 403]);
    expect(refused[0].type).toBe('text/html');
    expect(await uploads()).toBe(0);
  });

  it("accepts the plain post with the action's token, goes on to the upload's page, and the extract is ingested", async () => {
    const res = await post(await formAction()).set('Origin', origin).expect(303);
    const id = /^\/admin\/extracts\/uploads\/([0-9a-f-]{36})$/.exec(res.headers.location)?.[1];
    expect(id).toBeDefined();
    let purged = false;
    for (let i = 0; i < 300 && !purged; i++) {
      await new Promise((r) => setTimeout(r, 100));
      purged = (await db.query<{ purged: boolean }>('SELECT purged_at IS NOT NULL AS purged FROM extract_upload WHERE id = $1', [id]))[0].purged;
    }
    const page = await http().get(res.headers.location).set('Cookie', admin.cookie).set('Accept', 'text/html').expect(200);
    expect(page.text).toContain('id="upload-verdict"');
    // The page says when the files were shredded, which follows the ingest at once.
    expect(page.text).toContain('id="upload-purged"');
    const active = await db.query<{ rows: number; n: string }>(
      `SELECT e.rows, (SELECT count(*) FROM reg_population p WHERE p.extract_id = e.id) AS n FROM extract e
       JOIN extract_upload u ON u.extract_id = e.id WHERE u.id = $1 AND e.status = 'ACTIVE'`,
      [id],
    );
    expect(active).toEqual([{ rows: 40, n: '40' }]);
  });

  it('keeps the progress-bar path: the token in the header and a JSON answer', async () => {
    const res = await http()
      .post('/api/extracts/uploads')
      .set('Cookie', admin.cookie)
      .set('Origin', origin)
      .set('X-CSRF-Token', admin.csrfToken)
      .set('Accept', 'application/json')
      .attach('manifest', join(dir, 'population.manifest.json'))
      .attach('csv', join(dir, 'population.csv'))
      .expect(201);
    expect(res.body).toMatchObject({ register: 'population', status: 'QUEUED' });
  });
});
