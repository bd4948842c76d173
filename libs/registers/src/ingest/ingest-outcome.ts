import { RegisterCode } from '@tiltas/contract';
import type { Delivery } from '../validation/manifest';

export const INGEST_STATUSES = ['ACCEPTED', 'REJECTED', 'ALREADY_LOADED', 'NOT_ACTIVATED'] as const;
export type IngestStatus = (typeof INGEST_STATUSES)[number];

/** What became of one delivered extract: the CLI prints it as one line, the upload API returns it. */
export interface IngestOutcome {
  /** From the manifest when it could be read, else from the file name (which may not be a register). */
  readonly register: RegisterCode | string;
  /** From the manifest; null when there is no readable manifest. */
  readonly asOf: string | null;
  readonly status: IngestStatus;
  /** Data rows in the file (header excluded); 0 when the file could not be read to its end. */
  readonly rows: number;
  /** Rows quarantined: bad fields plus further rows of one person in a one-row-per-person register. */
  readonly quarantined: number;
  /** Why the extract was rejected; only for REJECTED. Names the cause, never personal data. */
  readonly reason?: string;
  /** The extract row, when one was written. */
  readonly extractId?: number;
  /** Things the operator should know that do not reject the extract (a different pseudonym key id). */
  readonly warnings: readonly string[];
  /** From the manifest when it could be read: `full`, or `delta` (spec "Delta deliveries"). */
  readonly delivery?: Delivery;
  /** An accepted delta: the job that identifies its persons the same day (`identify.delta@<id>`), when queued. */
  readonly identificationJobId?: string;
}

/**
 * `<register> <asOf> <STATUS> rows=<n> quarantined=<n>[ delivery=delta][ reason=<text>]`: the contract's CLI
 * line; a delta's says so (spec "Delta deliveries"), a full delivery's line is as it always was.
 */
export function formatOutcomeLine(outcome: IngestOutcome): string {
  const delivery = outcome.delivery === 'delta' ? ' delivery=delta' : '';
  const base = `${outcome.register} ${outcome.asOf ?? '-'} ${outcome.status} rows=${outcome.rows} quarantined=${outcome.quarantined}${delivery}`;
  return outcome.status === 'REJECTED' && outcome.reason ? `${base} reason=${oneLine(outcome.reason)}` : base;
}

export function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * The most rows an extract of `rows` may quarantine and still be accepted: `ratio` of them, rounded up to
 * a whole row. Exactly 1% of 300 rows is 3 and accepted, a fourth rejects; and a small extract may still
 * lose one row (1 of 59 is accepted: the conformance sample's care extract), since no smaller share of
 * it exists. The tolerance absorbs binary floating point (0.01 × 700 is 7.000000000000001).
 */
export function quarantineLimit(rows: number, ratio: number): number {
  return Math.ceil(rows * ratio - 1e-9);
}
