import { Inject, Injectable, Logger } from '@nestjs/common';
import { Clock, DomainError } from '@tiltas/common';
import { APP_CONFIG, AppConfig } from '@tiltas/config';
import { DatabaseService } from '@tiltas/database';
import type { PoolClient } from 'pg';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { EntityManager } from 'typeorm';
import { AuditActor, AuditEntry, AuditEntryInput, GENESIS_HASH } from './audit-entry';
import { AuditSearchFilter, auditFilterSql } from './audit-filter';
import { AnchorRow, AuditLogRepository, ENTRY_COLUMNS, entryFromRow, utcText } from './audit-log.repository';
import { canonicalDetails, canonicalParts } from './canonical-entry';
import { ChainReport, ChainVerifier } from './chain-verifier';
import { copyRows } from './copy-rows';
import { normalizeEntry } from './entry-validation';
import { personalCodeProblem, subjectPseudonym } from './personal-code';
import { loadPseudonymisationKey } from './pseudonymisation-key';

export interface AuditPaging {
  /** 1–500; 100 when not given. */
  limit?: number;
  /** Entries older than this seq (the `nextBeforeSeq` of the previous page). */
  beforeSeq?: number | string | null;
}

export interface AuditPage {
  /** Newest first. */
  readonly entries: AuditEntry[];
  /** Pass as `beforeSeq` for the next page; null when this page is the last. */
  readonly nextBeforeSeq: number | null;
}

export interface AuditVerification extends ChainReport {
  readonly ms: number;
}

export interface AuditExportHeader {
  readonly type: 'tiltas.audit-export';
  readonly version: 1;
  readonly exportedAt: string;
  readonly filter: AuditSearchFilter;
  /** True when the export holds every entry (no filter, national viewer): the chain is verifiable end to end. */
  readonly complete: boolean;
  readonly genesis: string;
  /** The last entry when the export's snapshot was taken. */
  readonly head: { readonly seq: number; readonly hash: string } | null;
  readonly lastAnchor: { readonly seq: number; readonly hash: string; readonly anchoredAt: string } | null;
}

export interface SubjectLookupResult {
  /** The pseudonym the personal code maps to under the configured key (the code itself is not kept). */
  readonly subject: string;
  readonly pseudonymKeyId: string;
  /** Every entry about this person the viewer may see, oldest first, before this lookup's own entry. */
  readonly entries: AuditEntry[];
  /** The `subject.looked_up` entry this lookup wrote. */
  readonly loggedAs: { readonly seq: string; readonly hash: string };
}

export type AnchorResult =
  | { readonly status: 'ANCHORED'; readonly anchor: AnchorRow }
  | { readonly status: 'UNCHANGED'; readonly anchor: AnchorRow | null };

const EXPORT_BATCH = 5_000;

/**
 * The append-only, hash-chained audit log (docs/audit-log.md): record inside the caller's transaction,
 * search, verify, export, subject access lookup, anchoring.
 */
@Injectable()
export class AuditService {
  private readonly logger = new Logger('Audit');

  constructor(
    private readonly repository: AuditLogRepository,
    private readonly db: DatabaseService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Appends inside the caller's transaction (the manager from DatabaseService.transaction): the entry
   * commits with the action it records, or neither does. The append holds the log's head until that
   * transaction ends, so record as the last step of a transaction, not the first. The transaction must be
   * READ COMMITTED (DatabaseService's default): a waiting append re-reads the head that the one before it
   * committed.
   */
  async record(manager: EntityManager, entry: AuditEntryInput): Promise<{ seq: string; hash: string }> {
    assertInTransaction(manager);
    const normalized = normalizeEntry(entry);
    const details = canonicalDetails(normalized.details);
    return this.repository.append(manager, normalized, canonicalParts(normalized, details), details);
  }

  /** Several entries in one transaction, chained in the order given. Every entry is checked before any is written. */
  async recordMany(manager: EntityManager, entries: AuditEntryInput[]): Promise<void> {
    assertInTransaction(manager);
    const prepared = entries.map((e) => {
      const normalized = normalizeEntry(e);
      const details = canonicalDetails(normalized.details);
      return { normalized, details, parts: canonicalParts(normalized, details) };
    });
    for (const p of prepared) await this.repository.append(manager, p.normalized, p.parts, p.details);
  }

  async search(filter: AuditSearchFilter, paging: AuditPaging = {}, viewer: AuditActor | null = null): Promise<AuditPage> {
    const limit = paging.limit ?? 100;
    if (!Number.isInteger(limit) || limit < 1 || limit > 500) throw DomainError.validation('limit must be a whole number from 1 to 500');
    let beforeSeq: number | null = null;
    if (paging.beforeSeq !== undefined && paging.beforeSeq !== null && paging.beforeSeq !== '') {
      beforeSeq = Number(paging.beforeSeq);
      if (!Number.isSafeInteger(beforeSeq) || beforeSeq < 1) throw DomainError.validation('beforeSeq must be a positive whole number');
    }
    const entries = await this.repository.search(auditFilterSql(filter, viewer), limit + 1, beforeSeq);
    const more = entries.length > limit;
    const page = more ? entries.slice(0, limit) : entries;
    return { entries: page, nextBeforeSeq: more ? page[page.length - 1].seq : null };
  }

  /**
   * Recomputes the whole chain from the genesis in one consistent snapshot, streaming the entries, and
   * checks every anchor and the head. Reports the first broken link and whether the tail still matches
   * the last anchored head.
   */
  async verify(): Promise<AuditVerification> {
    const started = Date.now();
    const report = await this.snapshot(async (client) => {
      const anchors = (
        await client.query<{ seq: string; hash: string; anchored_at: string }>(
          `SELECT seq::text AS seq, hash, ${utcText('anchored_at')} AS anchored_at FROM audit_anchor ORDER BY audit_anchor.seq`,
        )
      ).rows.map((a) => ({ seq: Number(a.seq), hash: a.hash, anchoredAt: a.anchored_at }));
      const head = (await client.query<{ seq: string; hash: string }>('SELECT seq::text AS seq, hash FROM audit_head')).rows[0];
      const verifier = new ChainVerifier(anchors, head ? { seq: Number(head.seq), hash: head.hash } : null);
      for await (const batch of copyRows(client, `SELECT ${ENTRY_COLUMNS} FROM audit_log ORDER BY seq`)) {
        for (const f of batch) {
          verifier.push({
            seq: Number(f[0]),
            at: f[1]!,
            actor: f[2]!,
            role: f[3]!,
            municipality: f[4],
            action: f[5]!,
            subject: f[6],
            objectType: f[7],
            objectId: f[8],
            purpose: f[9],
            lawfulBasisId: f[10],
            detailsJson: f[11]!,
            prevHash: f[12]!,
            hash: f[13]!,
          });
        }
      }
      return verifier.report();
    });
    const ms = Date.now() - started;
    this.logger.log({ entries: report.entries, ok: report.ok, firstBroken: report.firstBroken?.seq ?? null, ms }, 'audit log verified');
    return { ...report, ms };
  }

  /**
   * Writes a JSONL export: a header line (the filter, the head and the last anchor at the snapshot), then
   * one entry per line, oldest first, each with its prevHash and hash. The export itself is recorded
   * first (`audit.exported`), so a complete export contains its own entry.
   */
  async exportJsonl(stream: Writable, filter: AuditSearchFilter, viewer: AuditActor): Promise<{ entries: number; header: AuditExportHeader }> {
    const where = auditFilterSql(filter, viewer);
    const complete = where.where === '';
    await this.db.transaction(scopeOf(viewer), (m) =>
      this.record(m, {
        actor: viewer.userId,
        role: viewer.role,
        municipality: viewer.municipality,
        action: 'audit.exported',
        details: { filter: { ...filter } as Record<string, string>, complete },
      }),
    );
    return this.snapshot(async (client) => {
      const head = (await client.query<{ seq: string; hash: string }>('SELECT seq::text AS seq, hash FROM audit_log ORDER BY audit_log.seq DESC LIMIT 1')).rows[0];
      const anchor = (
        await client.query<{ seq: string; hash: string; anchored_at: string }>(
          `SELECT seq::text AS seq, hash, ${utcText('anchored_at')} AS anchored_at FROM audit_anchor ORDER BY audit_anchor.seq DESC LIMIT 1`,
        )
      ).rows[0];
      const header: AuditExportHeader = {
        type: 'tiltas.audit-export',
        version: 1,
        exportedAt: this.clock.now().toISOString(),
        filter,
        complete,
        genesis: GENESIS_HASH,
        head: head ? { seq: Number(head.seq), hash: head.hash } : null,
        lastAnchor: anchor ? { seq: Number(anchor.seq), hash: anchor.hash, anchoredAt: anchor.anchored_at } : null,
      };
      await write(stream, `${JSON.stringify(header)}\n`);
      let entries = 0;
      let after = 0;
      for (;;) {
        const params = [...where.params, after, EXPORT_BATCH];
        const sql = `SELECT ${ENTRY_COLUMNS} FROM audit_log WHERE ${where.where ? `${where.where} AND ` : ''}seq > $${params.length - 1}
                     ORDER BY seq LIMIT $${params.length}`;
        const rows = (await client.query(sql, params)).rows as Parameters<typeof entryFromRow>[0][];
        if (rows.length === 0) break;
        await write(stream, rows.map((r) => `${JSON.stringify(entryFromRow(r))}\n`).join(''));
        entries += rows.length;
        after = Number(rows[rows.length - 1].seq);
        if (rows.length < EXPORT_BATCH) break;
      }
      return { entries, header };
    });
  }

  /**
   * A data subject's access request: the auditor gives the person's personal code, Tiltas checks it
   * (format and check digit), pseudonymises it with the configured key, and returns every entry about
   * that person. The lookup is itself logged (`subject.looked_up`, with the pseudonym as subject); the
   * personal code is neither stored nor logged nor returned.
   */
  async subjectLookup(personalCode: string, viewer: AuditActor, options: { reference?: string } = {}): Promise<SubjectLookupResult> {
    const code = typeof personalCode === 'string' ? personalCode.trim() : personalCode;
    const problem = personalCodeProblem(code);
    if (problem !== null) throw DomainError.validation(`not a valid personal code: ${problem}`);
    if (options.reference !== undefined && !/^[A-Za-z0-9][A-Za-z0-9 ._/-]{0,63}$/.test(options.reference)) {
      throw DomainError.validation('reference must be 1-64 letters, digits, spaces and . _ / -');
    }
    const key = await loadPseudonymisationKey(this.config.pseudonymisation.keyFile);
    const subject = subjectPseudonym(key.key, code);
    return this.db.transaction(scopeOf(viewer), async (m) => {
      const entries = await this.repository.findBySubject(m, subject, viewer.scope === 'municipal' ? viewer.municipality : null);
      const loggedAs = await this.record(m, {
        actor: viewer.userId,
        role: viewer.role,
        municipality: viewer.municipality,
        action: 'subject.looked_up',
        subject,
        details: { pseudonymKeyId: key.keyId, entriesFound: entries.length, ...(options.reference ? { reference: options.reference } : {}) },
      });
      return { subject, pseudonymKeyId: key.keyId, entries, loggedAs };
    });
  }

  /** Anchors the current head in audit_anchor; a no-op when it is anchored already or the log is empty. */
  async anchor(anchoredBy = 'system:audit.anchor'): Promise<AnchorResult> {
    const anchored = await this.repository.anchorHead(anchoredBy);
    if (anchored) {
      this.logger.log({ seq: anchored.seq }, 'audit head anchored');
      return { status: 'ANCHORED', anchor: anchored };
    }
    return { status: 'UNCHANGED', anchor: await this.repository.lastAnchor() };
  }

  async head(): Promise<{ seq: number; hash: string }> {
    return this.repository.head();
  }

  async lastAnchor(): Promise<AnchorRow | null> {
    return this.repository.lastAnchor();
  }

  /** One REPEATABLE READ, read-only snapshot on a pooled connection, so a long read sees one state of the log. */
  private async snapshot<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    const runner = this.db.dataSource.createQueryRunner();
    const client = (await runner.connect()) as PoolClient;
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      await runner.release();
    }
  }
}

function assertInTransaction(manager: EntityManager): void {
  if (!manager?.queryRunner?.isTransactionActive) {
    // Outside a transaction the head's lock would end with the statement, and the entry would not share
    // the fate of the action it records.
    throw new Error('AuditService.record needs the manager of an open transaction (DatabaseService.transaction)');
  }
}

function scopeOf(viewer: AuditActor): { scope: 'national' | 'municipal'; municipality: string | null; actor: string; role: string } {
  return { scope: viewer.scope, municipality: viewer.municipality, actor: viewer.userId, role: viewer.role };
}

async function write(stream: Writable, text: string): Promise<void> {
  if (!stream.write(text)) await once(stream, 'drain');
}
