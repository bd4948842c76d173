import { DomainError } from '@tiltas/common';
import { RegisterDeclaration } from '../register-declarations';

/**
 * Where each declared column sits in the file. `sourceIndex[i]` is the CSV field index holding
 * `declaration.columns[i]`; registers may send their columns in any order (spec: "in any order").
 */
export interface ColumnMapping {
  readonly sourceIndex: readonly number[];
  /** Number of fields every record must have. */
  readonly width: number;
}

/**
 * Checks the header against the declaration. Names match exactly (case-sensitive, no trimming): the
 * contract fixes them. An extra column is refused as firmly as a missing one, because receiving a column
 * nobody agreed to receive breaks data minimisation. Throws DomainError(VALIDATION_FAILED) naming every
 * missing, extra and duplicated column.
 */
export function checkHeader(header: readonly string[], declaration: RegisterDeclaration): ColumnMapping {
  const declared = new Map(declaration.columns.map((c, i) => [c.name, i]));
  const position = new Map<string, number>();
  const duplicate = new Set<string>();
  const extra: string[] = [];
  header.forEach((name, index) => {
    if (position.has(name)) duplicate.add(declared.has(name) ? name : describeUnknownColumn(name, index));
    else position.set(name, index);
    if (!declared.has(name)) {
      const shown = describeUnknownColumn(name, index);
      if (!extra.includes(shown)) extra.push(shown);
    }
  });
  const missing = declaration.columns.map((c) => c.name).filter((name) => !position.has(name));

  if (missing.length > 0 || extra.length > 0 || duplicate.size > 0) {
    const list = (names: readonly string[]) =>
      names.map((n) => (n.startsWith('<') ? n : JSON.stringify(n))).join(', ');
    const problems: string[] = [];
    if (missing.length > 0) problems.push(`missing ${list(missing)}`);
    if (extra.length > 0) problems.push(`not in the contract ${list(extra)}`);
    if (duplicate.size > 0) problems.push(`repeated ${list([...duplicate])}`);
    throw DomainError.validation(`${declaration.code} header is wrong: ${problems.join('; ')}`, {
      register: declaration.code,
      missing,
      extra,
      duplicate: [...duplicate],
      expected: declaration.columns.map((c) => c.name),
    });
  }

  return {
    sourceIndex: declaration.columns.map((c) => position.get(c.name) as number),
    width: header.length,
  };
}

const COLUMN_NAME = /^[A-Za-z_][A-Za-z0-9_ .-]{0,47}$/;

/**
 * A file sent without its header has a data row where the header should be; echoing that row into an
 * error message (and from there into logs) would leak register values, so anything that does not look
 * like a column name is named by its position only.
 */
function describeUnknownColumn(name: string, index: number): string {
  return COLUMN_NAME.test(name) ? name : `<column ${index + 1}, not a column name>`;
}
