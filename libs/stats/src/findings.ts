import { REGISTER_CODES } from '@tiltas/contract';
import { StatValue, suppressTable } from './suppression';

/** A NOT_ELIGIBLE closing made before closings named a register. */
export const UNSPECIFIED = 'unspecified';

/**
 * The register a lapsed reason is about. Identification writes it as `no longer: <condition label>`, the
 * label from the targeting compiler's describeCondition (`in education at D`, `not in employment at D`,
 * `event release: some prison row …`); resident and age conditions, and leaving the population extract
 * or moving to another municipality, are the population register's. A text in no known form is
 * `unspecified` rather than guessed.
 */
export function lapsedRegister(reason: string): string {
  const condition = /^no longer: (?:(?:not )?in ([a-z_]+) at D|event [^:]+: some ([a-z_]+) row)/.exec(reason);
  const register = condition?.[1] ?? condition?.[2];
  if (register && (REGISTER_CODES as readonly string[]).includes(register)) return register;
  if (/^no longer: (resident at D|age )/.test(reason) || reason === 'no longer in the population extract' || reason === 'now found for another municipality') return 'population';
  return UNSPECIFIED;
}

export interface CountRow<K> {
  readonly key: K;
  readonly n: number;
}

/**
 * A breakdown shown with its total, suppressed as the statistics are: each count under 5 is "<5" outside
 * the national admin view, and a count that with the total beside it would give a small one away is "*".
 */
export function suppressBreakdown<K>(rows: ReadonlyArray<CountRow<K>>, seesSmall: boolean): { rows: Array<{ key: K; count: StatValue }>; total: StatValue } {
  const values = rows.map((r) => r.n);
  const total = values.reduce((a, b) => a + b, 0);
  const shown = suppressTable({ cells: [values], rowTotals: [total], colTotals: values, total }, seesSmall);
  return { rows: rows.map((r, i) => ({ key: r.key, count: shown.cells[0][i] })), total: shown.total };
}

/** One CSV field: quoted when it holds a comma, a quote or a line break (lapsed reasons may). */
export function csvField(value: unknown): string {
  const s = value === null || value === undefined ? '' : String(value);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(...fields: unknown[]): string {
  return fields.map(csvField).join(',');
}
