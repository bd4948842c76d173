import { NestExpressApplication } from '@nestjs/platform-express';
import IORedis from 'ioredis';
import request from 'supertest';
import { TestDatabase, TEST_REDIS_URL, createTestDatabase } from '../support/test-database';
import { startApp } from './access-test-app';

/**
 * Which address the per-address sign-in limit counts: the connecting peer unless TRUST_PROXY names it
 * as a proxy, and only then the address it forwards.
 */
jest.setTimeout(60_000);

async function addressKeys(prefix: string): Promise<string[]> {
  const redis = new IORedis(TEST_REDIS_URL);
  try {
    return (await redis.keys(`${prefix}:sign-in-failures:address:*`)).map((k) => k.slice(`${prefix}:sign-in-failures:address:`.length)).sort();
  } finally {
    redis.disconnect();
  }
}

describe.each([{ trustProxy: undefined }, { trustProxy: 'loopback' }])('the address sign-in limit with TRUST_PROXY=$trustProxy', ({ trustProxy }) => {
  let db: TestDatabase;
  let app: NestExpressApplication;

  beforeAll(async () => {
    db = await createTestDatabase({
      SIGN_IN_MAX_FAILURES: '3',
      SIGN_IN_MAX_FAILURES_PER_ADDRESS: '4',
      ...(trustProxy ? { TRUST_PROXY: trustProxy } : {}),
    });
    app = await startApp(db.config);
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  const attempt = (username: string, forwardedFor: string) =>
    request(app.getHttpServer()).post('/api/auth/sign-in').set('X-Forwarded-For', forwardedFor).send({ username, password: 'not-the-password' });

  it(trustProxy ? 'counts the address the trusted proxy forwards' : 'ignores a forged X-Forwarded-For and counts the connecting address', async () => {
    // Four failures on four accounts (no account limit is reached), each claiming another address.
    const claimed = ['203.0.113.0', '203.0.113.1', '203.0.113.2', '203.0.113.3'];
    for (const [i, address] of claimed.entries()) await attempt(`nobody-${i}`, address).expect(401);
    const fifth = await attempt('nobody-4', '203.0.113.99');
    if (trustProxy) {
      // Each forwarded address has its own count, so the fifth is merely wrong.
      expect(await addressKeys(db.config.redis.prefix)).toEqual([...claimed, '203.0.113.99']);
      expect(fifth.status).toBe(401);
    } else {
      // The forged addresses were all the one peer, which has used up its four.
      expect(await addressKeys(db.config.redis.prefix)).toEqual([expect.stringMatching(/^(::ffff:)?127\.0\.0\.1$/)]);
      expect(fifth.status).toBe(429);
      expect(fifth.body.code).toBe('RATE_LIMITED');
    }
  });
});
