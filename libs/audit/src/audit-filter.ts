import { isMunicipalityCode } from '@tiltas/contract';
import { DomainError, addDays, isIsoDate } from '@tiltas/common';
import { AuditActor } from './audit-entry';
import { AuditFilterSql } from './audit-log.repository';

/** What an auditor searches by. Every field is optional; given fields all apply (AND). */
export interface AuditSearchFilter {
  /** From this time (inclusive): RFC 3339 timestamp or YYYY-MM-DD (the start of that UTC day). */
  from?: string;
  /** Up to this time: a timestamp is exclusive; YYYY-MM-DD includes that whole UTC day. */
  to?: string;
  actor?: string;
  /** An action, or a family of them: `case.*`. */
  action?: string;
  municipality?: string;
  lawfulBasisId?: string;
  /** Entries about this case (objectType `case`). */
  caseId?: string;
  /** A pseudonym. The subject access lookup finds it from a personal code. */
  subject?: string;
  objectType?: string;
  objectId?: string;
}

export const AUDIT_FILTER_FIELDS = ['from', 'to', 'actor', 'action', 'municipality', 'lawfulBasisId', 'caseId', 'subject', 'objectType', 'objectId'] as const;

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})$/;

function instant(value: string, field: string, endOfDay: boolean, problems: string[]): string | null {
  if (isIsoDate(value)) return `${endOfDay ? addDays(value, 1) : value}T00:00:00Z`;
  if (TIMESTAMP.test(value) && !Number.isNaN(Date.parse(value)) && isIsoDate(value.slice(0, 10))) return value;
  problems.push(`${field} must be YYYY-MM-DD or an RFC 3339 timestamp`);
  return null;
}

/**
 * Turns a filter into a parameterised WHERE clause, refusing malformed values with every problem named.
 * A municipal viewer sees only entries of their municipality, whatever the filter asks.
 */
export function auditFilterSql(filter: AuditSearchFilter, viewer: AuditActor | null): AuditFilterSql {
  const problems: string[] = [];
  const clauses: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, value: unknown): void => {
    params.push(value);
    clauses.push(sql.replace('?', `$${params.length}`));
  };
  for (const key of Object.keys(filter)) {
    if (!(AUDIT_FILTER_FIELDS as readonly string[]).includes(key)) problems.push(`unknown filter ${key}`);
  }
  const text = (key: keyof AuditSearchFilter, pattern: RegExp, describe: string): string | undefined => {
    const value = filter[key];
    if (value === undefined || value === '') return undefined;
    if (typeof value !== 'string' || !pattern.test(value)) {
      problems.push(`${key} must be ${describe}`);
      return undefined;
    }
    return value;
  };
  if (filter.from) {
    const from = instant(filter.from, 'from', false, problems);
    if (from) add('at >= ?::timestamptz', from);
  }
  if (filter.to) {
    const to = instant(filter.to, 'to', true, problems);
    if (to) add('at < ?::timestamptz', to);
  }
  const actor = text('actor', /^[^\s]{1,200}$/, 'a user id or system:<job>');
  if (actor) add('actor = ?', actor);
  const action = text('action', /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*(\.\*)?$/, 'an action such as case.created, or a family such as case.*');
  if (action) {
    if (action.endsWith('.*')) add("action LIKE ? || '.%'", action.slice(0, -2));
    else add('action = ?', action);
  }
  const municipality = text('municipality', /^LT-\d{2}$/, 'an ISO 3166-2:LT code LT-01…LT-60');
  if (municipality && !isMunicipalityCode(municipality)) problems.push('municipality must be an ISO 3166-2:LT code LT-01…LT-60');
  else if (municipality) add('municipality = ?', municipality);
  const lawfulBasisId = text('lawfulBasisId', /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'a lawful-basis id');
  if (lawfulBasisId) add('lawful_basis_id = ?', lawfulBasisId);
  const caseId = text('caseId', /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/, 'a case id');
  if (caseId) {
    add("object_type = 'case' AND object_id = ?", caseId);
  }
  const subject = text('subject', /^[0-9a-f]{64}$/, 'a pseudonym (64 lowercase hex)');
  if (subject) add('subject = ?', subject);
  const objectType = text('objectType', /^[a-z][a-z0-9_]{0,39}$/, 'an object type such as case');
  if (objectType) add('object_type = ?', objectType);
  const objectId = text('objectId', /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/, 'an object id');
  if (objectId) add('object_id = ?', objectId);
  if (viewer && viewer.scope === 'municipal') {
    if (!viewer.municipality) problems.push('a municipal viewer needs a municipality');
    else add('municipality = ?', viewer.municipality);
  }
  if (problems.length > 0) throw DomainError.validation(`audit search refused: ${problems.join('; ')}`, { problems });
  return { where: clauses.join(' AND '), params };
}
