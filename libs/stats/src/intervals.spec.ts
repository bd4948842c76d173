import { newcombe, wilson } from './intervals';

describe('confidence intervals', () => {
  it('gives the Wilson interval of the published examples (Newcombe 1998, table I)', () => {
    // 81 of 263: 0.2553 to 0.3662; 15 of 148: 0.0624 to 0.1605; 0 of 10: 0 to 0.2775.
    const a = wilson(81, 263)!;
    expect([a.low, a.high].map((v) => v.toFixed(4))).toEqual(['0.2553', '0.3662']);
    const b = wilson(15, 148)!;
    expect([b.low, b.high].map((v) => v.toFixed(4))).toEqual(['0.0624', '0.1605']);
    const c = wilson(0, 10)!;
    expect([c.estimate, c.low, Number(c.high.toFixed(4))]).toEqual([0, 0, 0.2775]);
    expect(wilson(0, 0)).toBeNull();
    expect(() => wilson(3, 2)).toThrow();
  });

  it('gives Newcombe\'s hybrid score interval of a difference (Newcombe 1998, table II)', () => {
    // 56/70 − 48/80 = 0.2000, interval 0.0524 to 0.3339; 9/10 − 3/10 = 0.6000, 0.1705 to 0.8090.
    const d = newcombe(56, 70, 48, 80)!;
    expect([d.estimate, d.low, d.high].map((v) => v.toFixed(4))).toEqual(['0.2000', '0.0524', '0.3339']);
    const e = newcombe(9, 10, 3, 10)!;
    expect([e.estimate, e.low, e.high].map((v) => v.toFixed(4))).toEqual(['0.6000', '0.1705', '0.8090']);
    expect(newcombe(1, 2, 0, 0)).toBeNull();
  });
});
