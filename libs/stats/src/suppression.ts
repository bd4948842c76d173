import { SMALL_COUNT_LIMIT, isSmallCount } from '@tiltas/common';

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

/** A line that adds up: its cells sum to its total (coefficient +1 for a cell, -1 for the total). */
type Line = ReadonlyArray<{ readonly member: Member; readonly sign: 1 | -1 }>;

/** What a reader knows of a suppressed count from its marker: "<5" is 0–4, "*" is 5 or more. */
function bounds(m: Member): [number, number] {
  return m.state === 'small' ? [0, SMALL_COUNT_LIMIT - 1] : [SMALL_COUNT_LIMIT, Infinity];
}

/**
 * Whether a reader could work out a suppressed member of the line exactly: from the shown members they
 * know the suppressed members' signed sum, and from each marker its range; a member whose range that
 * leaves is a single number is given away. One suppressed member beside a shown total always is; so are
 * two "<5" cells whose sum the total shows to be 0, or a "<5" beside a "*" that the total pins to 5.
 */
function exposed(line: Line): boolean {
  const hidden = line.filter((e) => e.member.state !== 'shown');
  if (hidden.length === 0) return false;
  const known = -line.filter((e) => e.member.state === 'shown').reduce((sum, e) => sum + e.sign * e.member.value, 0);
  return hidden.some((e, i) => {
    // The signed sum of the other suppressed members lies in [low, high].
    let low = 0;
    let high = 0;
    hidden.forEach((o, j) => {
      if (j === i) return;
      const [lo, hi] = bounds(o.member);
      low += o.sign === 1 ? lo : -hi;
      high += o.sign === 1 ? hi : -lo;
    });
    const [lo, hi] = bounds(e.member);
    // sign × count = known − (the others' signed sum), so the count lies between these two.
    const from = Math.max(lo, e.sign === 1 ? known - high : low - known);
    const to = Math.min(hi, e.sign === 1 ? known - low : high - known);
    return from === to;
  });
}

/**
 * The table as a viewer may see it. Outside the national admin view every count under 5 becomes "<5"
 * (primary suppression); then every line that adds up (a row with its total, a column with its total,
 * the margins with the grand total) is checked for a suppressed member a reader could work out exactly
 * from the shown ones, and while one is, the smallest shown member of that line is hidden too, inner
 * cells before totals (complementary suppression). Lines are checked one by one, not solved together.
 */
export function suppressTable(table: CountTable, seesSmall: boolean): ShownTable {
  const member = (value: number, margin: boolean): Member => ({ value, margin, state: !seesSmall && isSmallCount(value) ? 'small' : 'shown' });
  const cells = table.cells.map((row) => row.map((v) => member(v, false)));
  const rowTotals = table.rowTotals.map((v) => member(v, true));
  const colTotals = table.colTotals.map((v) => member(v, true));
  const total = member(table.total, true);

  if (!seesSmall) {
    const line = (parts: readonly Member[], sum: Member): Line => [...parts.map((m) => ({ member: m, sign: 1 as const })), { member: sum, sign: -1 as const }];
    const lines: Line[] = [
      ...cells.map((row, r) => line(row, rowTotals[r])),
      ...colTotals.map((col, c) => line(cells.map((row) => row[c]), col)),
      line(rowTotals, total),
      line(colTotals, total),
    ];
    let changed = true;
    while (changed) {
      changed = false;
      for (const l of lines) {
        if (!exposed(l)) continue;
        // A zero is never hidden to protect a neighbour: "*" would claim 5 or more, and nobody is in it anyway.
        const candidates = l.map((e) => e.member).filter((m) => m.state === 'shown' && m.value > 0);
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
