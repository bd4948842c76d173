import { isSmallCount } from '@tiltas/common';

/** A count under 5, shown as DESIGN.md asks. */
export const SMALL = '<5';
/**
 * A count that is not small but is hidden all the same, because with the total beside it, it would give
 * away a small cell by subtraction (complementary suppression).
 */
export const HIDDEN = '*';

export type StatValue = number | typeof SMALL | typeof HIDDEN;
/** A derived rate in whole percent; hidden when its numerator or denominator is; null when nothing to divide by. */
export type RateValue = number | typeof HIDDEN | null;

/**
 * A figure broken down by two dimensions (for the statistics: months by cohorts) with its margins: each row's
 * total, each column's total, and the grand total. A case in two cohorts counts in both columns but once
 * in its row's total, so a row's total may be less than the sum of its cells; suppression treats every
 * line as if it added up, which can only hide more, never less.
 */
export interface CountTable {
  readonly cells: readonly (readonly number[])[];
  readonly rowTotals: readonly number[];
  readonly colTotals: readonly number[];
  readonly total: number;
}

export interface ShownTable {
  readonly cells: StatValue[][];
  readonly rowTotals: StatValue[];
  readonly colTotals: StatValue[];
  readonly total: StatValue;
}

type State = 'shown' | 'small' | 'hidden';

interface Member {
  readonly value: number;
  /** Margins are hidden only when no inner cell of the line can be. */
  readonly margin: boolean;
  state: State;
}

/**
 * The table as a viewer may see it. Outside the national admin view every count under 5 becomes "<5"
 * (primary suppression); then, in every line that adds up to a shown total (a row with its total, a
 * column with its total, the margins with the grand total), a line left with exactly one suppressed member
 * would give that member away by subtraction, so the smallest other member of the line is hidden too,
 * inner cells before totals, repeated until no line has a lone suppressed member.
 */
export function suppressTable(table: CountTable, seesSmall: boolean): ShownTable {
  const member = (value: number, margin: boolean): Member => ({ value, margin, state: !seesSmall && isSmallCount(value) ? 'small' : 'shown' });
  const cells = table.cells.map((row) => row.map((v) => member(v, false)));
  const rowTotals = table.rowTotals.map((v) => member(v, true));
  const colTotals = table.colTotals.map((v) => member(v, true));
  const total = member(table.total, true);

  if (!seesSmall) {
    const lines: Member[][] = [
      ...cells.map((row, r) => [...row, rowTotals[r]]),
      ...colTotals.map((col, c) => [...cells.map((row) => row[c]), col]),
      [...rowTotals, total],
      [...colTotals, total],
    ];
    let changed = true;
    while (changed) {
      changed = false;
      for (const line of lines) {
        if (line.filter((m) => m.state !== 'shown').length !== 1) continue;
        const candidates = line.filter((m) => m.state === 'shown');
        if (candidates.length === 0) continue;
        const pick = candidates.reduce((best, m) => (m.margin !== best.margin ? (m.margin ? best : m) : m.value < best.value ? m : best));
        pick.state = 'hidden';
        changed = true;
      }
    }
  }

  const shown = (m: Member): StatValue => (m.state === 'small' ? SMALL : m.state === 'hidden' ? HIDDEN : m.value);
  return { cells: cells.map((row) => row.map(shown)), rowTotals: rowTotals.map(shown), colTotals: colTotals.map(shown), total: shown(total) };
}

/** numerator / denominator in whole percent, unless either is suppressed (then hidden). */
export function rate(numerator: StatValue, denominator: StatValue): RateValue {
  if (typeof numerator !== 'number' || typeof denominator !== 'number') return HIDDEN;
  if (denominator === 0) return null;
  return Math.round((numerator / denominator) * 100);
}
