import { FOLLOW_UP_FIGURES, FUNNEL_FIGURES, FigureView, StatsReport } from './stats-report';

export const STATS_CSV_HEADER = 'municipality,figure,month,cohort,value';

/** `all` stands for every month or every cohort, as the page's total rows and columns do. */
export const ALL = 'all';

/**
 * The report's numbers as CSV, one line per figure, month and cohort, with exactly the values the page
 * shows ("<5" and "*" included; an empty rate has nothing to divide by). Figures are named
 * `<section>.<figure>`: funnel.listed, rate.contact, outcome.DECLINED, referral.SENT, follow_up.employment.
 */
export function statsCsv(report: StatsReport): string {
  const where = report.municipality ?? 'national';
  const lines = [STATS_CSV_HEADER];
  const add = (figure: string, view: FigureView<unknown>) => {
    for (const month of report.months) {
      lines.push(line(where, figure, month, ALL, view.byMonth[month]));
      for (const cohort of report.cohorts) lines.push(line(where, figure, month, cohort, view.cells[month][cohort]));
    }
    for (const cohort of report.cohorts) lines.push(line(where, figure, ALL, cohort, view.byCohort[cohort]));
    lines.push(line(where, figure, ALL, ALL, view.total));
  };
  for (const f of FUNNEL_FIGURES) add(`funnel.${f}`, report.funnel[f]);
  add('rate.contact', report.rates.contact);
  add('rate.reach', report.rates.reach);
  for (const [outcome, view] of Object.entries(report.outcomes)) add(`outcome.${outcome}`, view);
  for (const [status, view] of Object.entries(report.referrals)) add(`referral.${status}`, view);
  if (report.followUp.available) {
    for (const f of FOLLOW_UP_FIGURES) add(`follow_up.${f}`, report.followUp.figures[f]);
    add('rate.follow_up_any', report.followUp.rates.any);
  }
  return `${lines.join('\n')}\n`;
}

function line(...fields: unknown[]): string {
  // Codes, months, cohort ids and counts only: nothing here needs quoting.
  return fields.map((f) => (f === null || f === undefined ? '' : String(f))).join(',');
}
