import { isIsoDate } from '@tiltas/common';
import { isMunicipalityCode, isPseudonym } from '@tiltas/contract';
import { OUTCOMES, type Outcome } from '../case-codes';

/** The header of outcomes.csv (spec/extracts.md "Outcomes from another system"), in any order. */
export const OUTCOME_COLUMNS = ['pseudonym', 'municipality', 'outcome', 'closed_on', 'to_municipality', 'cohorts', 'reason'] as const;
type Column = (typeof OUTCOME_COLUMNS)[number];

/** The longest reason kept with a case: the same bound as a worker's closing note. */
export const REASON_MAX = 500;
const COHORT_ID = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/** One checked row: what a closing of another system says, ready to write. */
export interface OutcomeRow {
  readonly line: number;
  readonly pseudonym: string;
  readonly municipality: string;
  readonly outcome: Outcome;
  readonly closedOn: string;
  readonly toMunicipality: string | null;
  /** Sorted and without repeats, as a case keeps them. */
  readonly cohorts: string[];
  readonly reason: string | null;
}

export interface RowContext {
  /** Today in Europe/Vilnius, the zone closings are dated in: a closing may not be dated later. */
  readonly today: string;
  /** Criterion ids a case may list. */
  readonly knownCohorts: ReadonlySet<string>;
}

/** Column positions by name, or the problems of a header that is not exactly the seven columns. */
export function readHeader(fields: readonly string[]): { index: Record<Column, number> } | { problems: string[] } {
  const problems: string[] = [];
  const index: Partial<Record<Column, number>> = {};
  fields.forEach((name, i) => {
    if (!(OUTCOME_COLUMNS as readonly string[]).includes(name)) problems.push(`line 1, column ${name || `#${i + 1}`}: not a column of outcomes.csv (expected ${OUTCOME_COLUMNS.join(',')})`);
    else if (index[name as Column] !== undefined) problems.push(`line 1, column ${name}: appears twice`);
    else index[name as Column] = i;
  });
  for (const name of OUTCOME_COLUMNS) if (index[name] === undefined) problems.push(`line 1, column ${name}: missing from the header`);
  return problems.length > 0 ? { problems } : { index: index as Record<Column, number> };
}

/**
 * Checks one data row against the column rules. Returns the row, or one line naming the row's line and
 * every column that breaks a rule with its reason. Values that identify a person (the pseudonym, the
 * reason's text) are never repeated in a problem line.
 */
export function checkRow(line: number, fields: readonly string[], index: Record<Column, number>, ctx: RowContext): OutcomeRow | string {
  if (fields.length !== OUTCOME_COLUMNS.length) return `line ${line}: ${fields.length} field(s), the header has ${OUTCOME_COLUMNS.length}`;
  const get = (c: Column): string => fields[index[c]];
  const problems: string[] = [];
  const bad = (c: Column, reason: string): void => {
    problems.push(`column ${c}: ${reason}`);
  };

  const pseudonym = get('pseudonym');
  if (pseudonym === '') bad('pseudonym', 'required');
  else if (!isPseudonym(pseudonym)) bad('pseudonym', 'must be 64 lowercase hex characters');

  const municipality = get('municipality');
  if (municipality === '') bad('municipality', 'required');
  else if (!isMunicipalityCode(municipality)) bad('municipality', `${quoted(municipality)} is not a municipality code (LT-01…LT-60)`);

  const outcomeText = get('outcome');
  const outcome = (OUTCOMES as readonly string[]).includes(outcomeText) ? (outcomeText as Outcome) : null;
  if (outcomeText === '') bad('outcome', 'required');
  else if (!outcome) bad('outcome', `${quoted(outcomeText)} is not a closing outcome (${OUTCOMES.join(', ')})`);

  const closedOn = get('closed_on');
  if (closedOn === '') bad('closed_on', 'required');
  else if (!isIsoDate(closedOn)) bad('closed_on', `${quoted(closedOn)} is not a real date (YYYY-MM-DD)`);
  else if (closedOn > ctx.today) bad('closed_on', `${closedOn} is after today (${ctx.today})`);

  const to = get('to_municipality');
  if (to !== '') {
    if (outcome !== null && outcome !== 'MOVED_AWAY') bad('to_municipality', `only a MOVED_AWAY row names one; this row is ${outcome}`);
    else if (!isMunicipalityCode(to)) bad('to_municipality', `${quoted(to)} is not a municipality code (LT-01…LT-60)`);
    else if (to === municipality) bad('to_municipality', `must be another municipality than ${municipality}`);
  }

  const cohortsText = get('cohorts');
  const cohorts = cohortsText === '' ? [] : cohortsText.split('|');
  if (cohortsText === '' && outcome === 'NOT_ELIGIBLE') bad('cohorts', 'required with NOT_ELIGIBLE (the cohorts the person was not eligible for)');
  else if (cohorts.some((c) => c === '')) bad('cohorts', 'an empty cohort id (ids are joined with |)');
  else {
    const unknown = cohorts.filter((c) => !COHORT_ID.test(c) || !ctx.knownCohorts.has(c));
    if (unknown.length > 0) bad('cohorts', `not a known criterion: ${unknown.map(quoted).join(', ')}`);
    else if (new Set(cohorts).size !== cohorts.length) bad('cohorts', 'a cohort is listed twice');
  }

  const reasonText = get('reason').trim();
  if (reasonText === '' && outcome === 'NOT_ELIGIBLE') bad('reason', 'required with NOT_ELIGIBLE (it is feedback on the criterion)');
  else if (reasonText.length > REASON_MAX) bad('reason', `at most ${REASON_MAX} characters`);

  if (problems.length > 0) return `line ${line}: ${problems.join('; ')}`;
  return {
    line,
    pseudonym,
    municipality,
    outcome: outcome!,
    closedOn,
    toMunicipality: to === '' ? null : to,
    cohorts: [...cohorts].sort(),
    reason: reasonText === '' ? null : reasonText,
  };
}

/** A short, printable rendering of a bad value (codes and dates only reach here, never a pseudonym). */
function quoted(value: string): string {
  const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value;
  return JSON.stringify(shown);
}

/** Today's date in Europe/Vilnius, where Lithuanian closings are dated. */
export function vilniusDate(at: Date): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Vilnius', year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}
