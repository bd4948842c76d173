import { Injectable, Logger } from '@nestjs/common';
import { DatabaseService } from '@tiltas/database';
import type { PoolClient } from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';
import { LogRow, utcText } from './audit-log.repository';
import { canonicalDetails, canonicalEntry, chainHash, gapCanonical } from './canonical-entry';

export interface SealRun {
  /** Entries linked by this call. */
  readonly sealed: number;
  /** Gaps linked by this call: numbers whose transactions provably never committed. */
  readonly gaps: number;
  /** The last sealed link after this call. */
  readonly head: { readonly seq: number; readonly hash: string };
  /**
   * The seq the chain waits at: missing, and possibly still held by a running transaction. Null when
   * nothing committed is waiting behind a missing number.
   */
  readonly waitingAt: number | null;
}

const SEAL_LOCK = 'audit.seal';
const BATCH = 5_000;
const POLL_MS = 20;

/**
 * Links committed entries into the hash chain (audit_chain), strictly in seq order, after they commit: the
 * append itself takes no chain lock. One sealer at a time (a transaction-level advisory lock), so the
 * chain has one writer and cannot fork; audit_chain's trigger refuses a link that does not follow the one
 * before it in any case.
 *
 * Numbers are handed out before commit, so they commit out of order and some are lost to rollbacks. The
 * sealer never passes a missing number that a running transaction may still commit: audit_next_seq()
 * holds an advisory lock on its number until the recording transaction ends. For a missing number the
 * sealer takes that lock itself (without waiting): if it cannot, the number is in flight and sealing stops
 * there until the next pass. If it can, the holder has ended (or has not locked yet, and will find the gap
 * link and take another number once this pass commits: the pass raises audit_gap_horizon first, which
 * tells audit_next_seq to look), so the number is looked up again: visible, it is sealed as the entry it
 * is; still missing, it never committed and is sealed as a gap. A row removed after
 * it was sealed as an entry is therefore never mistaken for a rollback: the verifier finds the entry's
 * link without its entry.
 */
@Injectable()
export class AuditSealer {
  private readonly logger = new Logger('AuditSealer');

  constructor(private readonly db: DatabaseService) {}

  /**
   * Seals what can be sealed now. With `waitMs`, keeps sealing until the chain reaches the last number
   * handed out when the call began (in-flight transactions commit or roll back, and a rollback's gap is
   * provable one run after its transaction ended), or until `waitMs` has passed.
   */
  async seal(options: { waitMs?: number } = {}): Promise<SealRun> {
    const waitMs = options.waitMs ?? 0;
    const deadline = Date.now() + waitMs;
    const target = waitMs > 0 ? await this.lastHandedOut() : 0;
    let sealed = 0;
    let gaps = 0;
    for (;;) {
      const run = await this.sealOnce();
      sealed += run.sealed;
      gaps += run.gaps;
      if (run.head.seq >= target || Date.now() >= deadline) {
        if (sealed + gaps > 0) this.logger.log({ sealed, gaps, head: run.head.seq, waitingAt: run.waitingAt }, 'audit chain sealed');
        return { ...run, sealed, gaps };
      }
      await sleep(POLL_MS);
    }
  }

  private async lastHandedOut(): Promise<number> {
    const rows = (await this.db.dataSource.query(`SELECT (CASE WHEN is_called THEN last_value ELSE 0 END)::text AS n FROM audit_log_seq`)) as Array<{ n: string }>;
    return Number(rows[0].n);
  }

  /** One pass in one transaction, under the sealer's lock. */
  private async sealOnce(): Promise<SealRun> {
    const runner = this.db.dataSource.createQueryRunner();
    const client = (await runner.connect()) as PoolClient;
    try {
      // READ COMMITTED on purpose: each statement below sees what committed before it, the lock's holder before us included.
      await client.query('BEGIN ISOLATION LEVEL READ COMMITTED');
      await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [SEAL_LOCK]);
      const run = await this.link(client);
      await client.query('COMMIT');
      return run;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      await runner.release();
    }
  }

  private async link(client: PoolClient): Promise<SealRun> {
    const head = (await client.query<{ seq: string; hash: string }>(`SELECT seq::text AS seq, hash FROM audit_head`)).rows[0];
    // Numbers up to here were handed out before this read; missing ones among them are settled below.
    const lastHandedOut = Number(
      (await client.query<{ n: string }>(`SELECT (CASE WHEN is_called THEN last_value ELSE 0 END)::text AS n FROM audit_log_seq`)).rows[0].n,
    );
    let tip = Number(head.seq);
    let prev = head.hash;
    let tipPrev: string | null = null;
    let sealed = 0;
    let gaps = 0;
    let lastGap = 0;
    let waitingAt: number | null = null;

    for (;;) {
      const rows = (await client.query<LogRow>(`${LOG_ROWS} WHERE audit_log.seq > $1 ORDER BY audit_log.seq LIMIT $2`, [tip, BATCH])).rows;
      const seqs: number[] = [];
      const kinds: string[] = [];
      const prevs: string[] = [];
      const hashes: string[] = [];
      let next = tip + 1;
      const add = (kind: 'entry' | 'gap', canonical: string): void => {
        const hash = chainHash(prev, canonical);
        seqs.push(next);
        kinds.push(kind);
        prevs.push(prev);
        hashes.push(hash);
        tipPrev = prev;
        prev = hash;
        next += 1;
      };
      /** Settles every missing number below `limit`; false when one is still in flight. */
      const settleBefore = async (limit: number): Promise<boolean> => {
        while (next < limit) {
          const settled = await this.settle(client, next);
          if (settled === 'in-flight') return false;
          if (settled === 'lost') {
            lastGap = next;
            add('gap', gapCanonical(next));
            gaps += 1;
          } else {
            add('entry', entryCanonical(settled));
            sealed += 1;
          }
        }
        return true;
      };
      let blocked = false;
      for (const r of rows) {
        const seq = Number(r.seq);
        // A number at or below the last link would mean the rows came out of order: sealing on would fork.
        if (seq < next) throw new Error(`audit sealer read entry ${seq} after entry ${next - 1}`);
        if (!(await settleBefore(seq))) {
          blocked = true;
          waitingAt = next;
          break;
        }
        add('entry', entryCanonical(r));
        sealed += 1;
      }
      const exhausted = !blocked && rows.length < BATCH;
      // Numbers handed out after the last visible entry: sealed once settled, else the chain waits there.
      if (exhausted && !(await settleBefore(lastHandedOut + 1))) waitingAt = next;
      if (seqs.length > 0) {
        await client.query(
          `INSERT INTO audit_chain (seq, kind, prev_hash, hash)
           SELECT seq, kind, prev_hash, hash
             FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS l(seq, kind, prev_hash, hash, n)
            ORDER BY n`,
          [seqs, kinds, prevs, hashes],
        );
        tip = next - 1;
      }
      if (blocked || exhausted) break;
    }

    if (lastGap > 0) {
      // Before this pass commits and lets go of the gaps' locks: a writer that took a gap's number just
      // before the lock reads the horizon after the lock, and so looks its number up (audit_next_seq).
      await client.query(`SELECT setval('audit_gap_horizon', $1)`, [lastGap]);
    }
    if (tipPrev !== null) {
      await client.query(`UPDATE audit_head SET seq = $1, prev_hash = $2, hash = $3, at = greatest(at, now())`, [tip, tipPrev, prev]);
    }
    return { sealed, gaps, head: { seq: tip, hash: prev }, waitingAt };
  }

  /**
   * A number missing from what this pass read. Its lock is held by the recording transaction until that
   * ends; taking it here (until this pass commits) means no holder is running, and the fresh look that
   * follows sees the entry if its transaction committed.
   */
  private async settle(client: PoolClient, seq: number): Promise<'in-flight' | 'lost' | LogRow> {
    const locked = (
      await client.query<{ locked: boolean }>(`SELECT pg_try_advisory_xact_lock(${SEQ_LOCK_CLASS}, audit_seq_lock_key($1)) AS locked`, [seq])
    ).rows[0].locked;
    if (!locked) return 'in-flight';
    const rows = (await client.query<LogRow>(`${LOG_ROWS} WHERE audit_log.seq = $1`, [seq])).rows;
    return rows[0] ?? 'lost';
  }
}

/** The advisory lock class audit_next_seq() locks numbers in ('AUDT'); the migration names the same. */
const SEQ_LOCK_CLASS = 1096107092;

const LOG_ROWS = `SELECT seq::text AS seq, ${utcText('at')} AS at, actor, role, municipality, action, subject, object_type, object_id,
  purpose, lawful_basis_id, details::text AS details FROM audit_log`;

function entryCanonical(r: LogRow): string {
  return canonicalEntry(
    {
      seq: r.seq,
      at: r.at,
      actor: r.actor,
      role: r.role,
      municipality: r.municipality,
      action: r.action,
      subject: r.subject,
      objectType: r.object_type,
      objectId: r.object_id,
      purpose: r.purpose,
      lawfulBasisId: r.lawful_basis_id,
    },
    detailsCanonical(r.details),
  );
}

/** Details repeat (`{"count": 1}`), so their canonical form is remembered by the database's text of them, in a bounded map. */
const detailsCache = new Map<string, string>();

function detailsCanonical(json: string): string {
  if (json === '{}') return '{}';
  let canonical = detailsCache.get(json);
  if (canonical === undefined) {
    canonical = canonicalDetails(JSON.parse(json) as Record<string, unknown>);
    if (detailsCache.size >= 4096) detailsCache.clear();
    detailsCache.set(json, canonical);
  }
  return canonical;
}
