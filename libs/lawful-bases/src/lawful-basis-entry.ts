import { isIsoDate } from '@tiltas/common';
import { REGISTER_CODES } from '@tiltas/contract';
import canonicalize from 'canonicalize';

/**
 * The lawful-basis entry file of the register extract contract (spec/extracts.md) ("Lawful-basis entry file"), validated field by
 * field: a refused file names every broken field at once.
 */

export const PURPOSES = ['outreach', 'evaluation', 'statistics'] as const;
export type Purpose = (typeof PURPOSES)[number];

export const GDPR_ARTICLE6_POINTS = ['a', 'b', 'c', 'd', 'e', 'f'] as const;
export type GdprArticle6Point = (typeof GDPR_ARTICLE6_POINTS)[number];


/** Registers holding special-category data (GDPR Art. 9) and criminal-justice data (Art. 10). */
export const ARTICLE9_REGISTERS: readonly string[] = ['disability'];
export const ARTICLE10_REGISTERS: readonly string[] = ['prison'];

export const LAWFUL_BASIS_FIELDS = [
  'id',
  'title',
  'legalReference',
  'gdprArticle6',
  'purposes',
  'registers',
  'validFrom',
  'validTo',
  'article9Condition',
  'article10Authorisation',
] as const;

/** An entry exactly as its file states it (the spec's field names). */
export interface LawfulBasisEntry {
  readonly id: string;
  readonly title: string;
  readonly legalReference: string;
  readonly gdprArticle6: GdprArticle6Point;
  readonly purposes: readonly Purpose[];
  readonly registers: readonly string[];
  readonly validFrom: string;
  readonly validTo: string | null;
  readonly article9Condition: string | null;
  readonly article10Authorisation: string | null;
}

export type LawfulBasisFileVerdict = { readonly ok: true; readonly entry: LawfulBasisEntry } | { readonly ok: false; readonly problems: string[] };

const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const MAX_TEXT = 1000;

const quote = (value: unknown): string => {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
};

function nonEmptyText(value: unknown, field: string, problems: string[]): string | null {
  if (typeof value !== 'string' || value.trim() === '') {
    problems.push(`\`${field}\` must be a non-empty string${value === undefined ? ' (it is missing)' : ''}`);
    return null;
  }
  if (value.length > MAX_TEXT) {
    problems.push(`\`${field}\` is longer than ${MAX_TEXT} characters`);
    return null;
  }
  return value;
}

function codeList<T extends string>(value: unknown, field: string, allowed: readonly T[], what: string, one: string, problems: string[]): T[] | null {
  if (!Array.isArray(value) || value.length === 0) {
    problems.push(`\`${field}\` must be a non-empty array of ${what}${value === undefined ? ' (it is missing)' : ''}`);
    return null;
  }
  const bad = value.filter((v) => typeof v !== 'string' || !(allowed as readonly string[]).includes(v));
  const dupes = value.filter((v, i) => value.indexOf(v) !== i);
  if (bad.length > 0) problems.push(`\`${field}\` holds ${bad.map(quote).join(', ')}, which ${bad.length === 1 ? `is not ${one}` : `are not ${what}`} (${allowed.join(', ')})`);
  if (dupes.length > 0) problems.push(`\`${field}\` names ${[...new Set(dupes)].map(quote).join(', ')} more than once`);
  return bad.length === 0 && dupes.length === 0 ? (value as T[]) : null;
}

/** A condition or authorisation that the registers require (non-empty) or forbid (null). */
function conditionField(value: unknown, field: string, required: boolean, because: string, problems: string[]): string | null {
  const absent = value === undefined || value === null;
  if (required) {
    if (absent || typeof value !== 'string' || value.trim() === '') {
      problems.push(`\`${field}\` is required (non-empty) because \`registers\` holds ${because}`);
      return null;
    }
    if (value.length > MAX_TEXT) problems.push(`\`${field}\` is longer than ${MAX_TEXT} characters`);
    return value;
  }
  if (!absent) problems.push(`\`${field}\` must be null because \`registers\` does not hold ${because}`);
  return null;
}

/**
 * Checks an entry file's parsed JSON. `validTo`, `article9Condition` and `article10Authorisation` may be
 * absent, which reads as null; every other field is required, and unknown fields are refused (the field
 * names are fixed by the spec, and a misspelt optional field must not pass as absent).
 */
export function parseLawfulBasisFile(file: unknown): LawfulBasisFileVerdict {
  if (typeof file !== 'object' || file === null || Array.isArray(file)) {
    return { ok: false, problems: ['the file must hold one JSON object'] };
  }
  const f = file as Record<string, unknown>;
  const problems: string[] = [];
  for (const key of Object.keys(f)) {
    if (!(LAWFUL_BASIS_FIELDS as readonly string[]).includes(key)) problems.push(`\`${key}\` is not a field of a lawful-basis entry (${LAWFUL_BASIS_FIELDS.join(', ')})`);
  }
  let id: string | null = null;
  if (typeof f.id !== 'string' || !ID.test(f.id)) {
    problems.push(`\`id\` must be 1-64 letters, digits, . _ - starting with a letter or digit${f.id === undefined ? ' (it is missing)' : `, not ${quote(f.id)}`}`);
  } else id = f.id;
  const title = nonEmptyText(f.title, 'title', problems);
  const legalReference = nonEmptyText(f.legalReference, 'legalReference', problems);
  let gdprArticle6: GdprArticle6Point | null = null;
  if (typeof f.gdprArticle6 !== 'string' || !(GDPR_ARTICLE6_POINTS as readonly string[]).includes(f.gdprArticle6)) {
    problems.push(`\`gdprArticle6\` must be one of ${GDPR_ARTICLE6_POINTS.join(' ')} (the GDPR Art. 6(1) point)${f.gdprArticle6 === undefined ? ' (it is missing)' : `, not ${quote(f.gdprArticle6)}`}`);
  } else gdprArticle6 = f.gdprArticle6 as GdprArticle6Point;
  const purposes = codeList(f.purposes, 'purposes', PURPOSES, 'purposes', 'a purpose', problems);
  const registers = codeList(f.registers, 'registers', REGISTER_CODES, 'register codes', 'a register code', problems);
  let validFrom: string | null = null;
  if (typeof f.validFrom !== 'string' || !isIsoDate(f.validFrom)) {
    problems.push(`\`validFrom\` must be a date YYYY-MM-DD${f.validFrom === undefined ? ' (it is missing)' : `, not ${quote(f.validFrom)}`}`);
  } else validFrom = f.validFrom;
  let validTo: string | null = null;
  if (f.validTo !== undefined && f.validTo !== null) {
    if (typeof f.validTo !== 'string' || !isIsoDate(f.validTo)) problems.push(`\`validTo\` must be a date YYYY-MM-DD or null (open-ended), not ${quote(f.validTo)}`);
    else if (validFrom !== null && f.validTo < validFrom) problems.push(`\`validTo\` ${f.validTo} is before \`validFrom\` ${validFrom}`);
    else validTo = f.validTo;
  }
  // Which registers were asked for decides the conditions, even when another register in the list is unknown.
  const asked = Array.isArray(f.registers) ? (f.registers as unknown[]) : [];
  const needs9 = ARTICLE9_REGISTERS.filter((r) => asked.includes(r));
  const needs10 = ARTICLE10_REGISTERS.filter((r) => asked.includes(r));
  const article9Condition = conditionField(f.article9Condition, 'article9Condition', needs9.length > 0, needs9.length ? needs9.map((r) => `\`${r}\``).join(', ') : ARTICLE9_REGISTERS.map((r) => `\`${r}\``).join(', '), problems);
  const article10Authorisation = conditionField(f.article10Authorisation, 'article10Authorisation', needs10.length > 0, needs10.length ? needs10.map((r) => `\`${r}\``).join(', ') : ARTICLE10_REGISTERS.map((r) => `\`${r}\``).join(', '), problems);
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    entry: { id: id!, title: title!, legalReference: legalReference!, gdprArticle6: gdprArticle6!, purposes: purposes!, registers: registers!, validFrom: validFrom!, validTo, article9Condition, article10Authorisation },
  };
}

/**
 * The entry's canonical JSON (RFC 8785) with its lists as sets: two files are "identical" when they state
 * the same entry, whatever their whitespace, key order or list order.
 */
export function canonicalLawfulBasis(entry: LawfulBasisEntry): string {
  return canonicalize({ ...entry, purposes: [...entry.purposes].sort(), registers: [...entry.registers].sort() }) as string;
}

/** The fields in which two entries differ, for a refusal that says what changed. */
export function differingFields(a: LawfulBasisEntry, b: LawfulBasisEntry): string[] {
  return LAWFUL_BASIS_FIELDS.filter((field) => {
    const x = a[field];
    const y = b[field];
    if (Array.isArray(x) && Array.isArray(y)) return [...x].sort().join('\u0000') !== [...y].sort().join('\u0000');
    return x !== y;
  });
}
