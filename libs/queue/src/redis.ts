import { Logger } from '@nestjs/common';
import { OutageReporter } from '@tiltas/common';
import { AppConfig, RedisConfig, describeRedis, openRedis } from '@tiltas/config';
import { Redis, RedisOptions } from 'ioredis';

/**
 * How long a request waits on Redis before it is answered 503: a connect that the network swallows and a
 * command that gets no reply must both end, or a request hangs for as long as the outage lasts.
 */
export const REDIS_CONNECT_TIMEOUT_MS = 2_000;
export const REDIS_COMMAND_TIMEOUT_MS = 2_000;

export type RedisPurpose = 'queue' | 'worker' | 'app';

/**
 * Every Redis connection of Tiltas comes from here, with an error listener: without one ioredis prints
 * each reconnect failure as an unhandled error event. The listener logs one line when the connection is
 * lost and one when it is back (OutageReporter), however many retries happen in between.
 *
 * BullMQ's blocking worker connections need maxRetriesPerRequest null and no command timeout (they block
 * on purpose); the others (sessions, counters, enqueueing) give up after two reconnect attempts or
 * REDIS_COMMAND_TIMEOUT_MS, so the caller can answer 503 instead of waiting.
 */
export function createRedis(config: AppConfig, purpose: RedisPurpose, overrides: RedisOptions = {}): Redis {
  const blocking = purpose === 'worker';
  const redis = openRedis(config.redis, {
    maxRetriesPerRequest: blocking ? null : 2,
    connectTimeout: REDIS_CONNECT_TIMEOUT_MS,
    ...(blocking ? {} : { commandTimeout: REDIS_COMMAND_TIMEOUT_MS }),
    connectionName: `tiltas-${purpose}`,
    lazyConnect: false,
    ...overrides,
  });
  watchOutages(redis, new OutageReporter(new Logger('Redis'), `Redis (${purpose}) at ${redisWhere(config.redis)}`));
  return redis;
}

/** Routes a client's errors to the reporter and tells it when the client is usable again. */
export function watchOutages(redis: Redis, reporter: OutageReporter): OutageReporter {
  redis.on('error', (err: Error) => reporter.failed(err));
  redis.on('ready', () => reporter.recovered());
  return reporter;
}

/** host:port of a Redis URL, or the Sentinels and master name: never a password. */
export function redisWhere(redis: RedisConfig | string): string {
  return describeRedis(redis);
}
