import IORedis from 'ioredis';
import { Client } from 'pg';
import { AppConfig } from './app-config';

export class PreflightError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PreflightError';
  }
}

function where(url: string): string {
  const u = new URL(url);
  return `${u.hostname}:${u.port || (u.protocol.startsWith('redis') ? '6379' : '5432')}${u.pathname && u.pathname !== '/' ? u.pathname : ''}`;
}

const HOW_TO_START_POSTGRES = [
  'Start it with one of:',
  '  docker compose up -d postgres',
  '  pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start   (Debian package postgresql)',
  'or point DATABASE_URL at a running PostgreSQL 15+.',
].join('\n');

const HOW_TO_START_REDIS = [
  'Start it with one of:',
  '  docker compose up -d redis',
  '  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no   (Debian package redis-server)',
  'or point REDIS_URL at a running Redis 7+.',
].join('\n');

/**
 * Answers, before anything else starts, whether PostgreSQL and Redis can be reached, and if not says which,
 * where it looked and how to start it: never a stack trace or a hang.
 */
export async function preflight(config: AppConfig, options: { postgres?: boolean; redis?: boolean; timeoutMs?: number } = {}): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 3000;
  const problems: string[] = [];
  if (options.postgres !== false) {
    const client = new Client({ connectionString: config.database.ownerUrl, connectionTimeoutMillis: timeoutMs });
    try {
      await client.connect();
      await client.query('SELECT 1');
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      const missingDb = /database .* does not exist/.test(reason);
      problems.push(
        missingDb
          ? `PostgreSQL answers at ${where(config.database.ownerUrl)} but the database does not exist (${reason}).\nCreate it with: createdb -h ${new URL(config.database.ownerUrl).hostname} -U ${new URL(config.database.ownerUrl).username || 'postgres'} ${new URL(config.database.ownerUrl).pathname.slice(1)}`
          : `PostgreSQL cannot be reached at ${where(config.database.ownerUrl)} (DATABASE_URL): ${reason}\n${HOW_TO_START_POSTGRES}`,
      );
    } finally {
      await client.end().catch(() => undefined);
    }
  }
  if (options.redis !== false) {
    const redis = new IORedis(config.redis.url, { lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
    redis.on('error', () => undefined);
    try {
      await redis.connect();
      await redis.ping();
    } catch (err) {
      problems.push(`Redis cannot be reached at ${where(config.redis.url)} (REDIS_URL): ${err instanceof Error ? err.message : String(err)}\n${HOW_TO_START_REDIS}`);
    } finally {
      redis.disconnect();
    }
  }
  if (problems.length > 0) throw new PreflightError(problems.join('\n\n'));
}
