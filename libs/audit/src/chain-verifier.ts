import { AnchorDocument } from './anchor-document';
import { AuditEntry, GENESIS_HASH } from './audit-entry';
import { canonicalDetails, canonicalEntry, chainHash, gapCanonical } from './canonical-entry';

/**
 * One seq as the verifier reads it: the link the chain holds for it (kind, prevHash, hash; null when it has
 * none) beside the entry the log holds for it (`inLog`; its fields are then set, `details` as the
 * database's JSON text).
 */
export interface ChainRow extends Omit<AuditEntry, 'details' | 'prevHash' | 'hash'> {
  readonly kind: 'entry' | 'gap' | null;
  readonly prevHash: string | null;
  readonly hash: string | null;
  readonly inLog: boolean;
  readonly detailsJson: string;
}

export interface ChainAnchor {
  readonly seq: number;
  readonly hash: string;
  readonly anchoredAt: string;
}

export interface BrokenLink {
  readonly seq: number;
  readonly reason: string;
}

export interface ChainReport {
  /** The chain is unbroken from the genesis, every anchor matches, and the head is the last entry. */
  readonly ok: boolean;
  readonly entries: number;
  readonly lastSeq: number;
  readonly lastHash: string;
  /** The first link that does not hold, or null. */
  readonly firstBroken: BrokenLink | null;
  /** How many links do not hold (after a break the verifier resumes from the stored hash). */
  readonly brokenLinks: number;
  /** Rollback gaps the chain records (numbers handed out whose transactions never committed). */
  readonly gaps: number;
  /** Committed entries after the last link, waiting for the sealer: not yet part of the chain. */
  readonly unsealed: number;
  readonly anchorsChecked: number;
  readonly firstAnchorMismatch: BrokenLink | null;
  /** Whether the chain as it stands reproduces the last anchored head. */
  readonly lastAnchor: (ChainAnchor & { readonly matches: boolean }) | null;
  readonly head: { readonly seq: number; readonly hash: string; readonly matches: boolean } | null;
  /** The anchors kept outside the database that the verification was given; null when none were. */
  readonly outside: OutsideAnchorReport | null;
}

export interface OutsideAnchorReport {
  /** Lines of the anchor file checked against the chain. */
  readonly checked: number;
  /** The first anchored seq whose link is not there with the anchored hash. */
  readonly firstMismatch: BrokenLink | null;
  /** The anchor with the highest seq, and whether the chain still reproduces it. */
  readonly latest: AnchorDocument & { readonly matches: boolean };
  /**
   * Numbers above the latest anchor's sealed horizon that the chain records as rollback gaps. No anchor
   * vouches for them, and removing committed entries after an anchor and sealing again makes exactly such
   * gaps, so they count as entries removed.
   */
  readonly gapsAfterHorizon: number;
  readonly firstGapAfterHorizon: BrokenLink | null;
}

/**
 * Walks the chain in seq order, recomputing every hash from the genesis from the entry's fields (never
 * from a stored canonical string). It holds one entry at a time, so it verifies a log of any length in
 * constant memory. `chainTip` is the last link's seq in the same snapshot: entries after it are unsealed,
 * not missing links.
 */
export class ChainVerifier {
  private expectedSeq = 1;
  private prev = GENESIS_HASH;
  private entries = 0;
  private firstBroken: BrokenLink | null = null;
  private brokenLinks = 0;
  private gaps = 0;
  private unsealed = 0;
  private anchorsChecked = 0;
  private firstAnchorMismatch: BrokenLink | null = null;
  private lastAnchorMatches: boolean | null = null;
  private readonly anchors = new Map<number, string>();

  /** Outside anchors by seq: a file that was tampered with may hold two hashes for one seq, and both are checked. */
  private readonly outsideBySeq = new Map<number, string[]>();
  private readonly outsideChecked = new Set<number>();
  private outsideFirstMismatch: BrokenLink | null = null;
  private readonly outsideLatest: AnchorDocument | null;
  private outsideLatestMatches = false;
  private gapsAfterHorizon = 0;
  private firstGapAfterHorizon: BrokenLink | null = null;

  constructor(
    anchors: readonly ChainAnchor[],
    private readonly headRow: { seq: number; hash: string } | null = null,
    private readonly chainTip = Number.MAX_SAFE_INTEGER,
    private readonly outsideAnchors: readonly AnchorDocument[] = [],
  ) {
    for (const a of anchors) this.anchors.set(a.seq, a.hash);
    this.lastAnchorRow = anchors.reduce<ChainAnchor | null>((last, a) => (last === null || a.seq > last.seq ? a : last), null);
    for (const a of outsideAnchors) this.outsideBySeq.set(a.seq, [...(this.outsideBySeq.get(a.seq) ?? []), a.hash]);
    this.outsideLatest = outsideAnchors.reduce<AnchorDocument | null>((last, a) => (last === null || a.seq > last.seq ? a : last), null);
  }

  private readonly lastAnchorRow: ChainAnchor | null;

  private broken(seq: number, reason: string): void {
    this.brokenLinks += 1;
    if (this.firstBroken === null) this.firstBroken = { seq, reason };
  }

  push(row: ChainRow): void {
    if (row.kind === null || row.hash === null || row.prevHash === null) {
      if (row.seq > this.chainTip) {
        this.unsealed += 1;
        return;
      }
      this.entries += 1;
      this.broken(row.seq, `entry ${row.seq} has no link in the chain: its link was removed`);
      this.expectedSeq = row.seq + 1;
      return;
    }
    if (row.kind === 'entry' && row.inLog) this.entries += 1;
    if (row.kind === 'gap') {
      this.gaps += 1;
      if (this.outsideLatest !== null && row.seq > this.outsideLatest.sealedHorizon) {
        this.gapsAfterHorizon += 1;
        this.firstGapAfterHorizon ??= {
          seq: row.seq,
          reason: `entry ${row.seq} is missing after the last outside anchor (entry ${this.outsideLatest.seq}): the chain records a rollback gap there, which no anchor vouches for, so it counts as removed`,
        };
      }
    }
    let linkHolds = true;
    if (row.seq !== this.expectedSeq) {
      linkHolds = false;
      this.broken(
        this.expectedSeq,
        row.seq > this.expectedSeq
          ? `link ${this.expectedSeq}${row.seq - this.expectedSeq > 1 ? `–${row.seq - 1}` : ''} is missing from the chain (the next link is ${row.seq})`
          : `entry ${row.seq} appears again after entry ${this.expectedSeq - 1}`,
      );
    } else if (row.prevHash !== this.prev) {
      linkHolds = false;
      this.broken(row.seq, `entry ${row.seq} does not chain from entry ${row.seq - 1}: its prevHash is not that entry's hash`);
    }
    let recomputed: string | null = null;
    if (row.kind === 'gap') {
      recomputed = chainHash(row.prevHash, gapCanonical(row.seq));
      if (row.inLog) {
        if (linkHolds) this.broken(row.seq, `entry ${row.seq} is in the log where the chain records a rollback gap: it was added after the fact`);
        linkHolds = false;
      }
    } else if (!row.inLog) {
      if (linkHolds) this.broken(row.seq, `entry ${row.seq} is missing: the chain sealed it as committed, so it was removed`);
      linkHolds = false;
    } else {
      recomputed = chainHash(row.prevHash, canonicalEntry(row, this.details(row.detailsJson)));
    }
    if (recomputed !== null && recomputed !== row.hash && linkHolds) {
      this.broken(row.seq, `entry ${row.seq} does not match its hash: a field was changed after it was written`);
    }
    const anchored = this.anchors.get(row.seq);
    if (anchored !== undefined) {
      this.anchorsChecked += 1;
      const matches = anchored === row.hash && recomputed === row.hash;
      if (!matches && this.firstAnchorMismatch === null) {
        this.firstAnchorMismatch = { seq: row.seq, reason: `entry ${row.seq} no longer has the hash anchored for it` };
      }
      if (this.lastAnchorRow?.seq === row.seq) this.lastAnchorMatches = matches && this.firstBroken === null;
    }
    const outside = this.outsideBySeq.get(row.seq);
    if (outside !== undefined) {
      this.outsideChecked.add(row.seq);
      const matches = outside.every((h) => h === row.hash) && recomputed === row.hash && linkHolds;
      if (!matches) {
        this.outsideFirstMismatch ??= { seq: row.seq, reason: `entry ${row.seq} no longer has the hash the outside anchor recorded for it` };
      }
      if (this.outsideLatest?.seq === row.seq) this.outsideLatestMatches = matches && this.firstBroken === null;
    }
    // Resume from what is stored, so one tampered entry is reported once rather than as a cascade.
    this.prev = row.hash;
    this.expectedSeq = row.seq + 1;
  }

  /**
   * Details repeat (`{"count": 1}`, the same channel and outcome), so their canonical form is remembered
   * by the database's text of them, in a bounded map: a measurable share of verification time otherwise.
   */
  private readonly detailsCache = new Map<string, string>();

  private details(json: string): string {
    if (json === '{}') return '{}';
    let canonical = this.detailsCache.get(json);
    if (canonical === undefined) {
      canonical = canonicalDetails(JSON.parse(json) as Record<string, unknown>);
      if (this.detailsCache.size >= 4096) this.detailsCache.clear();
      this.detailsCache.set(json, canonical);
    }
    return canonical;
  }

  report(): ChainReport {
    const lastSeq = this.expectedSeq - 1;
    let firstAnchorMismatch = this.firstAnchorMismatch;
    let lastAnchorMatches = this.lastAnchorMatches;
    let anchorsChecked = this.anchorsChecked;
    for (const seq of [...this.anchors.keys()].sort((a, b) => a - b)) {
      if (seq <= lastSeq) continue;
      // An anchored entry past the end of the log: the tail was cut off.
      anchorsChecked += 1;
      firstAnchorMismatch ??= { seq, reason: `entry ${seq} was anchored but is no longer in the log` };
      if (this.lastAnchorRow?.seq === seq) lastAnchorMatches = false;
    }
    const head = this.headRow ? { ...this.headRow, matches: this.headRow.seq === lastSeq && this.headRow.hash === this.prev } : null;
    const outside = this.outsideReport();
    const outsideHolds = outside === null || (outside.firstMismatch === null && outside.gapsAfterHorizon === 0);
    return {
      ok: this.firstBroken === null && firstAnchorMismatch === null && (head?.matches ?? true) && outsideHolds,
      entries: this.entries,
      lastSeq,
      lastHash: this.prev,
      firstBroken: this.firstBroken,
      brokenLinks: this.brokenLinks,
      gaps: this.gaps,
      unsealed: this.unsealed,
      anchorsChecked,
      firstAnchorMismatch,
      lastAnchor: this.lastAnchorRow ? { ...this.lastAnchorRow, matches: lastAnchorMatches ?? false } : null,
      head,
      outside,
    };
  }

  private outsideReport(): OutsideAnchorReport | null {
    if (this.outsideLatest === null) return null;
    let firstMismatch = this.outsideFirstMismatch;
    for (const seq of [...this.outsideBySeq.keys()].sort((a, b) => a - b)) {
      if (this.outsideChecked.has(seq)) continue;
      const reason = `entry ${seq} was anchored outside the database but has no link in the chain any more`;
      if (firstMismatch === null || seq < firstMismatch.seq) firstMismatch = { seq, reason };
      break;
    }
    return {
      checked: this.outsideAnchors.length,
      firstMismatch,
      latest: { ...this.outsideLatest, matches: this.outsideLatestMatches && this.outsideChecked.has(this.outsideLatest.seq) },
      gapsAfterHorizon: this.gapsAfterHorizon,
      firstGapAfterHorizon: this.firstGapAfterHorizon,
    };
  }
}
