import { NestExpressApplication } from '@nestjs/platform-express';
import { FixedClock } from '@tiltas/common';
import { standardCriterion } from '@tiltas/targeting';
import { insertCase, insertPerson } from '../outreach/outreach-factory';
import { Agent, addUser, signIn, startApi } from '../outreach/outreach-test-app';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

jest.setTimeout(120_000);

function csvRows(csv: string): string[][] {
  return csv.trim().split('\n').map((line) => line.match(/("([^"]|"")*"|[^,]*)(,|$)/g)!.slice(0, -1).map((f) => f.replace(/,$/, '').replace(/^"|"$/g, '').replace(/""/g, '"')));
}

/**
 * Workers' findings fed back, against hand counts: NOT_ELIGIBLE closings made through the API name the
 * register that was wrong; lapsed reasons are written as identification writes them. The criterion's
 * page, its CSV and the register holders' data-quality CSV must hold exactly these numbers, suppressed
 * for everyone but the national admin view (and, for the data-quality export, for everyone).
 */
describe("workers' findings fed back", () => {
  let db: TestDatabase;
  let app: NestExpressApplication;
  const clock = new FixedClock(new Date('2026-10-01T08:00:00Z'));
  let worker57: Agent;
  let worker19: Agent;
  let coordinator57: Agent;
  let admin: Agent;
  let label = 0;

  /** A held case of neet-youth `version` in `municipality`, closed NOT_ELIGIBLE through the API naming `wrongRegister`. */
  async function closedNotEligible(worker: Agent, workerId: string, municipality: string, wrongRegister: string | null, version = 1): Promise<void> {
    const name = `ne-${++label}`;
    await insertPerson(db, name, { municipality });
    const id = await insertCase(db, name, { municipality, status: 'IN_PROGRESS', assignedTo: workerId });
    if (version !== 1) await db.query(`UPDATE case_reason SET criterion_version = $2 WHERE case_id = $1`, [id, version]);
    await worker.post(`/api/outreach/cases/${id}/close`, { outcome: 'NOT_ELIGIBLE', reason: 'studies abroad since spring', ...(wrongRegister ? { wrongRegister } : {}) }).expect(200);
  }

  async function lapsed(municipality: string, changed: string): Promise<void> {
    const id = await insertCase(db, `lapsed-${++label}`, { municipality });
    await db.query(`UPDATE cases SET lapsed_on = '2026-09-30', lapsed_reason = jsonb_build_object('runId', 1, 'asOf', '2026-09-30', 'changed', jsonb_build_object('neet-youth', $2::text)) WHERE id = $1`, [
      id,
      changed,
    ]);
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    app = await startApi(db.config, clock);
    const w57 = await addUser(app, 'w57', 'WORKER', 'LT-57', 100);
    const w19 = await addUser(app, 'w19', 'WORKER', 'LT-19', 100);
    await addUser(app, 'c57', 'COORDINATOR', 'LT-57');
    await addUser(app, 'adm', 'ADMIN', null);
    [worker57, worker19, coordinator57, admin] = await Promise.all(['w57', 'w19', 'c57', 'adm'].map((u) => signIn(app, u)));
    // The criterion's page reads its versions' definitions: the real one, written before the factory's stand-in would be.
    const definition = JSON.stringify(standardCriterion('neet-youth'));
    await db.query(`INSERT INTO criterion (id, created_by) VALUES ('neet-youth', 'test')`);
    await db.query(
      `INSERT INTO criterion_version (criterion_id, version, definition, status, lawful_basis_id, created_by, activated_by, activated_at)
       VALUES ('neet-youth', 1, $1, 'ACTIVE', 'LB-TEST', 'test', 'test', now()), ('neet-youth', 2, $1, 'DRAFT', NULL, 'test', NULL, NULL)`,
      [definition],
    );

    // Vilnius, version 1: education 6, employment 2, no register 1, not named 1. Version 2: education 1.
    for (let i = 0; i < 6; i++) await closedNotEligible(worker57, w57, 'LT-57', 'education');
    for (let i = 0; i < 2; i++) await closedNotEligible(worker57, w57, 'LT-57', 'employment');
    await closedNotEligible(worker57, w57, 'LT-57', 'NONE');
    await closedNotEligible(worker57, w57, 'LT-57', null);
    await closedNotEligible(worker57, w57, 'LT-57', 'education', 2);
    // Kaunas district, version 1: education 5.
    for (let i = 0; i < 5; i++) await closedNotEligible(worker19, w19, 'LT-19', 'education');
    // Vilnius lapsed, version 1: employment 5, population 1.
    for (let i = 0; i < 5; i++) await lapsed('LT-57', 'no longer: not in employment at D');
    await lapsed('LT-57', 'no longer in the population extract');
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('records the register a NOT_ELIGIBLE closing names, and refuses one that is not on the list or goes with another outcome', async () => {
    const rows = await db.query<{ register: string | null; n: string }>(
      `SELECT not_eligible_register AS register, count(*) AS n FROM cases WHERE outcome = 'NOT_ELIGIBLE' GROUP BY 1`,
    );
    expect(new Map(rows.map((r) => [r.register, Number(r.n)]))).toEqual(
      new Map<string | null, number>([
        ['education', 12],
        ['employment', 2],
        ['NONE', 1],
        [null, 1],
      ]),
    );
    const [w57] = await db.query<{ id: string }>(`SELECT id FROM users WHERE username = 'w57'`);
    const id = await insertCase(db, 'refused', { status: 'IN_PROGRESS', assignedTo: w57.id });
    const bad = await worker57.post(`/api/outreach/cases/${id}/close`, { outcome: 'NOT_ELIGIBLE', reason: 'x', wrongRegister: 'horoscopes' }).expect(400);
    expect(JSON.stringify(bad.body)).toContain('wrongRegister');
    await worker57.post(`/api/outreach/cases/${id}/close`, { outcome: 'DECLINED', wrongRegister: 'education' }).expect(400);
    const [still] = await db.query<{ status: string }>(`SELECT status FROM cases WHERE id = $1`, [id]);
    expect(still.status).toBe('IN_PROGRESS');
    const [audit] = await db.query<{ details: { wrongRegister?: string } }>(`SELECT details FROM audit_log WHERE action = 'case.closed' ORDER BY seq LIMIT 1`);
    expect(audit.details.wrongRegister).toBe('education');
  });

  it('gives the national administrator the counts as they are, nationally or for one municipality', async () => {
    const national = (await admin.get('/api/findings/criteria/neet-youth').expect(200)).body;
    expect(national).toMatchObject({ criterionId: 'neet-youth', municipality: null, seesSmallCounts: true });
    expect(national.versions).toEqual([
      { version: 2, notEligible: { rows: [{ register: 'education', count: 1 }], total: 1 }, lapsed: { rows: [], total: 0 } },
      {
        version: 1,
        notEligible: {
          rows: [
            { register: 'education', count: 11 },
            { register: 'employment', count: 2 },
            { register: 'NONE', count: 1 },
            { register: 'unspecified', count: 1 },
          ],
          total: 15,
        },
        lapsed: {
          rows: [
            { register: 'population', reason: 'no longer in the population extract', count: 1 },
            { register: 'employment', reason: 'no longer: not in employment at D', count: 5 },
          ],
          total: 6,
        },
      },
    ]);
    const kaunas = (await admin.get('/api/findings/criteria/neet-youth?municipality=LT-19').expect(200)).body;
    expect(kaunas.versions).toEqual([{ version: 1, notEligible: { rows: [{ register: 'education', count: 5 }], total: 5 }, lapsed: { rows: [], total: 0 } }]);
  });

  it("shows a coordinator their municipality's findings with small counts suppressed, on the criterion's page and in its CSV, and logs the download", async () => {
    await coordinator57.get('/api/findings/criteria/neet-youth?municipality=LT-19').expect(403);
    await worker57.get('/api/findings/criteria/neet-youth').expect(403);
    await coordinator57.get('/api/findings/criteria/no-such-criterion').expect(404);
    const csv = await coordinator57.get('/api/findings/criteria/neet-youth/csv').expect(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csvRows(csv.text)).toEqual([
      ['municipality', 'criterion_id', 'criterion_version', 'finding', 'register', 'reason', 'value'],
      ['LT-57', 'neet-youth', '2', 'not_eligible', 'education', '', '<5'],
      ['LT-57', 'neet-youth', '2', 'not_eligible', 'all', '', '<5'],
      ['LT-57', 'neet-youth', '2', 'lapsed', 'all', '', '0'],
      ['LT-57', 'neet-youth', '1', 'not_eligible', 'education', '', '6'],
      ['LT-57', 'neet-youth', '1', 'not_eligible', 'employment', '', '<5'],
      ['LT-57', 'neet-youth', '1', 'not_eligible', 'NONE', '', '<5'],
      ['LT-57', 'neet-youth', '1', 'not_eligible', 'unspecified', '', '<5'],
      ['LT-57', 'neet-youth', '1', 'not_eligible', 'all', '', '10'],
      // 5 beside a "<5" and the total 6 would give the 1 away: the 5 is hidden too.
      ['LT-57', 'neet-youth', '1', 'lapsed', 'population', 'no longer in the population extract', '<5'],
      ['LT-57', 'neet-youth', '1', 'lapsed', 'employment', 'no longer: not in employment at D', '*'],
      ['LT-57', 'neet-youth', '1', 'lapsed', 'all', '', '6'],
    ]);
    const [entry] = await db.query<{ role: string; municipality: string; details: Record<string, unknown> }>(
      `SELECT role, municipality, details FROM audit_log WHERE action = 'export.downloaded' ORDER BY seq DESC LIMIT 1`,
    );
    expect(entry).toEqual({ role: 'COORDINATOR', municipality: 'LT-57', details: { format: 'csv', report: 'criterion_findings', lines: 11, scope: 'LT-57', criterionId: 'neet-youth' } });

    const page = await coordinator57.get('/criteria/neet-youth').set('Accept', 'text/html').expect(200);
    expect(page.text).toMatch(/<table class="grid findings-not-eligible" data-version="1">[\s\S]*?data-register="education">6<[\s\S]*?data-register="employment">&lt;5</);
    expect(page.text).toContain('Švietimo registras');
    expect(page.text).toContain('href="/api/findings/criteria/neet-youth/csv"');
  });

  it('gives register holders the NOT_ELIGIBLE findings per register and criterion version, suppressed even for the national administrator', async () => {
    const csv = await admin.get('/api/findings/data-quality/csv').expect(200);
    const rows = csvRows(csv.text);
    expect(rows[0]).toEqual(['municipality', 'register', 'criterion_id', 'criterion_version', 'not_eligible_findings']);
    const value = (register: string, criterion: string, version: string) => rows.find((r) => r[1] === register && r[2] === criterion && r[3] === version)?.[4];
    // Hand counts: education 11 (v1) + 1 (v2) = 12; employment 2 (v1); every other register 0.
    expect(value('education', 'neet-youth', '1')).toBe('*');
    expect(value('education', 'neet-youth', '2')).toBe('<5');
    // The other registers are 0 and shown; a zero is never hidden to protect a neighbour, so the 12 is.
    expect(value('education', 'all', 'all')).toBe('*');
    expect(value('employment', 'neet-youth', '1')).toBe('<5');
    expect(value('employment', 'all', 'all')).toBe('<5');
    expect(value('prison', 'all', 'all')).toBe('0');
    expect(value('all', 'all', 'all')).toBe('14');
    expect(rows.filter((r) => r[1] === 'contacts')).toEqual([]);
    // Ten registers × (two versions + their total), and the three total lines.
    expect(rows).toHaveLength(1 + 10 * 3 + 3);
    expect(rows.slice(1).every((r) => r[0] === 'national')).toBe(true);
    const [entry] = await db.query<{ details: Record<string, unknown> }>(`SELECT details FROM audit_log WHERE action = 'export.downloaded' ORDER BY seq DESC LIMIT 1`);
    expect(entry.details).toEqual({ format: 'csv', report: 'data_quality', lines: 33, scope: 'national' });

    const mine = csvRows((await coordinator57.get('/api/findings/data-quality/csv').expect(200)).text);
    // Vilnius alone: education 6 (v1) + 1 (v2) = 7, and the 6 beside a "<5" and that total would give the 1 away.
    expect(mine.find((r) => r[1] === 'education' && r[2] === 'neet-youth' && r[3] === '1')?.[4]).toBe('*');
    // (was 7 while zeros counted as "<5" and could be hidden instead: a shown 0 is never a complement)
    expect(mine.find((r) => r[1] === 'education' && r[2] === 'all')?.[4]).toBe('*');
    expect(mine.find((r) => r[1] === 'all' && r[2] === 'all')?.[4]).toBe('9');
    await coordinator57.get('/api/findings/data-quality/csv?municipality=LT-19').expect(403);
  });
});
