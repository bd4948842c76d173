import { randomBytes } from 'node:crypto';
import { escapeCopyText } from '../parsing/copy-text';
import { RegisterDeclaration } from '../register-declarations';
import { ValidRow } from '../validation/row-validator';

export type Sealer = (pseudonym: string, json: string, nonce: Buffer) => string;

/**
 * COPY text lines for `reg_contacts`: `extract_id, line, pseudonym, key_id, sealed`. The row's other
 * columns go only into the sealed JSON, so no contact detail ever reaches the database (or a COPY
 * buffer on its way there) in clear.
 */
export function createContactsCopyFormatter(declaration: RegisterDeclaration, extractId: number, keyId: string, seal: Sealer) {
  const pseudonymIndex = declaration.columns.findIndex((c) => c.type === 'pseudonym');
  const others = declaration.columns.map((c, i) => ({ name: c.name, i })).filter((c) => c.i !== pseudonymIndex);
  const prefix = `${extractId}\t`;
  const key = escapeCopyText(keyId);
  const line = (row: ValidRow, nonce: Buffer): string => {
    const pseudonym = row.values[pseudonymIndex] as string;
    const record: Record<string, unknown> = {};
    for (const { name, i } of others) record[name] = row.values[i];
    return `${prefix}${row.line}\t\\\\x${pseudonym}\t${key}\t\\\\x${seal(pseudonym, JSON.stringify(record), nonce)}`;
  };
  return {
    columns: ['extract_id', 'line', 'pseudonym', 'key_id', 'sealed'] as const,
    chunk(rows: readonly ValidRow[]): string {
      // One draw of fresh random nonces per batch instead of one system call per row.
      const nonces = randomBytes(12 * rows.length);
      let out = '';
      for (let i = 0; i < rows.length; i++) out += `${line(rows[i], nonces.subarray(12 * i, 12 * i + 12))}\n`;
      return out;
    },
  };
}
