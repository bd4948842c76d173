import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { ApiTokensService, UsersService, signedInRequester, toActor } from '@tiltas/access';
import { JobName, JobProducer } from '@tiltas/queue';
import { uploadJobId } from '@tiltas/registers';
import { randomUUID } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import request from 'supertest';
import { ApiModule } from '../../apps/api/src/api.module';
import { configureApp } from '../../apps/api/src/configure-app';
import { WorkerModule } from '../../apps/worker/src/worker.module';
import { createTestDatabase, TestDatabase } from '../support/test-database';
import { csvOf, freshDir, lawfulBasisInsert, POPULATION_HEADER, populationRows, pseudonymOf, writeDelivery } from './ingest-fixtures';

jest.setTimeout(60_000);

describe('uploading an extract through the api', () => {
  let db: TestDatabase;
  let api: NestExpressApplication;
  let worker: INestApplicationContext;
  let adminToken: string;
  let workerToken: string;
  let storageDir: string;

  beforeAll(async () => {
    storageDir = await freshDir('uploads');
    db = await createTestDatabase({ STORAGE_DIR: storageDir });
    const basis = lawfulBasisInsert({ id: 'LB-TEST', registers: ['population', 'employment'] });
    await db.query(basis.sql, basis.params);
    const moduleRef = await Test.createTestingModule({ imports: [ApiModule.forRoot({ config: db.config })] }).compile();
    api = moduleRef.createNestApplication<NestExpressApplication>({ logger: false });
    configureApp(api, { logLevel: 'silent' });
    await api.init();
    worker = await NestFactory.createApplicationContext(WorkerModule.forRoot({ config: db.config, schedules: false }), { logger: false });
    const users = api.get(UsersService);
    // A register holder's delivery client: a national ADMIN service account with the token the operator made.
    await users.addServiceAccount({ username: 'admin1', role: 'ADMIN', municipality: null });
    const worker1 = await users.addUser({ username: 'worker1', role: 'WORKER', municipality: 'LT-13', password: 'a-long-test-password' });
    adminToken = (await api.get(ApiTokensService).create({ username: 'admin1' })).token;
    // A worker's own token, as they create it signed in.
    workerToken = (await api.get(ApiTokensService).create({}, signedInRequester(toActor({ ...worker1.user, id: worker1.user.id }), 'session'))).token;
  });

  afterAll(async () => {
    await worker?.close();
    await api?.close();
    await db?.drop();
  });

  function upload(dir: string, name: string, token = adminToken): request.Test {
    return request(api.getHttpServer())
      .post('/api/extracts/uploads')
      .set('Authorization', `Bearer ${token}`)
      .attach('manifest', join(dir, `${name}.manifest.json`))
      .attach('csv', join(dir, `${name}.csv`));
  }

  async function poll(id: string): Promise<request.Response> {
    let res: request.Response | undefined;
    for (let i = 0; i < 300; i++) {
      res = await request(api.getHttpServer()).get(`/api/extracts/uploads/${id}`).set('Authorization', `Bearer ${adminToken}`).expect(200);
      // Final once the ingest is done and the files are shredded, which follows at once.
      if ((res.body.status === 'DONE' || res.body.status === 'FAILED') && res.body.purgedAt) return res;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`upload ${id} did not finish: ${JSON.stringify(res?.body)}`);
  }

  it('stores the upload, has the worker ingest it, and reports the outcome to a poller', async () => {
    const dir = await writeDelivery(await freshDir('up'), 'population', csvOf(POPULATION_HEADER, populationRows(0, 150)));
    const queued = await upload(dir, 'population').expect(201);
    expect(queued.body).toMatchObject({ register: 'population', status: 'QUEUED' });
    const done = await poll(queued.body.id);
    expect(done.body).toMatchObject({ status: 'DONE', outcome: { status: 'ACCEPTED', rows: 150, quarantined: 0 } });
    const rows = await db.query<{ n: string }>(`SELECT count(*) AS n FROM reg_population p JOIN extract e ON e.id = p.extract_id AND e.status = 'ACTIVE'`);
    expect(rows[0].n).toBe('150');
    // Ingested and so shredded: the folder of the upload is gone, and only the empty incoming/ is left.
    expect(await readdir(storageDir)).toEqual(['incoming']);

    const list = await request(api.getHttpServer()).get('/api/extracts?register=population').set('Authorization', `Bearer ${adminToken}`).expect(200);
    expect(list.body).toEqual([expect.objectContaining({ register: 'population', status: 'ACTIVE', rows: 150, source: 'upload' })]);
  });

  it('reports a rejection with its reason and leaves the active rows as they were', async () => {
    const rows = populationRows(500, 600);
    for (const i of [1, 2]) rows[i] = rows[i].replace(',F,', ',W,');
    const dir = await writeDelivery(await freshDir('bad'), 'population', csvOf(POPULATION_HEADER, rows), { asOf: '2026-11-01' });
    const queued = await upload(dir, 'population').expect(201);
    const done = await poll(queued.body.id);
    expect(done.body.outcome).toMatchObject({ status: 'REJECTED', rows: 100, quarantined: 2, reason: expect.stringContaining('2 of 100 rows quarantined') });
    const visible = await db.query<{ n: string }>(`SELECT count(*) AS n FROM reg_population p JOIN extract e ON e.id = p.extract_id AND e.status = 'ACTIVE'`);
    expect(visible[0].n).toBe('150');
  });

  it('lists the quarantine of the active extract', async () => {
    const rows = populationRows(1000, 1200);
    rows[9] = rows[9].replace('2000-01-', '2023-02-29x');
    const dir = await writeDelivery(await freshDir('q'), 'population', csvOf(POPULATION_HEADER, rows), { asOf: '2026-12-01' });
    const done = await poll((await upload(dir, 'population').expect(201)).body.id);
    expect(done.body.outcome).toMatchObject({ status: 'ACCEPTED', quarantined: 1 });
    const q = await request(api.getHttpServer()).get('/api/extracts/population/quarantine').set('Authorization', `Bearer ${adminToken}`).expect(200);
    expect(q.body.extract).toMatchObject({ asOf: '2026-12-01', status: 'ACTIVE' });
    expect(q.body.entries).toEqual([{ line: 11, column: 'birth_date', reason: expect.stringContaining('malformed date') }]);
  });

  it('accepts a delta upload: its persons\' rows are replaced, the outcome says delta, and the worker runs its same-day job', async () => {
    const rows = populationRows(1000, 1003).map((r) => r.replace(/,LT-\d{2},/, ',LT-13,'));
    const dir = await writeDelivery(await freshDir('delta'), 'population', csvOf(POPULATION_HEADER, rows), { asOf: '2026-12-02', manifest: { delivery: 'delta' } });
    const done = await poll((await upload(dir, 'population').expect(201)).body.id);
    const deltaId = done.body.extractId as number;
    expect(done.body.outcome).toMatchObject({ status: 'ACCEPTED', rows: 3, delivery: 'delta', identificationJobId: `identify.delta@${deltaId}` });
    const visible = await db.query<{ n: number; moved: number; named: number }>(
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE municipality = 'LT-13' AND p.pseudonym = ANY($1::bytea[]))::int AS moved,
              count(*) FILTER (WHERE p.delta_extract_id = $2)::int AS named
         FROM reg_population p JOIN extract e ON e.id = p.extract_id AND e.status = 'ACTIVE'`,
      [[1000, 1001, 1002].map((n) => Buffer.from(pseudonymOf(n), 'hex')), deltaId],
    );
    expect(visible).toEqual([{ n: 199, moved: 3, named: 3 }]);
    const list = await request(api.getHttpServer()).get('/api/extracts?register=population').set('Authorization', `Bearer ${adminToken}`).expect(200);
    expect(list.body[0]).toMatchObject({ id: deltaId, status: 'APPLIED', delivery: 'delta', appliedTo: expect.any(Number) });
    // The worker took the delta's job (no criterion is active here, so it had nobody to identify).
    let job: Array<{ status: string; result: unknown }> = [];
    for (let i = 0; i < 100 && job[0]?.status !== 'COMPLETED'; i++) {
      job = await db.query(`SELECT status, result FROM job_run WHERE job_id = $1`, [`identify.delta@${deltaId}`]);
      if (job[0]?.status !== 'COMPLETED') await new Promise((r) => setTimeout(r, 100));
    }
    expect(job).toEqual([{ status: 'COMPLETED', result: { skipped: 'no ACTIVE criterion reads population' } }]);
  });

  it('refuses an upload with a file missing, and anyone but an administrator', async () => {
    const dir = await writeDelivery(await freshDir('half'), 'population', csvOf(POPULATION_HEADER, populationRows(0, 2)));
    const half = await request(api.getHttpServer())
      .post('/api/extracts/uploads')
      .set('Authorization', `Bearer ${adminToken}`)
      .attach('manifest', join(dir, 'population.manifest.json'))
      .expect(400);
    expect(half.body.message).toContain('missing csv');
    await upload(dir, 'population', workerToken).expect(403);
    await request(api.getHttpServer()).get('/api/extracts').set('Authorization', `Bearer ${workerToken}`).expect(403);
  });

  it('fails, without ingesting, an upload a municipal administrator queued before extracts were kept national', async () => {
    const vilnius = await api.get(UsersService).addUser({ username: 'admin-lt57', role: 'ADMIN', municipality: 'LT-57', password: 'a-long-test-password' });
    const dir = await writeDelivery(await freshDir('legacy'), 'population', csvOf(POPULATION_HEADER, populationRows(0, 3)));
    const id = randomUUID();
    await db.query(
      `INSERT INTO extract_upload (id, register, status, csv_path, manifest_path, csv_bytes, uploaded_by) VALUES ($1, 'population', 'QUEUED', $2, $3, 10, $4)`,
      [id, join(dir, 'population.csv'), join(dir, 'population.manifest.json'), vilnius.user.id],
    );
    const extractsBefore = await db.query('SELECT id FROM extract');
    await api.get(JobProducer).enqueue(JobName.INGEST_UPLOAD, { uploadId: id }, { jobId: uploadJobId(id) });
    const done = await poll(id);
    expect(done.body).toMatchObject({ status: 'FAILED', outcome: { error: expect.stringContaining('national matter') } });
    expect(await db.query('SELECT id FROM extract')).toEqual(extractsBefore);
  });
});
