import { ErrorCode } from '@tiltas/common';
import { loadConfig } from '@tiltas/config';
import IORedis from 'ioredis';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignInThrottle } from './sign-in-throttle';

describe('SignInThrottle without Redis', () => {
  it('refuses the attempt as a dependency failure instead of letting an uncounted guess through', async () => {
    const config = loadConfig({ DEMO_SECRETS_FILE: join(mkdtempSync(join(tmpdir(), 'tiltas-throttle-')), 'demo.json') });
    // Never connected and no offline queue: every command fails at once, as with Redis gone.
    const redis = new IORedis({ port: 1, lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0 });
    try {
      await expect(new SignInThrottle(config, redis).reserve('someone', '192.0.2.1')).rejects.toMatchObject({
        code: ErrorCode.DEPENDENCY_UNAVAILABLE,
        message: expect.stringContaining('sign-in limits cannot be checked'),
      });
    } finally {
      redis.disconnect();
    }
  });
});
