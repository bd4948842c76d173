import { AppConfig } from '@tiltas/config';
import IORedis, { Redis, RedisOptions } from 'ioredis';

/** BullMQ's blocking connections need maxRetriesPerRequest null; commands fail fast when Redis is gone. */
export function createRedis(config: AppConfig, purpose: 'queue' | 'worker' | 'app', overrides: RedisOptions = {}): Redis {
  return new IORedis(config.redis.url, {
    maxRetriesPerRequest: purpose === 'app' ? 2 : null,
    connectionName: `tiltas-${purpose}`,
    lazyConnect: false,
    ...overrides,
  });
}
