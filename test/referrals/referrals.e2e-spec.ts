import { NestExpressApplication } from '@nestjs/platform-express';
import { FixedClock } from '@tiltas/common';
import request from 'supertest';
import { insertCase, insertPerson } from '../outreach/outreach-factory';
import { Agent, addUser, signIn, startApi } from '../outreach/outreach-test-app';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

jest.setTimeout(120_000);

interface Service {
  id: number;
  municipality: string | null;
  name: string;
  cohorts: string[];
  active: boolean;
  retiredAt: string | null;
  version: number;
}

/**
 * The service directory, the referral status machine and the partner's two ways in (a signed link to a
 * public page, a service-scoped API token), through HTTP against the real database.
 */
describe('referrals to the end', () => {
  let db: TestDatabase;
  let app: NestExpressApplication;
  const clock = new FixedClock(new Date('2026-10-01T08:00:00Z'));
  const ids: Record<string, string> = {};
  let worker: Agent;
  let otherWorker: Agent;
  let coordinator: Agent;
  let kaunas: Agent;
  let admin: Agent;
  let youth: number;
  let release: number;
  let local: Service;
  let national: Service;
  let releaseOnly: Service;
  const http = () => request(app.getHttpServer());

  beforeAll(async () => {
    db = await createTestDatabase({ REFERRAL_LINK_DAYS: '14' });
    app = await startApi(db.config, clock);
    ids.worker = await addUser(app, 'w57', 'WORKER', 'LT-57', 40);
    ids.otherWorker = await addUser(app, 'w57b', 'WORKER', 'LT-57', 40);
    ids.coordinator = await addUser(app, 'c57', 'COORDINATOR', 'LT-57');
    ids.kaunas = await addUser(app, 'c19', 'COORDINATOR', 'LT-19');
    ids.admin = await addUser(app, 'adm', 'ADMIN', null);
    [worker, otherWorker, coordinator, kaunas, admin] = await Promise.all(['w57', 'w57b', 'c57', 'c19', 'adm'].map((u) => signIn(app, u)));
    await insertPerson(db, 'youth');
    youth = await insertCase(db, 'youth', { status: 'IN_PROGRESS', assignedTo: ids.worker, cohorts: ['neet-youth'] });
    await insertPerson(db, 'release');
    release = await insertCase(db, 'release', { status: 'IN_PROGRESS', assignedTo: ids.worker, cohorts: ['recent-release'] });
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  describe('the service directory', () => {
    it('lets a coordinator add the municipality\'s services, naming the cohorts they serve, and the national administrator national ones', async () => {
      local = (await coordinator.post('/api/outreach/services', { kind: 'NGO', name: 'Jaunimo centras', contact: 'desk +370 5 111 1111', cohorts: ['neet-youth'] }).expect(201)).body as Service;
      expect(local).toMatchObject({ municipality: 'LT-57', cohorts: ['neet-youth'], active: true, retiredAt: null });
      releaseOnly = (await coordinator.post('/api/outreach/services', { kind: 'SOCIAL_SERVICES', name: 'Reintegracijos tarnyba', cohorts: ['recent-release'] }).expect(201)).body as Service;
      national = (await admin.post('/api/outreach/services', { kind: 'PES', name: 'Užimtumo tarnyba' }).expect(201)).body as Service;
      expect(national).toMatchObject({ municipality: null, cohorts: [] });

      const unknown = await coordinator.post('/api/outreach/services', { kind: 'NGO', name: 'Nowhere', cohorts: ['no-such-cohort'] }).expect(400);
      expect(unknown.body.message).toBe('cohorts names no criterion: no-such-cohort');
      await worker.post('/api/outreach/services', { kind: 'NGO', name: 'A worker cannot' }).expect(403);
    });

    it('shows each municipality its own services and the national ones, and nobody else\'s', async () => {
      const seen = (await worker.get('/api/outreach/services').expect(200)).body as Service[];
      expect(seen.map((s) => s.name)).toEqual(['Užimtumo tarnyba', 'Jaunimo centras', 'Reintegracijos tarnyba']);
      const elsewhere = (await kaunas.get('/api/outreach/services').expect(200)).body as Service[];
      expect(elsewhere.map((s) => s.id)).toEqual([national.id]);
      const rows = await db.query<{ municipality: string | null; n: string }>(`SELECT municipality, count(*) AS n FROM outreach_service GROUP BY 1 ORDER BY 1 NULLS FIRST`);
      expect(rows.map((r) => [r.municipality, Number(r.n)])).toEqual([[null, 1], ['LT-57', 2]]);
    });

    it('keeps national services out of a coordinator\'s hands and another municipality\'s out of reach', async () => {
      await coordinator.patch(`/api/outreach/services/${national.id}`, { name: 'Renamed' }).expect(403);
      await kaunas.patch(`/api/outreach/services/${local.id}`, { name: 'Taken' }).expect(404);
      const renamed = (await coordinator.patch(`/api/outreach/services/${local.id}`, { contact: 'desk +370 5 222 2222', version: local.version }).expect(200)).body as Service;
      expect(renamed.version).toBe(local.version + 1);
      await coordinator.patch(`/api/outreach/services/${local.id}`, { contact: 'stale', version: local.version }).expect(409);
      local = renamed;
    });

    it('edits and retires a service on the pages, and a retired one is no longer offered or referable', async () => {
      const temp = (await coordinator.post('/api/outreach/services', { kind: 'HOUSING', name: 'Laikinas būstas' }).expect(201)).body as Service;
      const edit = await coordinator.get(`/services/${temp.id}/edit`).set('Accept', 'text/html').expect(200);
      expect(edit.text).toContain('value="Laikinas būstas"');
      await coordinator.post(`/services/${temp.id}`).type('form').send({ name: 'Laikinas būstas jaunimui', kind: 'HOUSING', cohorts: 'neet-youth', version: String(temp.version) }).expect(303);
      await coordinator.post(`/services/${temp.id}/retire`).type('form').send({ version: String(temp.version + 1) }).expect(303);
      const [row] = await db.query<{ name: string; cohorts: string[]; active: boolean; retired_by: string; retired: boolean }>(
        `SELECT name, cohorts, active, retired_by, retired_at IS NOT NULL AS retired FROM outreach_service WHERE id = $1`,
        [temp.id],
      );
      expect(row).toEqual({ name: 'Laikinas būstas jaunimui', cohorts: ['neet-youth'], active: false, retired_by: ids.coordinator, retired: true });
      const page = await worker.get(`/cases/${youth}`).set('Accept', 'text/html').expect(200);
      expect(page.text).not.toContain('Laikinas būstas');
      const refused = await worker.post(`/api/outreach/cases/${youth}/referrals`, { serviceId: temp.id }).expect(409);
      expect(refused.body.message).toContain('retired');
      const actions = await db.query<{ action: string }>(`SELECT action FROM audit_log WHERE object_type = 'outreach_service' AND object_id = $1 ORDER BY seq`, [String(temp.id)]);
      expect(actions.map((a) => a.action)).toEqual(['service.created', 'service.updated', 'service.retired']);
    });
  });

  describe('a referral\'s status', () => {
    let referral: number;

    it('answers a referral form without a service with a form error, not a 500', async () => {
      // Post/Redirect/Get: the refusal comes back on the case page the post redirects to, once.
      const post = await worker.post(`/cases/${youth}/referrals`).type('form').send({ note: 'forgot the service' }).set('Accept', 'text/html').expect(303);
      const res = await worker.follow(post).set('Accept', 'text/html').expect(200);
      expect(res.text).toContain('Choose the service to refer the person to');
      // Shown once: a refresh is a plain case page.
      expect((await worker.get(`/cases/${youth}`).set('Accept', 'text/html').expect(200)).text).not.toContain('Choose the service to refer the person to');
      await worker.post(`/api/outreach/cases/${youth}/referrals`, {}).expect(400);
      expect(await db.query(`SELECT 1 FROM referral`)).toEqual([]);
    });

    it('refuses a service that does not serve any of the case\'s cohorts, and offers only those that do', async () => {
      const res = await worker.post(`/api/outreach/cases/${youth}/referrals`, { serviceId: releaseOnly.id }).expect(400);
      expect(res.body.message).toBe('Reintegracijos tarnyba serves recent-release; this case was listed for neet-youth');
      const page = await worker.get(`/cases/${youth}`).set('Accept', 'text/html').expect(200);
      expect(page.text).toContain('Jaunimo centras');
      expect(page.text).not.toContain('Reintegracijos tarnyba');
    });

    it('moves only forward, by the one who holds the case, each move kept as a step, a case event and an audit entry', async () => {
      referral = ((await worker.post(`/api/outreach/cases/${youth}/referrals`, { serviceId: local.id }).expect(201)).body as { id: number }).id;
      await coordinator.patch(`/api/outreach/referrals/${referral}`, { status: 'ACCEPTED' }).expect(403);
      await otherWorker.patch(`/api/outreach/referrals/${referral}`, { status: 'ACCEPTED' }).expect(404);
      const skip = await worker.patch(`/api/outreach/referrals/${referral}`, { status: 'COMPLETED' }).expect(409);
      expect(skip.body.message).toBe(`referral ${referral} is SENT: it can become ACCEPTED or REJECTED, not COMPLETED`);
      await worker.patch(`/api/outreach/referrals/${referral}`, { status: 'ACCEPTED' }).expect(200);
      await worker.post(`/cases/${youth}/referrals/${referral}/status`).type('form').send({ status: 'STARTED' }).expect(303);
      const back = await worker.patch(`/api/outreach/referrals/${referral}`, { status: 'ACCEPTED' }).expect(409);
      expect(back.body.message).toBe(`referral ${referral} is STARTED: it can become COMPLETED or REJECTED, not ACCEPTED`);

      const steps = await db.query<{ from_status: string | null; to_status: string; via: string; actor: string }>(
        `SELECT from_status, to_status, via, actor FROM referral_step WHERE referral_id = $1 ORDER BY id`,
        [referral],
      );
      expect(steps).toEqual([
        { from_status: null, to_status: 'SENT', via: 'CASE_WORK', actor: ids.worker },
        { from_status: 'SENT', to_status: 'ACCEPTED', via: 'CASE_WORK', actor: ids.worker },
        { from_status: 'ACCEPTED', to_status: 'STARTED', via: 'CASE_WORK', actor: ids.worker },
      ]);
      const audit = await db.query<{ action: string; details: { to?: string } }>(`SELECT action, details FROM audit_log WHERE object_type = 'case' AND object_id = $1 ORDER BY seq`, [String(youth)]);
      expect(audit.map((a) => `${a.action}${a.details.to ? `:${a.details.to}` : ''}`)).toEqual(['referral.created', 'referral.updated:ACCEPTED', 'referral.updated:STARTED']);
    });

    it('asks REJECTED for its reason, and takes a reason only with REJECTED', async () => {
      const other = ((await worker.post(`/api/outreach/cases/${youth}/referrals`, { serviceId: national.id }).expect(201)).body as { id: number }).id;
      const bare = await worker.patch(`/api/outreach/referrals/${other}`, { status: 'REJECTED' }).expect(400);
      expect(bare.body.message).toContain('REJECTED needs the reason');
      await worker.patch(`/api/outreach/referrals/${other}`, { status: 'ACCEPTED', rejectReason: 'NO_CAPACITY' }).expect(400);
      const post = await worker.post(`/cases/${youth}/referrals/${other}/status`).type('form').send({ status: 'REJECTED', rejectReason: '' }).set('Accept', 'text/html').expect(303);
      const page = await worker.follow(post).set('Accept', 'text/html').expect(200);
      expect(page.text).toContain('REJECTED needs the reason');
      await worker.patch(`/api/outreach/referrals/${other}`, { status: 'REJECTED', rejectReason: 'NO_CAPACITY' }).expect(200);
      const [row] = await db.query<{ status: string; reject_reason: string }>(`SELECT status, reject_reason FROM referral WHERE id = $1`, [other]);
      expect(row).toEqual({ status: 'REJECTED', reject_reason: 'NO_CAPACITY' });
      const final = await worker.patch(`/api/outreach/referrals/${other}`, { status: 'COMPLETED' }).expect(409);
      expect(final.body.message).toBe(`referral ${other} is REJECTED, which is final`);
      const shown = await worker.get(`/cases/${youth}`).set('Accept', 'text/html').expect(200);
      expect(shown.text).toContain('atmestas · nėra vietų');
      expect(shown.text).not.toMatch(/>REJECTED</);
    });

    describe('through the partner\'s signed link', () => {
      let link: string;

      it('issues a link that names no person, logs it, and opens a public page with the status form', async () => {
        const issued = (await worker.post(`/api/outreach/referrals/${referral}/link`).expect(200)).body as { path: string; expiresAt: string };
        expect(issued.expiresAt).toBe('2026-10-15T08:00:00.000Z');
        expect(issued.path).toMatch(new RegExp(`^/partner/referrals/${referral}\\.\\d+\\.[A-Za-z0-9_-]{43}$`));
        link = issued.path;
        await coordinator.post(`/api/outreach/referrals/${referral}/link`).expect(403);
        const page = await http().get(link).expect(200);
        expect(page.headers['cache-control']).toBe('no-store');
        expect(page.headers['referrer-policy']).toBe('no-referrer');
        expect(page.text).toContain('Jaunimo centras');
        expect(page.text).toContain('pradėta');
        expect(page.text).toContain('<option value="COMPLETED">baigta</option>');
        expect(page.text).not.toMatch(/w57|youth|pseudonym/);
        const [entry] = await db.query<{ n: string }>(`SELECT count(*) AS n FROM audit_log WHERE action = 'referral.link_issued' AND object_id = $1`, [String(youth)]);
        expect(Number(entry.n)).toBe(1);
      });

      it('refuses a cross-site post and a post without the form token', async () => {
        const page = await http().get(link).expect(200);
        const cookie = ([] as string[]).concat(page.headers['set-cookie'] ?? []).find((c) => c.startsWith('tiltas_csrf='))!.split(';')[0];
        const token = /name="_csrf" value="([^"]+)"/.exec(page.text)![1];
        await http().post(link).set('Origin', 'https://evil.example').type('form').send({ status: 'COMPLETED', _csrf: token }).set('Cookie', cookie).expect(403);
        await http().post(link).set('Origin', 'null').type('form').send({ status: 'COMPLETED' }).set('Cookie', cookie).expect(403);
        const [row] = await db.query<{ status: string }>(`SELECT status FROM referral WHERE id = $1`, [referral]);
        expect(row.status).toBe('STARTED');
      });

      it('refuses a forged link and an expired one with the same page', async () => {
        const [, , exp, mac] = /^\/partner\/referrals\/(\d+)\.(\d+)\.(.+)$/.exec(link)!;
        const forged = await http().get(`/partner/referrals/${referral + 1}.${exp}.${mac}`).expect(404);
        expect(forged.text).toContain('negalioja');
        await http().get(`/partner/referrals/${referral}.${Number(exp) + 1}.${mac}`).expect(404);
        await http().post(`/partner/referrals/${referral}.${Number(exp) + 1}.${mac}`).type('form').send({ status: 'COMPLETED' }).expect(404);
        clock.advance(15 * 86_400_000);
        try {
          const expired = await http().get(link).expect(404);
          // The page echoes the link it was given (its language switch) and carries a fresh form token; the rest is one answer.
          const withoutToken = (html: string) => html.replace(/name="_csrf" value="[^"]+"/g, '').replace(/href="\/partner\/referrals\/[^"]+"/g, '');
          expect(withoutToken(expired.text)).toBe(withoutToken(forged.text));
          expect(expired.text).not.toContain('Jaunimo centras');
        } finally {
          clock.advance(-15 * 86_400_000);
        }
        const [row] = await db.query<{ status: string }>(`SELECT status FROM referral WHERE id = $1`, [referral]);
        expect(row.status).toBe('STARTED');
      });

      it('lets the partner complete the referral without script, and the worker sees it on the case with its history', async () => {
        const page = await http().get(`${link}?lang=en`).expect(200);
        const cookie = ([] as string[]).concat(page.headers['set-cookie'] ?? []).find((c) => c.startsWith('tiltas_csrf='))!.split(';')[0];
        const token = /name="_csrf" value="([^"]+)"/.exec(page.text)![1];
        const done = await http().post(`${link}?lang=en`).set('Origin', 'null').set('Cookie', cookie).type('form').send({ status: 'COMPLETED', _csrf: token }).expect(303);
        expect(done.headers.location).toBe(`${link}?done=1&lang=en`);
        const after = await http().get(done.headers.location as string).expect(200);
        expect(after.text).toContain('completed');
        expect(after.text).toContain('This referral is finished');
        const again = await http().post(link).type('form').send({ status: 'REJECTED', rejectReason: 'OTHER' }).expect(409);
        expect(again.text).toContain('which is final');

        const [step] = await db.query<{ to_status: string; via: string; actor: string }>(`SELECT to_status, via, actor FROM referral_step WHERE referral_id = $1 ORDER BY id DESC LIMIT 1`, [referral]);
        expect(step).toEqual({ to_status: 'COMPLETED', via: 'PARTNER_LINK', actor: `partner:service:${local.id}` });
        const [entry] = await db.query<{ actor: string; role: string; subject: string | null }>(
          `SELECT actor, role, subject FROM audit_log WHERE action = 'referral.updated' ORDER BY seq DESC LIMIT 1`,
        );
        expect(entry).toMatchObject({ actor: `partner:service:${local.id}`, role: 'SYSTEM' });
        expect(entry.subject).toMatch(/^[0-9a-f]{64}$/);
        const casePage = await worker.get(`/cases/${youth}`).set('Accept', 'text/html').expect(200);
        expect(casePage.text).toContain('partneris, per nuorodą');
        expect(casePage.text).toContain('baigta');
      });
    });

    describe('through the partner\'s API token', () => {
      let token: string;
      let mine: number;
      let theirs: number;

      beforeAll(async () => {
        mine = ((await worker.post(`/api/outreach/cases/${release}/referrals`, { serviceId: releaseOnly.id }).expect(201)).body as { id: number }).id;
        theirs = ((await worker.post(`/api/outreach/cases/${release}/referrals`, { serviceId: national.id }).expect(201)).body as { id: number }).id;
        token = ((await coordinator.post(`/api/outreach/services/${releaseOnly.id}/tokens`, { name: 'Reintegracija case system', expiresDays: 30 }).expect(201)).body as { token: string }).token;
      });

      it('sees and moves its own service\'s referrals only', async () => {
        const list = await http().get('/api/partner/referrals').set('Authorization', `Bearer ${token}`).expect(200);
        expect((list.body as Array<{ id: number; status: string }>).map((r) => [r.id, r.status])).toEqual([[mine, 'SENT']]);
        expect(JSON.stringify(list.body)).not.toMatch(/caseId|pseudonym|createdBy/);
        const moved = await http().post(`/api/partner/referrals/${mine}/status`).set('Authorization', `Bearer ${token}`).send({ status: 'ACCEPTED' }).expect(200);
        expect(moved.body).toMatchObject({ id: mine, status: 'ACCEPTED', next: ['STARTED', 'REJECTED'] });
        await http().post(`/api/partner/referrals/${theirs}/status`).set('Authorization', `Bearer ${token}`).send({ status: 'ACCEPTED' }).expect(404);
        await http().post(`/api/partner/referrals/${referral}/status`).set('Authorization', `Bearer ${token}`).send({ status: 'ACCEPTED' }).expect(404);
        const rows = await db.query<{ id: number; status: string }>(`SELECT id::int, status FROM referral WHERE id = ANY($1::bigint[]) ORDER BY id`, [[mine, theirs]]);
        expect(rows).toEqual([{ id: mine, status: 'ACCEPTED' }, { id: theirs, status: 'SENT' }]);
        const [step] = await db.query<{ via: string }>(`SELECT via FROM referral_step WHERE referral_id = $1 ORDER BY id DESC LIMIT 1`, [mine]);
        expect(step.via).toBe('PARTNER_TOKEN');
      });

      it('refuses a wrong, a user\'s, an expired and a revoked token', async () => {
        const wrong = token.slice(0, -1) + (token.endsWith('0') ? '1' : '0');
        await http().get('/api/partner/referrals').set('Authorization', `Bearer ${wrong}`).expect(401);
        await http().get('/api/partner/referrals').expect(401);
        const userToken = (await (await signIn(app, 'w57')).post('/api/tokens', { name: 'a worker\'s token' }).expect(201)).body as { token: string };
        await http().get('/api/partner/referrals').set('Authorization', `Bearer ${userToken.token}`).expect(401);
        clock.advance(31 * 86_400_000);
        try {
          await http().get('/api/partner/referrals').set('Authorization', `Bearer ${token}`).expect(401);
        } finally {
          clock.advance(-31 * 86_400_000);
        }
        const [row] = await db.query<{ id: string }>(`SELECT id FROM service_token WHERE service_id = $1`, [releaseOnly.id]);
        await kaunas.post(`/api/outreach/services/${releaseOnly.id}/tokens`, { name: 'not theirs' }).expect(404);
        const edit = await coordinator.get(`/services/${releaseOnly.id}/edit`).set('Accept', 'text/html').expect(200);
        expect(edit.text).toContain('Reintegracija case system');
        expect(edit.text).not.toContain(token);
        await coordinator.post(`/services/${releaseOnly.id}/tokens/${row.id}/revoke`).type('form').send({}).expect(303);
        await coordinator.delete(`/api/outreach/services/${releaseOnly.id}/tokens/${row.id}`).expect(404);
        const [revoked] = await db.query<{ action: string }>(`SELECT action FROM audit_log WHERE object_type = 'outreach_service' AND object_id = $1 ORDER BY seq DESC LIMIT 1`, [String(releaseOnly.id)]);
        expect(revoked.action).toBe('service.token_revoked');
        await http().get('/api/partner/referrals').set('Authorization', `Bearer ${token}`).expect(401);
      });
    });

    it('shows a case closed SUPPORT_ACCEPTED with its referral, in words', async () => {
      await worker.post(`/api/outreach/cases/${youth}/close`, { outcome: 'SUPPORT_ACCEPTED' }).expect(200);
      const page = await worker.get(`/cases/${youth}`).set('Accept', 'text/html').expect(200);
      expect(page.text).toMatch(/class="accepted-referral">Jaunimo centras · baigta</);
    });
  });
});
