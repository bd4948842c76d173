import { escapeCopyText } from '../parsing/copy-text';
import { RegisterDeclaration } from '../register-declarations';
import { ValidRow } from '../validation/row-validator';

export type Sealer = (pseudonym: string, json: string) => Buffer;

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
  const line = (row: ValidRow): string => {
    const pseudonym = row.values[pseudonymIndex] as string;
    const record: Record<string, unknown> = {};
    for (const { name, i } of others) record[name] = row.values[i];
    const sealed = seal(pseudonym, JSON.stringify(record));
    return `${prefix}${row.line}\t\\\\x${pseudonym}\t${key}\t\\\\x${sealed.toString('hex')}`;
  };
  return {
    columns: ['extract_id', 'line', 'pseudonym', 'key_id', 'sealed'] as const,
    chunk(rows: readonly ValidRow[]): string {
      let out = '';
      for (let i = 0; i < rows.length; i++) out += `${line(rows[i])}\n`;
      return out;
    },
  };
}
