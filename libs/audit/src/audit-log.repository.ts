import { Injectable } from '@nestjs/common';
import { DatabaseService } from '@tiltas/database';
import { EntityManager } from 'typeorm';
import { AuditEntry, NormalizedAuditEntry } from './audit-entry';
import { CanonicalParts } from './canonical-entry';

/**
 * One statement chains and appends an entry. It moves the head row (which locks it until the caller's
 * transaction ends, so appends serialise and the chain cannot fork), computes the hash in the database
 * from the canonical parts the service built (the database alone knows seq and the time at that moment),
 * and inserts the entry: one round trip per append. `at` never goes back in time along the chain.
 *
 * The hash expression must equal chainHash(prev, prefix + at + middle + seq + suffix) in
 * canonical-entry.ts, and the `at` format must equal utcText below: the verifier recomputes in Node.
 */
const APPEND_SQL = `
WITH head AS (
  UPDATE audit_head h
     SET seq = h.seq + 1,
         prev_hash = h.hash,
         at = greatest(h.at, t.now),
         hash = encode(sha256(convert_to(
           h.hash || E'\\n' || $1::text
             || to_char(greatest(h.at, t.now) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
             || $2::text || (h.seq + 1)::text || $3::text, 'UTF8')), 'hex')
    FROM (SELECT date_trunc('milliseconds', clock_timestamp()) AS now) t
   WHERE h.id
  RETURNING h.seq, h.prev_hash, h.hash, h.at
)
INSERT INTO audit_log (seq, at, actor, role, municipality, action, subject, object_type, object_id, purpose, lawful_basis_id, details, prev_hash, hash)
SELECT seq, at, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13::jsonb, prev_hash, hash FROM head
RETURNING seq::text AS seq, hash`;

/** A timestamp as the canonical form writes it: UTC, milliseconds, `Z`. */
export const utcText = (column: string): string => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** The columns of an entry in export order, as text, for COPY and for queries. */
export const ENTRY_COLUMNS = `seq, ${utcText('at')} AS at, actor, role, municipality, action, subject, object_type, object_id, purpose, lawful_basis_id, details::text AS details, prev_hash, hash`;

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

interface EntryRow {
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
  prev_hash: string;
  hash: string;
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

  async append(manager: EntityManager, entry: NormalizedAuditEntry, parts: CanonicalParts, detailsJson: string): Promise<{ seq: string; hash: string }> {
    const rows = (await manager.query(APPEND_SQL, [
      parts.prefix,
      parts.middle,
      parts.suffix,
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
    ])) as Array<{ seq: string; hash: string }>;
    return rows[0];
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
    const sql = `SELECT ${ENTRY_COLUMNS} FROM audit_log ${clauses.length ? `WHERE ${clauses.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT $${params.length}`;
    const rows = (await this.db.dataSource.query(sql, params)) as EntryRow[];
    return rows.map(entryFromRow);
  }

  async findBySubject(manager: EntityManager, subject: string, municipality: string | null): Promise<AuditEntry[]> {
    const rows = (await manager.query(
      `SELECT ${ENTRY_COLUMNS} FROM audit_log WHERE subject = $1 AND ($2::text IS NULL OR municipality = $2) ORDER BY seq`,
      [subject, municipality],
    )) as EntryRow[];
    return rows.map(entryFromRow);
  }

  /** Anchors the last entry, unless it is anchored already or the log is empty. */
  async anchorHead(anchoredBy: string): Promise<AnchorRow | null> {
    const rows = (await this.db.dataSource.query(
      `INSERT INTO audit_anchor (seq, hash, anchored_by)
       SELECT seq, hash, $1 FROM audit_log ORDER BY audit_log.seq DESC LIMIT 1
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
