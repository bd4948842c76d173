import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { ApiTokensService, signedInRequester, toActor } from '@tiltas/access';
import { JobProducer, QueueName } from '@tiltas/queue';
import { chmod, mkdir, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import request from 'supertest';
import { WorkerModule } from '../../apps/worker/src/worker.module';
import { addUser, signIn, startApp, type SignedInAgent } from '../access/access-test-app';
import { createTestDatabase, TestDatabase } from '../support/test-database';
import { csvOf, freshDir, lawfulBasisInsert, POPULATION_HEADER, populationRows, writeDelivery } from './ingest-fixtures';

jest.setTimeout(60_000);

const MAX_UPLOAD_BYTES = 4096;
const mode = async (path: string): Promise<string> => ((await stat(path)).mode & 0o777).toString(8);

/**
 * Uploaded extracts on disk: kept private while they wait (0700 folders, 0600 files, whatever the
 * umask), shredded as soon as their ingest is final, refused past MAX_UPLOAD_BYTES while they stream, and
 * a storage folder others can open refuses the api and the worker at start.
 */
describe('uploaded extracts on disk', () => {
  let db: TestDatabase;
  let api: NestExpressApplication;
  let worker: INestApplicationContext | undefined;
  let storageDir: string;
  let token: string;
  let admin: SignedInAgent;
  let umask: number;

  const http = () => request(api.getHttpServer());
  const upload = (dir: string, name = 'population') =>
    http().post('/api/extracts/uploads').set('Authorization', `Bearer ${token}`).attach('manifest', join(dir, `${name}.manifest.json`)).attach('csv', join(dir, `${name}.csv`));
  const uploadRows = async () => Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM extract_upload'))[0].n);
  const ingestJobs = async () => {
    const counts = await api.get(JobProducer).queue(QueueName.INGEST).getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed');
    return Object.values(counts).reduce((a, b) => a + b, 0);
  };

  async function finished(id: string): Promise<request.Response> {
    let res: request.Response | undefined;
    for (let i = 0; i < 300; i++) {
      res = await http().get(`/api/extracts/uploads/${id}`).set('Authorization', `Bearer ${token}`).expect(200);
      if ((res.body.status === 'DONE' || res.body.status === 'FAILED') && res.body.purgedAt) return res;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`upload ${id} did not finish: ${JSON.stringify(res?.body)}`);
  }

  async function purgeEntry(id: string): Promise<Record<string, unknown>> {
    const rows = await db.query<{ actor: string; details: Record<string, unknown> }>(`SELECT actor, details FROM audit_log WHERE action = 'upload.purged' AND object_id = $1`, [id]);
    expect(rows).toHaveLength(1);
    return { actor: rows[0].actor, ...rows[0].details };
  }

  beforeAll(async () => {
    // A folder that does not exist yet, and a umask that would leave everything world-readable.
    storageDir = join(await freshDir('storage'), 'var', 'uploads');
    umask = process.umask(0);
    db = await createTestDatabase({ STORAGE_DIR: storageDir, MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES) });
    const basis = lawfulBasisInsert({ id: 'LB-TEST', registers: ['population'] });
    await db.query(basis.sql, basis.params);
    api = await startApp(db.config);
    const adminId = await addUser(api, 'admin1', 'ADMIN', null);
    // A person's own token, made signed in (the CLI makes tokens for service accounts only).
    const admin1 = toActor({ id: adminId, username: 'admin1', role: 'ADMIN', municipality: null, language: 'lt' });
    token = (await api.get(ApiTokensService).create({}, signedInRequester(admin1, 'session'))).token;
    admin = await signIn(api, 'admin1');
  });

  afterAll(async () => {
    process.umask(umask);
    await worker?.close();
    await api?.close();
    await db?.drop();
  });

  it('creates STORAGE_DIR and its incoming folder 0700 and stores both files of an upload 0600, whatever the umask', async () => {
    const dir = await writeDelivery(await freshDir('modes'), 'population', csvOf(POPULATION_HEADER, populationRows(0, 30)));
    const queued = await upload(dir).expect(201);
    const uploadDir = join(storageDir, queued.body.id);
    expect(await mode(storageDir)).toBe('700');
    expect(await mode(join(storageDir, 'incoming'))).toBe('700');
    expect(await mode(uploadDir)).toBe('700');
    expect((await readdir(uploadDir)).sort()).toEqual(['population.csv', 'population.manifest.json']);
    expect(await mode(join(uploadDir, 'population.csv'))).toBe('600');
    expect(await mode(join(uploadDir, 'population.manifest.json'))).toBe('600');
    expect(await readdir(join(storageDir, 'incoming'))).toEqual([]);
  });

  it('shreds an accepted upload as soon as it is ingested, and logs the purge', async () => {
    worker = await NestFactory.createApplicationContext(WorkerModule.forRoot({ config: db.config, schedules: false }), { logger: false });
    const [pending] = await db.query<{ id: string }>(`SELECT id FROM extract_upload`);
    const done = await finished(pending.id);
    expect(done.body.outcome).toMatchObject({ status: 'ACCEPTED', rows: 30 });
    expect(await readdir(storageDir)).toEqual(['incoming']);
    expect(await purgeEntry(pending.id)).toEqual({ actor: 'system:ingest', register: 'population', reason: 'ingested', outcome: 'ACCEPTED', files: 2, bytes: expect.any(Number) });
  });

  it('shreds an upload whose ingest is a rejection', async () => {
    const dir = await writeDelivery(await freshDir('rejected'), 'population', csvOf(POPULATION_HEADER, populationRows(100, 130)), { asOf: '2026-11-01', manifest: { rows: 31 } });
    const done = await finished((await upload(dir).expect(201)).body.id);
    expect(done.body.outcome).toMatchObject({ status: 'REJECTED', reason: expect.stringContaining('rows does not match') });
    expect(await readdir(storageDir)).toEqual(['incoming']);
    expect(await purgeEntry(done.body.id)).toMatchObject({ reason: 'ingested', outcome: 'REJECTED', files: 2 });
  });

  it('shreds an upload of a file already loaded, the no-op that says so', async () => {
    const dir = await writeDelivery(await freshDir('again'), 'population', csvOf(POPULATION_HEADER, populationRows(0, 30)));
    const done = await finished((await upload(dir).expect(201)).body.id);
    expect(done.body.outcome).toMatchObject({ status: 'ALREADY_LOADED' });
    expect(await readdir(storageDir)).toEqual(['incoming']);
    expect(await purgeEntry(done.body.id)).toMatchObject({ reason: 'ingested', outcome: 'ALREADY_LOADED', files: 2 });
  });

  it('refuses a CSV over MAX_UPLOAD_BYTES with 413 while it streams: the part removed, nothing stored, nothing queued', async () => {
    const dir = await writeDelivery(await freshDir('big'), 'population', csvOf(POPULATION_HEADER, populationRows(200, 300)));
    const [rowsBefore, jobsBefore] = [await uploadRows(), await ingestJobs()];
    const res = await upload(dir).expect(413);
    expect(res.body).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', message: `the csv file is larger than the ${MAX_UPLOAD_BYTES} bytes allowed (MAX_UPLOAD_BYTES): nothing was stored` });
    expect(await readdir(join(storageDir, 'incoming'))).toEqual([]);
    expect(await readdir(storageDir)).toEqual(['incoming']);
    expect([await uploadRows(), await ingestJobs()]).toEqual([rowsBefore, jobsBefore]);
  });

  it('refuses the same file sent with the plain upload form with a 413 page that says why, storing nothing', async () => {
    const dir = await writeDelivery(await freshDir('big-form'), 'population', csvOf(POPULATION_HEADER, populationRows(300, 400)));
    const rowsBefore = await uploadRows();
    const page = await http().get('/admin/extracts').set('Cookie', admin.cookie).set('Accept', 'text/html').expect(200);
    const action = /<form method="post" action="([^"]+)" enctype="multipart\/form-data" id="upload-form"/.exec(page.text)?.[1]?.replace(/&amp;/g, '&');
    expect(action).toBeDefined();
    const res = await http()
      .post(action!)
      .set('Cookie', admin.cookie)
      .set('Origin', new URL(db.config.http.publicUrl).origin)
      .set('Accept', 'text/html,application/xhtml+xml')
      .attach('manifest', join(dir, 'population.manifest.json'))
      .attach('csv', join(dir, 'population.csv'))
      .expect(413);
    expect(res.type).toBe('text/html');
    expect(res.text).toContain(`larger than the ${MAX_UPLOAD_BYTES} bytes allowed (MAX_UPLOAD_BYTES)`);
    expect(await readdir(join(storageDir, 'incoming'))).toEqual([]);
    expect(await uploadRows()).toBe(rowsBefore);
  });

  it('refuses to start the api or the worker on a storage folder others can open, naming it and the fix', async () => {
    const open = join(await freshDir('open'), 'uploads');
    await mkdir(join(open, 'incoming'), { recursive: true, mode: 0o700 });
    await chmod(open, 0o755);
    const config = { ...db.config, ingest: { ...db.config.ingest, storageDir: open } };
    const refusal = new RegExp(`open to group or others: ${open} \\(mode 0755\\)[\\s\\S]*chmod 700 ${open}`);
    await expect(startApp(config)).rejects.toThrow(refusal);
    await expect(NestFactory.createApplicationContext(WorkerModule.forRoot({ config, schedules: false }), { logger: false, abortOnError: false })).rejects.toThrow(refusal);

    // A folder inside it counts too: an upload's folder opened by hand.
    await chmod(open, 0o700);
    await chmod(join(open, 'incoming'), 0o750);
    await expect(startApp(config)).rejects.toThrow(new RegExp(`${open}/incoming \\(mode 0750\\)[\\s\\S]*chmod 700 ${open}/incoming`));
    await chmod(join(open, 'incoming'), 0o700);
    const app = await startApp(config);
    await app.close();
  });
});
