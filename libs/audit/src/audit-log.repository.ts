import { Injectable } from '@nestjs/common';
import { DatabaseService, preparedQuery } from '@tiltas/database';
import { EntityManager } from 'typeorm';
import { AuditEntry, NormalizedAuditEntry } from './audit-entry';

/**
 * An append is a plain INSERT: no lock on a shared row, so concurrent writers do not queue behind each
 * other's commits. `seq` comes from audit_next_seq() (the column's default), which takes the transaction's
 * xid before the number; AuditSealer links the entry into the chain once it has committed.
 * `at` is the time of the INSERT, to the millisecond, as the canonical form writes it.
 */
const APPEND_SQL = `
INSERT INTO audit_log (at, actor, role, municipality, action, subject, object_type, object_id, purpose, lawful_basis_id, details)
VALUES (date_trunc('milliseconds', clock_timestamp()), $1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb)
RETURNING seq::text AS seq`;

/** A timestamp as the canonical form writes it: UTC, milliseconds, `Z`. */
export const utcText = (column: string): string => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * The columns of an entry in export order, as text, over `ENTRY_SOURCE`: the entry joined to its link in
 * the chain (prev_hash and hash are null until the sealer has linked it).
 */
export const ENTRY_COLUMNS = `seq, ${utcText('at')} AS at, actor, role, municipality, action, subject, object_type, object_id, purpose, lawful_basis_id, details::text AS details, c.prev_hash, c.hash`;
export const ENTRY_SOURCE = 'audit_log LEFT JOIN audit_chain c USING (seq)';

export interface AuditFilterSql {
  readonly where: string;
  readonly params: unknown[];
}

export interface AnchorRow {
  readonly seq: number;
  readonly hash: string;
  readonly anchoredAt: string;
  readonly anchoredBy: string;
}

/** A log entry as PostgreSQL returns it (the sealer reads the same shape). */
export interface LogRow {
  seq: string;
  at: string;
  actor: string;
  role: string;
  municipality: string | null;
  action: string;
  subject: string | null;
  object_type: string | null;
  object_id: string | null;
  purpose: string | null;
  lawful_basis_id: string | null;
  details: string;
}

/** An entry with its link in the chain (null until sealed). */
interface EntryRow extends LogRow {
  prev_hash: string | null;
  hash: string | null;
}

export function entryFromRow(row: EntryRow): AuditEntry {
  return {
    seq: Number(row.seq),
    at: row.at,
    actor: row.actor,
    role: row.role,
    municipality: row.municipality,
    action: row.action,
    subject: row.subject,
    objectType: row.object_type,
    objectId: row.object_id,
    purpose: row.purpose,
    lawfulBasisId: row.lawful_basis_id,
    details: JSON.parse(row.details) as Record<string, unknown>,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

@Injectable()
export class AuditLogRepository {
  constructor(private readonly db: DatabaseService) {}

  async append(manager: EntityManager, entry: NormalizedAuditEntry, detailsJson: string): Promise<{ seq: string }> {
    const rows = await preparedQuery<{ seq: string }>(manager, 'audit.append', APPEND_SQL, [
      entry.actor,
      entry.role,
      entry.municipality,
      entry.action,
      entry.subject,
      entry.objectType,
      entry.objectId,
      entry.purpose,
      entry.lawfulBasisId,
      detailsJson,
    ]);
    return { seq: rows[0].seq };
  }

  /** Newest first, `limit` of them, older than `beforeSeq` when paging. */
  async search(filter: AuditFilterSql, limit: number, beforeSeq: number | null): Promise<AuditEntry[]> {
    const params = [...filter.params];
    const clauses = filter.where ? [filter.where] : [];
    if (beforeSeq !== null) {
      params.push(beforeSeq);
      clauses.push(`seq < $${params.length}`);
    }
    params.push(limit);
    const sql = `SELECT ${ENTRY_COLUMNS} FROM ${ENTRY_SOURCE} ${clauses.length ? `WHERE ${clauses.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT $${params.length}`;
    const rows = (await this.db.dataSource.query(sql, params)) as EntryRow[];
    return rows.map(entryFromRow);
  }

  async findBySubject(manager: EntityManager, subject: string, municipality: string | null): Promise<AuditEntry[]> {
    const rows = (await manager.query(
      `SELECT ${ENTRY_COLUMNS} FROM ${ENTRY_SOURCE} WHERE subject = $1 AND ($2::text IS NULL OR municipality = $2) ORDER BY seq`,
      [subject, municipality],
    )) as EntryRow[];
    return rows.map(entryFromRow);
  }

  /**
   * The bulk `case.created` entries whose id ranges hold one of these cases: how a run's case creation
   * is found per person. Few such entries exist (one per run and 500 ranges), read by the action index.
   */
  async findCaseCreations(manager: EntityManager, caseIds: readonly number[], municipality: string | null): Promise<AuditEntry[]> {
    const rows = (await manager.query(
      `SELECT ${ENTRY_COLUMNS} FROM ${ENTRY_SOURCE}
       WHERE action = 'case.created' AND ($2::text IS NULL OR municipality = $2)
         AND EXISTS (
           SELECT 1 FROM jsonb_array_elements(details -> 'caseIdRanges') AS r, unnest($1::bigint[]) AS id
           WHERE id BETWEEN (r ->> 0)::bigint AND (r ->> 1)::bigint)
       ORDER BY seq`,
      [caseIds, municipality],
    )) as EntryRow[];
    return rows.map(entryFromRow);
  }

  /** Anchors the last sealed link, unless it is anchored already or nothing is sealed yet. */
  async anchorHead(anchoredBy: string): Promise<AnchorRow | null> {
    const rows = (await this.db.dataSource.query(
      `INSERT INTO audit_anchor (seq, hash, anchored_by)
       SELECT seq, hash, $1 FROM audit_chain ORDER BY audit_chain.seq DESC LIMIT 1
       ON CONFLICT (seq) DO NOTHING
       RETURNING seq::text AS seq, hash, ${utcText('anchored_at')} AS anchored_at, anchored_by`,
      [anchoredBy],
    )) as Array<{ seq: string; hash: string; anchored_at: string; anchored_by: string }>;
    return rows[0] ? { seq: Number(rows[0].seq), hash: rows[0].hash, anchoredAt: rows[0].anchored_at, anchoredBy: rows[0].anchored_by } : null;
  }

  async head(): Promise<{ seq: number; hash: string }> {
    const rows = (await this.db.dataSource.query(`SELECT seq::text AS seq, hash FROM audit_head`)) as Array<{ seq: string; hash: string }>;
    return { seq: Number(rows[0].seq), hash: rows[0].hash };
  }

  async lastAnchor(): Promise<AnchorRow | null> {
    const rows = (await this.db.dataSource.query(
      `SELECT seq::text AS seq, hash, ${utcText('anchored_at')} AS anchored_at, anchored_by FROM audit_anchor ORDER BY audit_anchor.seq DESC LIMIT 1`,
    )) as Array<{ seq: string; hash: string; anchored_at: string; anchored_by: string }>;
    return rows[0] ? { seq: Number(rows[0].seq), hash: rows[0].hash, anchoredAt: rows[0].anchored_at, anchoredBy: rows[0].anchored_by } : null;
  }
}
