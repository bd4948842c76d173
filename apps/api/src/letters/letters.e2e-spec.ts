import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { AuthGuard, RolesGuard } from '@tiltas/access';
import { ClockModule, FixedClock } from '@tiltas/common';
import { ConfigModule } from '@tiltas/config';
import { DatabaseModule } from '@tiltas/database';
import { LETTER_PAGE_STYLE_HASH, NATIONAL_TEMPLATES } from '@tiltas/letters';
import { QueueModule } from '@tiltas/queue';
import { Registry } from 'prom-client';
import request from 'supertest';
import { addUser, signIn, SignedInAgent } from '../../../../test/access/access-test-app';
import { TestDatabase, createTestDatabase } from '../../../../test/support/test-database';
import { insertCase, insertContact, pseudonymOf, startSmsGateway } from '../../../../libs/letters/src/testing/letters-fixtures';
import { AuthHttpModule } from '../auth/auth-http.module';
import { configureApp } from '../configure-app';
import { DomainErrorFilter } from '../platform/domain-error.filter';
import { API_METRICS, MetricsController } from '../system/metrics.controller';
import { LettersHttpModule } from './letters-http.module';

// Every sign-in runs scrypt (about 0.1 s by design).
jest.setTimeout(60_000);

describe('letters through HTTP', () => {
  let db: TestDatabase;
  let app: NestExpressApplication;
  let gateway: Awaited<ReturnType<typeof startSmsGateway>>;
  let origin: string;
  const ids: Record<string, string> = {};
  const agents: Record<string, SignedInAgent> = {};
  const http = () => request(app.getHttpServer());
  const as = (who: string) => ({
    get: (path: string) => http().get(path).set('Cookie', agents[who].cookie),
    put: (path: string) => http().put(path).set('Cookie', agents[who].cookie).set('Origin', origin).set('X-CSRF-Token', agents[who].csrfToken),
    post: (path: string) => http().post(path).set('Cookie', agents[who].cookie).set('Origin', origin).set('X-CSRF-Token', agents[who].csrfToken),
    delete: (path: string) => http().delete(path).set('Cookie', agents[who].cookie).set('Origin', origin).set('X-CSRF-Token', agents[who].csrfToken),
  });
  const q = <T = Record<string, unknown>>(sql: string, params?: unknown[]) => db.query<T>(sql, params);

  beforeAll(async () => {
    gateway = await startSmsGateway();
    // SMTP is left unset on purpose: asking for an email then says sending is not configured.
    db = await createTestDatabase({ SMS_GATEWAY_URL: gateway.url });
    const moduleRef = await Test.createTestingModule({
      imports: [ConfigModule.forRoot(db.config), ClockModule.forRoot(new FixedClock(new Date('2026-11-02T08:00:00Z'))), DatabaseModule.forRoot(), QueueModule, AuthHttpModule, LettersHttpModule],
      controllers: [MetricsController],
      providers: [
        { provide: API_METRICS, useValue: new Registry() },
        { provide: APP_FILTER, useClass: DomainErrorFilter },
        { provide: APP_GUARD, useExisting: AuthGuard },
        { provide: APP_GUARD, useExisting: RolesGuard },
      ],
    }).compile();
    app = moduleRef.createNestApplication<NestExpressApplication>({ logger: false });
    configureApp(app, { logLevel: 'silent' });
    await app.init();
    origin = new URL(db.config.http.publicUrl).origin;
    for (const [name, role, municipality] of [
      ['worker57', 'WORKER', 'LT-57'],
      ['other57', 'WORKER', 'LT-57'],
      ['coordinator57', 'COORDINATOR', 'LT-57'],
      ['coordinator15', 'COORDINATOR', 'LT-15'],
      ['auditor', 'AUDITOR', null],
    ] as const) {
      ids[name] = await addUser(app, name, role, municipality);
      agents[name] = await signIn(app, name);
    }
  });

  afterAll(async () => {
    await app?.close();
    await gateway?.close();
    await db?.drop();
  });

  describe('a coordinator keeping templates', () => {
    it('lists every kind in every language, national defaults until the municipality writes its own', async () => {
      const res = await as('coordinator57').get('/api/letters/templates').expect(200);
      expect(res.body).toHaveLength(12);
      expect(new Set(res.body.map((t: { source: string }) => t.source))).toEqual(new Set(['NATIONAL']));
      expect(res.body.find((t: { kind: string; language: string }) => t.kind === 'SMS' && t.language === 'pl').body).toBe(NATIONAL_TEMPLATES.pl.SMS.body);
    });

    it('saves its own wording, logged, and another municipality still sees the national default', async () => {
      const body = 'Здравствуйте, {{personName}}!\n\nПриглашаем Вас в центр на ул. Конституции, 3. {{municipalityName}} ждёт Вас.\n\n{{workerName}}';
      const saved = await as('coordinator57').put('/api/letters/templates/LETTER/ru').send({ subject: 'Приглашение', body }).expect(200);
      expect(saved.body).toMatchObject({ kind: 'LETTER', language: 'ru', subject: 'Приглашение', body, source: 'MUNICIPALITY', version: 1 });
      const again = await as('coordinator57').put('/api/letters/templates/LETTER/ru').send({ subject: 'Приглашение на встречу', body }).expect(200);
      expect(again.body.version).toBe(2);
      const [entry] = await q<{ actor: string; object_id: string; details: object }>(`SELECT actor, object_id, details FROM audit_log WHERE action = 'letter_template.saved' ORDER BY seq DESC LIMIT 1`);
      expect(entry).toEqual({ actor: ids.coordinator57, object_id: 'LT-57:LETTER:ru', details: { kind: 'LETTER', language: 'ru', version: 2 } });
      const kaunas = await as('coordinator15').get('/api/letters/templates').expect(200);
      expect(kaunas.body.find((t: { kind: string; language: string }) => t.kind === 'LETTER' && t.language === 'ru')).toMatchObject({ source: 'NATIONAL', subject: NATIONAL_TEMPLATES.ru.LETTER.subject });
    });

    it('refuses wording that says why a person was listed, or uses a name that does not exist', async () => {
      const forbidden = await as('coordinator57').put('/api/letters/templates/SMS/lt').send({ body: 'Sveiki, {{personName}}, po įkalinimo galite kreiptis.' }).expect(400);
      expect(forbidden.body.message).toMatch(/įkalin/);
      const misspelt = await as('coordinator57').put('/api/letters/templates/SMS/en').send({ body: 'Hello {{personName}}, call {{workerPhone}}' }).expect(400);
      expect(misspelt.body.message).toMatch(/workerPhone/);
      const unknownKind = await as('coordinator57').put('/api/letters/templates/FAX/en').send({ body: 'Hello' }).expect(400);
      expect(unknownKind.body.message).toMatch(/kind must be one of LETTER, EMAIL, SMS/);
      const rows = await q(`SELECT kind, language FROM message_template WHERE kind = 'SMS'`);
      expect(rows).toEqual([]);
    });

    it('previews a draft and a saved template with sample data', async () => {
      const draft = await as('coordinator57').post('/api/letters/templates/EMAIL/en/preview').send({ subject: 'Hi {{personName}}', body: 'Hello {{personName}} from {{municipalityName}}' }).expect(200);
      // The response link closes every email; the preview shows a sample one, no person's.
      expect(draft.body).toMatchObject({
        kind: 'EMAIL',
        language: 'en',
        subject: 'Hi Anna',
        text: 'Hello Anna from Vilniaus miesto savivaldybė\n\nYou can answer online: follow the link and tell us whether you would like help, would rather we got in touch later, or do not want to be contacted.\nhttps://tiltas.savivaldybe.lt/r/0000-0000-0000-0000',
      });
      const saved = await as('coordinator57').post('/api/letters/templates/LETTER/ru/preview').send({}).expect(200);
      expect(saved.body.html).toContain('<title>Приглашение на встречу</title>');
      expect(saved.body.html).toContain('Анна Образцова');
    });

    it('goes back to the national default', async () => {
      await as('coordinator57').put('/api/letters/templates/EMAIL/pl').send({ subject: 'Rozmowa', body: 'Dzień dobry, {{personName}}' }).expect(200);
      const reset = await as('coordinator57').delete('/api/letters/templates/EMAIL/pl').expect(200);
      expect(reset.body).toMatchObject({ source: 'NATIONAL', subject: NATIONAL_TEMPLATES.pl.EMAIL.subject });
      await as('coordinator57').delete('/api/letters/templates/EMAIL/pl').expect(404);
    });

    it('sets the sender details letters carry', async () => {
      const res = await as('coordinator57')
        .put('/api/letters/sender')
        .send({ municipalityName: 'Vilniaus miesto savivaldybė', contactPhone: '+370 5 211 1111', contactEmail: 'pagalba@vilnius.example', officeAddress: 'Konstitucijos pr. 3, Vilnius' })
        .expect(200);
      expect(res.body).toMatchObject({ municipality: 'LT-57', contactPhone: '+370 5 211 1111', customised: true });
      await as('coordinator57').put('/api/letters/sender').send({ contactEmail: 'not an address' }).expect(400);
    });

    it('keeps templates away from workers and auditors', async () => {
      await as('worker57').get('/api/letters/templates').expect(403);
      await as('auditor').get('/api/letters/templates').expect(403);
    });
  });

  describe('a worker writing to a person', () => {
    let held: number;
    let others: number;

    beforeAll(async () => {
      held = await insertCase(q, 'e2e-held', { assignedTo: ids.worker57 });
      await insertContact(q, db.config.secrets, 'e2e-held', { given_name: 'Ирина', family_name: 'Петрова', address: 'Žirmūnų g. 5-7, Vilnius', postal_code: 'LT-09100', language: 'ru' });
      others = await insertCase(q, 'e2e-others', { assignedTo: ids.other57 });
      await insertContact(q, db.config.secrets, 'e2e-others');
    });

    it('prints the invitation letter in the person language, on its own page with a strict CSP, and logs it without the address', async () => {
      const res = await as('worker57').post(`/api/letters/cases/${held}/invitation`).expect(200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.headers['content-language']).toBe('ru');
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.headers['content-security-policy']).toBe(`default-src 'none'; style-src '${LETTER_PAGE_STYLE_HASH}'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'`);
      expect(res.text).toContain('<html lang="ru">');
      expect(res.text).toContain('Ирина Петрова<br>Žirmūnų g. 5-7, Vilnius<br>LT-09100');
      // The municipality's own Russian letter, saved above, not the national default.
      expect(res.text).toContain('<p>Здравствуйте, Ирина!</p>');
      expect(res.text).toContain('Vilniaus miesto savivaldybė ждёт Вас.');
      expect(res.text).toContain('<p class="date">2 ноября 2026 г.</p>');
      expect(res.text).not.toMatch(/<script|<link/);
      const entries = await q<{ actor: string; subject: string; object_id: string; details: object; purpose: string }>(
        `SELECT actor, subject, object_id, details, purpose FROM audit_log WHERE action = 'letter.printed'`,
      );
      // Printing showed a name and an address: it stands in the reveal log beside the reveals, and the entry names it.
      const reveals = await q<{ id: number; case_id: number; revealed_by: string; purpose: string; found: boolean }>(
        `SELECT id::int AS id, case_id::int AS case_id, revealed_by, purpose, found FROM contact_reveal`,
      );
      expect(reveals).toEqual([{ id: expect.any(Number), case_id: held, revealed_by: ids.worker57, purpose: 'invitation letter printed', found: true }]);
      const links = await q<{ id: number; kind: string; language: string }>(`SELECT id::int AS id, kind, language FROM response_link WHERE case_id = $1`, [held]);
      expect(links).toEqual([{ id: expect.any(Number), kind: 'LETTER', language: 'ru' }]);
      expect(res.text).toMatch(/<p class="url">http:\/\/127\.0\.0\.1:\d+\/r\/[0-9A-Z]{4}(-[0-9A-Z]{4}){3}<\/p>/);
      expect(entries).toEqual([
        {
          actor: ids.worker57,
          subject: pseudonymOf('e2e-held'),
          object_id: String(held),
          details: { caseId: held, language: 'ru', revealId: reveals[0].id, responseLinkId: links[0].id },
          purpose: 'outreach',
        },
      ]);
      expect(await q(`SELECT seq FROM audit_log WHERE details::text LIKE '%Žirmūnų%' OR details::text LIKE '%Ирина%'`)).toEqual([]);
    });

    it('refuses the letter for a case the worker does not hold, and to an auditor', async () => {
      const notHeld = await as('worker57').post(`/api/letters/cases/${others}/invitation`).expect(404);
      const missing = await as('worker57').post(`/api/letters/cases/999999/invitation`).expect(404);
      expect(notHeld.body.message).toBe(`case ${others} not found`);
      expect(missing.body.message).toBe('case 999999 not found');
      await as('auditor').post(`/api/letters/cases/${held}/invitation`).expect(403);
      await as('coordinator57').post(`/api/letters/cases/${held}/invitation`).expect(403);
    });

    it('prints only on a POST with the form token: a GET, a link or a cross-site post reveals and logs nothing', async () => {
      const before = await q<{ n: string }>(`SELECT count(*) AS n FROM contact_reveal`);
      await as('worker57').get(`/api/letters/cases/${held}/invitation`).expect(404);
      await http().post(`/api/letters/cases/${held}/invitation`).set('Cookie', agents.worker57.cookie).set('Origin', origin).expect(403);
      await http().post(`/api/letters/cases/${held}/invitation`).set('Cookie', agents.worker57.cookie).set('Origin', 'https://evil.example').set('X-CSRF-Token', agents.worker57.csrfToken).expect(403);
      expect(await q<{ n: string }>(`SELECT count(*) AS n FROM contact_reveal`)).toEqual(before);
    });

    it('queues an SMS with 202 and lists it on the case; email is refused while SMTP is not configured', async () => {
      const sent = await as('worker57').post(`/api/letters/cases/${held}/messages`).send({ channel: 'SMS' }).expect(202);
      expect(sent.body).toMatchObject({ caseId: held, channel: 'SMS', status: 'PENDING', attempts: 0 });
      const listed = await as('worker57').get(`/api/letters/cases/${held}/messages`).expect(200);
      expect(listed.body.map((m: { id: string }) => m.id)).toEqual([sent.body.id]);
      expect(JSON.stringify(listed.body)).not.toContain('+3706');
      await as('worker57').post(`/api/letters/cases/${held}/messages`).send({ channel: 'EMAIL' }).expect(503);
      await as('worker57').post(`/api/letters/cases/${others}/messages`).send({ channel: 'SMS' }).expect(404);
      await as('worker57').post(`/api/letters/cases/${held}/messages`).send({ channel: 'PIGEON' }).expect(400);
    });
  });
});
