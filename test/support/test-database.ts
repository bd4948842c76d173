import { AppConfig, loadConfig } from '@tiltas/config';
import { runMigrations } from '@tiltas/database';
import { MIGRATIONS } from '@tiltas/migrations';
import IORedis from 'ioredis';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';

/**
 * Every integration and e2e test file gets a database of its own, cloned from a template that the global
 * setup migrated once for this run, and a Redis key prefix of its own: files run in parallel and never see
 * each other's rows or jobs.
 */
export const ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export function databaseUrl(name: string): string {
  const u = new URL(ADMIN_URL);
  u.pathname = `/${name}`;
  return u.toString();
}

export function testConfig(databaseName: string, env: NodeJS.ProcessEnv = {}): AppConfig {
  return loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: databaseUrl(databaseName),
    REDIS_URL: TEST_REDIS_URL,
    REDIS_PREFIX: `t${databaseName.slice(-12)}`,
    SESSION_SECRET: randomBytes(32).toString('hex'),
    CONTACTS_KEY: randomBytes(32).toString('hex'),
    LOG_LEVEL: 'silent',
    // Uploads of one test file stay in a private folder of its own (mkdtemp makes it 0700).
    STORAGE_DIR: mkdtempSync(join(tmpdir(), 'tiltas-storage-')),
    DB_POOL_SIZE: '5',
    ...env,
  });
}

export async function adminQuery<T = Record<string, unknown>>(sql: string, params: unknown[] = [], url = ADMIN_URL): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

export interface TestDatabase {
  readonly name: string;
  readonly url: string;
  readonly config: AppConfig;
  /** Runs SQL as the owner (superuser) in this database. */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  drop(): Promise<void>;
}

export async function createTestDatabase(env: NodeJS.ProcessEnv = {}): Promise<TestDatabase> {
  const name = `${process.env.TILTAS_TEST_DB_PREFIX ?? 'tiltas'}_t_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const template = process.env.TILTAS_TEST_TEMPLATE;
  if (template) {
    await adminQuery(`CREATE DATABASE ${name} TEMPLATE ${template}`);
  } else {
    await adminQuery(`CREATE DATABASE ${name}`);
    await runMigrations(testConfig(name), MIGRATIONS);
  }
  const config = testConfig(name, env);
  const url = databaseUrl(name);
  return {
    name,
    url,
    config,
    query: (sql, params) => adminQuery(sql, params, url),
    drop: async () => {
      await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await clearRedisPrefix(config.redis.prefix);
    },
  };
}

export async function clearRedisPrefix(prefix: string): Promise<void> {
  const redis = new IORedis(TEST_REDIS_URL, { maxRetriesPerRequest: 2 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
