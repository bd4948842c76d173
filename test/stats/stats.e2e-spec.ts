import { NestExpressApplication } from '@nestjs/platform-express';
import { AuditService } from '@tiltas/audit';
import { FixedClock } from '@tiltas/common';
import type { StatsReport } from '@tiltas/stats';
import request from 'supertest';
import { insertCase } from '../outreach/outreach-factory';
import { Agent, addUser, signIn, startApi } from '../outreach/outreach-test-app';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { closeCase, insertAttempt } from './stats-factory';

jest.setTimeout(120_000);

/** The statistics through HTTP: who may read which municipality, the CSV with the same numbers, the page. */
describe('statistics through the API', () => {
  let db: TestDatabase;
  let app: NestExpressApplication;
  const clock = new FixedClock(new Date('2026-11-20T08:00:00Z'));
  let worker: Agent;
  let coordinator: Agent;
  let coordinator15: Agent;
  let auditor: Agent;
  let auditor15: Agent;
  let admin: Agent;

  beforeAll(async () => {
    db = await createTestDatabase();
    app = await startApi(db.config, clock);
    await addUser(app, 'w57', 'WORKER', 'LT-57', 40);
    await addUser(app, 'c57', 'COORDINATOR', 'LT-57');
    await addUser(app, 'c15', 'COORDINATOR', 'LT-15');
    await addUser(app, 'aud', 'AUDITOR', null);
    await addUser(app, 'aud15', 'AUDITOR', 'LT-15');
    await addUser(app, 'adm', 'ADMIN', null);
    [worker, coordinator, coordinator15, auditor, auditor15, admin] = await Promise.all(['w57', 'c57', 'c15', 'aud', 'aud15', 'adm'].map((u) => signIn(app, u)));

    // Vilnius: eight cases in October (six contacted, two reached, one declined), six in November (five contacted).
    for (let i = 1; i <= 8; i++) {
      const id = await insertCase(db, `v${i}`, { createdAt: '2026-10-05T10:00:00Z' });
      if (i <= 6) await insertAttempt(db, id, i <= 2 ? 'REACHED' : 'NO_ANSWER');
      if (i === 8) await closeCase(db, id, 'DECLINED');
    }
    for (let i = 1; i <= 6; i++) {
      const id = await insertCase(db, `vn${i}`, { createdAt: '2026-11-03T10:00:00Z' });
      if (i <= 5) await insertAttempt(db, id, 'NO_ANSWER');
    }
    // Kaunas: six cases in October.
    for (let i = 1; i <= 6; i++) await insertCase(db, `k${i}`, { municipality: 'LT-15', createdAt: '2026-10-07T10:00:00Z' });
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  const PERIOD = '?from=2026-10&to=2026-11';

  it('refuses a worker the report, the CSV and the page', async () => {
    await worker.get(`/api/statistics${PERIOD}`).expect(403);
    await worker.get(`/api/statistics/csv${PERIOD}`).expect(403);
    await worker.get('/statistics').set('Accept', 'text/html').expect(403);
    await request(app.getHttpServer()).get('/api/statistics').expect(401);
  });

  it("gives a coordinator their own municipality's report, suppressed, and refuses another's", async () => {
    const body = (await coordinator.get(`/api/statistics${PERIOD}`).expect(200)).body as StatsReport;
    expect(body).toMatchObject({ municipality: 'LT-57', from: '2026-10', to: '2026-11', months: ['2026-10', '2026-11'], cohorts: ['neet-youth'], seesSmallCounts: false });
    expect(body.funnel.listed).toEqual({ total: 14, byMonth: { '2026-10': 8, '2026-11': 6 }, byCohort: { 'neet-youth': 14 }, cells: { '2026-10': { 'neet-youth': 8 }, '2026-11': { 'neet-youth': 6 } } });
    expect(body.funnel.contacted.byMonth).toEqual({ '2026-10': 6, '2026-11': 5 });
    expect(body.rates.contact).toMatchObject({ total: 79, byMonth: { '2026-10': 75, '2026-11': 83 } });
    expect(body.funnel.reached).toMatchObject({ total: '<5', byMonth: { '2026-10': '<5', '2026-11': 0 } });
    expect(body.rates.reach).toMatchObject({ total: '*', byMonth: { '2026-10': '*', '2026-11': 0 } });
    expect(body.followUp).toEqual({ available: false, problems: ['no registered lawful basis allows the purpose `evaluation`'] });
    await coordinator.get(`/api/statistics${PERIOD}&municipality=LT-15`).expect(403);
    const own = (await coordinator15.get(`/api/statistics${PERIOD}`).expect(200)).body as StatsReport;
    expect(own.funnel.listed.total).toBe(6);
  });

  it('lets a national auditor read any municipality or the country, and a municipal auditor only their own', async () => {
    const kaunas = (await auditor.get(`/api/statistics${PERIOD}&municipality=LT-15`).expect(200)).body as StatsReport;
    expect(kaunas).toMatchObject({ municipality: 'LT-15', seesSmallCounts: false });
    // November's 0 is "<5"; October's 6 is hidden with it, or the total would give November away.
    // An empty month is 0, not "<5", so the one real month is not hidden beside it (docs/suppression.md).
    expect(kaunas.funnel.listed).toMatchObject({ total: 6, byMonth: { '2026-10': 6, '2026-11': 0 } });
    const country = (await auditor.get(`/api/statistics${PERIOD}`).expect(200)).body as StatsReport;
    expect(country.municipality).toBeNull();
    expect(country.funnel.listed.total).toBe(20);
    await auditor15.get(`/api/statistics${PERIOD}&municipality=LT-57`).expect(403);
    expect(((await auditor15.get(`/api/statistics${PERIOD}`).expect(200)).body as StatsReport).municipality).toBe('LT-15');
  });

  it('shows the national admin view as counted, and defaults to the twelve months up to this one', async () => {
    const body = (await admin.get('/api/statistics?municipality=LT-57').expect(200)).body as StatsReport;
    expect(body).toMatchObject({ from: '2025-12', to: '2026-11', seesSmallCounts: true });
    expect(body.months).toHaveLength(12);
    expect(body.funnel.listed.byMonth['2026-11']).toBe(6);
    expect(body.funnel.reached.total).toBe(2);
    expect(body.outcomes.DECLINED.total).toBe(1);
  });

  it('refuses a malformed filter with 400', async () => {
    await coordinator.get('/api/statistics?from=2026-13').expect(400);
    await coordinator.get('/api/statistics?from=2026-11&to=2026-10').expect(400);
    await coordinator.get('/api/statistics?from=2020-01&to=2026-10').expect(400);
    await coordinator.get('/api/statistics?colour=red').expect(400);
  });

  it('downloads the same numbers as CSV, uncached, logged as export.downloaded', async () => {
    const res = await coordinator.get(`/api/statistics/csv${PERIOD}`).expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['content-disposition']).toBe('attachment; filename="tiltas-statistics-LT-57-2026-10-2026-11.csv"');
    const rows = new Map(
      res.text
        .trim()
        .split('\n')
        .slice(1)
        .map((line) => {
          const [municipality, figure, month, cohort, value] = line.split(',');
          expect(municipality).toBe('LT-57');
          return [`${figure} ${month} ${cohort}`, value] as const;
        }),
    );
    const body = (await coordinator.get(`/api/statistics${PERIOD}`).expect(200)).body as StatsReport;
    for (const month of body.months) {
      expect(rows.get(`funnel.listed ${month} all`)).toBe(String(body.funnel.listed.byMonth[month]));
      for (const cohort of body.cohorts) expect(rows.get(`funnel.contacted ${month} ${cohort}`)).toBe(String(body.funnel.contacted.cells[month][cohort]));
    }
    expect(rows.get('funnel.listed all all')).toBe('14');
    expect(rows.get('rate.contact 2026-10 all')).toBe('75');
    expect(rows.get('outcome.DECLINED all all')).toBe('<5');
    expect([...rows.keys()].some((k) => k.startsWith('follow_up.'))).toBe(false);
    const [entry] = (await app.get(AuditService).search({ action: 'export.downloaded' })).entries;
    expect(entry).toMatchObject({ role: 'COORDINATOR', municipality: 'LT-57', objectType: 'statistics', purpose: 'statistics' });
    expect(entry.details).toMatchObject({ format: 'csv', lines: rows.size, from: '2026-10', to: '2026-11', followUp: false });
  });

  it('serves the page uncached, with its tables, charts, filter and CSV link, and no inline script', async () => {
    const res = await coordinator.get(`/statistics${PERIOD}`).set('Accept', 'text/html').expect(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.text).toContain('<table class="grid stats" id="funnel-by-month">');
    expect(res.text).toContain('data-figure="funnel.listed" data-month="all" data-cohort="all">14</td>');
    expect(res.text).toMatch(/<svg class="chart" role="img"/);
    // Handlebars escapes "=" as &#x3D; in attributes; the browser reads the same URL.
    expect(res.text).toContain('id="statistics-csv" href="/api/statistics/csv?from&#x3D;2026-10&amp;to&#x3D;2026-11&amp;municipality&#x3D;LT-57"');
    expect(res.text).toContain('id="follow-up-unavailable"');
    expect(res.text).not.toMatch(/<script(?![^>]*\bsrc=)/);
    expect(res.text).not.toMatch(/\sstyle=/);
    const bad = await coordinator.get('/statistics?from=2026-99').set('Accept', 'text/html').expect(400);
    expect(bad.text).toContain('role="alert"');
  });

  it('documents the report and the CSV in the OpenAPI description', async () => {
    const doc = (await request(app.getHttpServer()).get('/api/docs/openapi.json').expect(200)).body as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/statistics', '/api/statistics/csv']));
  });
});
