import { GENESIS_HASH, chainHash, gapCanonical } from '@tiltas/audit';
import { revertLastMigration, runMigrations } from '@tiltas/database';
import { MIGRATIONS } from '@tiltas/migrations';
import { randomBytes } from 'node:crypto';
import { adminQuery, databaseUrl, testConfig } from '../support/test-database';

/** BoundAuditGapCheck over a chain that already records a gap: the horizon starts there, and reverts. */
describe('the BoundAuditGapCheck migration', () => {
  const name = `tiltas_t_gapmig_${randomBytes(4).toString('hex')}`;
  const config = testConfig(name);
  const upTo = (migration: string) => MIGRATIONS.slice(0, MIGRATIONS.findIndex((m) => m.name.startsWith(migration)) + 1);
  const before = MIGRATIONS.slice(0, MIGRATIONS.findIndex((m) => m.name.startsWith('BoundAuditGapCheck')));
  const q = <T = Record<string, unknown>>(sql: string, params: unknown[] = []) => adminQuery<T>(sql, params, databaseUrl(name));

  beforeAll(async () => {
    await adminQuery(`CREATE DATABASE ${name}`);
    await runMigrations(config, before);
  });
  afterAll(async () => {
    await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  });

  it('starts the horizon at the highest gap already sealed, still steps over a gap at or below it, and reverts', async () => {
    // Number 1 was lost to a rollback and sealed as a gap under the schema before.
    await q(`SELECT setval('audit_log_seq', 1)`);
    await q(`INSERT INTO audit_chain (seq, kind, prev_hash, hash) VALUES (1, 'gap', $1, $2)`, [GENESIS_HASH, chainHash(GENESIS_HASH, gapCanonical(1))]);

    await runMigrations(config, upTo('BoundAuditGapCheck'));
    expect(await q(`SELECT last_value::int AS n, is_called FROM audit_gap_horizon`)).toEqual([{ n: 1, is_called: true }]);
    expect(await q(`SELECT audit_next_seq()::int AS n`)).toEqual([{ n: 2 }]);
    // A number at or below the horizon is looked up: handed 1 again, the function finds the gap and moves on.
    await q(`SELECT setval('audit_log_seq', 1, false)`);
    expect(await q(`SELECT audit_next_seq()::int AS n`)).toEqual([{ n: 2 }]);

    await revertLastMigration(config, upTo('BoundAuditGapCheck'));
    expect(await q(`SELECT to_regclass('audit_gap_horizon') AS t`)).toEqual([{ t: null }]);
    await q(`SELECT setval('audit_log_seq', 1, false)`);
    expect(await q(`SELECT audit_next_seq()::int AS n`)).toEqual([{ n: 2 }]);
  });
});
