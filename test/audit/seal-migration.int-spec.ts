import { GENESIS_HASH, canonicalEntry, chainHash } from '@tiltas/audit';
import { revertLastMigration, runMigrations } from '@tiltas/database';
import { MIGRATIONS } from '@tiltas/migrations';
import { randomBytes } from 'node:crypto';
import { adminQuery, databaseUrl, testConfig } from '../support/test-database';

/** SealAuditChain against a log written under the schema before it: links move over intact, and back. */
describe('the SealAuditChain migration', () => {
  const name = `tiltas_t_sealmig_${randomBytes(4).toString('hex')}`;
  const config = testConfig(name);
  const upTo = (migration: string) => MIGRATIONS.slice(0, MIGRATIONS.findIndex((m) => m.name.startsWith(migration)) + 1);
  const q = <T = Record<string, unknown>>(sql: string, params: unknown[] = []) => adminQuery<T>(sql, params, databaseUrl(name));

  beforeAll(async () => {
    await adminQuery(`CREATE DATABASE ${name}`);
    await runMigrations(config, upTo('CreateAuditLog'));
  });
  afterAll(async () => {
    await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  });

  it('moves existing links into audit_chain unchanged, numbers new entries after them, and reverts', async () => {
    let prev = GENESIS_HASH;
    const hashes: string[] = [];
    for (const seq of [1, 2]) {
      const e = { seq, at: `2026-11-25T10:00:0${seq}.000Z`, actor: 'system:cli', role: 'SYSTEM', municipality: null, action: 'lawful_basis.added', subject: null, objectType: 'lawful_basis', objectId: `LB-${seq}`, purpose: null, lawfulBasisId: `LB-${seq}` };
      const hash = chainHash(prev, canonicalEntry(e, '{}'));
      await q(
        `INSERT INTO audit_log (seq, at, actor, role, action, object_type, object_id, lawful_basis_id, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        [seq, e.at, e.actor, e.role, e.action, e.objectType, e.objectId, e.lawfulBasisId, prev, hash],
      );
      await q(`UPDATE audit_head SET seq = $1, prev_hash = $2, hash = $3, at = $4`, [seq, prev, hash, e.at]);
      hashes.push(hash);
      prev = hash;
    }

    await runMigrations(config, upTo('SealAuditChain'));
    expect(await q('SELECT seq::int AS seq, kind, prev_hash, hash FROM audit_chain ORDER BY audit_chain.seq')).toEqual([
      { seq: 1, kind: 'entry', prev_hash: GENESIS_HASH, hash: hashes[0] },
      { seq: 2, kind: 'entry', prev_hash: hashes[0], hash: hashes[1] },
    ]);
    const columns = await q<{ column_name: string }>(`SELECT column_name FROM information_schema.columns WHERE table_name = 'audit_log' AND column_name IN ('prev_hash', 'hash')`);
    expect(columns).toEqual([]);
    expect(await q(`SELECT audit_next_seq()::int AS n`)).toEqual([{ n: 3 }]);

    await revertLastMigration(config, upTo('SealAuditChain'));
    expect(await q('SELECT seq::int AS seq, prev_hash, hash FROM audit_log ORDER BY audit_log.seq')).toEqual([
      { seq: 1, prev_hash: GENESIS_HASH, hash: hashes[0] },
      { seq: 2, prev_hash: hashes[0], hash: hashes[1] },
    ]);
    expect(await q(`SELECT to_regclass('audit_chain') AS t`)).toEqual([{ t: null }]);
  });
});
