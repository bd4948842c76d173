import { NestExpressApplication } from '@nestjs/platform-express';
import { FixedClock } from '@tiltas/common';
import { LETTER_REVEAL_PURPOSE } from '@tiltas/outreach';
import { Redis } from 'ioredis';
import { TEST_REDIS_URL, createTestDatabase, type TestDatabase } from '../support/test-database';
import { insertCase, insertPerson } from './outreach-factory';
import { FormBrowser as Browser } from '../support/form-browser';
import { addUser, startApi } from './outreach-test-app';

describe('the case page shows a reveal again for a while, as a logged view, and every form post redirects', () => {
  let db: TestDatabase;
  let app: NestExpressApplication;
  let redis: Redis;
  const clock = new FixedClock(new Date('2026-10-01T08:00:00Z'));
  let workerId: string;
  let held: number;
  let other: number;
  let worker: Browser;

  const audit = (action: string, caseId: number) =>
    db.query<{ reveal_id: string | null; fields: string[] | null }>(
      `SELECT details->>'revealId' AS reveal_id, ARRAY(SELECT jsonb_array_elements_text(details->'fields')) AS fields FROM audit_log WHERE action = $1 AND object_id = $2 ORDER BY seq`,
      [action, String(caseId)],
    );
  const spent = async () => Number((await redis.get(`${db.config.redis.prefix}:outreach:reveals:${workerId}:${clock.now().toISOString().slice(0, 13)}`)) ?? 0);

  beforeAll(async () => {
    db = await createTestDatabase({ REVEALS_PER_HOUR: '5', REVEAL_REVIEW_MINUTES: '15' });
    app = await startApi(db.config, clock);
    redis = new Redis(TEST_REDIS_URL, { lazyConnect: false, maxRetriesPerRequest: 1 });
    workerId = await addUser(app, 'w57', 'WORKER', 'LT-57', 40);
    await addUser(app, 'w57b', 'WORKER', 'LT-57', 40);
    await insertPerson(db, 'held');
    held = await insertCase(db, 'held', { status: 'ASSIGNED', assignedTo: workerId });
    await insertPerson(db, 'other', { contact: { given_name: 'Aldona', family_name: 'Kitaitė' } });
    other = await insertCase(db, 'other', { status: 'ASSIGNED', assignedTo: workerId });
    worker = new Browser(app);
    await worker.signIn('w57');
  });

  afterAll(async () => {
    redis?.disconnect();
    await app?.close();
    await db?.drop();
  });

  it('shows no contact details before a reveal, and logs no view', async () => {
    const page = await worker.get(`/cases/${held}`);
    expect(page.status).toBe(200);
    expect(page.text).not.toContain('Žydrūnė');
    expect(page.text).toContain(`action="/cases/${held}/reveal"`);
    expect(await audit('contact.reviewed', held)).toEqual([]);
  });

  it('answers a refused reveal with a redirect, and the page then shows the refusal once with the typed purpose', async () => {
    const post = await worker.post(`/cases/${held}/reveal`, { purpose: 'x' });
    expect(post.status).toBe(303);
    expect(post.headers.location).toBe(`/cases/${held}`);
    const page = await worker.get(post.headers.location as string);
    expect(page.status).toBe(200);
    expect(page.text).toMatch(/id="case-error"[^>]*>purpose is required/);
    expect(page.text).toContain('name="purpose" required minlength="3" maxlength="300" size="50" value="x"');
    expect(worker.hasFlash()).toBe(false);
    // A refresh is a plain GET: the refusal is gone, nothing was sent again.
    expect((await worker.get(`/cases/${held}`)).text).not.toContain('id="case-error"');
    expect(await db.query(`SELECT 1 FROM contact_reveal`)).toEqual([]);
  });

  it('reveals by a post that redirects (no details in the redirect), then shows the details as a logged view of that reveal', async () => {
    const post = await worker.post(`/cases/${held}/reveal`, { purpose: 'first phone call about the invitation' });
    expect(post.status).toBe(303);
    expect(post.headers.location).toBe(`/cases/${held}#contact`);
    expect(post.headers['cache-control']).toBe('no-store');
    expect(post.text).not.toContain('Žydrūnė');
    const reveals = await db.query<{ id: string }>(`SELECT id::text AS id FROM contact_reveal WHERE case_id = $1`, [held]);
    expect(reveals).toHaveLength(1);
    expect(await spent()).toBe(1);

    const page = await worker.get(`/cases/${held}`);
    expect(page.status).toBe(200);
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.text).toContain('Žydrūnė Testaitė');
    expect(page.text).toContain('id="contact-review"');
    expect(page.text).not.toContain(`action="/cases/${held}/reveal"`);
    expect(await audit('contact.revealed', held)).toEqual([{ reveal_id: reveals[0].id, fields: ['name', 'address', 'language', 'phone', 'email'] }]);
    expect(await audit('contact.reviewed', held)).toEqual([{ reveal_id: reveals[0].id, fields: ['name', 'address', 'language', 'phone', 'email'] }]);
  });

  it('shows them again on a refresh and on coming back, each view logged, with no new reveal and no budget spent', async () => {
    await worker.get('/queue');
    const again = await worker.get(`/cases/${held}`);
    expect(again.text).toContain('Žydrūnė Testaitė');
    const third = await worker.get(`/cases/${held}`);
    expect(third.text).toContain('Žydrūnė Testaitė');
    const reveals = await db.query<{ id: string }>(`SELECT id::text AS id FROM contact_reveal WHERE case_id = $1`, [held]);
    expect(reveals).toHaveLength(1);
    expect((await audit('contact.reviewed', held)).map((r) => r.reveal_id)).toEqual([reveals[0].id, reveals[0].id, reveals[0].id]);
    expect(await spent()).toBe(1);
    // The reviewed entries name the person, like the reveal's, so the subject's access report lists them.
    const subjects = await db.query<{ same: boolean }>(
      `SELECT r.subject = v.subject AS same FROM audit_log r JOIN audit_log v ON v.action = 'contact.reviewed' AND v.object_id = r.object_id WHERE r.action = 'contact.revealed' AND r.object_id = $1`,
      [String(held)],
    );
    expect(subjects.map((s) => s.same)).toEqual([true, true, true]);
  });

  it("does not carry one case's reveal to another case, nor show it to another worker", async () => {
    const page = await worker.get(`/cases/${other}`);
    expect(page.text).not.toContain('Aldona');
    expect(page.text).not.toContain('Žydrūnė');
    const stranger = new Browser(app);
    await stranger.signIn('w57b');
    expect((await stranger.get(`/cases/${held}`)).status).toBe(404);
    expect((await audit('contact.reviewed', other)).length).toBe(0);
  });

  it('never re-views a printed letter: that disclosure is not a reveal to come back to', async () => {
    await db.query(`INSERT INTO contact_reveal (case_id, municipality, revealed_by, purpose, found) VALUES ($1, 'LT-57', $2, $3, true)`, [other, workerId, LETTER_REVEAL_PURPOSE]);
    const page = await worker.get(`/cases/${other}`);
    expect(page.text).not.toContain('Aldona');
    expect(await audit('contact.reviewed', other)).toEqual([]);
  });

  it('after the window, shows the reveal form again: a new reveal, with its purpose, is needed', async () => {
    await db.query(`UPDATE contact_reveal SET revealed_at = now() - interval '15 minutes 1 second' WHERE case_id = $1`, [held]);
    const before = (await audit('contact.reviewed', held)).length;
    const page = await worker.get(`/cases/${held}`);
    expect(page.text).not.toContain('Žydrūnė');
    expect(page.text).toContain(`action="/cases/${held}/reveal"`);
    expect((await audit('contact.reviewed', held)).length).toBe(before);

    const post = await worker.post(`/cases/${held}/reveal`, { purpose: 'second call, the first went unanswered' });
    expect(post.status).toBe(303);
    expect(await spent()).toBe(2);
    expect((await worker.get(`/cases/${held}`)).text).toContain('Žydrūnė Testaitė');
    const latest = await db.query<{ id: string }>(`SELECT id::text AS id FROM contact_reveal WHERE case_id = $1 ORDER BY id DESC LIMIT 1`, [held]);
    expect((await audit('contact.reviewed', held)).at(-1)?.reveal_id).toBe(latest[0].id);
  });

  it('stops showing them once the worker no longer holds the case', async () => {
    await db.query(`UPDATE cases SET assigned_to = NULL, assigned_at = NULL, status = 'NEW' WHERE id = $1`, [held]);
    const page = await worker.get(`/cases/${held}`);
    expect(page.text).not.toContain('Žydrūnė');
  });

  it('answers a refused attempt with a redirect and shows the conflict on the page, once', async () => {
    const post = await worker.post(`/cases/${other}/attempts`, { channel: 'PHONE', result: 'REACHED', note: 'called', version: '999' });
    expect(post.status).toBe(303);
    expect(post.headers.location).toBe(`/cases/${other}`);
    const page = await worker.get(`/cases/${other}`);
    expect(page.text).toContain('id="case-error"');
    expect(page.text).not.toContain('_csrf" value="undefined');
    expect((await worker.get(`/cases/${other}`)).text).not.toContain('id="case-error"');
  });
});
