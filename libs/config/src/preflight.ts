import { Client } from 'pg';
import { AppConfig } from './app-config';
import { describeRedis, openRedis } from './redis-client';

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
export async function preflight(
  config: AppConfig,
  options: { postgres?: boolean; redis?: boolean; timeoutMs?: number; queues?: boolean } = {},
): Promise<{ warnings: string[] }> {
  const warnings: string[] = [];
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
    const redis = openRedis(config.redis, { lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
    redis.on('error', () => undefined);
    try {
      await redis.connect();
      await redis.ping();
      if (options.queues) {
        const problem = await evictionProblem(redis, describeRedis(config.redis));
        if (problem && config.env === 'production') problems.push(problem);
        else if (problem) warnings.push(problem);
      }
    } catch (err) {
      problems.push(`Redis cannot be reached at ${describeRedis(config.redis)} (${config.redis.sentinels ? 'REDIS_SENTINELS' : 'REDIS_URL'}): ${err instanceof Error ? err.message : String(err)}\n${HOW_TO_START_REDIS}`);
    } finally {
      redis.disconnect();
    }
  }
  if (problems.length > 0) throw new PreflightError(problems.join('\n\n'));
  return { warnings };
}

/**
 * BullMQ's production guidance: a Redis that evicts keys under memory pressure silently loses jobs and
 * their locks. The queues' Redis must say `maxmemory-policy noeviction`; a worker in production refuses to
 * start otherwise. A managed Redis that forbids CONFIG cannot be checked, and is said to be unchecked.
 */
async function evictionProblem(redis: { config(op: 'GET', key: string): Promise<unknown> }, where: string): Promise<string | null> {
  let policy: string | undefined;
  try {
    const reply = (await redis.config('GET', 'maxmemory-policy')) as string[];
    policy = reply[1];
  } catch (err) {
    return `Redis at ${where} does not let its eviction policy be read (${err instanceof Error ? err.message : String(err)}); make sure it is maxmemory-policy noeviction, or queued jobs can be lost`;
  }
  if (policy === 'noeviction') return null;
  return `Redis at ${where} has maxmemory-policy ${policy ?? 'unknown'}: under memory pressure it would evict queued jobs and their locks. Set maxmemory-policy noeviction (redis-cli CONFIG SET maxmemory-policy noeviction, and in redis.conf)`;
}
