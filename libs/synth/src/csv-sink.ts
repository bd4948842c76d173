import { createHash, Hash } from 'node:crypto';
import { createWriteStream, WriteStream } from 'node:fs';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';

/** Size of the buffer that lines are encoded into before it is hashed and handed to the file. */
const CHUNK_BYTES = 4 << 20;
/** UTF-8 needs at most three bytes per UTF-16 code unit. */
const MAX_BYTES_PER_CHAR = 3;
/** Characters of lines joined before they are encoded into the buffer. */
const TEXT_CHARS = 16 << 10;

export interface SinkResult {
  readonly rows: number;
  readonly bytes: number;
  /** SHA-256 of exactly the bytes written, lowercase hex. */
  readonly sha256: string;
}

/**
 * One register's CSV file, written as it is generated. Each line is encoded straight into a large buffer
 * (no string concatenation, which at tens of millions of lines costs more in garbage collection than the
 * generation itself); a full buffer is hashed and handed to the file, and a full stream is waited for
 * (backpressure), so memory stays at a few buffers however large the nation. The hash covers the same
 * buffers that go to disk, so the manifest cannot disagree with the file.
 */
export class CsvSink {
  private buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  private offset = 0;
  private text = '';
  private rowCount = 0;
  private byteCount = 0;
  private readonly hash: Hash = createHash('sha256');
  private readonly stream: WriteStream;
  private readonly pending: Buffer[] = [];
  private failure: Error | null = null;

  constructor(path: string, header: readonly string[]) {
    this.stream = createWriteStream(path, { highWaterMark: 2 * CHUNK_BYTES });
    this.stream.on('error', (error) => {
      this.failure = error;
    });
    this.append(`${header.map(csvField).join(',')}\n`);
  }

  /** Appends one data line; `line` ends with "\n". */
  write(line: string): void {
    // A few kilobytes of lines are joined as a string first: one encode call per line costs more than the
    // line, while a short rope is flattened cheaply and dies young.
    this.text += line;
    this.rowCount++;
    if (this.text.length >= TEXT_CHARS) {
      this.append(this.text);
      this.text = '';
    }
  }

  get rows(): number {
    return this.rowCount;
  }

  private append(text: string): void {
    if (this.offset + text.length * MAX_BYTES_PER_CHAR > this.buffer.length) {
      this.seal();
      if (text.length * MAX_BYTES_PER_CHAR > this.buffer.length) this.buffer = Buffer.allocUnsafe(text.length * MAX_BYTES_PER_CHAR);
    }
    this.offset += this.buffer.write(text, this.offset, 'utf8');
  }

  /** Closes the current buffer: hashes it and queues it for the file; a fresh buffer takes the next lines. */
  private seal(): void {
    if (this.offset === 0) return;
    const full = this.buffer.subarray(0, this.offset);
    this.hash.update(full);
    this.byteCount += full.length;
    this.pending.push(full);
    this.buffer = Buffer.allocUnsafe(CHUNK_BYTES);
    this.offset = 0;
  }

  /** Hands sealed buffers to the file, waiting while the file is full. `force` seals the current one too. */
  async flush(force = false): Promise<void> {
    if (this.failure) throw this.failure;
    if (force) {
      this.append(this.text);
      this.text = '';
      this.seal();
    }
    while (this.pending.length > 0) {
      const next = this.pending.shift()!;
      if (!this.stream.write(next)) await once(this.stream, 'drain');
    }
  }

  async close(): Promise<SinkResult> {
    await this.flush(true);
    this.stream.end();
    await finished(this.stream);
    if (this.failure) throw this.failure;
    return { rows: this.rowCount, bytes: this.byteCount, sha256: this.hash.digest('hex') };
  }

  /** Stops writing after a failure elsewhere; the partial file is left for the caller to remove. */
  destroy(): void {
    this.stream.destroy();
  }
}

const NEEDS_QUOTES = /[",\r\n]/;

/** RFC 4180: a field holding a comma, a quote or a line break is quoted, with quotes doubled. */
export function csvField(value: string | null): string {
  if (value === null) return '';
  return NEEDS_QUOTES.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
