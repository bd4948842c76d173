import { Injectable } from '@nestjs/common';
import { advisoryXactLock } from '@tiltas/database';
import type { EntityManager } from 'typeorm';

export type VersionStatus = 'DRAFT' | 'ACTIVE' | 'RETIRED';

export interface CriterionRow {
  readonly id: string;
  /** Null for a national criterion. */
  readonly municipality: string | null;
  readonly basedOn: string | null;
}

export interface CriterionVersionRow {
  readonly criterionId: string;
  readonly municipality: string | null;
  readonly basedOn: string | null;
  readonly version: number;
  readonly definition: unknown;
  readonly status: VersionStatus;
  readonly lawfulBasisId: string | null;
  readonly createdBy: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly activatedBy: string | null;
  readonly activatedAt: string | null;
  readonly retiredAt: string | null;
}

const VERSION_COLUMNS = `
  v.criterion_id AS "criterionId", c.municipality, c.based_on AS "basedOn", v.version, v.definition, v.status,
  v.lawful_basis_id AS "lawfulBasisId", v.created_by AS "createdBy",
  to_char(v.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS "createdAt",
  to_char(v.updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS "updatedAt",
  v.activated_by AS "activatedBy",
  to_char(v.activated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS "activatedAt",
  to_char(v.retired_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS "retiredAt"`;

/** Criteria and their versions. Every method runs in the caller's transaction. */
@Injectable()
export class CriteriaRepository {
  /** Adds a criterion and its first version as a draft unless the criterion exists; true when added. */
  async addIfMissing(
    m: EntityManager,
    criterion: CriterionRow,
    definition: unknown,
    createdBy: string,
  ): Promise<boolean> {
    const added: unknown[] = await m.query(
      `INSERT INTO criterion (id, municipality, based_on, created_by) VALUES ($1, $2, $3, $4)
       ON CONFLICT (id) DO NOTHING RETURNING id`,
      [criterion.id, criterion.municipality, criterion.basedOn, createdBy],
    );
    if (added.length === 0) return false;
    await m.query(
      `INSERT INTO criterion_version (criterion_id, version, definition, status, created_by) VALUES ($1, 1, $2, 'DRAFT', $3)`,
      [criterion.id, JSON.stringify(definition), createdBy],
    );
    return true;
  }

  /** With `lock`, holds the criterion's advisory lock until the transaction ends: its versions change one writer at a time. */
  async criterion(m: EntityManager, id: string, lock = false): Promise<CriterionRow | null> {
    if (lock) await advisoryXactLock(m, `criterion:${id}`);
    const rows: CriterionRow[] = await m.query(`SELECT id, municipality, based_on AS "basedOn" FROM criterion WHERE id = $1`, [id]);
    return rows[0] ?? null;
  }

  async copyOf(m: EntityManager, basedOn: string, municipality: string): Promise<CriterionRow | null> {
    const rows: CriterionRow[] = await m.query(
      `SELECT id, municipality, based_on AS "basedOn" FROM criterion WHERE based_on = $1 AND municipality = $2`,
      [basedOn, municipality],
    );
    return rows[0] ?? null;
  }

  /** Every version that is not retired, one or two per criterion (its ACTIVE and its DRAFT), national first. */
  async current(m: EntityManager, municipality?: string | null): Promise<CriterionVersionRow[]> {
    const scoped = municipality === undefined ? '' : 'AND (c.municipality IS NULL OR c.municipality = $1)';
    return m.query(
      `SELECT ${VERSION_COLUMNS}
       FROM criterion_version v JOIN criterion c ON c.id = v.criterion_id
       WHERE v.status <> 'RETIRED' ${scoped}
       ORDER BY c.municipality NULLS FIRST, v.criterion_id, v.version`,
      municipality === undefined ? [] : [municipality],
    );
  }

  async history(m: EntityManager, id: string): Promise<CriterionVersionRow[]> {
    return m.query(
      `SELECT ${VERSION_COLUMNS} FROM criterion_version v JOIN criterion c ON c.id = v.criterion_id
       WHERE v.criterion_id = $1 ORDER BY v.version`,
      [id],
    );
  }

  async version(m: EntityManager, id: string, version: number): Promise<CriterionVersionRow | null> {
    const rows: CriterionVersionRow[] = await m.query(
      `SELECT ${VERSION_COLUMNS} FROM criterion_version v JOIN criterion c ON c.id = v.criterion_id
       WHERE v.criterion_id = $1 AND v.version = $2`,
      [id, version],
    );
    return rows[0] ?? null;
  }

  async withStatus(m: EntityManager, id: string, status: 'DRAFT' | 'ACTIVE'): Promise<CriterionVersionRow | null> {
    const rows: CriterionVersionRow[] = await m.query(
      `SELECT ${VERSION_COLUMNS} FROM criterion_version v JOIN criterion c ON c.id = v.criterion_id
       WHERE v.criterion_id = $1 AND v.status = $2`,
      [id, status],
    );
    return rows[0] ?? null;
  }

  /** Every ACTIVE version, or those of the given criterion ids. */
  async active(m: EntityManager, ids?: readonly string[]): Promise<CriterionVersionRow[]> {
    return m.query(
      `SELECT ${VERSION_COLUMNS} FROM criterion_version v JOIN criterion c ON c.id = v.criterion_id
       WHERE v.status = 'ACTIVE' ${ids ? 'AND v.criterion_id = ANY($1::text[])' : ''}
       ORDER BY v.criterion_id`,
      ids ? [ids] : [],
    );
  }

  /** Writes the draft: replaces the one DRAFT's definition, or adds the next version as the DRAFT. */
  async saveDraft(m: EntityManager, id: string, definition: unknown, by: string): Promise<number> {
    const updated = await returning<{ version: number }>(
      m,
      `UPDATE criterion_version SET definition = $2, updated_at = now(), created_by = $3
       WHERE criterion_id = $1 AND status = 'DRAFT' RETURNING version`,
      [id, JSON.stringify(definition), by],
    );
    if (updated.length > 0) return updated[0].version;
    const added: Array<{ version: number }> = await m.query(
      `INSERT INTO criterion_version (criterion_id, version, definition, status, created_by)
       SELECT $1, coalesce(max(version), 0) + 1, $2, 'DRAFT', $3 FROM criterion_version WHERE criterion_id = $1
       RETURNING version`,
      [id, JSON.stringify(definition), by],
    );
    return added[0].version;
  }

  /** Retires the ACTIVE version (if any) and makes `version` ACTIVE; returns the retired version. */
  async activate(m: EntityManager, id: string, version: number, lawfulBasisId: string, by: string): Promise<number | null> {
    const retired = await returning<{ version: number }>(
      m,
      `UPDATE criterion_version SET status = 'RETIRED', retired_at = now(), updated_at = now()
       WHERE criterion_id = $1 AND status = 'ACTIVE' RETURNING version`,
      [id],
    );
    await m.query(
      `UPDATE criterion_version SET status = 'ACTIVE', lawful_basis_id = $3, activated_by = $4, activated_at = now(), updated_at = now()
       WHERE criterion_id = $1 AND version = $2 AND status = 'DRAFT'`,
      [id, version, lawfulBasisId, by],
    );
    return retired[0]?.version ?? null;
  }
}

/** Rows of an UPDATE … RETURNING (TypeORM's plain query gives [rows, count] for UPDATE). */
async function returning<T>(m: EntityManager, sql: string, params: unknown[]): Promise<T[]> {
  const result = await m.queryRunner!.query(sql, params, true);
  return result.records as T[];
}
