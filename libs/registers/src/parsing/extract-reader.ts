import { createHash } from 'node:crypto';
import { DomainError } from '@tiltas/common';
import { RegisterDeclaration } from '../register-declarations';
import { checkHeader } from '../validation/header';
import { ExtractManifest } from '../validation/manifest';
import { QuarantinedRow, RowValidator, ValidRow, isQuarantined } from '../validation/row-validator';
import { CsvParserOptions, parseCsv } from './csv-parser';

/** The rows completed by one chunk of input, split by verdict, each in file order. */
export interface ExtractBatch {
  readonly valid: ValidRow[];
  readonly quarantined: QuarantinedRow[];
}

export interface ExtractTotals {
  /** Data rows (every record after the header, valid or not): what the manifest's `rows` counts. */
  readonly rows: number;
  readonly valid: number;
  readonly quarantined: number;
  /** SHA-256 of every byte read, lowercase hex: what the manifest's `sha256` states. */
  readonly sha256: string;
}

export type ExtractReading = AsyncGenerator<ExtractBatch, ExtractTotals, undefined>;

/**
 * Reads one register's CSV extract end to end in a single pass: hashes the bytes as they stream, checks
 * the header, validates every row and yields the rows in batches (one per parser batch, see
 * CSV_BATCH_INPUT), then returns the totals. Memory stays at one input chunk whatever the file size; the
 * consumer's pace is the reader's pace (await between batches and the source stream is paused).
 *
 * Throws DomainError(VALIDATION_FAILED) for a file that cannot be read as an extract: empty (no header),
 * a wrong or too long header, or malformed CSV (CsvSyntaxError, with the line). Bad rows do not throw:
 * they come back quarantined (a row longer than `maxRecordBytes` too, skipped unread), and the
 * accept/reject decision on their share belongs to ingest.
 *
 * The hash covers the bytes read; a consumer that stops early gets no totals.
 */
export async function* readExtract(
  source: AsyncIterable<Uint8Array | string>,
  declaration: RegisterDeclaration,
  options: CsvParserOptions = {},
): ExtractReading {
  const hash = createHash('sha256');
  async function* hashed(): AsyncGenerator<Uint8Array | string> {
    for await (const chunk of source) {
      hash.update(chunk);
      yield chunk;
    }
  }

  let validator: RowValidator | null = null;
  let rows = 0;
  let validCount = 0;
  let quarantinedCount = 0;

  for await (const records of parseCsv(hashed(), options)) {
    let start = 0;
    if (validator === null) {
      if (records[0].tooLong !== undefined) {
        throw DomainError.validation(`${declaration.code} extract's header line is longer than ${records[0].tooLong} bytes (MAX_RECORD_BYTES)`, {
          register: declaration.code,
        });
      }
      validator = new RowValidator(declaration, checkHeader(records[0].fields, declaration));
      start = 1;
    }
    const valid: ValidRow[] = [];
    const quarantined: QuarantinedRow[] = [];
    for (let i = start; i < records.length; i++) {
      const record = records[i];
      const verdict =
        record.tooLong === undefined
          ? validator.validate(record.fields, record.line)
          : { line: record.line, column: null, reason: `row is longer than the ${record.tooLong} bytes allowed (MAX_RECORD_BYTES)` };
      if (isQuarantined(verdict)) quarantined.push(verdict);
      else valid.push(verdict);
    }
    rows += records.length - start;
    validCount += valid.length;
    quarantinedCount += quarantined.length;
    if (valid.length > 0 || quarantined.length > 0) yield { valid, quarantined };
  }

  if (validator === null) {
    throw DomainError.validation(`${declaration.code} extract is empty: it has no header line`, {
      register: declaration.code,
    });
  }
  return { rows, valid: validCount, quarantined: quarantinedCount, sha256: hash.digest('hex') };
}

/**
 * Drives a reading to its end, handing each batch to `onBatch` (awaited, so a slow COPY holds the file
 * back rather than piling batches up in memory), and returns the totals.
 */
export async function consumeExtract(
  reading: ExtractReading,
  onBatch: (batch: ExtractBatch) => void | Promise<void>,
): Promise<ExtractTotals> {
  for (;;) {
    const step = await reading.next();
    if (step.done) return step.value;
    await onBatch(step.value);
  }
}

/**
 * The manifest's promises about the file, checked against what was read. Throws
 * DomainError(VALIDATION_FAILED) naming every mismatch; the extract is then rejected whole.
 */
export function checkTotalsAgainstManifest(totals: ExtractTotals, manifest: ExtractManifest): void {
  const problems: string[] = [];
  if (totals.sha256 !== manifest.sha256) {
    problems.push(`sha256 does not match the file (manifest ${manifest.sha256}, file ${totals.sha256})`);
  }
  if (totals.rows !== manifest.rows) {
    problems.push(`rows does not match the file (manifest ${manifest.rows}, file ${totals.rows})`);
  }
  if (problems.length > 0) {
    throw DomainError.validation(`${manifest.register} extract does not match its manifest: ${problems.join('; ')}`, {
      register: manifest.register,
      problems,
    });
  }
}
