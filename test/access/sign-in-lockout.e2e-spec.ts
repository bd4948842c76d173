import { NestExpressApplication } from '@nestjs/platform-express';
import IORedis from 'ioredis';
import request from 'supertest';
import { TestDatabase, TEST_REDIS_URL, createTestDatabase } from '../support/test-database';
import { UsersService } from '@tiltas/access';
import { addUser, startApp } from './access-test-app';

/**
 * Two api instances share one PostgreSQL and one Redis, as replicas behind a load balancer would: failed
 * sign-ins counted on one must lock the account on the other.
 */
// Every sign-in runs scrypt (about 0.1 s by design), so a test with many of them needs more than 5 s.
jest.setTimeout(60_000);

describe('sign-in lockout across api replicas', () => {
  let db: TestDatabase;
  let first: NestExpressApplication;
  let second: NestExpressApplication;

  beforeAll(async () => {
    db = await createTestDatabase({ SIGN_IN_MAX_FAILURES: '3', SIGN_IN_LOCKOUT_MINUTES: '15', SIGN_IN_MAX_FAILURES_PER_ADDRESS: '15', TRUST_PROXY: 'loopback' });
    first = await startApp(db.config);
    second = await startApp(db.config);
    await addUser(first, 'target', 'WORKER', 'LT-57', 'the-right-password');
    await addUser(first, 'bystander', 'WORKER', 'LT-57', 'the-right-password');
  });

  afterAll(async () => {
    await first?.close();
    await second?.close();
    await db?.drop();
  });

  const attempt = (app: NestExpressApplication, username: string, password: string, address = '10.0.0.1') =>
    // TRUST_PROXY=loopback: X-Forwarded-For is believed from a proxy on loopback, which is where supertest connects from.
    request(app.getHttpServer()).post('/api/auth/sign-in').set('X-Forwarded-For', address).send({ username, password });

  it('locks an account on one instance after failures counted on the other, even for the right password', async () => {
    await attempt(first, 'target', 'wrong-1').expect(401);
    await attempt(second, 'target', 'wrong-2').expect(401);
    await attempt(first, 'target', 'wrong-3').expect(401);
    const locked = await attempt(second, 'target', 'the-right-password', '10.0.0.2').expect(429);
    expect(locked.body.code).toBe('RATE_LIMITED');
    expect(locked.body.details.retryAfterSeconds).toBeGreaterThan(14 * 60);
    expect(locked.body.details.retryAfterSeconds).toBeLessThanOrEqual(15 * 60);
    await attempt(first, 'target', 'the-right-password', '10.0.0.3').expect(429);
    const reasons = await db.query<{ reason: string }>(
      `SELECT details->>'reason' AS reason FROM audit_log WHERE action = 'auth.sign_in_failed' AND actor = (SELECT id::text FROM users WHERE username = 'target') ORDER BY seq`,
    );
    expect(reasons.map((r) => r.reason)).toEqual(['wrong_password', 'wrong_password', 'wrong_password', 'locked', 'locked']);
  });

  it('does not lock other accounts signing in from elsewhere', async () => {
    await attempt(second, 'bystander', 'the-right-password', '10.0.0.9').expect(200);
  });

  it('unlocks the account when the lockout period has passed', async () => {
    // Expire the counter as the lockout period would (Redis TTL), instead of waiting 15 minutes.
    const redis = new IORedis(TEST_REDIS_URL);
    try {
      const keys = await redis.keys(`${db.config.redis.prefix}:sign-in-failures:account:*`);
      expect(keys).toHaveLength(1);
      const ttl = await redis.pttl(keys[0]);
      expect(ttl).toBeGreaterThan(14 * 60_000);
      await redis.pexpire(keys[0], 1);
    } finally {
      redis.disconnect();
    }
    await new Promise((r) => setTimeout(r, 20));
    await attempt(first, 'target', 'the-right-password', '10.0.0.4').expect(200);
  });

  it('limits one address trying many accounts, across instances, without naming any account', async () => {
    const address = '10.9.9.9';
    // SIGN_IN_MAX_FAILURES_PER_ADDRESS is 15 here, against 3 per account (an office shares one address).
    for (let i = 0; i < 15; i += 1) await attempt(i % 2 === 0 ? first : second, `guess-${i}`, 'nope-nope-nope', address).expect(401);
    await attempt(first, 'bystander', 'the-right-password', address).expect(429);
    await attempt(second, 'bystander', 'the-right-password', '10.9.9.10').expect(200);
  });

  it('clears an account’s failures after a successful sign-in', async () => {
    await attempt(first, 'bystander', 'wrong-a', '10.1.0.1').expect(401);
    await attempt(second, 'bystander', 'wrong-b', '10.1.0.1').expect(401);
    await attempt(first, 'bystander', 'the-right-password', '10.1.0.1').expect(200);
    await attempt(second, 'bystander', 'wrong-c', '10.1.0.1').expect(401);
    await attempt(first, 'bystander', 'wrong-d', '10.1.0.1').expect(401);
    await attempt(second, 'bystander', 'the-right-password', '10.1.0.1').expect(200);
  });

  it('lets an administrator lift a lockout before it runs out, on the record', async () => {
    await addUser(first, 'hasty', 'WORKER', 'LT-57', 'the-right-password');
    for (const n of [1, 2, 3]) await attempt(first, 'hasty', `wrong-${n}`, '10.2.0.1').expect(401);
    await attempt(second, 'hasty', 'the-right-password', '10.2.0.2').expect(429);
    expect(await first.get(UsersService).unlockSignIn('hasty')).toMatchObject({ wasLocked: true, user: { username: 'hasty' } });
    await attempt(second, 'hasty', 'the-right-password', '10.2.0.2').expect(200);
    expect(await second.get(UsersService).unlockSignIn('hasty')).toMatchObject({ wasLocked: false });
    const entries = await db.query<{ details: unknown }>(
      `SELECT details FROM audit_log WHERE action = 'user.sign_in_unlocked' AND object_id = (SELECT id::text FROM users WHERE username = 'hasty') ORDER BY seq`,
    );
    expect(entries).toEqual([{ details: { wasLocked: true } }, { details: { wasLocked: false } }]);
    await expect(first.get(UsersService).unlockSignIn('no-such-user')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('lets an administrator unlock through the API, and no one else, and keeps municipal administrators to their municipality', async () => {
    await addUser(first, 'locked-out', 'WORKER', 'LT-57', 'the-right-password');
    await addUser(first, 'admin-57', 'ADMIN', 'LT-57', 'the-admin-password');
    await addUser(first, 'admin-15', 'ADMIN', 'LT-15', 'the-admin-password');
    for (const n of [1, 2, 3]) await attempt(first, 'locked-out', `wrong-${n}`, '10.3.0.1').expect(401);
    const asUser = async (username: string, password: string) => {
      const res = await attempt(first, username, password, '10.3.0.9').expect(200);
      const cookie = ([] as string[]).concat(res.headers['set-cookie'] ?? []).find((c) => c.startsWith('tiltas_session='))!.split(';')[0];
      return (path: string) =>
        request(second.getHttpServer()).post(path).set('Cookie', cookie).set('X-CSRF-Token', res.body.csrfToken).set('Origin', new URL(db.config.http.publicUrl).origin);
    };
    await (await asUser('bystander', 'the-right-password'))('/api/users/locked-out/unlock').expect(403);
    await (await asUser('admin-15', 'the-admin-password'))('/api/users/locked-out/unlock').expect(404);
    const unlocked = await (await asUser('admin-57', 'the-admin-password'))('/api/users/locked-out/unlock').expect(200);
    expect(unlocked.body).toMatchObject({ wasLocked: true, user: { username: 'locked-out' } });
    await attempt(second, 'locked-out', 'the-right-password', '10.3.0.2').expect(200);
  });
});
