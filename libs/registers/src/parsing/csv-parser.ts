import { DomainError, ErrorCode } from '@tiltas/common';

/**
 * A streaming RFC 4180 reader for register extracts (the register extract contract (spec/extracts.md), "CSV"): comma separator,
 * double-quote quoting with `""` escapes, quoted commas and line breaks, LF or CRLF line ends, a leading
 * UTF-8 BOM tolerated.
 *
 * Extracts run to millions of rows, so the parser never holds the file: of a record that has not ended
 * it keeps only the fields read so far (and not even those past `maxRecordBytes`). Speed comes from
 * letting the engine scan: a line with no quote in it (nearly every register row) is cut with one
 * `indexOf('\n')` and one native `split(',')`; only lines holding a quote, or running past the end of
 * the input pushed so far, walk field by field, quoted fields by `indexOf`.
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
  /**
   * Set (to the limit) when the record was longer than the parser's `maxRecordBytes`: its fields were
   * skipped while streaming, never held, so `fields` is empty.
   */
  readonly tooLong?: number;
}

/** A file that is not RFC 4180 CSV; `line` (and `column`, when known) is where the fault is. */
export class CsvSyntaxError extends DomainError {
  constructor(
    readonly line: number,
    readonly reason: string,
    /** 1-based, in characters from the start of the physical line; null when only the line is known. */
    readonly column: number | null = null,
  ) {
    super(ErrorCode.VALIDATION_FAILED, `CSV line ${line}${column === null ? '' : `, column ${column}`}: ${reason}`, column === null ? { line, reason } : { line, column, reason });
    this.name = 'CsvSyntaxError';
  }
}

export interface CsvParserOptions {
  /**
   * The longest record kept, in UTF-8 bytes without its line end. A longer one is skipped to its end
   * (quotes honoured) and returned as `tooLong`, with no fields. Default: no limit.
   */
  readonly maxRecordBytes?: number;
}

const QUOTE = 34; // "
const COMMA = 44; // ,
const LF = 10;
const CR = 13;

/** Where the scan is inside a record that has not ended yet. */
const enum State {
  /** Between records: the fast path may take the next line whole. */
  RecordStart,
  /** After a comma, or at the start of a record taken by the slow path. */
  FieldStart,
  Unquoted,
  Quoted,
  /** A quote inside a quoted field: either the first of `""` or the closing quote. */
  QuoteInQuoted,
  /** A carriage return outside quotes: only a line feed may follow. */
  CarriageReturn,
}

/**
 * The push-style core: feed decoded text with `push`, then call `end`. Each call returns the records
 * completed by it. Used directly by tests and by `parseCsv`, which adds byte decoding.
 *
 * Each character is looked at once: a record that spans pushes is carried as state (the fields so far,
 * where in a field the scan stands), never as text to scan again, so the cost is linear in the input
 * however long a record is (a 40 MB record used to be rescanned on every 64 KiB push).
 */
export class CsvParser {
  private readonly maxRecordBytes: number;
  private state = State.RecordStart;
  /** The fields completed so far of the record in progress, and the text of the one being read. */
  private fields: string[] = [];
  /**
   * The field being read: `value` holds what earlier pushes gave it (one flat piece per push), `pieces`
   * what this push gives, joined once (a field of many `""` is thousands of slices, and adding them up
   * one by one would build a tree of as many strings).
   */
  private value = '';
  private readonly pieces: string[] = [];
  /** Physical line of the next character, and the line on which the record in progress started. */
  private line = 1;
  private recordLine = 1;
  /** The line on which the open quoted field started: an unclosed quote is reported there. */
  private quoteLine = 1;
  /** UTF-8 bytes of the record in progress that came in earlier pushes. */
  private carriedBytes = 0;
  /** The record in progress is over the limit: its text is not kept, only its end looked for. */
  private skipping = false;
  /** Characters since the last line feed consumed: the column of the next character, less one. */
  private column = 0;
  private atStart = true;

  constructor(options: CsvParserOptions = {}) {
    const max = options.maxRecordBytes ?? Infinity;
    if (!(max > 0)) throw new RangeError(`maxRecordBytes must be positive, not ${max}`);
    this.maxRecordBytes = max;
  }

  /** The physical line the parser has reached: where the next character is. */
  get currentLine(): number {
    return this.line;
  }

  /** The 1-based column of the next character on `currentLine`. */
  get currentColumn(): number {
    return this.column + 1;
  }

  push(text: string): CsvRecord[] {
    if (this.atStart && text.length > 0) {
      this.atStart = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    const out = this.scan(text);
    const lastLf = text.lastIndexOf('\n');
    this.column = lastLf === -1 ? this.column + text.length : text.length - 1 - lastLf;
    return out;
  }

  end(): CsvRecord[] {
    const out: CsvRecord[] = [];
    switch (this.state) {
      case State.RecordStart:
        break;
      case State.Quoted:
        throw new CsvSyntaxError(this.quoteLine, 'quoted field is not closed before the end of the file');
      case State.CarriageReturn:
        throw new CsvSyntaxError(this.line, 'carriage return not followed by a line feed');
      default:
        // A last record without a line end (FieldStart after a trailing comma is an empty last field).
        this.finishRecord(out, '', 0, 0);
    }
    return out;
  }

  private scan(buf: string): CsvRecord[] {
    const out: CsvRecord[] = [];
    const len = buf.length;
    const max = this.maxRecordBytes;
    // Characters are at most 3 UTF-8 bytes each (a surrogate pair, 2 of them, is 4): a span shorter than
    // a third of the limit cannot be over it, and is never measured.
    const safeChars = max / 3;
    let pos = 0;
    /** Where the record in progress starts in `buf` (0 when it started in an earlier push). */
    let from = 0;
    // Next quote and carriage return at or after `pos`, found once and reused while the scan stays
    // behind them, so a quote-free input costs one failed search per push and not one per line.
    let nextQuote = -2;
    let nextCr = -2;

    while (pos < len) {
      switch (this.state) {
        case State.RecordStart: {
          const nl = buf.indexOf('\n', pos);
          if (nl !== -1) {
            if (nextQuote !== -1 && nextQuote < pos) nextQuote = buf.indexOf('"', pos);
            if (nextQuote === -1 || nextQuote > nl) {
              // Fast path: the whole physical line is one record without quotes.
              if (nextCr !== -1 && nextCr < pos) nextCr = buf.indexOf('\r', pos);
              let end = nl;
              if (nextCr !== -1 && nextCr < nl) {
                if (nextCr === nl - 1) end = nl - 1;
                else throw new CsvSyntaxError(this.line, 'carriage return not followed by a line feed');
              }
              if (end - pos > safeChars && Buffer.byteLength(buf.slice(pos, end)) > max) out.push({ line: this.line, fields: [], tooLong: max });
              else out.push({ line: this.line, fields: buf.slice(pos, end).split(',') });
              pos = nl + 1;
              this.line += 1;
              continue;
            }
          }
          // The slow path: the record holds a quote, or does not end in this push.
          this.recordLine = this.line;
          this.carriedBytes = 0;
          this.skipping = false;
          from = pos;
          this.state = State.FieldStart;
          continue;
        }

        case State.FieldStart:
          if (buf.charCodeAt(pos) === QUOTE) {
            this.quoteLine = this.line;
            this.state = State.Quoted;
            pos += 1;
          } else {
            this.state = State.Unquoted;
          }
          continue;

        case State.Unquoted: {
          const end = nextSpecial(buf, pos, len);
          if (!this.skipping && end > pos) this.pieces.push(buf.slice(pos, end));
          pos = end;
          if (end === len) continue;
          const c = buf.charCodeAt(end);
          if (c === COMMA) {
            this.endField();
            pos += 1;
          } else if (c === LF) {
            this.finishRecord(out, buf, from, end);
            pos += 1;
            this.line += 1;
          } else if (c === CR) {
            this.state = State.CarriageReturn;
            pos += 1;
          } else {
            throw new CsvSyntaxError(this.line, 'quote inside an unquoted field');
          }
          continue;
        }

        case State.Quoted: {
          const q = buf.indexOf('"', pos);
          const end = q === -1 ? len : q;
          this.line += countLineFeeds(buf, pos, end);
          if (q !== -1 && q + 1 < len && buf.charCodeAt(q + 1) === QUOTE) {
            // `""`: the text and one quote in one piece, and the scan stays inside the quotes.
            if (!this.skipping) this.pieces.push(buf.slice(pos, q + 1));
            pos = q + 2;
            continue;
          }
          if (!this.skipping && end > pos) this.pieces.push(buf.slice(pos, end));
          pos = end;
          if (q !== -1) {
            this.state = State.QuoteInQuoted;
            pos += 1;
          }
          continue;
        }

        case State.QuoteInQuoted: {
          const c = buf.charCodeAt(pos);
          if (c === QUOTE) {
            if (!this.skipping) this.pieces.push('"');
            this.state = State.Quoted;
            pos += 1;
          } else if (c === COMMA) {
            this.endField();
            pos += 1;
          } else if (c === LF) {
            this.finishRecord(out, buf, from, pos);
            pos += 1;
            this.line += 1;
          } else if (c === CR) {
            this.state = State.CarriageReturn;
            pos += 1;
          } else {
            throw new CsvSyntaxError(this.line, 'text after the closing quote of a quoted field');
          }
          continue;
        }

        case State.CarriageReturn:
          if (buf.charCodeAt(pos) !== LF) throw new CsvSyntaxError(this.line, 'carriage return not followed by a line feed');
          // The record's text ends before the carriage return, which may have come in the last push.
          this.finishRecord(out, buf, from, Math.max(from, pos - 1));
          pos += 1;
          this.line += 1;
          continue;
      }
    }

    if (this.state !== State.RecordStart && !this.skipping) {
      // The record goes on in the next push: count what it holds so far, and stop keeping it once it is
      // over the limit (so a huge record costs at most the limit and one push of memory).
      const end = this.state === State.CarriageReturn ? len - 1 : len;
      if (max !== Infinity) this.carriedBytes += Buffer.byteLength(buf.slice(from, Math.max(from, end)));
      if (this.carriedBytes > max) {
        this.skipping = true;
        this.fields = [];
        this.value = '';
        this.pieces.length = 0;
      } else if (this.pieces.length > 0) {
        this.value = this.fieldText();
      }
    }
    return out;
  }

  /** The text of the field being read, taking this push's pieces out. */
  private fieldText(): string {
    const pieces = this.pieces;
    const text = pieces.length === 0 ? '' : pieces.length === 1 ? pieces[0] : pieces.join('');
    pieces.length = 0;
    return this.value.length === 0 ? text : this.value + text;
  }

  private endField(): void {
    if (!this.skipping) this.fields.push(this.fieldText());
    this.value = '';
    this.pieces.length = 0;
    this.state = State.FieldStart;
  }

  /** Ends the record in progress, whose text in this push is `buf[from, end)`. */
  private finishRecord(out: CsvRecord[], buf: string, from: number, end: number): void {
    let tooLong = this.skipping;
    if (!tooLong && this.carriedBytes + (end - from) * 3 > this.maxRecordBytes) {
      tooLong = this.carriedBytes + Buffer.byteLength(buf.slice(from, end)) > this.maxRecordBytes;
    }
    if (tooLong) {
      out.push({ line: this.recordLine, fields: [], tooLong: this.maxRecordBytes });
    } else {
      this.fields.push(this.fieldText());
      out.push({ line: this.recordLine, fields: this.fields });
    }
    this.fields = [];
    this.value = '';
    this.pieces.length = 0;
    this.skipping = false;
    this.carriedBytes = 0;
    this.state = State.RecordStart;
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
 * file (with the line and column of the first bad byte) instead of turning silently into U+FFFD.
 */
export async function* parseCsv(
  source: AsyncIterable<Uint8Array | string>,
  options: CsvParserOptions = {},
): AsyncGenerator<CsvRecord[], void, undefined> {
  const parser = new CsvParser(options);
  // ignoreBOM: the parser strips the BOM itself, so text and byte input behave the same.
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  // The last bytes decoded: a character begun there and not finished is still inside the decoder.
  let recent: Uint8Array = new Uint8Array(0);
  const decode = (chunk: Uint8Array | undefined): string => {
    let text: string;
    try {
      text = chunk === undefined ? decoder.decode() : decoder.decode(chunk, { stream: true });
    } catch {
      throw invalidUtf8(parser, recent, chunk);
    }
    if (chunk !== undefined) recent = lastBytes(recent, chunk);
    return text;
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

/** The last three bytes of `previous` followed by `chunk`: enough to hold an unfinished character. */
function lastBytes(previous: Uint8Array, chunk: Uint8Array): Uint8Array {
  if (chunk.length >= 3) return chunk.slice(chunk.length - 3);
  const joined = new Uint8Array(previous.length + chunk.length);
  joined.set(previous);
  joined.set(chunk, previous.length);
  return joined.slice(Math.max(0, joined.length - 3));
}

/**
 * The error for input the decoder refused, placed at its first bad byte. The decoder cannot say where
 * that is, so the bytes it was given are checked here: the unfinished character it held from before
 * (`recent`), then `chunk` (undefined at the end of the file). The valid text before the bad byte goes
 * to the parser, whose position is then the bad byte's line and column (and an earlier syntax fault
 * surfaces first, as it would have).
 */
function invalidUtf8(parser: CsvParser, recent: Uint8Array, chunk: Uint8Array | undefined): Error {
  const held = recent.subarray(unfinishedCharacterStart(recent));
  const bytes = new Uint8Array(held.length + (chunk?.length ?? 0));
  bytes.set(held);
  if (chunk) bytes.set(chunk, held.length);
  const bad = firstInvalidUtf8(bytes, chunk === undefined);
  if (bad === -1) return new CsvSyntaxError(parser.currentLine, 'the file is not valid UTF-8 (at or after this line)');
  parser.push(new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes.subarray(0, bad)));
  return new CsvSyntaxError(parser.currentLine, `the file is not valid UTF-8 (byte 0x${bytes[bad].toString(16).padStart(2, '0')} begins no valid character)`, parser.currentColumn);
}

/** Where, in bytes that decoded cleanly so far, a character begins that they do not finish; else their length. */
function unfinishedCharacterStart(bytes: Uint8Array): number {
  for (let i = bytes.length - 1; i >= 0 && i >= bytes.length - 3; i--) {
    const b = bytes[i];
    if ((b & 0xc0) === 0x80) continue;
    const length = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return bytes.length - i < length ? i : bytes.length;
  }
  return bytes.length;
}

/**
 * The offset of the first byte that starts an ill-formed UTF-8 sequence (as the WHATWG decoder judges:
 * overlong forms, surrogates and code points past U+10FFFF are errors), or -1 when there is none. A
 * sequence cut off by the end of `bytes` is an error only when `final`.
 */
export function firstInvalidUtf8(bytes: Uint8Array, final: boolean): number {
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const b = bytes[i];
    if (b < 0x80) {
      i += 1;
      continue;
    }
    let need: number;
    let lower = 0x80;
    let upper = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) lower = 0xa0;
      if (b === 0xed) upper = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) lower = 0x90;
      if (b === 0xf4) upper = 0x8f;
    } else return i;
    for (let k = 1; k <= need; k++) {
      if (i + k >= n) return final ? i : -1;
      const c = bytes[i + k];
      if (c < (k === 1 ? lower : 0x80) || c > (k === 1 ? upper : 0xbf)) return i;
    }
    i += need + 1;
  }
  return -1;
}
