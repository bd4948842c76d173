import { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { addUser, signIn, startApp, type SignedInAgent } from '../access/access-test-app';
import { createTestDatabase, TestDatabase } from '../support/test-database';
import { insertCase, pseudonymOf } from './outreach-factory';

jest.setTimeout(60_000);

const HEADER = 'pseudonym,municipality,outcome,closed_on,to_municipality,cohorts,reason';

/** The administrator's outcomes import page, as a browser without script posts it. */
describe('importing outcomes from the administrator pages', () => {
  let db: TestDatabase;
  let api: NestExpressApplication;
  let admin: SignedInAgent;
  let origin: string;
  const http = () => request(api.getHttpServer());

  function post(path: string, csv: string): request.Test {
    return http()
      .post(path)
      .set('Cookie', admin.cookie)
      .set('Origin', origin)
      .set('Accept', 'text/html')
      .attach('file', Buffer.from(csv), { filename: 'outcomes.csv', contentType: 'text/csv' });
  }

  async function formAction(): Promise<string> {
    const page = await http().get('/admin/outcomes').set('Cookie', admin.cookie).set('Accept', 'text/html').expect(200);
    const action = /<form method="post" action="([^"]+)" enctype="multipart\/form-data" id="outcomes-form"/.exec(page.text)?.[1];
    if (!action) throw new Error('no outcomes form on the page');
    return action.replace(/&amp;/g, '&');
  }

  const imports = async (): Promise<number> => Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM outcome_import'))[0].n);

  beforeAll(async () => {
    db = await createTestDatabase();
    api = await startApp(db.config);
    origin = new URL(db.config.http.publicUrl).origin;
    await addUser(api, 'admin1', 'ADMIN', null);
    admin = await signIn(api, 'admin1');
    await insertCase(db, 'form-open', { municipality: 'LT-57' });
  });

  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  it('refuses the post without the session token, storing nothing', async () => {
    const refused = await post('/admin/outcomes', `${HEADER}\n${pseudonymOf('form-open')},LT-57,DECLINED,2026-05-01,,,\n`);
    expect(refused.status).toBe(403);
    expect(await imports()).toBe(0);
  });

  it("shows a refused file's lines, one per bad row, and changes nothing", async () => {
    const action = await formAction();
    expect(action).toBe(`/admin/outcomes?_csrf=${admin.csrfToken}`);
    const res = await post(action, `${HEADER}\n${pseudonymOf('a')},LT-57,DECLINED,2027-02-30,,,\n${pseudonymOf('b')},LT-99,DECLINED,2026-05-01,,,\n`);
    expect(res.status).toBe(422);
    const lines = [...res.text.matchAll(/<li class="mono">([^<]+)<\/li>/g)].map((m) => m[1].replace(/&quot;/g, '"'));
    expect(lines).toEqual([
      'line 2: column closed_on: "2027-02-30" is not a real date (YYYY-MM-DD)',
      'line 3: column municipality: "LT-99" is not a municipality code (LT-01…LT-60)',
    ]);
    expect(await imports()).toBe(0);
  });

  it('imports a good file and shows the counts, then says that the same file changed nothing', async () => {
    const action = await formAction();
    const csv = `${HEADER}\n${pseudonymOf('form-open')},LT-57,DECLINED,2026-05-01,,,\n${pseudonymOf('form-history')},LT-15,UNREACHABLE,2026-04-01,,,\n`;
    const first = await post(action, csv).expect(200);
    expect(first.text).toContain('imported 2: closed 1 open case(s), recorded 1 closed case(s), skipped 0');
    expect(await db.query(`SELECT status, outcome FROM cases WHERE pseudonym = decode($1, 'hex')`, [pseudonymOf('form-open')])).toEqual([{ status: 'CLOSED', outcome: 'DECLINED' }]);
    const again = await post(action, csv).expect(200);
    expect(again.text).toContain('imported 2: closed 0 open case(s), recorded 0 closed case(s), skipped 2');
    expect(again.text).toContain('Niekas nepasikeitė');
    expect(await imports()).toBe(1);
  });
});
