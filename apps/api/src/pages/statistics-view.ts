import { OUTCOMES, REFERRAL_STATUSES } from '@tiltas/outreach';
import { ALL, FOLLOW_UP_FIGURES, FUNNEL_FIGURES, type FigureView, type RateValue, type StatValue, type StatsReport } from '@tiltas/stats';
import type { PageLanguage, Messages } from '../platform/messages';
import { Bar, barChart } from './svg-chart';

/** A header or row label: a catalogue key, or text that needs none (a month, a cohort id). */
export interface Label {
  readonly key?: string;
  readonly text?: string;
}

export interface StatCell {
  readonly text: string;
  /** The CSV's figure, month and cohort of this number, so the page and the download name the same cell. */
  readonly figure: string;
  readonly month: string;
  readonly cohort: string;
}

export interface StatTable {
  readonly id: string;
  /** `key` with the section's title (`titleKey`) filled in: "Closing outcomes by month". */
  readonly caption: { readonly key: string; readonly titleKey: string };
  readonly corner: Label;
  readonly columns: Label[];
  readonly rows: Array<{ readonly label: Label; readonly cells: StatCell[] }>;
  readonly foot: { readonly label: Label; readonly cells: StatCell[] };
}

/** A count as the page shows it; a rate in whole percent, "*" when hidden, "–" with nothing to divide by. */
export function countText(value: StatValue): string {
  return String(value);
}

export function rateText(value: RateValue): string {
  return value === null ? '–' : String(value);
}

type Column = { readonly label: Label; readonly figure: string; readonly view: FigureView<StatValue> | FigureView<RateValue>; readonly rate?: boolean };

const text = (column: Column, value: StatValue | RateValue): string => (column.rate ? rateText(value as RateValue) : countText(value as StatValue));

type Across = 'month' | 'cohort';

/** The months or the cohorts, each with where its number sits in a figure and in the CSV. */
function along(report: StatsReport, across: Across) {
  return across === 'month'
    ? report.months.map((m) => ({ text: m, month: m, cohort: ALL, of: <V>(view: FigureView<V>) => view.byMonth[m] }))
    : report.cohorts.map((k) => ({ text: k, month: ALL, cohort: k, of: <V>(view: FigureView<V>) => view.byCohort[k] }));
}

const captionOf = (across: Across, titleKey: string) => ({ key: across === 'month' ? 'statistics.byMonth' : 'statistics.byCohort', titleKey });

/** Figures side by side (columns), once by month and once by cohort (rows), each with its total row. */
function sideBySide(report: StatsReport, id: string, captionKey: string, columns: readonly Column[]): StatTable[] {
  const cell = (c: Column, month: string, cohort: string, value: StatValue | RateValue): StatCell => ({ text: text(c, value), figure: c.figure, month, cohort });
  const table = (across: Across): StatTable => ({
    id: `${id}-by-${across}`,
    caption: captionOf(across, captionKey),
    corner: { key: `statistics.${across}` },
    columns: columns.map((c) => c.label),
    rows: along(report, across).map((p) => ({ label: { text: p.text }, cells: columns.map((c) => cell(c, p.month, p.cohort, p.of<StatValue | RateValue>(c.view))) })),
    foot: { label: { key: 'statistics.total' }, cells: columns.map((c) => cell(c, ALL, ALL, c.view.total)) },
  });
  return [table('month'), table('cohort')];
}

/** One row per code (outcome, referral status); columns the months, or the cohorts, and the total. */
function codesAcross(report: StatsReport, id: string, captionKey: string, cornerKey: string, figures: ReadonlyArray<{ code: string; labelKey: string; view: FigureView }>, prefix: string): StatTable[] {
  const table = (across: Across): StatTable => ({
    id: `${id}-by-${across}`,
    caption: captionOf(across, captionKey),
    corner: { key: cornerKey },
    columns: [...along(report, across).map((p) => ({ text: p.text })), { key: 'statistics.total' }],
    rows: figures.map((f) => ({
      label: { key: f.labelKey },
      cells: [...along(report, across).map((p) => ({ month: p.month, cohort: p.cohort, value: p.of(f.view) })), { month: ALL, cohort: ALL, value: f.view.total }].map((c) => ({
        text: countText(c.value),
        figure: `${prefix}.${f.code}`,
        month: c.month,
        cohort: c.cohort,
      })),
    })),
    // Codes are not parts of one whole here (a case has one outcome, but open cases have none), so no total row.
    foot: { label: {}, cells: [] },
  });
  return [table('month'), table('cohort')];
}

function bars(messages: Messages, lang: PageLanguage, items: ReadonlyArray<{ key?: string; text?: string; value: StatValue }>): Bar[] {
  return items.map((i) => ({ label: i.key ? messages.t(lang, i.key) : (i.text ?? ''), value: i.value }));
}

export interface StatisticsPage {
  readonly funnel: StatTable[];
  readonly outcomes: StatTable[];
  readonly referrals: StatTable[];
  readonly followUp: StatTable[];
  readonly charts: { readonly funnel: string; readonly listedByMonth: string; readonly outcomes: string };
}

/** The report as the page's tables and charts: every number once, from the same suppressed report as the CSV. */
export function statisticsPage(report: StatsReport, messages: Messages, lang: PageLanguage): StatisticsPage {
  const funnelColumns: Column[] = [
    ...FUNNEL_FIGURES.map((f) => ({ label: { key: `statistics.figure.${f}` }, figure: `funnel.${f}`, view: report.funnel[f] })),
    { label: { key: 'statistics.rate.contact' }, figure: 'rate.contact', view: report.rates.contact, rate: true },
    { label: { key: 'statistics.rate.reach' }, figure: 'rate.reach', view: report.rates.reach, rate: true },
  ];
  const outcomes = OUTCOMES.map((o) => ({ code: o, labelKey: `outcome.${o}`, view: report.outcomes[o] }));
  const referrals = REFERRAL_STATUSES.map((s) => ({ code: s, labelKey: `statistics.referral.${s}`, view: report.referrals[s] }));
  const found = report.followUp;
  const followUp = found.available
    ? sideBySide(report, 'follow-up', 'statistics.followUp', [
        { label: { key: 'statistics.figure.listed' }, figure: 'funnel.listed', view: report.funnel.listed },
        ...FOLLOW_UP_FIGURES.map((f) => ({ label: { key: `statistics.followUp.${f}` }, figure: `follow_up.${f}`, view: found.figures[f] })),
        { label: { key: 'statistics.rate.followUpAny' }, figure: 'rate.follow_up_any', view: found.rates.any, rate: true },
      ])
    : [];
  const title = (key: string) => messages.t(lang, key);
  return {
    funnel: sideBySide(report, 'funnel', 'statistics.funnel', funnelColumns),
    outcomes: codesAcross(report, 'outcomes', 'statistics.outcomes', 'statistics.outcome', outcomes, 'outcome'),
    referrals: codesAcross(report, 'referrals', 'statistics.referrals', 'common.status', referrals, 'referral'),
    followUp,
    charts: {
      funnel: barChart(title('statistics.funnel'), bars(messages, lang, FUNNEL_FIGURES.map((f) => ({ key: `statistics.figure.${f}`, value: report.funnel[f].total })))),
      listedByMonth: barChart(
        messages.t(lang, 'statistics.listedByMonth'),
        bars(messages, lang, report.months.map((m) => ({ text: m, value: report.funnel.listed.byMonth[m] }))),
        { labelWidth: 120 },
      ),
      outcomes: barChart(title('statistics.outcomes'), bars(messages, lang, outcomes.map((o) => ({ key: o.labelKey, value: o.view.total })))),
    },
  };
}
