import { randomBytes } from 'node:crypto';
import { BulkSealer, sealedLength } from '@tiltas/contacts';
import { RegisterDeclaration } from '../register-declarations';
import { ValidRow } from '../validation/row-validator';
import { BINARY_COPY_HEADER, BINARY_COPY_TRAILER, BinaryCopyRows } from './copy-binary';

const NONCE_BYTES = 12;
/** Bytes of a row besides its sealed JSON: field count, four length words, two integers, the pseudonym. */
const ROW_OVERHEAD = 2 + 5 * 4 + 4 + 4 + 32;

/**
 * Binary COPY rows for `reg_contacts`: `extract_id, line, pseudonym, key_id, sealed`. The row's other
 * columns go only into the sealed JSON, so no contact detail ever reaches the database (or a COPY
 * buffer on its way there) in clear. Binary rather than text format because a sealed row is opaque
 * bytes: as text it would cross as hex, twice its size, encoded here and decoded again by the server.
 */
export interface ContactsCopyFormatter {
  readonly columns: readonly string[];
  /** Written before the first chunk (the server refuses a binary COPY without it, even of no rows). */
  readonly header: Buffer;
  /** Written after the last chunk. */
  readonly trailer: Buffer;
  chunk(rows: readonly ValidRow[]): Buffer;
}

export function createContactsCopyFormatter(declaration: RegisterDeclaration, extractId: number, keyId: string, seal: BulkSealer): ContactsCopyFormatter {
  const pseudonymIndex = declaration.columns.findIndex((c) => c.type === 'pseudonym');
  if (pseudonymIndex < 0) throw new Error(`register ${declaration.code} declares no pseudonym column`);
  const others = declaration.columns.map((c, i) => ({ name: c.name, i })).filter((c) => c.i !== pseudonymIndex);
  const key = Buffer.from(keyId, 'utf8');
  const out = new BinaryCopyRows();
  // The row's JSON as UTF-8, encoded into one reused buffer (a UTF-16 unit is at most 3 UTF-8 bytes).
  let plaintext = Buffer.allocUnsafe(4096);

  return {
    columns: ['extract_id', 'line', 'pseudonym', 'key_id', 'sealed'],
    header: BINARY_COPY_HEADER,
    trailer: BINARY_COPY_TRAILER,
    chunk(rows) {
      // One draw of fresh random nonces per batch instead of one system call per row.
      const nonces = randomBytes(NONCE_BYTES * rows.length);
      for (let r = 0; r < rows.length; r++) {
        const values = rows[r].values;
        const pseudonym = values[pseudonymIndex] as string;
        const record: Record<string, unknown> = {};
        for (const { name, i } of others) record[name] = values[i];
        const json = JSON.stringify(record);
        if (plaintext.length < 3 * json.length) plaintext = Buffer.allocUnsafe(3 * json.length);
        const clear = plaintext.subarray(0, plaintext.write(json, 0, 'utf8'));
        const nonce = nonces.subarray(NONCE_BYTES * r, NONCE_BYTES * (r + 1));
        const sealed = sealedLength(clear.length);
        out.ensure(ROW_OVERHEAD + key.length + sealed);
        out.tuple(5);
        out.int4(extractId);
        out.int4(rows[r].line);
        out.byteaFromHex(pseudonym);
        out.bytes(key);
        out.fill(sealed, (buffer, offset) => seal(pseudonym, clear, nonce, buffer, offset));
      }
      // The clear JSON of the last row stays in `plaintext` until the next batch overwrites it; it never
      // leaves this process, but there is no reason to keep it either.
      plaintext.fill(0);
      return out.take();
    },
  };
}
