import { PoolClient } from 'pg';
import { EntityManager } from 'typeorm';
import { RegisterCode } from '@tiltas/contract';
import { Delivery, ExtractManifest } from '../validation/manifest';
import { REGISTERS } from '../register-declarations';
import { QuarantinedRow } from '../validation/row-validator';
import { partitionTable } from './partition-sql';

export type ExtractStatus = 'LOADING' | 'ACTIVE' | 'APPLIED' | 'SUPERSEDED' | 'NOT_ACTIVATED' | 'PURGED' | 'REJECTED';

export interface ExtractRow {
  readonly id: number;
  readonly register: RegisterCode;
  readonly asOf: string;
  readonly status: ExtractStatus;
  readonly rows: number;
  readonly quarantined: number;
  readonly sha256: string;
  readonly pseudonymKeyId: string;
  readonly lawfulBasisId: string;
  readonly delivery: Delivery;
}

/** What applying a delta changed in the full extract's partition. */
export interface AppliedDelta {
  /** Persons the delta holds rows for (their rows in the full extract were replaced). */
  readonly persons: number;
  /** Rows of the full extract deleted (those persons' rows before the delta). */
  readonly removed: number;
  /** Rows of the delta inserted. */
  readonly added: number;
}

const EXTRACT_COLUMNS = `id, register, to_char(as_of, 'YYYY-MM-DD') AS "asOf", status, rows, quarantined, sha256,
  pseudonym_key_id AS "pseudonymKeyId", lawful_basis_id AS "lawfulBasisId", delivery`;

/** The ingest's SQL over `extract`, `extract_quarantine` and the partitions, as the table owner. */
export class ExtractRepository {
  /** Serialises ingest per register across processes for as long as `client` holds it (a session lock). */
  async lockRegister(client: PoolClient, register: RegisterCode): Promise<void> {
    await client.query(`SELECT pg_advisory_lock(hashtextextended($1, 0))`, [`ingest:${register}`]);
  }

  async unlockRegister(client: PoolClient, register: RegisterCode): Promise<void> {
    await client.query(`SELECT pg_advisory_unlock(hashtextextended($1, 0))`, [`ingest:${register}`]);
  }

  /** The extract this file would be, by its natural key, unless that one was rejected. */
  async findByNaturalKey(client: PoolClient, register: RegisterCode, asOf: string, sha256: string): Promise<ExtractRow | null> {
    const { rows } = await client.query<ExtractRow>(
      `SELECT ${EXTRACT_COLUMNS} FROM extract WHERE register = $1 AND as_of = $2 AND sha256 = $3 AND status <> 'REJECTED'`,
      [register, asOf, sha256],
    );
    return rows[0] ?? null;
  }

  /**
   * A fresh LOADING row. A LOADING row with the same natural key is the remains of a load that crashed
   * (the caller holds the register lock, so nobody else is loading it): it is taken over, its partition
   * and quarantine cleared.
   */
  async startLoading(client: PoolClient, manifest: ExtractManifest, source: string, loadedBy: string): Promise<number> {
    const stale = await client.query<{ id: number }>(
      `SELECT id FROM extract WHERE register = $1 AND as_of = $2 AND sha256 = $3 AND status = 'LOADING'`,
      [manifest.register, manifest.asOf, manifest.sha256],
    );
    if (stale.rows[0]) {
      const id = stale.rows[0].id;
      await client.query(`DROP TABLE IF EXISTS ${partitionTable(manifest.register, id)}`);
      await client.query(`DELETE FROM extract_quarantine WHERE extract_id = $1`, [id]);
      await client.query(
        `UPDATE extract SET extracted_at = $2, rows = $3, lawful_basis_id = $4, pseudonym_key_id = $5, source = $6,
                loaded_by = $7, created_at = now(), quarantined = 0, delivery = $8 WHERE id = $1`,
        [id, manifest.extractedAt, manifest.rows, manifest.lawfulBasis, manifest.pseudonymKeyId, source, loadedBy, manifest.delivery],
      );
      return id;
    }
    const { rows } = await client.query<{ id: number }>(
      `INSERT INTO extract (register, as_of, extracted_at, sha256, rows, lawful_basis_id, pseudonym_key_id, status, source, loaded_by, delivery)
       VALUES ($1, $2, $3, $4, $5, $6, $7, 'LOADING', $8, $9, $10) RETURNING id`,
      [manifest.register, manifest.asOf, manifest.extractedAt, manifest.sha256, manifest.rows, manifest.lawfulBasis, manifest.pseudonymKeyId, source, loadedBy, manifest.delivery],
    );
    return rows[0].id;
  }

  async insertQuarantine(client: PoolClient, extractId: number, rows: readonly QuarantinedRow[]): Promise<void> {
    for (let i = 0; i < rows.length; i += 10_000) {
      const slice = rows.slice(i, i + 10_000);
      await client.query(
        `INSERT INTO extract_quarantine (extract_id, line, column_name, reason)
         SELECT $1, * FROM unnest($2::int[], $3::text[], $4::text[])`,
        [extractId, slice.map((r) => r.line), slice.map((r) => r.column), slice.map((r) => r.reason)],
      );
    }
  }

  /** Key ids of the other registers' ACTIVE extracts (all extracts joined together must share one). */
  async activeKeyIds(client: PoolClient, except: RegisterCode): Promise<string[]> {
    const { rows } = await client.query<{ key: string }>(
      `SELECT DISTINCT pseudonym_key_id AS key FROM extract WHERE status = 'ACTIVE' AND register <> $1 ORDER BY 1`,
      [except],
    );
    return rows.map((r) => r.key);
  }

  /** The register's ACTIVE (full) extract, read outside a transaction while the register lock is held. */
  async active(client: PoolClient, register: RegisterCode): Promise<ExtractRow | null> {
    const { rows } = await client.query<ExtractRow>(`SELECT ${EXTRACT_COLUMNS} FROM extract WHERE register = $1 AND status = 'ACTIVE'`, [register]);
    return rows[0] ?? null;
  }

  /** The register's ACTIVE extract, locked for the activation transaction. */
  async activeForUpdate(manager: EntityManager, register: RegisterCode): Promise<ExtractRow | null> {
    const rows = (await manager.query(`SELECT ${EXTRACT_COLUMNS} FROM extract WHERE register = $1 AND status = 'ACTIVE' FOR UPDATE`, [
      register,
    ])) as ExtractRow[];
    return rows[0] ?? null;
  }

  async attach(manager: EntityManager, register: RegisterCode, extractId: number): Promise<void> {
    await manager.query(`ALTER TABLE reg_${register} ATTACH PARTITION ${partitionTable(register, extractId)} FOR VALUES IN (${extractId})`);
  }

  /** The full extract, and every delta applied to it: a full delivery replaces them together. */
  async supersede(manager: EntityManager, extractId: number): Promise<number[]> {
    const rows = (await manager.query(
      `UPDATE extract SET status = 'SUPERSEDED', superseded_at = now()
        WHERE id = $1 OR (applied_to = $1 AND status = 'APPLIED') RETURNING id`,
      [extractId],
    )) as [Array<{ id: number }>, number];
    return rows[0].map((r) => r.id).filter((id) => id !== extractId).sort((a, b) => a - b);
  }

  /** The newest asOf of the deltas applied to the full extract, or null when none was. */
  async latestDeltaAsOf(manager: EntityManager, fullId: number): Promise<string | null> {
    const rows = (await manager.query(
      `SELECT to_char(max(as_of), 'YYYY-MM-DD') AS "asOf" FROM extract WHERE applied_to = $1 AND status = 'APPLIED'`,
      [fullId],
    )) as Array<{ asOf: string | null }>;
    return rows[0]?.asOf ?? null;
  }

  /**
   * Applies the delta loaded into its own table to the ACTIVE full extract's partition: the rows there of
   * every person the delta holds are deleted, the delta's rows inserted (with `delta_extract_id` naming
   * it), and the delta's own table dropped. In the caller's transaction, so it happens whole or not at all.
   */
  async applyDelta(manager: EntityManager, register: RegisterCode, fullId: number, deltaId: number): Promise<AppliedDelta> {
    const full = partitionTable(register, fullId);
    const delta = partitionTable(register, deltaId);
    const columns = ['line', 'pseudonym', ...(REGISTERS[register].identifying ? ['key_id', 'sealed'] : REGISTERS[register].columns.filter((c) => c.type !== 'pseudonym').map((c) => c.name))];
    const [{ persons }] = (await manager.query(`SELECT count(DISTINCT pseudonym)::int AS persons FROM ${delta}`)) as Array<{ persons: number }>;
    const removed = await affected(manager, `DELETE FROM ${full} f WHERE f.pseudonym IN (SELECT pseudonym FROM ${delta})`);
    const added = await affected(
      manager,
      `INSERT INTO ${full} (extract_id, ${columns.join(', ')}, delta_extract_id)
       SELECT ${fullId}, ${columns.join(', ')}, ${deltaId} FROM ${delta} ORDER BY line`,
    );
    await manager.query(`DROP TABLE ${delta}`);
    return { persons, removed, added };
  }

  async finishDelta(manager: EntityManager, deltaId: number, fullId: number, quarantined: number): Promise<void> {
    await manager.query(
      `UPDATE extract SET status = 'APPLIED', applied_to = $2, quarantined = $3, activated_at = now() WHERE id = $1 AND status = 'LOADING'`,
      [deltaId, fullId, quarantined],
    );
  }

  async finishLoading(manager: EntityManager, extractId: number, status: 'ACTIVE' | 'NOT_ACTIVATED', quarantined: number): Promise<void> {
    await manager.query(
      `UPDATE extract SET status = $2, quarantined = $3, activated_at = CASE WHEN $2 = 'ACTIVE' THEN now() END WHERE id = $1 AND status = 'LOADING'`,
      [extractId, status, quarantined],
    );
  }

  async markRejected(manager: EntityManager, extractId: number, reason: string, quarantined: number): Promise<void> {
    await manager.query(`DELETE FROM extract_quarantine WHERE extract_id = $1`, [extractId]);
    await manager.query(
      `UPDATE extract SET status = 'REJECTED', reason = $2, quarantined = $3, rejected_at = now() WHERE id = $1`,
      [extractId, reason.slice(0, 2000), quarantined],
    );
  }

  /** SUPERSEDED extracts whose supersession is older than `days`, oldest first. */
  async purgeable(manager: EntityManager, days: number, now: Date): Promise<ExtractRow[]> {
    return (await manager.query(
      `SELECT ${EXTRACT_COLUMNS} FROM extract
        WHERE status = 'SUPERSEDED' AND superseded_at <= $1::timestamptz - make_interval(days => $2)
        ORDER BY superseded_at, id`,
      [now.toISOString(), days],
    )) as ExtractRow[];
  }

  /** Detaches and drops a SUPERSEDED extract's partition and marks it PURGED; false when it was not SUPERSEDED any more. */
  async purge(manager: EntityManager, extract: ExtractRow): Promise<boolean> {
    const locked = (await manager.query(`SELECT id FROM extract WHERE id = $1 AND status = 'SUPERSEDED' FOR UPDATE`, [extract.id])) as unknown[];
    if (locked.length === 0) return false;
    const part = partitionTable(extract.register, extract.id);
    const attached = (await manager.query(
      `SELECT 1 FROM pg_inherits WHERE inhrelid = to_regclass($1) AND inhparent = to_regclass($2)`,
      [part, `reg_${extract.register}`],
    )) as unknown[];
    if (attached.length > 0) await manager.query(`ALTER TABLE reg_${extract.register} DETACH PARTITION ${part}`);
    await manager.query(`DROP TABLE IF EXISTS ${part}`);
    await manager.query(`DELETE FROM extract_quarantine WHERE extract_id = $1`, [extract.id]);
    await manager.query(`UPDATE extract SET status = 'PURGED', purged_at = now() WHERE id = $1`, [extract.id]);
    return true;
  }
}

/** Rows a statement wrote, in the manager's transaction. */
async function affected(manager: EntityManager, sql: string): Promise<number> {
  const result = await manager.queryRunner!.query(sql, [], true);
  return result.affected ?? 0;
}
