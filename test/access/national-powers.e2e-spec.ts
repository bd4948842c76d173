import { NestExpressApplication } from '@nestjs/platform-express';
import { LawfulBasisService } from '@tiltas/lawful-bases';
import { UploadsService } from '@tiltas/registers';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import request from 'supertest';
import { SAMPLE_DIR } from '../fixtures';
import { csvOf, freshDir, POPULATION_HEADER, populationRows, writeDelivery } from '../ingest/ingest-fixtures';
import { createTestDatabase, TestDatabase } from '../support/test-database';
import { addUser, signIn, startApp, type SignedInAgent } from './access-test-app';

jest.setTimeout(60_000);

/**
 * Register extracts and lawful bases are national matters: a municipal administrator (here of Vilnius
 * city, LT-57) is refused them through every path, and keeps managing their own municipality's users and
 * reading their municipality's uploads.
 */
describe('national powers and what a municipal administrator keeps', () => {
  let db: TestDatabase;
  let app: NestExpressApplication;
  let origin: string;
  let storageDir: string;
  let delivery: string;
  let basisFile: Record<string, unknown>;
  let vilnius: SignedInAgent;
  let national: SignedInAgent;
  const ids: Record<string, string> = {};

  const http = () => request(app.getHttpServer());
  const withSession = (t: request.Test, agent: SignedInAgent) => t.set('Cookie', agent.cookie).set('Origin', origin).set('X-CSRF-Token', agent.csrfToken);
  const count = async (table: string) => Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`))[0].n);

  function upload(agent: SignedInAgent): request.Test {
    return withSession(http().post('/api/extracts/uploads'), agent)
      .attach('manifest', join(delivery, 'population.manifest.json'))
      .attach('csv', join(delivery, 'population.csv'));
  }

  beforeAll(async () => {
    storageDir = await freshDir('national-powers');
    db = await createTestDatabase({ STORAGE_DIR: storageDir });
    app = await startApp(db.config);
    origin = new URL(db.config.http.publicUrl).origin;
    ids.vilnius = await addUser(app, 'admin-lt57', 'ADMIN', 'LT-57');
    ids.national = await addUser(app, 'admin-national', 'ADMIN', null);
    ids.kaunasAdmin = await addUser(app, 'admin-lt15', 'ADMIN', 'LT-15');
    await addUser(app, 'worker-lt57', 'WORKER', 'LT-57');
    await addUser(app, 'worker-lt15', 'WORKER', 'LT-15');
    vilnius = await signIn(app, 'admin-lt57');
    national = await signIn(app, 'admin-national');
    delivery = await writeDelivery(await freshDir('national-powers-delivery'), 'population', csvOf(POPULATION_HEADER, populationRows(0, 20)));
    basisFile = JSON.parse(await readFile(join(SAMPLE_DIR, 'lawful-basis.json'), 'utf8')) as Record<string, unknown>;
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  describe('register extracts', () => {
    it('refuses a municipal administrator’s upload with 403 naming the reason, before any file is stored', async () => {
      const res = await upload(vilnius).expect(403);
      expect(res.body.code).toBe('FORBIDDEN');
      expect(res.body.message).toBe('Receiving register extracts is a national matter: only a national administrator may do it (you act for LT-57).');
      expect(await count('extract_upload')).toBe(0);
      expect(await readdir(join(storageDir, 'incoming'))).toEqual([]);
      expect((await readdir(storageDir)).sort()).toEqual(['incoming']);
    });

    it('refuses it in the service too, so no other path queues a municipal actor’s extract', async () => {
      const uploads = app.get(UploadsService);
      await expect(
        uploads.enqueue(
          { id: '00000000-0000-4000-8000-0000000000aa', register: 'population', csvPath: '/nowhere.csv', manifestPath: '/nowhere.json', csvBytes: 1, uploadedBy: ids.vilnius },
          { userId: ids.vilnius, scope: 'municipal', municipality: 'LT-57' },
        ),
      ).rejects.toMatchObject({ code: 'FORBIDDEN' });
      expect(await count('extract_upload')).toBe(0);
    });

    it('queues a national administrator’s upload', async () => {
      const res = await upload(national).expect(201);
      expect(res.body).toMatchObject({ register: 'population', status: 'QUEUED' });
      expect(await count('extract_upload')).toBe(1);
    });

    it('shows a municipal administrator only the uploads their municipality’s users sent, read-only', async () => {
      // An upload a Vilnius administrator sent before national matters were kept national, and a Kaunas one.
      await db.query(
        `INSERT INTO extract_upload (id, register, status, csv_path, manifest_path, csv_bytes, uploaded_by) VALUES
           ('00000000-0000-4000-8000-000000000057', 'military', 'DONE', '/gone.csv', '/gone.json', 10, $1),
           ('00000000-0000-4000-8000-000000000015', 'military', 'DONE', '/gone.csv', '/gone.json', 10, $2)`,
        [ids.vilnius, ids.kaunasAdmin],
      );
      const mine = await http().get('/api/extracts/uploads').set('Cookie', vilnius.cookie).expect(200);
      expect(mine.body.map((u: { id: string }) => u.id)).toEqual(['00000000-0000-4000-8000-000000000057']);
      await http().get('/api/extracts/uploads/00000000-0000-4000-8000-000000000057').set('Cookie', vilnius.cookie).expect(200);
      await http().get('/api/extracts/uploads/00000000-0000-4000-8000-000000000015').set('Cookie', vilnius.cookie).expect(404);
      const all = await http().get('/api/extracts/uploads').set('Cookie', national.cookie).expect(200);
      expect(all.body).toHaveLength(3);
      await http().get('/api/extracts').set('Cookie', vilnius.cookie).expect(200);
    });

    it('refuses a municipal administrator a register quarantine, by API and by page', async () => {
      const api = await http().get('/api/extracts/population/quarantine').set('Cookie', vilnius.cookie).expect(403);
      expect(api.body.message).toBe('Reading a register quarantine is a national matter: only a national administrator may do it (you act for LT-57).');
      const page = await http().get('/admin/extracts/population/quarantine').set('Cookie', vilnius.cookie).set('Accept', 'text/html').expect(403);
      expect(page.text).toContain('national matter');
      // Past the guard: a national administrator is told only that no population extract exists yet.
      const nationalView = await http().get('/api/extracts/population/quarantine').set('Cookie', national.cookie).expect(404);
      expect(nationalView.body.code).toBe('NOT_FOUND');
    });

    it('shows a municipal administrator the extracts page without the upload form, and a national one with it', async () => {
      const municipal = await http().get('/admin/extracts').set('Cookie', vilnius.cookie).set('Accept', 'text/html').expect(200);
      expect(municipal.text).not.toContain('id="upload-form"');
      expect(municipal.text).not.toContain('extract-upload.js');
      expect(municipal.text).toContain('id="national-only"');
      expect(municipal.text).toContain('/admin/extracts/uploads/00000000-0000-4000-8000-000000000057');
      expect(municipal.text).not.toContain('00000000-0000-4000-8000-000000000015');
      const full = await http().get('/admin/extracts').set('Cookie', national.cookie).set('Accept', 'text/html').expect(200);
      expect(full.text).toContain('id="upload-form"');
      expect(full.text).not.toContain('id="national-only"');
    });
  });

  describe('lawful bases', () => {
    it('refuses a municipal administrator registering a lawful basis with 403 naming the reason, and registers nothing', async () => {
      const res = await withSession(http().post('/api/lawful-bases'), vilnius).send(basisFile).expect(403);
      expect(res.body.message).toBe('Registering a lawful basis is a national matter: only a national administrator may do it (you act for LT-57).');
      expect(await count('lawful_basis')).toBe(0);
      expect(await db.query(`SELECT seq FROM audit_log WHERE action = 'lawful_basis.added'`)).toEqual([]);
    });

    it('refuses it in the service too', async () => {
      const service = app.get(LawfulBasisService);
      const actor = { userId: ids.vilnius, role: 'ADMIN', municipality: 'LT-57', scope: 'municipal' as const };
      await expect(service.add(undefined, basisFile, actor)).rejects.toMatchObject({ code: 'FORBIDDEN' });
      expect(await count('lawful_basis')).toBe(0);
    });

    it('lets a national administrator register one, and refuses a municipal one retiring it', async () => {
      await withSession(http().post('/api/lawful-bases'), national).send(basisFile).expect(201);
      const refused = await withSession(http().post('/api/lawful-bases/LB-SAMPLE/retire'), vilnius).send({ validTo: '2026-12-31' }).expect(403);
      expect(refused.body.message).toBe('Retiring a lawful basis is a national matter: only a national administrator may do it (you act for LT-57).');
      const [row] = await db.query<{ retired_valid_to: string | null }>(`SELECT retired_valid_to FROM lawful_basis WHERE id = 'LB-SAMPLE'`);
      expect(row.retired_valid_to).toBeNull();
      // Reading the registry is not a change: a municipal administrator still may.
      const list = await http().get('/api/lawful-bases').set('Cookie', vilnius.cookie).expect(200);
      expect(list.body.map((b: { id: string }) => b.id)).toEqual(['LB-SAMPLE']);
    });
  });

  describe('national opt-outs', () => {
    it('refuses a municipal administrator the opt-out list and a withdrawal, and lets a national one read it', async () => {
      const list = await http().get('/api/outreach/opt-outs').set('Cookie', vilnius.cookie).expect(403);
      expect(list.body.message).toBe('Reading the national opt-outs is a national matter: only a national administrator may do it (you act for LT-57).');
      await withSession(http().post('/api/outreach/opt-outs/1/withdraw'), vilnius).expect(403);
      const nationalList = await http().get('/api/outreach/opt-outs').set('Cookie', national.cookie).expect(200);
      expect(nationalList.body).toEqual([]);
    });
  });

  describe('users of their own municipality', () => {
    it('lets a municipal administrator add and list their municipality’s users, and nobody else’s', async () => {
      const added = await withSession(http().post('/api/users'), vilnius).send({ username: 'new-worker-lt57', role: 'WORKER', municipality: 'LT-57' }).expect(201);
      expect(added.body.user).toMatchObject({ username: 'new-worker-lt57', municipality: 'LT-57' });
      const other = await withSession(http().post('/api/users'), vilnius).send({ username: 'new-worker-lt15', role: 'WORKER', municipality: 'LT-15' }).expect(403);
      expect(other.body.message).toBe('A municipal administrator adds users of their own municipality only');
      const list = await http().get('/api/users').set('Cookie', vilnius.cookie).expect(200);
      expect(list.body.map((u: { username: string }) => u.username).sort()).toEqual(['admin-lt57', 'new-worker-lt57', 'worker-lt57']);
    });

    it('lets a municipal administrator disable their municipality’s user, and not another’s', async () => {
      await withSession(http().post('/api/users/worker-lt15/disable'), vilnius).expect(404);
      const disabled = await withSession(http().post('/api/users/new-worker-lt57/disable'), vilnius).expect(200);
      expect(disabled.body.disabledAt).not.toBeNull();
    });
  });
});
