import { median, revealVolumes } from './reveal-volumes';

const reveals = (actor: string, n: number) => Array.from({ length: n }, () => ({ actor, municipality: 'LT-57' }));

describe('reveal volumes', () => {
  it('counts reveals per worker, most first, and flags a volume far above the median', () => {
    const { volumes, median: m } = revealVolumes([...reveals('a', 4), ...reveals('b', 5), ...reveals('c', 40), ...reveals('d', 6)]);
    expect(m).toBe(5.5);
    expect(volumes.map((v) => [v.actor, v.reveals, v.unusual])).toEqual([
      ['c', 40, true],
      ['d', 6, false],
      ['b', 5, false],
      ['a', 4, false],
    ]);
  });

  it('does not flag small numbers however lopsided', () => {
    const { volumes } = revealVolumes([...reveals('a', 1), ...reveals('b', 1), ...reveals('c', 9)]);
    expect(volumes.find((v) => v.actor === 'c')?.unusual).toBe(false);
  });

  it('takes the middle of an odd list and the mean of the middle two of an even one', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBe(0);
  });
});
