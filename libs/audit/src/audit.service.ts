import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { Clock, DomainError } from '@tiltas/common';
import { APP_CONFIG, AppConfig } from '@tiltas/config';
import { pseudonymFor, validatePersonalCode } from '@tiltas/contract';
import { DatabaseService } from '@tiltas/database';
import type { PoolClient } from 'pg';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { EntityManager } from 'typeorm';
import { AnchorDocument, anchorDocument } from './anchor-document';
import { AuditActor, AuditEntry, AuditEntryInput, AuditGap, GENESIS_HASH } from './audit-entry';
import { AuditSearchFilter, auditFilterSql } from './audit-filter';
import { SUBJECT_CASE_IDS, type SubjectCaseIds } from './subject-cases';
import { AnchorRow, AuditLogRepository, ENTRY_COLUMNS, ENTRY_SOURCE, entryFromRow, utcText } from './audit-log.repository';
import { AuditSealer, SealRun } from './audit-sealer';
import { canonicalDetails } from './canonical-entry';
import { ChainReport, ChainVerifier } from './chain-verifier';
import { copyRows } from './copy-rows';
import { normalizeEntry } from './entry-validation';
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
  /** The `subject.looked_up` entry this lookup wrote (its hash exists once the sealer has linked it). */
  readonly loggedAs: { readonly seq: string };
}

export type AnchorResult =
  | { readonly status: 'ANCHORED'; readonly anchor: AnchorRow }
  | { readonly status: 'UNCHANGED'; readonly anchor: AnchorRow | null };

export interface VerifyOptions {
  /** Anchors kept outside the database (an anchor file): each must still be in the chain, and no gap may lie above the latest one's horizon. */
  readonly outsideAnchors?: readonly AnchorDocument[];
}

const EXPORT_BATCH = 5_000;
/**
 * How long verify, export and anchoring wait for the chain to reach the last number handed out when they
 * start: recording transactions are short, and a rollback's gap is provable one sealing pass after it.
 */
const SEAL_WAIT_MS = 2_000;

/**
 * The append-only, hash-chained audit log (docs/audit-log.md): record inside the caller's transaction,
 * search, verify, export, subject access lookup, anchoring.
 */
@Injectable()
export class AuditService {
  private readonly logger = new Logger('Audit');

  constructor(
    private readonly repository: AuditLogRepository,
    private readonly sealer: AuditSealer,
    private readonly db: DatabaseService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Optional() @Inject(SUBJECT_CASE_IDS) private readonly subjectCases: SubjectCaseIds | null = null,
  ) {}

  /**
   * Appends inside the caller's transaction (the manager from DatabaseService.transaction): the entry
   * commits with the action it records, or neither does. The append is one INSERT and takes no lock that
   * other appends wait for; the entry gets its place in the hash chain from the sealer after it commits
   * (seal(), the worker's audit.seal job every few seconds, and before verify, export and anchoring). The
   * seq is returned at once; the hash exists once the entry is sealed.
   */
  async record(manager: EntityManager, entry: AuditEntryInput): Promise<{ seq: string }> {
    assertInTransaction(manager);
    const normalized = normalizeEntry(entry);
    return this.repository.append(manager, normalized, canonicalDetails(normalized.details));
  }

  /** Several entries in one transaction, in the order given (ascending seq). Every entry is checked before any is written. */
  async recordMany(manager: EntityManager, entries: AuditEntryInput[]): Promise<void> {
    assertInTransaction(manager);
    const prepared = entries.map((e) => {
      const normalized = normalizeEntry(e);
      return { normalized, details: canonicalDetails(normalized.details) };
    });
    for (const p of prepared) await this.repository.append(manager, p.normalized, p.details);
  }

  /**
   * Links committed entries into the chain now. With `waitMs`, waits up to that long for the chain to
   * reach the last seq handed out when called (entries of transactions still running, and gaps of rolled
   * back ones, which are provable only once every transaction that might hold them has ended).
   */
  async seal(options: { waitMs?: number } = {}): Promise<SealRun> {
    return this.sealer.seal(options);
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
  async verify(options: VerifyOptions = {}): Promise<AuditVerification> {
    const started = Date.now();
    await this.sealer.seal({ waitMs: SEAL_WAIT_MS });
    const report = await this.snapshot(async (client) => {
      const anchors = (
        await client.query<{ seq: string; hash: string; anchored_at: string }>(
          `SELECT seq::text AS seq, hash, ${utcText('anchored_at')} AS anchored_at FROM audit_anchor ORDER BY audit_anchor.seq`,
        )
      ).rows.map((a) => ({ seq: Number(a.seq), hash: a.hash, anchoredAt: a.anchored_at }));
      const head = (await client.query<{ seq: string; hash: string }>('SELECT seq::text AS seq, hash FROM audit_head')).rows[0];
      const tip = Number((await client.query<{ seq: string }>('SELECT coalesce(max(seq), 0)::text AS seq FROM audit_chain')).rows[0].seq);
      const verifier = new ChainVerifier(anchors, head ? { seq: Number(head.seq), hash: head.hash } : null, tip, options.outsideAnchors ?? []);
      for await (const batch of copyRows(client, VERIFY_QUERY)) {
        for (const f of batch) {
          verifier.push({
            seq: Number(f[0]),
            kind: f[1] as 'entry' | 'gap' | null,
            prevHash: f[2],
            hash: f[3],
            inLog: f[4] === 't',
            at: f[5]!,
            actor: f[6]!,
            role: f[7]!,
            municipality: f[8],
            action: f[9]!,
            subject: f[10],
            objectType: f[11],
            objectId: f[12],
            purpose: f[13],
            lawfulBasisId: f[14],
            detailsJson: f[15]!,
          });
        }
      }
      // Entries newer than the last link: committed, not yet sealed (a removed link shows as a gap in the walk).
      const unsealed = Number(
        (await client.query<{ n: string }>('SELECT count(*)::text AS n FROM audit_log WHERE audit_log.seq > $1', [tip])).rows[0].n,
      );
      return { ...verifier.report(), unsealed };
    });
    const ms = Date.now() - started;
    this.logger.log(
      {
        entries: report.entries,
        gaps: report.gaps,
        unsealed: report.unsealed,
        ok: report.ok,
        firstBroken: report.firstBroken?.seq ?? null,
        outsideAnchors: report.outside?.checked ?? 0,
        ms,
      },
      'audit log verified',
    );
    return { ...report, ms };
  }

  /**
   * Writes a JSONL export: a header line (the filter, the head and the last anchor at the snapshot), then
   * one line per link of the chain, oldest first: each entry with its prevHash and hash, and, in a
   * complete export, each rollback gap as `{"seq", "gap": true, "prevHash", "hash"}`. Only sealed entries
   * are exported (a line without its hash could not be checked). The export itself is recorded first
   * (`audit.exported`) and the chain sealed up to it, so a complete export contains its own entry unless
   * an earlier transaction was still running SEAL_WAIT_MS later.
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
    await this.sealer.seal({ waitMs: SEAL_WAIT_MS });
    return this.snapshot(async (client) => {
      const head = (await client.query<{ seq: string; hash: string }>('SELECT seq::text AS seq, hash FROM audit_chain ORDER BY audit_chain.seq DESC LIMIT 1')).rows[0];
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
        // A complete export walks the chain (gaps included); a filtered one the sealed entries that match.
        const sql = complete
          ? `SELECT ${ENTRY_COLUMNS.replace(/^seq,/, 'c.seq AS seq, c.kind,')} FROM audit_chain c LEFT JOIN audit_log USING (seq)
              WHERE c.seq > $1 AND (c.kind = 'gap' OR audit_log.seq IS NOT NULL) ORDER BY c.seq LIMIT $2`
          : `SELECT ${ENTRY_COLUMNS}, c.kind FROM ${ENTRY_SOURCE} WHERE ${where.where} AND c.seq IS NOT NULL AND seq > $${params.length - 1}
              ORDER BY seq LIMIT $${params.length}`;
        const rows = (await client.query(sql, params)).rows as Array<Parameters<typeof entryFromRow>[0] & { kind: 'entry' | 'gap' }>;
        if (rows.length === 0) break;
        await write(stream, rows.map((r) => `${JSON.stringify(r.kind === 'gap' ? gapLine(r) : entryFromRow(r))}\n`).join(''));
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
    const verdict = validatePersonalCode(code);
    if (!verdict.ok) throw DomainError.validation(`not a valid personal code: ${verdict.reason}`);
    if (options.reference !== undefined && !/^[A-Za-z0-9][A-Za-z0-9 ._/-]{0,63}$/.test(options.reference)) {
      throw DomainError.validation('reference must be 1-64 letters, digits, spaces and . _ / -');
    }
    const key = await loadPseudonymisationKey(this.config.pseudonymisation.keyFile);
    const subject = pseudonymFor(key.key, code);
    return this.db.transaction(scopeOf(viewer), async (m) => {
      const municipality = viewer.scope === 'municipal' ? viewer.municipality : null;
      const named = await this.repository.findBySubject(m, subject, municipality);
      const caseIds = this.subjectCases ? await this.subjectCases.caseIds(m, subject) : [];
      const created = caseIds.length > 0 ? await this.repository.findCaseCreations(m, caseIds, municipality) : [];
      const entries = [...named, ...created].sort((a, b) => a.seq - b.seq);
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

  /** Seals, then anchors the chain's last link in audit_anchor; a no-op when it is anchored already or nothing is sealed. */
  async anchor(anchoredBy = 'system:audit.anchor'): Promise<AnchorResult> {
    await this.sealer.seal({ waitMs: SEAL_WAIT_MS });
    const anchored = await this.repository.anchorHead(anchoredBy);
    if (anchored) {
      this.logger.log({ seq: anchored.seq }, 'audit head anchored');
      return { status: 'ANCHORED', anchor: anchored };
    }
    return { status: 'UNCHANGED', anchor: await this.repository.lastAnchor() };
  }

  /**
   * Anchors now (as anchor()) and returns the last anchor as the document kept outside the database
   * (docs/audit-log.md, "Anchors outside the database"); null while nothing is sealed.
   */
  async anchorDocument(anchoredBy: string): Promise<{ status: AnchorResult['status']; document: AnchorDocument | null }> {
    const result = await this.anchor(anchoredBy);
    return { status: result.status, document: result.anchor ? anchorDocument(result.anchor) : null };
  }

  /** The chain's last sealed link (seq 0 and the genesis value before anything is sealed). */
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

/**
 * Every link, in order, beside its entry (absent for a gap, or when the row was removed). A LEFT JOIN from
 * the chain keeps both sides in primary-key order, so the database merges them without sorting.
 */
const VERIFY_QUERY = `SELECT c.seq, c.kind, c.prev_hash, c.hash, l.seq IS NOT NULL, ${utcText('l.at')},
  l.actor, l.role, l.municipality, l.action, l.subject, l.object_type, l.object_id, l.purpose, l.lawful_basis_id, l.details::text
  FROM audit_chain c LEFT JOIN audit_log l ON l.seq = c.seq ORDER BY c.seq`;

function gapLine(row: { seq: string | number; prev_hash: string | null; hash: string | null }): AuditGap {
  return { seq: Number(row.seq), gap: true, prevHash: row.prev_hash!, hash: row.hash! };
}

function assertInTransaction(manager: EntityManager): void {
  if (!manager?.queryRunner?.isTransactionActive) {
    // Outside a transaction the entry would not share the fate of the action it records.
    throw new Error('AuditService.record needs the manager of an open transaction (DatabaseService.transaction)');
  }
}

function scopeOf(viewer: AuditActor): { scope: 'national' | 'municipal'; municipality: string | null; actor: string; role: string } {
  return { scope: viewer.scope, municipality: viewer.municipality, actor: viewer.userId, role: viewer.role };
}

async function write(stream: Writable, text: string): Promise<void> {
  if (!stream.write(text)) await once(stream, 'drain');
}
