import { NestExpressApplication } from '@nestjs/platform-express';
import IORedis from 'ioredis';
import request from 'supertest';
import * as hasher from '../../libs/access/src/password-hasher';
import { TestDatabase, TEST_REDIS_URL, createTestDatabase } from '../support/test-database';
import { addUser, startApp } from './access-test-app';

/**
 * Sign-in limits under parallel attempts: the password check itself is observed (every scrypt
 * verification AuthService runs, for known and unknown usernames alike), so the tests count the guesses
 * an attacker really got, not the answers.
 */
jest.setTimeout(120_000);

const realVerify = hasher.verifyPassword;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, condition: () => boolean, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** Holds every password check until opened, so no attempt can finish before all have asked for a place. */
class CheckGate {
  readonly checked: string[] = [];
  private release: () => void = () => undefined;
  private opened: Promise<void> = new Promise((r) => (this.release = r));

  install(): jest.SpyInstance {
    return jest.spyOn(hasher, 'verifyPassword').mockImplementation(async (password: string, stored: string) => {
      this.checked.push(password);
      await this.opened;
      return realVerify(password, stored);
    });
  }

  open(): void {
    this.release();
  }
}

describe('sign-in limits under parallel attempts', () => {
  let db: TestDatabase;
  let app: NestExpressApplication;
  let url: string;
  let spy: jest.SpyInstance | null = null;

  beforeAll(async () => {
    db = await createTestDatabase({ SIGN_IN_MAX_FAILURES: '5', SIGN_IN_LOCKOUT_MINUTES: '15', SIGN_IN_MAX_FAILURES_PER_ADDRESS: '20', TRUST_PROXY: 'loopback' });
    app = await startApp(db.config);
    await app.listen(0, '127.0.0.1');
    url = await app.getUrl();
    await addUser(app, 'target', 'WORKER', 'LT-57', 'the-right-password');
    await addUser(app, 'colleague', 'WORKER', 'LT-57', 'the-right-password');
  });

  afterEach(() => {
    spy?.mockRestore();
    spy = null;
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  const attempt = (username: string, password: string, address: string) =>
    request(url).post('/api/auth/sign-in').set('X-Forwarded-For', address).send({ username, password }).then((res) => res);

  async function failureReasons(username: string): Promise<Record<string, number>> {
    const rows = await db.query<{ reason: string; n: number }>(
      `SELECT details->>'reason' AS reason, count(*)::int AS n FROM audit_log
        WHERE action = 'auth.sign_in_failed' AND actor = (SELECT id::text FROM users WHERE username = $1) GROUP BY 1 ORDER BY 1`,
      [username],
    );
    return Object.fromEntries(rows.map((r) => [r.reason, r.n]));
  }

  it('checks at most SIGN_IN_MAX_FAILURES passwords of 200 parallel attempts on one account, and the right one then does not get in', async () => {
    const gate = new CheckGate();
    spy = gate.install();
    let refused = 0;
    // From 200 different addresses, as a botnet would: only the account limit stands in the way.
    const wrong = Array.from({ length: 199 }, (_, i) =>
      attempt('target', `guess-${i}`, `10.20.${Math.floor(i / 200)}.${i % 200}`).then((res) => {
        if (res.status === 429) refused += 1;
        return res;
      }),
    );
    await until('every wrong attempt to be refused or checked', () => refused + gate.checked.length >= 199);
    // The right password arrives while five checks are still running: their places are taken.
    const right = attempt('target', 'the-right-password', '10.21.0.1');
    await Promise.race([right, until('the right password to be checked', () => gate.checked.includes('the-right-password'))]);
    gate.open();
    const answers = await Promise.all(wrong);
    const rightAnswer = await right;

    expect(gate.checked).toHaveLength(5);
    expect(gate.checked).not.toContain('the-right-password');
    expect(answers.filter((r) => r.status === 401)).toHaveLength(5);
    expect(answers.filter((r) => r.status === 429)).toHaveLength(194);
    expect(rightAnswer.status).toBe(429);
    expect(rightAnswer.body).toMatchObject({ code: 'RATE_LIMITED', message: expect.stringMatching(/^Too many failed sign-ins\. Try again in 15 minute\(s\)\.$/) });
    expect(rightAnswer.body.details.retryAfterSeconds).toBeGreaterThan(14 * 60);
    expect(rightAnswer.body.details.retryAfterSeconds).toBeLessThanOrEqual(15 * 60);
    expect(rightAnswer.headers['set-cookie']?.toString() ?? '').not.toMatch(/tiltas_session=[^;]/);
    expect(await failureReasons('target')).toEqual({ locked: 195, wrong_password: 5 });

    // Once the burst is over the account stays locked, for the right password too, without a check.
    const later = await attempt('target', 'the-right-password', '10.21.0.2');
    expect(later.status).toBe(429);
    expect(gate.checked).toHaveLength(5);
  });

  it('lets the right password in when it is among the attempts the limit makes room for, and checks no more than the limit', async () => {
    const gate = new CheckGate();
    spy = gate.install();
    // The right password goes first, then a burst of wrong ones: its success must not reopen the account
    // to the attempts already refused, and the whole burst still gets at most five checks.
    const right = attempt('colleague', 'the-right-password', '10.30.0.1');
    await until('the right password to be checked', () => gate.checked.includes('the-right-password'));
    let settled = 0;
    const wrong = Array.from({ length: 199 }, (_, i) =>
      attempt('colleague', `guess-${i}`, `10.31.${Math.floor(i / 200)}.${i % 200}`).then((res) => {
        settled += 1;
        return res;
      }),
    );
    await until('the burst to be refused or checked', () => settled + gate.checked.length >= 200);
    gate.open();
    const answers = await Promise.all(wrong);
    expect((await right).status).toBe(200);
    expect(gate.checked).toHaveLength(5);
    expect(answers.filter((r) => r.status === 401)).toHaveLength(4);
    expect(answers.filter((r) => r.status === 429)).toHaveLength(195);
  });

  it('checks at most SIGN_IN_MAX_FAILURES_PER_ADDRESS passwords of 200 parallel attempts from one address on many accounts', async () => {
    const gate = new CheckGate();
    spy = gate.install();
    let refused = 0;
    const address = '10.40.0.1';
    const answers = Array.from({ length: 200 }, (_, i) =>
      attempt(`someone-${i}`, 'a-guessed-password', address).then((res) => {
        if (res.status === 429) refused += 1;
        return res;
      }),
    );
    await until('every attempt to be refused or checked', () => refused + gate.checked.length >= 200);
    gate.open();
    const done = await Promise.all(answers);
    expect(gate.checked).toHaveLength(20);
    expect(done.filter((r) => r.status === 401)).toHaveLength(20);
    const refusedAnswers = done.filter((r) => r.status === 429);
    expect(refusedAnswers).toHaveLength(180);
    expect(refusedAnswers[0].body.details.retryAfterSeconds).toBeGreaterThan(14 * 60);

    // The address is refused even for a right password; the same account from elsewhere is not.
    expect((await attempt('colleague', 'the-right-password', address)).status).toBe(429);
    expect((await attempt('colleague', 'the-right-password', '10.40.0.2')).status).toBe(200);
    expect(gate.checked).toHaveLength(21);

    // Refused attempts handed back the account places they took: no account was charged for them.
    const redis = new IORedis(TEST_REDIS_URL);
    try {
      const counts = await Promise.all(
        (await redis.keys(`${db.config.redis.prefix}:sign-in-failures:account:*`)).map(async (k) => Number(await redis.get(k))),
      );
      // The twenty checked guesses, and 'target' still locked from the first test; 'colleague' was cleared.
      expect(counts.filter((n) => n > 0)).toHaveLength(20 + 1);
      expect(Number(await redis.get(`${db.config.redis.prefix}:sign-in-failures:address:${address}`))).toBeGreaterThan(20);
    } finally {
      redis.disconnect();
    }
  });
});
