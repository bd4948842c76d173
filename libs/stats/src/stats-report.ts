import type { Outcome, ReferralStatus } from '@tiltas/outreach';
import type { FollowUpRegister } from './stats.repository';
import { HIDDEN, RateValue, StatValue, rate, suppressTable } from './suppression';

/** A figure as the viewer may see it: its total, by month, by cohort, and by month and cohort. */
export interface FigureView<V = StatValue> {
  readonly total: V;
  readonly byMonth: Record<string, V>;
  readonly byCohort: Record<string, V>;
  readonly cells: Record<string, Record<string, V>>;
}

export type RateView = FigureView<RateValue>;

export const FUNNEL_FIGURES = ['listed', 'assigned', 'contacted', 'reached'] as const;
export type FunnelFigure = (typeof FUNNEL_FIGURES)[number];
export const FOLLOW_UP_FIGURES = ['employment', 'education', 'jobseekers', 'social_services', 'any'] as const;
export type FollowUpFigure = FollowUpRegister | 'any';

export type FollowUpSection =
  | {
      readonly available: true;
      /** The basis the follow-up was read under, as its audit entry names it. */
      readonly lawfulBasisId: string;
      /** The extract each register was read from; a register without an ACTIVE extract finds nobody. */
      readonly extracts: ReadonlyArray<{ readonly register: string; readonly asOf: string }>;
      readonly figures: Record<FollowUpFigure, FigureView>;
      /** Share of the listed found active in at least one of the registers. */
      readonly rates: { readonly any: RateView };
    }
  | {
      readonly available: false;
      /** Why not: the lawful-basis coverage check's reasons. */
      readonly problems: string[];
    };

export interface StatsReport {
  /** Null: the whole country. */
  readonly municipality: string | null;
  readonly from: string;
  readonly to: string;
  readonly cohort: string | null;
  /** Months are calendar months in this zone; a case counts in the month it was listed (created). */
  readonly timeZone: 'Europe/Vilnius';
  readonly months: string[];
  /** The cohort columns: those that listed a case in the period (the asked one only, when one is). */
  readonly cohorts: string[];
  /** Every cohort the viewer's cases were ever listed by: the filter's choices. */
  readonly cohortChoices: string[];
  /** False: counts under 5 are "<5", and "*" hides a count that would give a small one away. */
  readonly seesSmallCounts: boolean;
  readonly funnel: Record<FunnelFigure, FigureView>;
  /** contact: contacted of listed; reach: reached of contacted; whole percent. */
  readonly rates: { readonly contact: RateView; readonly reach: RateView };
  readonly outcomes: Record<Outcome, FigureView>;
  readonly referrals: Record<ReferralStatus, FigureView>;
  readonly followUp: FollowUpSection;
}

export interface Cell {
  readonly month: string | null;
  readonly cohort: string | null;
}

/** Reads a figure's count for (month, cohort) out of a family's rows; null means all. */
export type CountOf = (month: string | null, cohort: string | null) => number;

export function countsBy<R extends Cell>(rows: readonly R[], value: (row: R) => number): CountOf {
  const map = new Map<string, number>();
  for (const row of rows) map.set(`${row.month ?? ''}|${row.cohort ?? ''}`, value(row));
  return (month, cohort) => map.get(`${month ?? ''}|${cohort ?? ''}`) ?? 0;
}

/** The figure zero-filled over the months and cohorts, suppressed as one table with its margins. */
export function figureView(count: CountOf, months: readonly string[], cohorts: readonly string[], seesSmall: boolean): FigureView {
  const shown = suppressTable(
    {
      cells: months.map((m) => cohorts.map((k) => count(m, k))),
      rowTotals: months.map((m) => count(m, null)),
      colTotals: cohorts.map((k) => count(null, k)),
      total: count(null, null),
    },
    seesSmall,
  );
  return {
    total: shown.total,
    byMonth: Object.fromEntries(months.map((m, i) => [m, shown.rowTotals[i]])),
    byCohort: Object.fromEntries(cohorts.map((k, j) => [k, shown.colTotals[j]])),
    cells: Object.fromEntries(months.map((m, i) => [m, Object.fromEntries(cohorts.map((k, j) => [k, shown.cells[i][j]]))])),
  };
}

/** numerator / denominator cell by cell, from the shown figures, so a hidden count hides its rate. */
export function rateView(numerator: FigureView, denominator: FigureView): RateView {
  const each = (n: Record<string, StatValue>, d: Record<string, StatValue>) => Object.fromEntries(Object.keys(d).map((k) => [k, rate(n[k] ?? HIDDEN, d[k])]));
  return {
    total: rate(numerator.total, denominator.total),
    byMonth: each(numerator.byMonth, denominator.byMonth),
    byCohort: each(numerator.byCohort, denominator.byCohort),
    cells: Object.fromEntries(Object.keys(denominator.cells).map((m) => [m, each(numerator.cells[m], denominator.cells[m])])),
  };
}

/** One figure per code of a family whose rows carry the code in `key` (outcomes, referral statuses). */
export function keyedViews<K extends string>(
  keys: readonly K[],
  rows: ReadonlyArray<Cell & { key: string; n: number }>,
  months: readonly string[],
  cohorts: readonly string[],
  seesSmall: boolean,
): Record<K, FigureView> {
  return Object.fromEntries(keys.map((key) => [key, figureView(countsBy(rows.filter((r) => r.key === key), (r) => r.n), months, cohorts, seesSmall)])) as Record<K, FigureView>;
}
