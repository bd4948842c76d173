import { isMunicipalityCode } from '@tiltas/contract';
import { DomainError } from '@tiltas/common';
import { AUDIT_ROLES, AuditDetailValue, AuditEntryInput, AuditRole, NormalizedAuditEntry } from './audit-entry';

const ACTION = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$/;
const PSEUDONYM = /^[0-9a-f]{64}$/;
const TOKEN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;
const DETAIL_KEY = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
const MAX_DETAILS_DEPTH = 4;
const MAX_STRING = 2000;
const MAX_ARRAY = 1000;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Keys that would carry contact details or names. Compared lower-case without separators, so
 * `given_name`, `givenName` and `GivenName` are one key.
 */
const PERSONAL_KEYS = new Set([
  'personalcode',
  'nationalid',
  'asmenskodas',
  'givenname',
  'familyname',
  'fullname',
  'firstname',
  'lastname',
  'surname',
  'phone',
  'phonenumber',
  'mobile',
  'email',
  'emailaddress',
  'address',
  'postalcode',
]);

/** Values that look like a personal code, an email address or a phone number, whatever their key. */
const PERSONAL_VALUES: Array<[RegExp, string]> = [
  [/^[3-6]\d{10}$/, 'a personal code'],
  [/^[^\s@]+@[^\s@]+\.[A-Za-z]{2,}$/, 'an email address'],
  [/^\+\d{8,15}$/, 'a phone number'],
];

function nullableText(value: unknown, field: string, pattern: RegExp, problems: string[], describe: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string' || !pattern.test(value)) {
    problems.push(`${field} must be ${describe}`);
    return null;
  }
  return value;
}

function checkDetail(value: unknown, path: string, depth: number, problems: string[]): AuditDetailValue {
  if (value === null || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) problems.push(`details.${path} must be a whole number within ±2^53 (fractions canonicalise differently across languages)`);
    return value;
  }
  if (typeof value === 'string') {
    if (value.length > MAX_STRING) problems.push(`details.${path} is longer than ${MAX_STRING} characters`);
    if (LONE_SURROGATE.test(value) || value.includes('\u0000')) problems.push(`details.${path} holds a NUL or a lone surrogate`);
    for (const [pattern, what] of PERSONAL_VALUES) {
      if (pattern.test(value)) problems.push(`details.${path} looks like ${what}: the log never holds contact details or personal codes`);
    }
    return value;
  }
  if (depth >= MAX_DETAILS_DEPTH) {
    problems.push(`details.${path} nests deeper than ${MAX_DETAILS_DEPTH} levels`);
    return null;
  }
  if (Array.isArray(value)) {
    if (value.length > MAX_ARRAY) problems.push(`details.${path} has more than ${MAX_ARRAY} items`);
    return value.map((v, i) => checkDetail(v, `${path}[${i}]`, depth + 1, problems));
  }
  if (typeof value === 'object' && isPlainObject(value)) return checkDetailsObject(value as Record<string, unknown>, `${path}.`, depth + 1, problems);
  problems.push(`details.${path} is not a JSON value`);
  return null;
}

function checkDetailsObject(value: Record<string, unknown>, prefix: string, depth: number, problems: string[]): Record<string, AuditDetailValue> {
  const out: Record<string, AuditDetailValue> = {};
  for (const [key, v] of Object.entries(value)) {
    const path = `${prefix}${key}`;
    if (!DETAIL_KEY.test(key)) {
      problems.push(`details key ${JSON.stringify(path)} must be a letter followed by letters, digits or _ (at most 64)`);
      continue;
    }
    if (PERSONAL_KEYS.has(key.replace(/[_-]/g, '').toLowerCase())) {
      problems.push(`details.${path} would hold a name or contact detail, which the log never holds`);
      continue;
    }
    if (v === undefined) continue;
    out[key] = checkDetail(v, path, depth, problems);
  }
  return out;
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * Checks an entry before it is chained, naming every problem at once. A refused entry is a programming
 * error in the caller (the wrong action name, a name in the details), so it throws before anything is
 * written and the caller's transaction rolls back with its action.
 */
export function normalizeEntry(input: AuditEntryInput): NormalizedAuditEntry {
  const problems: string[] = [];
  if (typeof input !== 'object' || input === null) throw DomainError.validation('an audit entry must be an object');
  const actor = typeof input.actor === 'string' && input.actor.length > 0 && input.actor.length <= 200 ? input.actor : null;
  if (actor === null) problems.push('actor must be a user id or system:<job> (1-200 characters)');
  const role = (AUDIT_ROLES as readonly string[]).includes(input.role) ? (input.role as AuditRole) : null;
  if (role === null) problems.push(`role must be one of ${AUDIT_ROLES.join(', ')}`);
  let municipality: string | null = null;
  if (input.municipality !== null && input.municipality !== undefined) {
    if (typeof input.municipality === 'string' && isMunicipalityCode(input.municipality)) municipality = input.municipality;
    else problems.push('municipality must be null or an ISO 3166-2:LT code LT-01…LT-60');
  }
  const action = typeof input.action === 'string' && ACTION.test(input.action) && input.action.length <= 100 ? input.action : null;
  if (action === null) problems.push('action must be dotted lower-case words, e.g. case.created');
  const subject = nullableText(input.subject, 'subject', PSEUDONYM, problems, 'a pseudonym (64 lowercase hex) or null');
  const objectType = nullableText(input.objectType, 'objectType', /^[a-z][a-z0-9_]{0,39}$/, problems, 'lower-case letters, digits and _ (e.g. case), or null');
  const objectId = nullableText(input.objectId, 'objectId', TOKEN, problems, 'an id of letters, digits and _ . : - (at most 128), or null');
  if (objectId !== null && objectType === null && !problems.some((p) => p.startsWith('objectType'))) problems.push('objectType is required with objectId');
  const purpose = nullableText(input.purpose, 'purpose', /^[a-z][a-z_]{0,39}$/, problems, 'a purpose such as outreach, or null');
  const lawfulBasisId = nullableText(input.lawfulBasisId, 'lawfulBasisId', /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, problems, 'a lawful-basis id or null');
  let details: Record<string, AuditDetailValue> = {};
  if (input.details !== undefined && input.details !== null) {
    if (typeof input.details !== 'object' || Array.isArray(input.details) || !isPlainObject(input.details)) problems.push('details must be a plain object');
    else details = checkDetailsObject(input.details, '', 1, problems);
  }
  if (problems.length > 0) {
    throw DomainError.validation(`audit entry refused: ${problems.join('; ')}`, { problems });
  }
  return { actor: actor!, role: role!, municipality, action: action!, subject, objectType, objectId, purpose, lawfulBasisId, details };
}
