import { NestExpressApplication } from '@nestjs/platform-express';
import { AuditService, anchorLine } from '@tiltas/audit';
import request from 'supertest';
import { SignedInAgent, addUser, signIn, startApp } from '../access/access-test-app';
import { TestDatabase, createTestDatabase } from '../support/test-database';

/** Verification against an anchor file through the API and the auditor's page. */
describe('verifying against anchors kept outside the database, through HTTP', () => {
  let db: TestDatabase;
  let app: NestExpressApplication;
  let origin: string;
  let auditor: SignedInAgent;
  let file: string;
  let forged: string;
  const http = () => request(app.getHttpServer());
  const as = (req: request.Test) => req.set('Cookie', auditor.cookie).set('Origin', origin).set('X-CSRF-Token', auditor.csrfToken);

  beforeAll(async () => {
    db = await createTestDatabase();
    app = await startApp(db.config);
    origin = new URL(db.config.http.publicUrl).origin;
    await addUser(app, 'auditor', 'AUDITOR', null);
    auditor = await signIn(app, 'auditor');
    const { document } = await app.get(AuditService).anchorDocument('system:test');
    file = `${anchorLine(document!)}\n`;
    forged = `${anchorLine({ ...document!, hash: 'f'.repeat(64) })}\n`;
  });
  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('checks the chain against an anchor file sent to the API as JSON lines', async () => {
    const ok = await as(http().post('/api/audit/verify').set('Content-Type', 'application/x-ndjson').send(file)).expect(200);
    expect(ok.body).toMatchObject({ ok: true, outside: { checked: 1, firstMismatch: null, gapsAfterHorizon: 0, latest: { matches: true } } });
    const bad = await as(http().post('/api/audit/verify').set('Content-Type', 'application/x-ndjson').send(forged)).expect(200);
    expect(bad.body).toMatchObject({ ok: false, outside: { firstMismatch: { reason: expect.stringMatching(/no longer has the hash the outside anchor recorded/) } } });
    const garbled = await as(http().post('/api/audit/verify').set('Content-Type', 'application/x-ndjson').send('{"seq": 1}\n')).expect(400);
    expect(garbled.body.message).toMatch(/anchor file refused: line 1: type must be/);
    const untyped = await as(http().post('/api/audit/verify').send({ anchors: file })).expect(400);
    expect(untyped.body.message).toMatch(/Content-Type application\/x-ndjson/);
  });

  it('takes the anchor file uploaded or pasted in the auditor\'s page, and still verifies without one', async () => {
    const page = (await as(http().get('/audit/verify')).expect(200)).text;
    expect(page).toContain('name="anchorFile"');
    expect(page).toContain(`action="/audit/verify?_csrf=${auditor.csrfToken}"`);
    const uploaded = await http().post(`/audit/verify?_csrf=${auditor.csrfToken}`).set('Cookie', auditor.cookie).set('Origin', origin).attach('anchorFile', Buffer.from(file), 'anchors.jsonl').expect(200);
    expect(uploaded.text).toContain('class="result ok"');
    // The page speaks the user's language, Lithuanian by default.
    expect(uploaded.text).toMatch(/Patikrinta išorinių inkarų<\/dt><dd>1<\/dd>/);
    const pasted = await http().post(`/audit/verify?_csrf=${auditor.csrfToken}`).set('Cookie', auditor.cookie).set('Origin', origin).field('anchors', forged).expect(200);
    expect(pasted.text).toContain('class="result bad"');
    expect(pasted.text).toContain('no longer has the hash the outside anchor recorded for it');
    const refused = await http().post(`/audit/verify?_csrf=${auditor.csrfToken}`).set('Cookie', auditor.cookie).set('Origin', origin).field('anchors', 'not json').expect(400);
    expect(refused.text).toContain('anchor file refused: line 1 is not JSON');
    const plain = await as(http().post('/audit/verify').type('form').send({ _csrf: auditor.csrfToken })).expect(200);
    expect(plain.text).toContain('class="result ok"');
    expect(plain.text).not.toContain('Patikrinta išorinių inkarų');
  });
});
