import { DomainError } from '@tiltas/common';
import type { DbScope } from '@tiltas/database';
import type { ListedFilter } from './stats.repository';

/**
 * Who reads the statistics. @tiltas/access's Actor fits it as it is, so this lib does not depend on
 * access.
 */
export interface StatsActor {
  readonly userId: string;
  readonly role: string;
  readonly municipality: string | null;
  readonly scope: 'national' | 'municipal';
}

/** What the viewer asks for; every field optional. */
export interface StatsQuery {
  /** YYYY-MM; eleven months before `to` when absent. */
  readonly from?: string;
  /** YYYY-MM; this month (Europe/Vilnius) when absent. */
  readonly to?: string;
  readonly cohort?: string;
  /** A national viewer's choice: a code LT-01…LT-60, or absent (or `national`) for the whole country. */
  readonly municipality?: string;
}

export const STATS_ROLES = ['COORDINATOR', 'AUDITOR', 'ADMIN'] as const;
/** The longest period one report covers: three years of months keep the tables readable. */
export const MAX_MONTHS = 36;

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;
const MUNICIPALITY = /^LT-(0[1-9]|[1-5][0-9]|60)$/;
const COHORT = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const VILNIUS_MONTH = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Vilnius', year: 'numeric', month: '2-digit' });

/** The calendar month of an instant in Europe/Vilnius, YYYY-MM. */
export function vilniusMonth(at: Date): string {
  return VILNIUS_MONTH.format(at).slice(0, 7);
}

export function addMonths(month: string, n: number): string {
  const [y, m] = month.split('-').map(Number);
  const index = y * 12 + (m - 1) + n;
  return `${String(Math.floor(index / 12)).padStart(4, '0')}-${String((index % 12) + 1).padStart(2, '0')}`;
}

/** Every month from `from` to `to`, inclusive. */
export function monthsBetween(from: string, to: string): string[] {
  const months: string[] = [];
  for (let m = from; m <= to; m = addMonths(m, 1)) months.push(m);
  return months;
}

/**
 * The query checked and resolved for the viewer: a worker is refused; a coordinator and a municipal
 * auditor or administrator read their own municipality (asking for another is refused, not silently
 * narrowed); a national auditor or administrator reads one municipality or the whole country.
 */
export function resolveStatsRequest(actor: StatsActor, query: StatsQuery, now: Date): ListedFilter {
  if (!(STATS_ROLES as readonly string[]).includes(actor.role)) throw DomainError.forbidden('statistics are for coordinators, auditors and administrators');
  const problems: string[] = [];
  const to = query.to ?? vilniusMonth(now);
  const from = query.from ?? addMonths(to, -11);
  if (!MONTH.test(from)) problems.push('`from` must be a month YYYY-MM');
  if (!MONTH.test(to)) problems.push('`to` must be a month YYYY-MM');
  if (problems.length === 0 && from > to) problems.push('`from` must not be after `to`');
  if (problems.length === 0 && monthsBetween(from, to).length > MAX_MONTHS) problems.push(`a report covers at most ${MAX_MONTHS} months`);
  const cohort = query.cohort ?? null;
  if (cohort !== null && !COHORT.test(cohort)) problems.push('`cohort` must be a criterion id such as neet-youth');
  const asked = query.municipality === undefined || query.municipality === 'national' ? null : query.municipality;
  if (asked !== null && !MUNICIPALITY.test(asked)) problems.push('`municipality` must be a code LT-01…LT-60 or `national`');
  if (problems.length > 0) throw DomainError.validation(problems.join('; '), { problems });

  if (actor.scope === 'national') return { from, to, cohort, municipality: asked };
  if (actor.municipality === null) throw DomainError.forbidden('a municipal viewer without a municipality sees no statistics');
  if (asked !== null && asked !== actor.municipality) throw DomainError.forbidden(`you read the statistics of ${actor.municipality} only`);
  return { from, to, cohort, municipality: actor.municipality };
}

export function statsScope(actor: StatsActor): DbScope {
  return { scope: actor.scope, municipality: actor.municipality, actor: actor.userId, role: actor.role };
}
