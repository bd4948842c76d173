import { DomainError, ErrorCode } from '@tiltas/common';

/**
 * A streaming RFC 4180 reader for register extracts (shared/spec/extracts.md, "CSV"): comma separator,
 * double-quote quoting with `""` escapes, quoted commas and line breaks, LF or CRLF line ends, a leading
 * UTF-8 BOM tolerated.
 *
 * Extracts run to millions of rows, so the parser never holds the file: it keeps only the unfinished
 * tail of the last chunk. Speed comes from letting the engine scan: a line with no quote in it (nearly
 * every register row) is cut with one `indexOf('\n')` and one native `split(',')`; only lines holding a
 * quote walk field by field, and even then by `indexOf`, never character by character.
 *
 * Strictness is deliberate. A malformed record leaves the record boundaries after it in doubt, so the
 * parser refuses the file with the line of the fault rather than guess; a bare carriage return (one not
 * followed by a line feed) outside quotes is refused for the same reason, since some readers take it for
 * a line end and others for data.
 */

export interface CsvRecord {
  /** Physical line (1-based; the header is line 1) on which the record starts. */
  readonly line: number;
  readonly fields: string[];
}

/** A file that is not RFC 4180 CSV; `line` is the physical line of the fault. */
export class CsvSyntaxError extends DomainError {
  constructor(
    readonly line: number,
    readonly reason: string,
  ) {
    super(ErrorCode.VALIDATION_FAILED, `CSV line ${line}: ${reason}`, { line, reason });
    this.name = 'CsvSyntaxError';
  }
}

const QUOTE = 34; // "
const COMMA = 44; // ,
const LF = 10;
const CR = 13;

/**
 * The push-style core: feed decoded text with `push`, then call `end`. Each call returns the records
 * completed by it. Used directly by tests and by `parseCsv`, which adds byte decoding.
 */
export class CsvParser {
  /** Unconsumed text: the start of a record whose end has not arrived yet. */
  private buffer = '';
  /** Physical line on which `buffer` starts. */
  private line = 1;
  private atStart = true;

  /** The physical line the parser has reached: where the next record will start. */
  get currentLine(): number {
    return this.line;
  }

  push(text: string): CsvRecord[] {
    if (this.atStart && text.length > 0) {
      this.atStart = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    this.buffer = this.buffer.length === 0 ? text : this.buffer + text;
    return this.drain(false);
  }

  end(): CsvRecord[] {
    return this.drain(true);
  }

  private drain(final: boolean): CsvRecord[] {
    const out: CsvRecord[] = [];
    const buf = this.buffer;
    const len = buf.length;
    let pos = 0;
    let line = this.line;
    // Next quote and carriage return at or after `pos`, found once and reused while the scan stays
    // behind them, so a quote-free file costs one failed search per chunk and not one per line.
    let nextQuote = buf.indexOf('"');
    let nextCr = buf.indexOf('\r');

    while (pos < len) {
      const nl = buf.indexOf('\n', pos);
      const lineEnd = nl === -1 ? len : nl;
      if (nextQuote !== -1 && nextQuote < pos) nextQuote = buf.indexOf('"', pos);
      if (nextCr !== -1 && nextCr < pos) nextCr = buf.indexOf('\r', pos);

      if (nextQuote === -1 || nextQuote >= lineEnd) {
        // Fast path: the whole physical line is one record without quotes.
        if (nl === -1 && !final) break;
        let end = lineEnd;
        if (nextCr !== -1 && nextCr < lineEnd) {
          if (nextCr === lineEnd - 1 && nl !== -1) end = lineEnd - 1;
          else throw new CsvSyntaxError(line, 'carriage return not followed by a line feed');
        }
        out.push({ line, fields: buf.slice(pos, end).split(',') });
        pos = nl === -1 ? len : nl + 1;
        line += 1;
        continue;
      }

      const parsed = this.parseQuotedRecord(buf, pos, line, final);
      if (parsed === null) break;
      out.push({ line, fields: parsed.fields });
      line = parsed.nextLine;
      pos = parsed.next;
    }

    this.buffer = pos === 0 ? buf : buf.slice(pos);
    this.line = line;
    if (final && this.buffer.length > 0) {
      // Only reachable if the loop stopped early, which `final` forbids; kept as an invariant check.
      throw new CsvSyntaxError(line, 'internal: unconsumed input at end of file');
    }
    return out;
  }

  /**
   * The slow path for a record holding at least one quote. Returns null when the record may continue
   * past the end of the buffer (more input is needed), or throws on malformed input.
   */
  private parseQuotedRecord(
    buf: string,
    start: number,
    startLine: number,
    final: boolean,
  ): { fields: string[]; next: number; nextLine: number } | null {
    const len = buf.length;
    const fields: string[] = [];
    let pos = start;
    let line = startLine;

    for (;;) {
      // `pos` is the start of a field.
      if (pos < len && buf.charCodeAt(pos) === QUOTE) {
        const openedOn = line;
        let value = '';
        let from = pos + 1;
        let closing: number;
        for (;;) {
          const q = buf.indexOf('"', from);
          if (q === -1) {
            if (!final) return null;
            throw new CsvSyntaxError(openedOn, 'quoted field is not closed before the end of the file');
          }
          line += countLineFeeds(buf, from, q);
          if (q + 1 === len && !final) return null; // cannot yet tell `"` from `""`
          if (q + 1 < len && buf.charCodeAt(q + 1) === QUOTE) {
            value += buf.slice(from, q + 1);
            from = q + 2;
            continue;
          }
          value += buf.slice(from, q);
          closing = q;
          break;
        }
        fields.push(value);
        pos = closing + 1;
        if (pos === len) {
          // `final` here: a non-final buffer returned above.
          return { fields, next: pos, nextLine: line };
        }
        const c = buf.charCodeAt(pos);
        if (c === COMMA) {
          pos += 1;
          continue;
        }
        if (c === LF) return { fields, next: pos + 1, nextLine: line + 1 };
        if (c === CR) {
          if (pos + 1 === len) {
            if (!final) return null;
            throw new CsvSyntaxError(line, 'carriage return not followed by a line feed');
          }
          if (buf.charCodeAt(pos + 1) === LF) return { fields, next: pos + 2, nextLine: line + 1 };
          throw new CsvSyntaxError(line, 'carriage return not followed by a line feed');
        }
        throw new CsvSyntaxError(line, 'text after the closing quote of a quoted field');
      }

      // Unquoted field: runs to the next comma or line end; a quote inside it is malformed.
      let end = pos;
      for (;;) {
        if (end === len) {
          if (!final) return null;
          fields.push(buf.slice(pos, end));
          return { fields, next: end, nextLine: line };
        }
        const c = buf.charCodeAt(end);
        if (c === COMMA || c === LF || c === CR) break;
        if (c === QUOTE) throw new CsvSyntaxError(line, 'quote inside an unquoted field');
        end = nextSpecial(buf, end + 1, len);
      }
      fields.push(buf.slice(pos, end));
      const c = buf.charCodeAt(end);
      if (c === COMMA) {
        pos = end + 1;
        continue;
      }
      if (c === LF) return { fields, next: end + 1, nextLine: line + 1 };
      // CR
      if (end + 1 === len) {
        if (!final) return null;
        throw new CsvSyntaxError(line, 'carriage return not followed by a line feed');
      }
      if (buf.charCodeAt(end + 1) === LF) return { fields, next: end + 2, nextLine: line + 1 };
      throw new CsvSyntaxError(line, 'carriage return not followed by a line feed');
    }
  }
}

/** Index of the next comma, quote, LF or CR at or after `from`, or `len`. */
function nextSpecial(buf: string, from: number, len: number): number {
  for (let i = from; i < len; i++) {
    const c = buf.charCodeAt(i);
    if (c === COMMA || c === QUOTE || c === LF || c === CR) return i;
  }
  return len;
}

function countLineFeeds(buf: string, from: number, to: number): number {
  let n = 0;
  let i = buf.indexOf('\n', from);
  while (i !== -1 && i < to) {
    n += 1;
    i = buf.indexOf('\n', i + 1);
  }
  return n;
}

/**
 * Input per batch, in bytes (or UTF-16 units for text input). Small on purpose: a batch's records live
 * until its consumer is done with them, and batches much larger than V8's young generation get their
 * records promoted to the old generation in mid-flight, which made garbage collection the largest cost
 * of a national load (with 1 MiB batches a quarter of all CPU, and twice the memory). 64 KiB is several
 * hundred rows, so the per-batch overhead stays negligible.
 */
export const CSV_BATCH_INPUT = 64 * 1024;

/**
 * Parses a byte (or text) stream into batches of records, each from at most CSV_BATCH_INPUT of input
 * whatever the size of the source's chunks. Bytes are decoded as strict UTF-8 with a streaming decoder,
 * so a multi-byte character split across two chunks is joined, and bytes that are not UTF-8 refuse the
 * file instead of turning silently into U+FFFD.
 */
export async function* parseCsv(
  source: AsyncIterable<Uint8Array | string>,
): AsyncGenerator<CsvRecord[], void, undefined> {
  const parser = new CsvParser();
  // ignoreBOM: the parser strips the BOM itself, so text and byte input behave the same.
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  const decode = (chunk: Uint8Array | undefined): string => {
    try {
      return chunk === undefined ? decoder.decode() : decoder.decode(chunk, { stream: true });
    } catch {
      // The decoder cannot say where; the parser's position is the best honest bound.
      throw new CsvSyntaxError(parser.currentLine, 'the file is not valid UTF-8 (at or after this line)');
    }
  };
  for await (const chunk of source) {
    for (let at = 0; at < chunk.length; at += CSV_BATCH_INPUT) {
      const text =
        typeof chunk === 'string'
          ? chunk.slice(at, at + CSV_BATCH_INPUT)
          : decode(at === 0 && chunk.length <= CSV_BATCH_INPUT ? chunk : chunk.subarray(at, at + CSV_BATCH_INPUT));
      if (text.length === 0) continue;
      const records = parser.push(text);
      if (records.length > 0) yield records;
    }
  }
  const tail = decode(undefined);
  const records = tail.length > 0 ? parser.push(tail).concat(parser.end()) : parser.end();
  if (records.length > 0) yield records;
}
