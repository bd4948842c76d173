import { csvLine, lapsedRegister, suppressBreakdown } from './findings';

describe('lapsedRegister', () => {
  it('reads the register from the condition that no longer holds', () => {
    expect(lapsedRegister('no longer: not in employment at D')).toBe('employment');
    expect(lapsedRegister('no longer: in education at D where level in (3 values)')).toBe('education');
    expect(lapsedRegister('no longer: event release: some prison row with release_date in [D-90, D]')).toBe('prison');
  });

  it('gives residence, age, leaving the population and moving to the population register, and guesses nothing else', () => {
    expect(lapsedRegister('no longer: resident at D: in population, not deceased or emigrated on or before D')).toBe('population');
    expect(lapsedRegister('no longer: age 16-29 in full years at D')).toBe('population');
    expect(lapsedRegister('no longer in the population extract')).toBe('population');
    expect(lapsedRegister('now found for another municipality')).toBe('population');
    expect(lapsedRegister('no longer: in registry_of_pets at D')).toBe('unspecified');
    expect(lapsedRegister('something else')).toBe('unspecified');
  });
});

describe('suppressBreakdown', () => {
  it('shows every count to the national admin view', () => {
    expect(suppressBreakdown([{ key: 'a', n: 7 }, { key: 'b', n: 2 }], true)).toEqual({ rows: [{ key: 'a', count: 7 }, { key: 'b', count: 2 }], total: 9 });
  });

  it('hides a small count, and the one beside it that with the total would give it away', () => {
    expect(suppressBreakdown([{ key: 'a', n: 7 }, { key: 'b', n: 2 }], false)).toEqual({ rows: [{ key: 'a', count: '*' }, { key: 'b', count: '<5' }], total: 9 });
    expect(suppressBreakdown([{ key: 'a', n: 7 }, { key: 'b', n: 6 }], false)).toEqual({ rows: [{ key: 'a', count: 7 }, { key: 'b', count: 6 }], total: 13 });
  });
});

describe('csvLine', () => {
  it('quotes only what needs it', () => {
    expect(csvLine('LT-57', 'no longer: event x: some prison row with d in [D-90, D]', 3)).toBe('LT-57,"no longer: event x: some prison row with d in [D-90, D]",3');
    expect(csvLine('a"b', null)).toBe('"a""b",');
  });
});
