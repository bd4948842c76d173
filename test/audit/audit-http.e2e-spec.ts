import { NestExpressApplication } from '@nestjs/platform-express';
import { makePersonalCode } from '@tiltas/registers';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { SignedInAgent, addUser, signIn, startApp } from '../access/access-test-app';
import { TestDatabase, createTestDatabase } from '../support/test-database';
import { SAMPLE_DIR } from '../fixtures';

const SAMPLE = JSON.parse(readFileSync(join(SAMPLE_DIR, 'lawful-basis.json'), 'utf8')) as Record<string, unknown>;
const keyFile = join(mkdtempSync(join(tmpdir(), 'tiltas-key-')), 'key.json');
writeFileSync(keyFile, JSON.stringify({ keyId: 'k-e2e', keyHex: randomBytes(32).toString('hex') }));

describe('the lawful-basis registry and the audit log through HTTP', () => {
  let db: TestDatabase;
  let app: NestExpressApplication;
  let origin: string;
  const agents: Record<string, SignedInAgent> = {};
  const http = () => request(app.getHttpServer());
  const as = (who: string, req: request.Test) => req.set('Cookie', agents[who].cookie).set('Origin', origin).set('X-CSRF-Token', agents[who].csrfToken);

  beforeAll(async () => {
    db = await createTestDatabase({ PSEUDONYM_KEY_FILE: keyFile });
    app = await startApp(db.config);
    origin = new URL(db.config.http.publicUrl).origin;
    for (const [name, role, municipality] of [['admin', 'ADMIN', null], ['auditor', 'AUDITOR', null], ['coordinator', 'COORDINATOR', 'LT-57'], ['worker', 'WORKER', 'LT-57']] as const) {
      await addUser(app, name, role, municipality);
      agents[name] = await signIn(app, name);
    }
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('lets an admin add an entry (201), says so when the identical file comes again (200), and names every broken field (400)', async () => {
    const added = await as('admin', http().post('/api/lawful-bases').send(SAMPLE)).expect(201);
    expect(added.body).toMatchObject({ status: 'ADDED', entry: { id: 'LB-SAMPLE', effectiveValidTo: null } });
    const again = await as('admin', http().post('/api/lawful-bases').send(SAMPLE)).expect(200);
    expect(again.body.status).toBe('UNCHANGED');
    const broken = await as('admin', http().post('/api/lawful-bases').send({ ...SAMPLE, id: 'LB-X', gdprArticle6: 'z', article10Authorisation: null })).expect(400);
    expect(broken.body.details.problems).toEqual([
      '`gdprArticle6` must be one of a b c d e f (the GDPR Art. 6(1) point), not "z"',
      '`article10Authorisation` is required (non-empty) because `registers` holds `prison`',
    ]);
    await as('admin', http().post('/api/lawful-bases').send({ ...SAMPLE, title: 'edited' })).expect(409);
  });

  it('refuses to add for anyone but an admin, and lets coordinators check coverage', async () => {
    for (const who of ['auditor', 'coordinator', 'worker']) await as(who, http().post('/api/lawful-bases').send({ ...SAMPLE, id: 'LB-Y' })).expect(403);
    await as('worker', http().get('/api/lawful-bases')).expect(403);
    const verdict = await as('coordinator', http().post('/api/lawful-bases/coverage').send({ lawfulBasisId: 'LB-SAMPLE', purpose: 'evaluation', registers: ['prison'], date: '2025-12-31' })).expect(200);
    expect(verdict.body).toEqual({ ok: false, problems: ['LB-SAMPLE does not allow the purpose `evaluation` (it allows `outreach`)', 'LB-SAMPLE is valid from 2026-01-01, not yet on 2025-12-31'] });
  });

  it('shows the log, its verification, its export and the subject lookup to auditors only', async () => {
    for (const who of ['admin', 'coordinator', 'worker']) await as(who, http().get('/api/audit/entries')).expect(403);
    const entries = await as('auditor', http().get('/api/audit/entries?action=lawful_basis.*')).expect(200);
    expect(entries.body.entries.map((e: { action: string; objectId: string }) => [e.action, e.objectId])).toEqual([['lawful_basis.added', 'LB-SAMPLE']]);
    await as('auditor', http().get('/api/audit/entries?colour=red')).expect(400);
    const verified = await as('auditor', http().get('/api/audit/verify')).expect(200);
    expect(verified.body).toMatchObject({ ok: true, firstBroken: null });
    const exported = await as('auditor', http().get('/api/audit/export')).expect(200);
    expect(exported.headers['content-type']).toMatch(/application\/x-ndjson/);
    const lines = exported.text.trim().split('\n').map((l) => JSON.parse(l) as { type?: string; action?: string });
    expect(lines[0].type).toBe('tiltas.audit-export');
    expect(lines[lines.length - 1].action).toBe('audit.exported');
    const lookup = await as('auditor', http().post('/api/audit/subject-lookup').send({ personalCode: makePersonalCode('2001-02-03', 'M', 5) })).expect(200);
    expect(lookup.body).toMatchObject({ pseudonymKeyId: 'k-e2e', entries: [] });
    await as('auditor', http().post('/api/audit/subject-lookup').send({ personalCode: '12345678901' })).expect(400);
  });
});
