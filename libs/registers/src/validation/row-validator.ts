import { isIsoDate } from '@tiltas/common';
import { ColumnDeclaration, RegisterDeclaration } from '../register-declarations';
import { ColumnMapping } from './header';

/** A typed value: dates stay 'YYYY-MM-DD' strings, integers become numbers, an empty field is null. */
export type RowValue = string | number | null;

export interface ValidRow {
  readonly line: number;
  /** One value per declared column, in declaration order (not file order). */
  readonly values: RowValue[];
}

/**
 * A row kept out of identification with the first rule it breaks. `column` is null when the row as a
 * whole is wrong (its field count). Reasons quote dates, codes and numbers so the register holder can
 * find the fault, but never contact details, free text or pseudonyms: they are personal data.
 */
export interface QuarantinedRow {
  readonly line: number;
  readonly column: string | null;
  readonly reason: string;
}

export type RowVerdict = ValidRow | QuarantinedRow;

export function isQuarantined(verdict: RowVerdict): verdict is QuarantinedRow {
  return (verdict as QuarantinedRow).reason !== undefined;
}

const DATE_SHAPE = /^\d{4}-\d{2}-\d{2}$/;
const INTEGER = /^-?\d{1,15}$/;
const E164 = /^\+[1-9]\d{1,14}$/;
/**
 * The WHATWG HTML "valid e-mail address" (what browsers accept in type=email), narrowed to require a dot
 * in the domain: an outreach worker cannot write to `user@localhost`.
 */
const EMAIL =
  /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;
const POSTAL_CODE = /^LT-\d{5}$/;

/** Returns the reason a non-empty raw value breaks the column's rule, or null when it is fine. */
type Check = (raw: string) => string | null;

interface CompiledColumn {
  readonly name: string;
  readonly nullable: boolean;
  readonly source: number;
  readonly check: Check;
  readonly integer: boolean;
}

/**
 * Validates records of one register against its declaration. The checks are compiled once per extract
 * (code sets, regular expressions, column positions), so a row costs a few regex tests and no
 * allocation beyond its values array.
 *
 * Deliberately stateless across rows: duplicate persons in one-row-per-person registers are ingest's
 * (a bounded screen while the rows stream, then SQL after COPY only when the screen cannot rule them out).
 */
export class RowValidator {
  private readonly columns: readonly CompiledColumn[];
  private readonly width: number;
  private readonly periodFrom: number;
  private readonly periodTo: number;

  constructor(declaration: RegisterDeclaration, mapping: ColumnMapping) {
    this.width = mapping.width;
    this.columns = declaration.columns.map((column, i) => ({
      name: column.name,
      nullable: column.nullable,
      source: mapping.sourceIndex[i],
      check: compileCheck(column),
      integer: column.type === 'integer',
    }));
    const period = declaration.period;
    this.periodFrom = period ? declaration.columns.findIndex((c) => c.name === period.from) : -1;
    this.periodTo = period ? declaration.columns.findIndex((c) => c.name === period.to) : -1;
    if (period && (this.periodFrom < 0 || this.periodTo < 0)) {
      throw new Error(`register ${declaration.code}: period columns ${period.from}/${period.to} are not declared`);
    }
  }

  validate(fields: readonly string[], line: number): RowVerdict {
    if (fields.length !== this.width) {
      return { line, column: null, reason: `expected ${this.width} fields, found ${fields.length}` };
    }
    const columns = this.columns;
    const values: RowValue[] = new Array(columns.length);
    for (let i = 0; i < columns.length; i++) {
      const column = columns[i];
      const raw = fields[column.source];
      if (raw.length === 0) {
        if (!column.nullable) return { line, column: column.name, reason: 'required value is empty' };
        values[i] = null;
        continue;
      }
      const problem = column.check(raw);
      if (problem !== null) return { line, column: column.name, reason: problem };
      values[i] = column.integer ? Number(raw) : raw;
    }
    if (this.periodFrom >= 0) {
      const from = values[this.periodFrom] as string;
      const to = values[this.periodTo] as string | null;
      // ISO dates order as strings, so no Date objects are needed.
      if (to !== null && from > to) {
        const fromName = columns[this.periodFrom].name;
        return { line, column: fromName, reason: `${fromName} ${from} is after ${columns[this.periodTo].name} ${to}` };
      }
    }
    return { line, values };
  }
}

function compileCheck(column: ColumnDeclaration): Check {
  switch (column.type) {
    case 'pseudonym':
      return (raw) => (isPseudonym(raw) ? null : 'malformed pseudonym (64 lowercase hex expected)');
    case 'date':
      return (raw) => {
        if (isIsoDate(raw)) return null;
        return DATE_SHAPE.test(raw) ? `impossible date ${raw}` : `malformed date ${shown(raw)} (YYYY-MM-DD expected)`;
      };
    case 'code': {
      const codes = column.codes ?? [];
      const allowed = new Set(codes);
      const expected =
        codes.length > 12 ? `one of ${codes[0]} … ${codes[codes.length - 1]}` : codes.join(', ');
      return (raw) => (allowed.has(raw) ? null : `unknown code ${shown(raw)} (expected ${expected})`);
    }
    case 'integer': {
      const min = column.min ?? Number.MIN_SAFE_INTEGER;
      const max = column.max ?? Number.MAX_SAFE_INTEGER;
      return (raw) => {
        if (!INTEGER.test(raw)) return `not a whole number ${shown(raw)}`;
        const n = Number(raw);
        return n < min || n > max ? `${n} is out of range [${min}, ${max}]` : null;
      };
    }
    case 'phone':
      return (raw) => (E164.test(raw) ? null : 'malformed phone number (E.164 expected, such as +37060000000)');
    case 'email':
      return (raw) => (raw.length <= 254 && EMAIL.test(raw) ? null : 'malformed email address');
    case 'postal_code':
      return (raw) => (POSTAL_CODE.test(raw) ? null : 'malformed postal code (LT- and 5 digits expected)');
    case 'text':
      // PostgreSQL text cannot hold U+0000; catching it here keeps one bad row from failing a whole COPY.
      return (raw) => (raw.indexOf('\0') === -1 ? null : 'contains a NUL character');
  }
}

/**
 * 64 lowercase hex. A plain loop: every row of every register carries a pseudonym, and on V8 this is
 * several times faster than the equivalent regular expression.
 */
function isPseudonym(raw: string): boolean {
  if (raw.length !== 64) return false;
  for (let i = 0; i < 64; i++) {
    const c = raw.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) return false;
  }
  return true;
}

/** Quotes a register value for a reason, cut short so a stray blob does not flood the quarantine. */
function shown(raw: string): string {
  return JSON.stringify(raw.length > 32 ? `${raw.slice(0, 32)}…` : raw);
}
