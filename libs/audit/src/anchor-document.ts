import { DomainError } from '@tiltas/common';
import { open, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * An anchor as it is kept outside the database (docs/audit-log.md, "Anchors outside the database"): one
 * JSON line, appended to a file that only ever grows. A verifier given the file checks that the chain
 * still holds every anchored hash at its seq, and that no number the chain records as a rollback gap lies
 * above the sealed horizon of the latest anchor, where no anchor vouches for it.
 */
export interface AnchorDocument {
  readonly type: 'tiltas.audit-anchor';
  readonly version: 1;
  /** The anchored link. */
  readonly seq: number;
  readonly hash: string;
  /**
   * Every number up to here was settled (sealed as an entry or as a rollback gap) and is covered by
   * `hash`. Tiltas anchors the chain's last link, so this is `seq`; a gap above it is not vouched for.
   */
  readonly sealedHorizon: number;
  /** When the anchor was taken (audit_anchor.anchored_at). */
  readonly anchoredAt: string;
}

export const ANCHOR_DOCUMENT_TYPE = 'tiltas.audit-anchor';

const HASH = /^[0-9a-f]{64}$/;
const UTC_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const KEYS = ['anchoredAt', 'hash', 'sealedHorizon', 'seq', 'type', 'version'];

/** The document's one line, keys in a fixed order so that the same anchor is always the same bytes. */
export function anchorLine(doc: AnchorDocument): string {
  return JSON.stringify({ type: doc.type, version: doc.version, seq: doc.seq, hash: doc.hash, sealedHorizon: doc.sealedHorizon, anchoredAt: doc.anchoredAt });
}

export function anchorDocument(anchor: { seq: number; hash: string; anchoredAt: string }): AnchorDocument {
  return { type: ANCHOR_DOCUMENT_TYPE, version: 1, seq: anchor.seq, hash: anchor.hash, sealedHorizon: anchor.seq, anchoredAt: anchor.anchoredAt };
}

function problemsOf(value: unknown): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return ['is not a JSON object'];
  const v = value as Record<string, unknown>;
  const problems: string[] = [];
  const extra = Object.keys(v).filter((k) => !KEYS.includes(k));
  if (extra.length > 0) problems.push(`has unknown keys ${extra.join(', ')}`);
  if (v.type !== ANCHOR_DOCUMENT_TYPE) problems.push(`type must be "${ANCHOR_DOCUMENT_TYPE}"`);
  if (v.version !== 1) problems.push('version must be 1');
  const seqOk = typeof v.seq === 'number' && Number.isSafeInteger(v.seq) && v.seq >= 1;
  if (!seqOk) problems.push('seq must be a whole number >= 1');
  if (typeof v.hash !== 'string' || !HASH.test(v.hash)) problems.push('hash must be 64 lowercase hex');
  if (typeof v.sealedHorizon !== 'number' || !Number.isSafeInteger(v.sealedHorizon) || v.sealedHorizon < 1) {
    problems.push('sealedHorizon must be a whole number >= 1');
  } else if (seqOk && v.sealedHorizon > (v.seq as number)) {
    // The hash covers the chain up to seq only: a horizon beyond it would vouch for gaps nothing pins.
    problems.push('sealedHorizon must not be above seq');
  }
  if (typeof v.anchoredAt !== 'string' || !UTC_MS.test(v.anchoredAt) || Number.isNaN(Date.parse(v.anchoredAt))) {
    problems.push('anchoredAt must be a UTC time YYYY-MM-DDTHH:MM:SS.mmmZ');
  }
  return problems;
}

/**
 * Reads an anchor file (JSON lines; blank lines ignored). Refuses the whole file, naming each bad line,
 * rather than verify against part of it: a verification that silently skipped an anchor would vouch for
 * what that anchor was kept to check.
 */
export function parseAnchorFile(text: string): AnchorDocument[] {
  if (typeof text !== 'string') throw DomainError.validation('the anchor file must be text');
  const anchors: AnchorDocument[] = [];
  const problems: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      problems.push(`line ${i + 1} is not JSON`);
      return;
    }
    const bad = problemsOf(value);
    if (bad.length > 0) problems.push(`line ${i + 1}: ${bad.join('; ')}`);
    else anchors.push(value as AnchorDocument);
  });
  if (problems.length > 0) {
    throw DomainError.validation(`anchor file refused: ${problems.slice(0, 10).join('; ')}${problems.length > 10 ? `; and ${problems.length - 10} more` : ''}`, { problems: problems.slice(0, 100) });
  }
  if (anchors.length === 0) throw DomainError.validation('anchor file refused: it holds no anchor (one JSON line per anchor, as `audit anchor --out` writes)');
  return anchors;
}

/**
 * Appends the anchor to the file (created if missing) unless its last line is that same anchor already, and
 * flushes it to disk before returning: the file is the record a rewritten database cannot match, so an
 * anchor reported as exported must survive a crash. Returns whether a line was written.
 */
export async function appendAnchor(file: string, doc: AnchorDocument): Promise<boolean> {
  await mkdir(dirname(file), { recursive: true });
  const handle = await open(file, 'a+');
  try {
    const { size } = await handle.stat();
    if (size > 0) {
      const tail = Buffer.alloc(Math.min(size, 4096));
      await handle.read(tail, 0, tail.length, size - tail.length);
      const lines = tail.toString('utf8').split('\n').filter((l) => l.trim() !== '');
      if (lines.length > 0 && lines[lines.length - 1].trim() === anchorLine(doc)) return false;
      // A line cut short by a crash is left as it is (append-only) and the next anchor starts a line of its own.
      if (tail[tail.length - 1] !== 0x0a) await handle.write('\n');
    }
    await handle.write(`${anchorLine(doc)}\n`);
    await handle.sync();
    return true;
  } finally {
    await handle.close();
  }
}
