import IORedis, { Redis, RedisOptions } from 'ioredis';
import { RedisConfig } from './app-config';

/**
 * One Redis client for the configuration: the server REDIS_URL names, or, with REDIS_SENTINELS, whichever
 * server the Sentinels name as the master of REDIS_MASTER_NAME. After a failover ioredis asks the Sentinels
 * again on reconnect, and `failoverDetector` makes it notice a switch it would otherwise learn of only when
 * the old master stops answering.
 */
export function openRedis(redis: RedisConfig, options: RedisOptions = {}): Redis {
  if (!redis.sentinels) return new IORedis(redis.url, options);
  const u = new URL(redis.url);
  const db = Number(u.pathname.replace(/^\//, '') || '0');
  return new IORedis({
    sentinels: redis.sentinels.map((s) => ({ host: s.host, port: s.port })),
    name: redis.masterName,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(redis.sentinelPassword ? { sentinelPassword: redis.sentinelPassword } : {}),
    ...(Number.isInteger(db) ? { db } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {}, enableTLSForSentinelMode: true } : {}),
    failoverDetector: true,
    // The failover detector's subscriptions: one per Sentinel of a three-Sentinel quorum is enough.
    sentinelMaxConnections: 3,
    sentinelRetryStrategy: (times: number) => Math.min(times * 200, 2_000),
    ...options,
  });
}

/** Where a client of this configuration connects, for logs and errors: never a password. */
export function describeRedis(redis: RedisConfig | string): string {
  if (typeof redis !== 'string' && redis.sentinels) {
    return `master ${redis.masterName} of Sentinels ${redis.sentinels.map((s) => `${s.host}:${s.port}`).join(',')}`;
  }
  const u = new URL(typeof redis === 'string' ? redis : redis.url);
  return `${u.hostname}:${u.port || '6379'}`;
}
