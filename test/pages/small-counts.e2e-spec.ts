import { NestExpressApplication } from '@nestjs/platform-express';
import { UsersService } from '@tiltas/access';
import { createHash, randomUUID } from 'node:crypto';
import request from 'supertest';
import { signIn, startApp, type SignedInAgent } from '../access/access-test-app';
import { lawfulBasisInsert } from '../ingest/ingest-fixtures';
import { createTestDatabase, TestDatabase } from '../support/test-database';

jest.setTimeout(60_000);

const M = 'LT-57';

/** A cell's text as the reader sees it (the page escapes "<5" as "&lt;5"). */
function cellText(html: string): string {
  return html.replace(/<[^>]+>/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&#x27;/g, "'").replace(/&amp;/g, '&').trim();
}

/** The rows of a table on a page: each row's class and the text of its cells (th and td). */
function tableRows(html: string, id: string): Array<{ unusual: boolean; cells: string[] }> {
  const table = new RegExp(`<table[^>]*id="${id}"[^>]*>([\\s\\S]*?)</table>`).exec(html)?.[1];
  if (!table) throw new Error(`no table #${id} on the page`);
  const body = /<tbody>([\s\S]*?)<\/tbody>/.exec(table)![1];
  return [...body.matchAll(/<tr([^>]*)>([\s\S]*?)<\/tr>/g)].map((row) => ({
    unusual: row[1].includes('unusual'),
    cells: [...row[2].matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((c) => cellText(c[1])),
  }));
}

/**
 * Counts under 5 are "<5" on every page outside the case itself and the national admin view: here the
 * pages that show counts to a municipal administrator, a coordinator and an auditor, against rows the
 * test put in the database.
 */
describe('small counts on the pages', () => {
  let db: TestDatabase;
  let app: NestExpressApplication;
  const agents: Record<string, SignedInAgent> = {};
  const ids: Record<string, string> = {};
  let uploadId: string;

  const page = async (path: string, who: string): Promise<string> =>
    (await request(app.getHttpServer()).get(path).set('Cookie', agents[who].cookie).set('Accept', 'text/html').expect(200)).text;

  async function openCase(n: number, assignedTo: string | null): Promise<number> {
    const pseudonym = createHash('sha256').update(`small-counts-${n}`).digest();
    const [row] = await db.query<{ id: number }>(
      `INSERT INTO cases (pseudonym, municipality, cohorts, status, assigned_to, assigned_at)
       VALUES ($1, $2, '{neet-youth}', $3, $4, CASE WHEN $4::uuid IS NULL THEN NULL ELSE now() END) RETURNING id::int AS id`,
      [pseudonym, M, assignedTo ? 'ASSIGNED' : 'NEW', assignedTo],
    );
    return row.id;
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    app = await startApp(db.config);
    const users = app.get(UsersService);
    const people: Array<[string, string, string | null]> = [
      ['admin', 'ADMIN', null],
      ['admin57', 'ADMIN', M],
      ['coordinator57', 'COORDINATOR', M],
      ['auditor', 'AUDITOR', null],
      ['busy', 'WORKER', M],
      ['light', 'WORKER', M],
      ['steady', 'WORKER', M],
      ['quiet', 'WORKER', M],
    ];
    for (const [username, role, municipality] of people) {
      ids[username] = (await users.addUser({ username, role, municipality, password: 'a-long-test-password', caseloadLimit: role === 'WORKER' ? 40 : undefined })).user.id;
    }
    for (const [username] of people.filter(([u]) => ['admin', 'admin57', 'coordinator57', 'auditor'].includes(u))) agents[username] = await signIn(app, username);

    // Cases: busy holds 12, light 2, three wait unassigned.
    const held: number[] = [];
    for (let i = 0; i < 12; i++) held.push(await openCase(i, ids.busy));
    for (let i = 12; i < 14; i++) held.push(await openCase(i, ids.light));
    for (let i = 14; i < 17; i++) await openCase(i, null);
    // Reveals today: busy 40 (far above the others), steady 6, light 3, quiet 4.
    for (const [who, n] of [['busy', 40], ['steady', 6], ['light', 3], ['quiet', 4]] as const) {
      await db.query(
        `INSERT INTO contact_reveal (case_id, municipality, revealed_by, purpose, found, revealed_at)
         SELECT $1, $2, $3, 'first call', true, now() - (g * interval '1 second') FROM generate_series(1, $4) g`,
        [held[0], M, ids[who], n],
      );
    }
    // Extracts: a tiny population (3 rows, 2 quarantined) and a larger employment extract.
    const basis = lawfulBasisInsert({ id: 'LB-TEST', registers: ['population', 'employment'] });
    await db.query(basis.sql, basis.params);
    const [population] = await db.query<{ id: number }>(
      `INSERT INTO extract (register, as_of, extracted_at, sha256, rows, quarantined, lawful_basis_id, pseudonym_key_id, status, loaded_by, activated_at)
       VALUES ('population', '2026-10-01', now(), repeat('a', 64), 3, 2, 'LB-TEST', 'k-test', 'ACTIVE', 'test', now()),
              ('employment', '2026-10-01', now(), repeat('b', 64), 1200, 7, 'LB-TEST', 'k-test', 'ACTIVE', 'test', now())
       RETURNING id::int AS id`,
    );
    uploadId = randomUUID();
    // Sent by the municipal administrator (before extracts were kept national): the uploads a municipal
    // administrator may read are those of their municipality's users.
    await db.query(
      `INSERT INTO extract_upload (id, register, status, csv_path, manifest_path, csv_bytes, outcome, extract_id, uploaded_by, finished_at)
       VALUES ($1, 'population', 'DONE', '/nowhere.csv', '/nowhere.json', 300, $2, $3, $4, now())`,
      [uploadId, JSON.stringify({ status: 'ACCEPTED', register: 'population', asOf: '2026-10-01', rows: 3, quarantined: 2, warnings: [] }), population.id, ids.admin57],
    );
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it("shows a municipal administrator an extract's small row and quarantine counts as \"<5\", the national administrator the numbers", async () => {
    const municipal = tableRows(await page('/admin/extracts', 'admin57'), 'extracts').map((r) => [r.cells[0], r.cells[3], r.cells[4]]);
    expect(municipal.sort()).toEqual([['employment', '1200', '7'], ['population', '<5', '<5']]);
    const national = tableRows(await page('/admin/extracts', 'admin'), 'extracts').map((r) => [r.cells[0], r.cells[3], r.cells[4]]);
    expect(national.sort()).toEqual([['employment', '1200', '7'], ['population', '3', '2']]);

    const facts = (html: string) => [...html.matchAll(/<dd>([^<]*)<\/dd>/g)].map((m) => cellText(m[1]));
    expect(facts(await page(`/admin/extracts/uploads/${uploadId}`, 'admin57'))).toEqual(expect.arrayContaining(['<5']));
    expect(facts(await page(`/admin/extracts/uploads/${uploadId}`, 'admin57'))).not.toContain('3');
    expect(facts(await page(`/admin/extracts/uploads/${uploadId}`, 'admin'))).toEqual(expect.arrayContaining(['3', '2']));
  });

  it("shows the coordinator's board the real loads and backlog of their own team, small ones included (not statistics)", async () => {
    const html = await page('/caseload', 'coordinator57');
    // Only workers are offered as assignees, and the list says how many pages of cases there are.
    const offered = [...(/<select id="to-[0-9]+"[^>]*>(.*?)<\/select>/.exec(html)?.[1] ?? '').matchAll(/<option[^>]*>([^<]*)<\/option>/g)].map((o) => o[1]);
    expect(offered.length).toBeGreaterThan(0);
    expect(offered).not.toContain('coordinator57');
    expect(html).toMatch(/id="open-cases-page">1 puslapis iš 1 \([0-9]+ bylų\)/);
    const unassignedOnly = await page('/caseload?holder=nobody&sort=window&dir=desc', 'coordinator57');
    expect(unassignedOnly).toContain('id="open-cases-page">1 puslapis iš 1 (3 bylų)');
    const loads = Object.fromEntries(tableRows(html, 'loads').map((r) => [r.cells[0], r.cells.slice(1)]));
    expect(loads.busy).toEqual(['12', '40', '12', '30%']);
    expect(loads.light).toEqual(['2', '40', '2', '5%']);
    expect(html).toContain('aria-label="Krūvis busy"');
    expect(html).toContain('aria-label="Krūvis light"');
    expect(cellText(/<dd id="backlog-unassigned">([^<]*)<\/dd>/.exec(html)![1])).toBe('3');
    const unassigned = await db.query<{ n: string }>(`SELECT count(*) AS n FROM cases WHERE municipality = $1 AND status = 'NEW'`, [M]);
    expect(Number(unassigned[0].n)).toBe(3);
  });

  it("shows the auditor the reveal volumes the API computes, unusual ones highlighted, small ones as they are", async () => {
    const api = await request(app.getHttpServer()).get('/api/outreach/reveals/volume').set('Cookie', agents.auditor.cookie).expect(200);
    const workers = api.body.workers as Array<{ username: string; reveals: number; cases: number; flagged: boolean; why: string[] }>;
    expect(workers.map((w) => [w.username, w.reveals, w.flagged])).toEqual([['busy', 40, true], ['steady', 6, false], ['quiet', 4, false], ['light', 3, false]]);

    const rows = tableRows(await page('/audit/reveals', 'auditor'), 'reveal-volumes');
    expect(rows.map((r) => [r.cells[0], r.cells[1], r.cells[2], r.unusual])).toEqual(
      workers.map((w) => [w.username, M, String(w.reveals), w.flagged]),
    );
    expect(rows[0].cells[5]).toContain(workers[0].why[0]);

    const asAdmin = tableRows(await page('/audit/reveals', 'admin'), 'reveal-volumes');
    expect(asAdmin.map((r) => r.cells[2])).toEqual(['40', '6', '4', '3']);
  });
});
