import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Pool, PoolClient } from 'pg';
import { DataSource, EntityManager } from 'typeorm';
import { DbScope } from './scope';

/**
 * Transactions with their scope. Every write of personal data and its audit entry go through one of
 * these, so both commit or neither does.
 */
@Injectable()
export class DatabaseService {
  constructor(@InjectDataSource() readonly dataSource: DataSource) {}

  /**
   * One statement outside any transaction, as a named prepared statement on whichever pooled connection
   * runs it (see preparedQuery): for the lookups every request makes, such as the signed-in user's.
   */
  async prepared<T>(name: string, text: string, values: unknown[]): Promise<T[]> {
    const pool = (this.dataSource.driver as unknown as { master: Pool }).master;
    return (await pool.query<T & object>({ name, text, values })).rows;
  }

  async transaction<T>(scope: DbScope, work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(async (manager) => {
      await applyScope(manager, scope);
      return work(manager);
    });
  }

  /**
   * Runs `work` only if this transaction wins the advisory lock named `key`; otherwise returns
   * `{ locked: false }` at once. The lock ends with the transaction.
   */
  async withTryLock<T>(
    scope: DbScope,
    key: string,
    work: (manager: EntityManager) => Promise<T>,
  ): Promise<{ locked: true; value: T } | { locked: false }> {
    return this.transaction(scope, async (manager) => {
      if (!(await tryAdvisoryXactLock(manager, key))) return { locked: false as const };
      return { locked: true as const, value: await work(manager) };
    });
  }
}

export async function applyScope(manager: EntityManager, scope: DbScope): Promise<void> {
  await preparedQuery(
    manager,
    'tiltas.apply-scope',
    `SELECT set_config('tiltas.scope', $1, true), set_config('tiltas.municipality', $2, true),
            set_config('tiltas.actor', $3, true), set_config('tiltas.role', $4, true)`,
    [scope.scope, scope.municipality ?? '', scope.actor, scope.role],
  );
}

/**
 * Runs one of the few statements every request repeats (the scope above, the claim, the audit append) as
 * a named prepared statement on the manager's connection: PostgreSQL parses it once per connection and,
 * once its plans prove stable, stops planning it on every call (planning the row-level security of the
 * claim cost more than running it). `name` must be unique to `text`; the rows come back as the driver
 * returns them.
 */
export async function preparedQuery<T>(manager: EntityManager, name: string, text: string, values: unknown[]): Promise<T[]> {
  if (!manager.queryRunner) throw new Error(`preparedQuery(${name}) needs the manager of a query runner (a transaction)`);
  const client = (await manager.queryRunner.connect()) as PoolClient;
  return (await client.query<T & object>({ name, text, values })).rows;
}

/** A transaction-level advisory lock keyed by a readable name (hashed to bigint by PostgreSQL). */
export async function tryAdvisoryXactLock(manager: EntityManager, key: string): Promise<boolean> {
  const rows: Array<{ locked: boolean }> = await manager.query(
    'SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0)) AS locked',
    [key],
  );
  return rows[0].locked;
}

export async function advisoryXactLock(manager: EntityManager, key: string): Promise<void> {
  await manager.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [key]);
}

/**
 * Settings for the few large set-based queries (identification, preview): hash whole registers in memory
 * rather than in batches on disk (the server default work_mem is 4 MB), and skip JIT, whose compile time on
 * these plans costs more than it saves. SET LOCAL: they end with the transaction.
 */
export async function useAnalyticalSettings(manager: EntityManager): Promise<void> {
  await manager.query(`SET LOCAL work_mem = '256MB'`);
  await manager.query(`SET LOCAL jit = off`);
}
