import { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { clearRedisPrefix, createTestDatabase, TestDatabase } from '../support/test-database';
import { Agent, addUser, signIn, startApi } from './outreach-test-app';
import { insertCase, insertPerson, pseudonymOf } from './outreach-factory';

// Every sign-in runs scrypt (about 0.1 s by design).
jest.setTimeout(90_000);

const MAX_PER_LINK = 6;
const MAX_PER_ADDRESS = 12;
const TOKEN = /^\/r\/[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/;

interface OpenedPage {
  readonly status: number;
  readonly html: string;
  readonly cookie: string;
  readonly csrf: string;
  readonly formToken: string;
}

/**
 * The response link end to end through HTTP: a worker prints a letter, the person (signed out, from an
 * address of their own through a trusted proxy) opens its link and answers; each answer lands on the
 * case with its audit entries; used, expired and forged links get calm pages; the form's double-submit
 * token and the limits per link and per address hold.
 */
describe('the response link', () => {
  let db: TestDatabase;
  let app: NestExpressApplication;
  let worker: Agent;
  let workerId: string;
  let origin: string;
  let address = 0;
  const q = <T = Record<string, unknown>>(sql: string, params?: unknown[]) => db.query<T>(sql, params);
  /** A fresh client address per person, so the per-address limit is the limit test's alone. */
  const nextAddress = () => `198.51.100.${++address}`;

  beforeAll(async () => {
    db = await createTestDatabase({
      TRUST_PROXY: 'loopback',
      RESPONSE_LINK_MAX_PER_LINK: String(MAX_PER_LINK),
      RESPONSE_LINK_MAX_PER_ADDRESS: String(MAX_PER_ADDRESS),
    });
    app = await startApi(db.config);
    origin = new URL(db.config.http.publicUrl).origin;
    workerId = await addUser(app, 'worker57', 'WORKER', 'LT-57');
    worker = await signIn(app, 'worker57');
    await q(
      `INSERT INTO letter_sender (municipality, municipality_name, contact_phone, contact_email, office_address, updated_by)
       VALUES ('LT-57', 'Vilniaus miesto savivaldybė', '+370 5 211 1111', 'pagalba@vilnius.example', 'Konstitucijos pr. 3, Vilnius', 'test')`,
    );
  });

  afterAll(async () => {
    await app?.close();
    if (db) await clearRedisPrefix(db.config.redis.prefix);
    await db?.drop();
  });

  async function heldCase(label: string, language: 'lt' | 'ru' | 'pl' | 'en' = 'lt', priority = 100): Promise<number> {
    await insertPerson(db, label, { contact: { language, given_name: 'Aistė', family_name: 'Žemaitytė' } });
    return insertCase(db, label, { status: 'ASSIGNED', assignedTo: workerId, priority });
  }

  /** Prints the case's letter as its worker and returns the path of the link it carries. */
  async function letterLink(caseId: number): Promise<{ path: string; html: string }> {
    const res = await worker.post(`/api/letters/cases/${caseId}/invitation`).expect(200);
    const url = /<p class="url">([^<]+)<\/p>/.exec(res.text)?.[1];
    expect(url).toBeDefined();
    const path = new URL(url!).pathname;
    expect(path).toMatch(TOKEN);
    return { path, html: res.text };
  }

  async function open(path: string, from: string): Promise<OpenedPage> {
    const res = await request(app.getHttpServer()).get(path).set('X-Forwarded-For', from);
    const cookie = ([] as string[]).concat(res.headers['set-cookie'] ?? []).find((c) => c.startsWith('tiltas_csrf='))?.split(';')[0] ?? '';
    return {
      status: res.status,
      html: res.text,
      cookie,
      csrf: /name="_csrf" value="([^"]*)"/.exec(res.text)?.[1] ?? '',
      formToken: /name="formToken" value="([^"]*)"/.exec(res.text)?.[1] ?? '',
    };
  }

  function post(path: string, page: OpenedPage, from: string, fields: Record<string, string>) {
    return request(app.getHttpServer())
      .post(path)
      .set('X-Forwarded-For', from)
      .set('Origin', origin)
      .set('Cookie', page.cookie)
      .type('form')
      .send({ _csrf: page.csrf, formToken: page.formToken, ...fields });
  }

  const entries = (caseId: number) =>
    q<{ action: string; actor: string; role: string; lawful_basis_id: string | null; details: Record<string, unknown> }>(
      `SELECT action, actor, role, lawful_basis_id, details FROM audit_log WHERE object_type = 'case' AND object_id = $1 ORDER BY seq`,
      [String(caseId)],
    );

  describe('"I would like help"', () => {
    let caseId: number;
    let path: string;

    beforeAll(async () => {
      // A more urgent case the worker already holds: the request for help still goes first.
      await heldCase('help-urgent', 'lt', 1);
      caseId = await heldCase('help', 'ru', 500);
      path = (await letterLink(caseId)).path;
    });

    it('opens, signed out, in the person language, without script, naming nobody', async () => {
      const page = await open(path, nextAddress());
      expect(page.status).toBe(200);
      expect(page.html).toContain('<html lang="ru">');
      expect(page.html).toContain('<title>Ваш ответ · Vilniaus miesto savivaldybė</title>');
      expect(page.html).toContain('Я хотел(а) бы получить помощь');
      expect(page.html).not.toMatch(/<script|Aistė|Žemaitytė/);
      expect(page.formToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const other = await open(`${path}?lang=pl`, nextAddress());
      expect(other.html).toContain('<html lang="pl">');
      expect(other.html).toContain('Chcę otrzymać pomoc');
    });

    it('records a REACHED attempt through RESPONSE_LINK, puts the case first in the queue with the notice, and keeps the phone sealed', async () => {
      const from = nextAddress();
      const page = await open(path, from);
      const res = await post(path, page, from, { answer: 'HELP', callbackTime: 'MORNING', phone: '+370 611 22 333' }).expect(200);
      expect(res.text).toContain('Спасибо. Мы скоро с Вами свяжемся.');

      const [c] = await q<{ status: string; help: boolean; next: string | null }>(`SELECT status, help_requested_at IS NOT NULL AS help, next_attempt_on AS next FROM cases WHERE id = $1`, [caseId]);
      expect(c).toEqual({ status: 'IN_PROGRESS', help: true, next: null });
      expect(await q(`SELECT channel, result, recorded_by FROM case_attempt WHERE case_id = $1`, [caseId])).toEqual([
        { channel: 'RESPONSE_LINK', result: 'REACHED', recorded_by: 'system:response-link' },
      ]);
      const [stored] = await q<{ answer: string; callback_time: string; sealed: Buffer }>(`SELECT answer, callback_time, phone_sealed AS sealed FROM case_response WHERE case_id = $1`, [caseId]);
      expect(stored.answer).toBe('HELP');
      expect(stored.callback_time).toBe('MORNING');
      expect(stored.sealed.toString('latin1')).not.toMatch(/611|22 333/);

      const log = await entries(caseId);
      const answered = log.find((e) => e.action === 'response.answered')!;
      expect(log.map((e) => e.action)).toEqual(['letter.printed', 'attempt.recorded', 'response.answered']);
      expect(log.find((e) => e.action === 'attempt.recorded')).toMatchObject({ actor: 'system:response-link', lawful_basis_id: 'LB-TEST' });
      expect(answered).toMatchObject({ actor: 'system:response-link', role: 'SYSTEM', lawful_basis_id: 'LB-TEST' });
      expect(answered.details).toMatchObject({ caseId, answer: 'HELP', kind: 'LETTER', callbackTime: 'MORNING', phoneGiven: true });
      expect(JSON.stringify(log)).not.toMatch(/611/);

      const queue = await worker.get('/api/outreach/queue').expect(200);
      expect(queue.body.cases[0]).toMatchObject({ id: caseId, helpRequestedAt: expect.any(String) });
      const pageQueue = await worker.get('/queue').expect(200);
      expect(pageQueue.text).toMatch(new RegExp(`/cases/${caseId}"[^<]*</a>\\s*(?:<br>)?<strong class="flag help-requested">Paprašė pagalbos`));
      const casePage = await worker.get(`/cases/${caseId}`).expect(200);
      expect(casePage.text).toContain('id="help-requested"');
      expect(casePage.text).toContain('norėtų pagalbos');

      const revealed = await worker.post(`/api/outreach/cases/${caseId}/reveal`, { purpose: 'calling back as asked' }).expect(200);
      expect(revealed.body.callbackPhone).toBe('+370 611 22 333');
    });

    it('refuses the used link calmly, with the municipality contacts, and takes no second answer', async () => {
      const from = nextAddress();
      const page = await open(path, from);
      expect(page.status).toBe(410);
      expect(page.html).toContain('Ответ по этой ссылке мы уже получили');
      expect(page.html).toContain('+370 5 211 1111');
      expect(page.html).toContain('pagalba@vilnius.example');
      const again = await post(path, { ...page, formToken: page.cookie.split('=')[1] }, from, { answer: 'STOP' }).expect(410);
      expect(again.text).not.toMatch(/Error|stack|at [A-Z]\w+\./);
      expect(await q(`SELECT status FROM cases WHERE id = $1`, [caseId])).toEqual([{ status: 'IN_PROGRESS' }]);
    });

    it('drops the notice once the worker records their next attempt', async () => {
      await worker.post(`/api/outreach/cases/${caseId}/attempts`, { channel: 'PHONE', result: 'REACHED' }).expect(201);
      expect(await q(`SELECT help_requested_at FROM cases WHERE id = $1`, [caseId])).toEqual([{ help_requested_at: null }]);
    });
  });

  describe('"Not now"', () => {
    it('schedules the next attempt on the day the person gave and keeps the case out of today\'s queue', async () => {
      const caseId = await heldCase('later', 'en');
      const { path } = await letterLink(caseId);
      const from = nextAddress();
      const page = await open(path, from);
      const day = new Date(Date.now() + 20 * 86_400_000).toISOString().slice(0, 10);
      const wrong = await post(path, page, from, { answer: 'LATER', callbackOn: '2020-01-01' }).expect(400);
      expect(wrong.text).toContain('Give a day after today and within a year');
      expect(wrong.text).toContain('value="2020-01-01"');
      const res = await post(path, page, from, { answer: 'LATER', callbackOn: day, callbackTime: 'EVENING' }).expect(200);
      expect(res.text).toContain(`We will get in touch from ${day}.`);
      expect(await q(`SELECT to_char(next_attempt_on, 'YYYY-MM-DD') AS next, help_requested_at FROM cases WHERE id = $1`, [caseId])).toEqual([{ next: day, help_requested_at: null }]);
      expect(await q(`SELECT answer, to_char(callback_on, 'YYYY-MM-DD') AS on, callback_time FROM case_response WHERE case_id = $1`, [caseId])).toEqual([
        { answer: 'LATER', on: day, callback_time: 'EVENING' },
      ]);
      expect((await entries(caseId)).map((e) => [e.action, e.lawful_basis_id]).slice(1)).toEqual([
        ['case.scheduled', 'LB-TEST'],
        ['response.answered', 'LB-TEST'],
      ]);
      const queue = await worker.get('/api/outreach/queue').expect(200);
      expect(queue.body.cases.map((c: { id: number }) => c.id)).not.toContain(caseId);
    });
  });

  describe('"Do not contact me again"', () => {
    it('closes the case OPTED_OUT with the national opt-out, and keeps no phone', async () => {
      const caseId = await heldCase('stop', 'pl');
      const { path } = await letterLink(caseId);
      const from = nextAddress();
      const page = await open(path, from);
      const res = await post(path, page, from, { answer: 'STOP', phone: '+370 699 00000' }).expect(200);
      expect(res.text).toContain('Nie będziemy się więcej kontaktować.');
      expect(res.text).toContain('+370 5 211 1111');
      expect(await q(`SELECT status, outcome FROM cases WHERE id = $1`, [caseId])).toEqual([{ status: 'CLOSED', outcome: 'OPTED_OUT' }]);
      expect(await q(`SELECT recorded_by FROM opt_out WHERE pseudonym = decode($1, 'hex') AND withdrawn_at IS NULL`, [pseudonymOf('stop')])).toEqual([{ recorded_by: 'system:response-link' }]);
      expect(await q(`SELECT phone_sealed, callback_time FROM case_response WHERE case_id = $1`, [caseId])).toEqual([{ phone_sealed: null, callback_time: null }]);
      const actions = (await entries(caseId)).map((e) => e.action);
      expect(actions).toEqual(expect.arrayContaining(['case.closed', 'opt_out.recorded', 'response.answered']));
      expect((await open(path, nextAddress())).status).toBe(410);
    });
  });

  describe('links that cannot take an answer', () => {
    it('refuses an expired link calmly with the municipality contacts, and changes nothing', async () => {
      const caseId = await heldCase('expired');
      const { path } = await letterLink(caseId);
      await q(`UPDATE response_link SET issued_at = now() - interval '61 days', expires_at = now() - interval '1 day' WHERE case_id = $1`, [caseId]);
      const from = nextAddress();
      const page = await open(path, from);
      expect(page.status).toBe(410);
      expect(page.html).toContain('Ši nuoroda nebegalioja.');
      expect(page.html).toContain('Konstitucijos pr. 3, Vilnius');
      const res = await post(path, { ...page, formToken: page.cookie.split('=')[1] }, from, { answer: 'HELP' }).expect(410);
      expect(res.text).toContain('Ši nuoroda nebegalioja.');
      expect(await q(`SELECT count(*)::int AS n FROM case_attempt WHERE case_id = $1`, [caseId])).toEqual([{ n: 0 }]);
    });

    it('refuses a forged or mistyped link with a page of its own, never a 500', async () => {
      const caseId = await heldCase('forged');
      const { path } = await letterLink(caseId);
      const last = path[path.length - 1];
      const forged = path.slice(0, -1) + (last === 'Z' ? 'Y' : 'Z');
      for (const p of [forged, '/r/not-a-link', `/r/${'A'.repeat(300)}`, '/r/%E2%80%A8']) {
        const page = await open(p, nextAddress());
        expect({ p, status: page.status }).toEqual({ p, status: 404 });
        expect(page.html).toContain('Šios nuorodos atpažinti nepavyko.');
        expect(page.html).not.toMatch(/<script|Error:|\bat \//);
      }
      const from = nextAddress();
      const page = await open(forged, from);
      await post(forged, { ...page, formToken: page.cookie.split('=')[1] }, from, { answer: 'STOP' }).expect(404);
      // Typed from paper in lower case, without hyphens and with O for 0: the same link.
      const typed = path.slice(3).toLowerCase().replace(/-/g, '').replace(/0/g, 'o');
      expect((await open(`/r/${typed}`, nextAddress())).status).toBe(200);
      expect(await q(`SELECT status FROM cases WHERE id = $1`, [caseId])).toEqual([{ status: 'ASSIGNED' }]);
    });

    it('takes no answer without the form token its browser holds, and offers the form again', async () => {
      const caseId = await heldCase('no-token');
      const { path } = await letterLink(caseId);
      const from = nextAddress();
      const page = await open(path, from);
      const res = await post(path, { ...page, formToken: 'x'.repeat(43) }, from, { answer: 'HELP' }).expect(403);
      expect(res.text).toContain('Forma nebegalioja.');
      expect(res.text).toContain('id="respond-form"');
      expect(await q(`SELECT count(*)::int AS n FROM case_response WHERE case_id = $1`, [caseId])).toEqual([{ n: 0 }]);
    });
  });

  describe('limits', () => {
    it(`lets one link take ${MAX_PER_LINK} requests per window, from any addresses`, async () => {
      const caseId = await heldCase('limit-link');
      const { path } = await letterLink(caseId);
      for (let i = 0; i < MAX_PER_LINK; i++) expect((await open(path, nextAddress())).status).toBe(200);
      const limited = await open(path, nextAddress());
      expect(limited.status).toBe(429);
      expect(limited.html).toContain('Per daug bandymų');
      const from = nextAddress();
      await post(path, { ...limited, formToken: limited.cookie.split('=')[1], csrf: limited.cookie.split('=')[1] }, from, { answer: 'HELP' }).expect(429);
      expect(await q(`SELECT count(*)::int AS n FROM case_response WHERE case_id = $1`, [caseId])).toEqual([{ n: 0 }]);
    });

    it(`lets one address make ${MAX_PER_ADDRESS} requests per window, forged links included, then refuses even a good link`, async () => {
      const caseId = await heldCase('limit-address');
      const { path } = await letterLink(caseId);
      const from = nextAddress();
      for (let i = 0; i < MAX_PER_ADDRESS; i++) expect((await open(`/r/AAAA-BBBB-CCCC-${String(i).padStart(4, '0')}`, from)).status).toBe(404);
      const limited = await open(path, from);
      expect(limited.status).toBe(429);
      expect(limited.html).toContain('Per daug bandymų');
      expect((await open(path, nextAddress())).status).toBe(200);
    });
  });
});
