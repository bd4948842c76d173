import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addUser, createOwnToken, signIn, startApp } from '../access/access-test-app';
import { insertManyCases } from '../outreach/outreach-factory';
import { AppProcess, ensureBuilt, freePort } from '../support/app-process';
import { TEST_REDIS_URL, TestDatabase, createTestDatabase } from '../support/test-database';

jest.setTimeout(120_000);

const CASES = 80;
const WORKERS = 4;


/**
 * The built api killed -9 while several workers claim cases at once, then started again. A claim whose
 * answer was lost with the process either committed whole (case, event, audit entry) or not at all: in
 * the end every case is held by exactly one worker, no worker was told it got a case another holds, and
 * every claim has its one audit entry.
 */
describe('the api killed during concurrent claims', () => {
  let db: TestDatabase;
  let api: AppProcess | null = null;
  let port: number;
  const tokens: Array<{ userId: string; token: string }> = [];
  const demoFile = join(tmpdir(), `tiltas-faults-${randomBytes(4).toString('hex')}.json`);
  const sessionSecret = randomBytes(32).toString('hex');

  async function startApi(): Promise<AppProcess> {
    api = AppProcess.start('api', {
      NODE_ENV: 'test',
      DATABASE_URL: db.url,
      REDIS_URL: TEST_REDIS_URL,
      REDIS_PREFIX: db.config.redis.prefix,
      SESSION_SECRET: sessionSecret,
      CONTACTS_KEY: db.config.secrets.contactsKey.toString('hex'),
      DEMO_SECRETS_FILE: demoFile,
      HOST: '127.0.0.1',
      PORT: String(port),
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      LOG_LEVEL: 'warn',
      DB_POOL_SIZE: '6',
    });
    const until = Date.now() + 40_000;
    for (;;) {
      const live = await fetch(`http://127.0.0.1:${port}/health/live`).then((r) => r.status, () => 0);
      if (live === 200) return api;
      if (Date.now() > until) throw new Error(`the api did not come up:\n${api.log.slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  beforeAll(async () => {
    ensureBuilt('api');
    db = await createTestDatabase();
    port = await freePort();
    const setup = await startApp(db.config);
    try {
      for (let i = 0; i < WORKERS; i++) {
        const userId = await addUser(setup, `claimer${i}`, 'WORKER', 'LT-57');
        tokens.push({ userId, token: (await createOwnToken(setup, await signIn(setup, `claimer${i}`))).token });
      }
    } finally {
      await setup.close();
    }
    await insertManyCases(db, CASES, { municipality: 'LT-57' });
  });

  afterAll(async () => {
    await api?.stop();
    await db?.drop();
  });

  it('leaves every case with exactly one holder and every claim audited once', async () => {
    await startApi();
    const told = new Map<number, string>(); // case id -> the worker the api told it was theirs
    const contradictions: string[] = [];
    let answered = 0;
    let lostAnswers = 0;
    let killed = false;

    const claimer = async ({ userId, token }: { userId: string; token: string }): Promise<void> => {
      const until = Date.now() + 60_000;
      while (Date.now() < until) {
        let res: Response;
        try {
          res = await fetch(`http://127.0.0.1:${port}/api/outreach/cases/claim-next`, { method: 'POST', headers: { Authorization: `Bearer ${token}` } });
        } catch {
          lostAnswers++; // the process died under the request, or is not listening yet
          await new Promise((r) => setTimeout(r, 100));
          continue;
        }
        if (res.status === 409) return; // nothing left to claim
        if (res.status !== 200) {
          await res.text();
          await new Promise((r) => setTimeout(r, 100));
          continue;
        }
        const body = (await res.json()) as { caseId: number; assignedTo: string };
        const id = body.caseId;
        if (body.assignedTo !== userId) contradictions.push(`case ${id} answered as ${body.assignedTo}'s to ${userId}`);
        const earlier = told.get(id);
        if (earlier && earlier !== userId) contradictions.push(`case ${id} given to ${earlier} and to ${userId}`);
        told.set(id, userId);
        answered++;
      }
      throw new Error(`claimer ${userId} did not finish`);
    };

    const killer = (async () => {
      while (answered < CASES / 4) await new Promise((r) => setTimeout(r, 5));
      api!.kill('SIGKILL');
      await api!.exited;
      killed = true;
      await new Promise((r) => setTimeout(r, 300));
      await startApi();
    })();

    await Promise.all([...tokens.map(claimer), killer]);
    expect(killed).toBe(true);
    expect(lostAnswers).toBeGreaterThan(0);
    expect(contradictions).toEqual([]);

    const held = await db.query<{ id: string; status: string; assigned_to: string | null }>(`SELECT id, status, assigned_to FROM cases ORDER BY id`);
    expect(held).toHaveLength(CASES);
    expect(held.filter((c) => c.status !== 'ASSIGNED' || c.assigned_to === null)).toEqual([]);
    // What the api said matches what the database holds.
    for (const [id, userId] of told) expect(held.find((c) => Number(c.id) === id)?.assigned_to).toBe(userId);

    const audits = await db.query<{ object_id: string; n: string }>(`SELECT object_id, count(*) AS n FROM audit_log WHERE action = 'case.claimed' GROUP BY object_id`);
    expect(audits).toHaveLength(CASES);
    expect(audits.filter((a) => Number(a.n) !== 1)).toEqual([]);
    const events = await db.query<{ n: string }>(`SELECT count(*) AS n FROM case_event WHERE kind = 'CLAIMED'`);
    expect(Number(events[0].n)).toBe(CASES);
  });
});
