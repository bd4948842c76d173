import { RegisterDeclaration } from '../register-declarations';
import { RowValue, ValidRow } from '../validation/row-validator';

/**
 * Valid rows as PostgreSQL COPY text format (https://www.postgresql.org/docs/15/sql-copy.html, "Text
 * Format"), so ingest can pipe batches straight into `COPY <table> (<columns>) FROM STDIN` without a
 * row-at-a-time INSERT. Columns: `extract_id, line, pseudonym, <the other declared columns in
 * declaration order>`; the pseudonym goes in as bytea (32 bytes instead of 64 characters, which halves
 * the widest column of every register table and its indexes).
 */
export interface CopyFormatter {
  /** Column list for the COPY statement, in the order the lines carry them. */
  readonly columns: readonly string[];
  /** One row as a COPY text line, without its line end. */
  line(row: ValidRow): string;
  /** Rows as a COPY text chunk: every line ended by `\n`; empty for no rows. */
  chunk(rows: readonly ValidRow[]): string;
}

const NEEDS_ESCAPE = /[\\\t\n\r]/;
const ESCAPED = /[\\\t\n\r]/g;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** Escapes a value for COPY text format: backslash, tab, line feed and carriage return. */
export function escapeCopyText(value: string): string {
  return NEEDS_ESCAPE.test(value) ? value.replace(ESCAPED, (c) => ESCAPES[c]) : value;
}

function copyValue(value: RowValue): string {
  if (value === null) return '\\N';
  return typeof value === 'number' ? String(value) : escapeCopyText(value);
}

export function copyColumns(declaration: RegisterDeclaration): string[] {
  return ['extract_id', 'line', 'pseudonym', ...declaration.columns.map((c) => c.name).filter((n) => n !== 'pseudonym')];
}

export function createCopyFormatter(
  declaration: RegisterDeclaration,
  extractId: string | number | bigint,
): CopyFormatter {
  const pseudonymIndex = declaration.columns.findIndex((c) => c.type === 'pseudonym');
  if (pseudonymIndex < 0) throw new Error(`register ${declaration.code} declares no pseudonym column`);
  const others = declaration.columns.map((_, i) => i).filter((i) => i !== pseudonymIndex);
  // Every line starts with the same extract id, so it is escaped once.
  const prefix = `${escapeCopyText(String(extractId))}\t`;

  const line = (row: ValidRow): string => {
    const values = row.values;
    // The validator let through only 64 lowercase hex; `\\x` is bytea's hex input with its backslash
    // escaped for the text format.
    let out = `${prefix}${row.line}\t\\\\x${values[pseudonymIndex] as string}`;
    for (let k = 0; k < others.length; k++) out += `\t${copyValue(values[others[k]])}`;
    return out;
  };

  return {
    columns: copyColumns(declaration),
    line,
    chunk(rows) {
      let out = '';
      for (let i = 0; i < rows.length; i++) out += `${line(rows[i])}\n`;
      return out;
    },
  };
}

/** One row as a COPY text line; prefer `createCopyFormatter` for many rows. */
export function toCopyLine(
  declaration: RegisterDeclaration,
  extractId: string | number | bigint,
  row: ValidRow,
): string {
  return createCopyFormatter(declaration, extractId).line(row);
}
