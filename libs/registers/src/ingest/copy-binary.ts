/**
 * PostgreSQL's binary COPY format (https://www.postgresql.org/docs/15/sql-copy.html, "Binary Format"),
 * for `COPY … FROM STDIN WITH (FORMAT binary)`: a header, then per row a 16-bit field count and each
 * field as a 32-bit byte length (-1 for null) followed by its bytes in the type's binary form, then a
 * trailer. Used where a row is mostly opaque bytes (sealed contacts), which the text format would double
 * into hex on the way out and the server would decode again on the way in.
 */

/** Signature, flags (none: no OIDs) and header extension length (none). */
export const BINARY_COPY_HEADER: Buffer = Buffer.concat([Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), Buffer.alloc(8)]);
/** The field count -1 that ends the data. */
export const BINARY_COPY_TRAILER: Buffer = Buffer.from([0xff, 0xff]);

/**
 * Rows being written in binary COPY format into one growing buffer. Callers write a row as `tuple`
 * followed by exactly that many fields, then `take` the bytes for the COPY stream.
 */
export class BinaryCopyRows {
  private buffer: Buffer;
  private at = 0;

  constructor(private readonly initialBytes = 256 * 1024) {
    this.buffer = Buffer.allocUnsafe(initialBytes);
  }

  /** Makes room for `bytes` more; callers ask once per row for the row's whole size. */
  ensure(bytes: number): void {
    if (this.at + bytes <= this.buffer.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.at + bytes));
    this.buffer.copy(bigger, 0, 0, this.at);
    this.buffer = bigger;
  }

  tuple(fields: number): void {
    this.at = this.buffer.writeInt16BE(fields, this.at);
  }

  /** An `integer` field. */
  int4(value: number): void {
    this.at = this.buffer.writeInt32BE(4, this.at);
    this.at = this.buffer.writeInt32BE(value, this.at);
  }

  /** A `bytea` field given as hex (even length, hex digits only: the caller has validated it). */
  byteaFromHex(hex: string): void {
    const length = hex.length >> 1;
    this.at = this.buffer.writeInt32BE(length, this.at);
    const written = this.buffer.write(hex, this.at, 'hex');
    if (written !== length) throw new Error('bytea hex is not hex');
    this.at += length;
  }

  /** A field whose binary form is `bytes` as they are (a `text` in UTF-8, a `bytea`). */
  bytes(bytes: Uint8Array): void {
    this.at = this.buffer.writeInt32BE(bytes.length, this.at);
    this.buffer.set(bytes, this.at);
    this.at += bytes.length;
  }

  /**
   * A field of `length` bytes that `fill` writes at the offset it is given, returning the offset after
   * them (so a cipher can seal straight into the buffer).
   */
  fill(length: number, fill: (buffer: Buffer, offset: number) => number): void {
    this.at = this.buffer.writeInt32BE(length, this.at);
    const end = fill(this.buffer, this.at);
    if (end !== this.at + length) throw new Error(`a binary COPY field wrote ${end - this.at} bytes, not ${length}`);
    this.at = end;
  }

  /** The rows written so far (a copy, so the buffer can be reused for the next ones). */
  take(): Buffer {
    const out = Buffer.from(this.buffer.subarray(0, this.at));
    this.at = 0;
    if (this.buffer.length > 4 * this.initialBytes) this.buffer = Buffer.allocUnsafe(this.initialBytes);
    return out;
  }
}
