import fc from 'fast-check';
import { CountTable, HIDDEN, SMALL, ShownTable, StatValue, rate, suppressTable } from './suppression';

/** A table whose margins add up, as months by one-cohort-per-case columns do. */
function table(cells: number[][]): CountTable {
  const rowTotals = cells.map((row) => row.reduce((a, b) => a + b, 0));
  const colTotals = (cells[0] ?? []).map((_, c) => cells.reduce((a, row) => a + row[c], 0));
  return { cells, rowTotals, colTotals, total: rowTotals.reduce((a, b) => a + b, 0) };
}

/** Every line that adds up: each row with its total, each column with its total, both margins with the grand total. */
function lines(t: ShownTable): StatValue[][] {
  return [
    ...t.cells.map((row, r) => [...row, t.rowTotals[r]]),
    ...t.colTotals.map((col, c) => [...t.cells.map((row) => row[c]), col]),
    [...t.rowTotals, t.total],
    [...t.colTotals, t.total],
  ];
}

describe('small-cell suppression of a table with its totals', () => {
  it('shows a table without small counts as it is', () => {
    expect(suppressTable(table([[5, 9], [12, 30]]), false)).toEqual({ cells: [[5, 9], [12, 30]], rowTotals: [14, 42], colTotals: [17, 39], total: 56 });
  });

  it('hides a lone small cell and, so that the row total cannot give it away, the smallest other cell of its row and that cell\'s column total', () => {
    const shown = suppressTable(table([[3, 10, 20]]), false);
    expect(shown).toEqual({ cells: [[SMALL, HIDDEN, 20]], rowTotals: [33], colTotals: [SMALL, HIDDEN, 20], total: 33 });
  });

  it('hides a second cell in the row and the column of a lone small cell, inner cells before totals', () => {
    const shown = suppressTable(table([[2, 40, 7], [30, 50, 60], [25, 45, 8]]), false);
    expect(shown.cells).toEqual([
      [SMALL, 40, HIDDEN],
      [30, 50, 60],
      [HIDDEN, 45, HIDDEN],
    ]);
    expect(shown.rowTotals).toEqual([49, 140, 78]);
    expect(shown.colTotals).toEqual([57, 135, 75]);
    expect(shown.total).toBe(267);
  });

  it('leaves two small cells of one row as they are: the total gives only their sum', () => {
    const shown = suppressTable(table([[1, 2, 30]]), false);
    expect(shown.cells).toEqual([[SMALL, SMALL, 30]]);
    expect(shown.rowTotals).toEqual([33]);
  });

  it('shows empty cells as 0, not "<5", and hides nothing because of them', () => {
    expect(suppressTable(table([[0, 0, 9]]), false)).toEqual({ cells: [[0, 0, 9]], rowTotals: [9], colTotals: [0, 0, 9], total: 9 });
    expect(suppressTable(table([[0, 5], [7, 9]]), false)).toEqual({ cells: [[0, 5], [7, 9]], rowTotals: [5, 16], colTotals: [7, 14], total: 21 });
  });

  it('keeps the one real month of a row beside empty months suppressed on its own, never hiding the zeros', () => {
    const shown = suppressTable(table([[0, 3, 0], [6, 8, 12]]), false);
    expect(shown.cells[0]).toEqual([0, SMALL, 0]);
    expect(shown.rowTotals[0]).toBe(SMALL);
  });

  it('shows zeros and small counts as they are in the national admin view', () => {
    expect(suppressTable(table([[0, 1], [4, 30]]), true)).toEqual({ cells: [[0, 1], [4, 30]], rowTotals: [1, 34], colTotals: [4, 31], total: 35 });
  });

  it('never leaves a line that adds up with exactly one suppressed member, never shows a count of 1 to 4, shows every zero, and never changes a shown count', () => {
    const tables = fc.array(fc.array(fc.nat({ max: 40 }), { minLength: 3, maxLength: 3 }), { minLength: 1, maxLength: 6 });
    fc.assert(
      fc.property(tables, (cells) => {
        const counts = table(cells);
        const shown = suppressTable(counts, false);
        for (const line of lines(shown)) expect(line.filter((v) => typeof v !== 'number').length).not.toBe(1);
        const pairs: Array<[number, StatValue]> = [
          ...counts.cells.flatMap((row, r) => row.map((v, c): [number, StatValue] => [v, shown.cells[r][c]])),
          ...counts.rowTotals.map((v, r): [number, StatValue] => [v, shown.rowTotals[r]]),
          ...counts.colTotals.map((v, c): [number, StatValue] => [v, shown.colTotals[c]]),
          [counts.total, shown.total],
        ];
        for (const [count, value] of pairs) {
          if (count === 0) expect(value).toBe(0);
          else if (count < 5) expect(value).toBe(SMALL);
          else expect([count, HIDDEN]).toContain(value);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('derived rates', () => {
  it('is a whole percent of two shown counts', () => {
    expect(rate(7, 21)).toBe(33);
    expect(rate(20, 20)).toBe(100);
  });

  it('is hidden when its numerator or denominator is suppressed, and empty with nothing to divide by', () => {
    expect(rate(SMALL, 40)).toBe(HIDDEN);
    expect(rate(12, HIDDEN)).toBe(HIDDEN);
    expect(rate(SMALL, SMALL)).toBe(HIDDEN);
    expect(rate(0, 0)).toBeNull();
  });
});
