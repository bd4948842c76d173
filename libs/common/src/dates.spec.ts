import { addDays, ageAt, daysBetween, isIsoDate } from './dates';

describe('strict calendar dates', () => {
  it.each(['2027-02-30', '2023-02-29', '2026-13-01', '2026-00-10', '2026-04-31', '26-01-01', '2026-1-01', '2026-01-01T00:00:00Z', ''])('rejects %p', (value) => {
    expect(isIsoDate(value)).toBe(false);
  });

  it.each(['2024-02-29', '2000-02-29', '2026-12-31', '1900-01-01'])('accepts %p', (value) => {
    expect(isIsoDate(value)).toBe(true);
  });

  it('rejects 29 February in a century year that is not a leap year', () => {
    expect(isIsoDate('1900-02-29')).toBe(false);
  });

  it('counts days and adds them across month and year ends', () => {
    expect(addDays('2026-10-01', -90)).toBe('2026-07-03');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(daysBetween('2026-07-03', '2026-10-01')).toBe(90);
  });

  it('gives full years of age, a birthday on the day counting', () => {
    expect(ageAt('2010-10-01', '2026-10-01')).toBe(16);
    expect(ageAt('2010-10-02', '2026-10-01')).toBe(15);
    // Born on 29 February: a year older on 1 March in a common year.
    expect(ageAt('2008-02-29', '2026-02-28')).toBe(17);
    expect(ageAt('2008-02-29', '2026-03-01')).toBe(18);
  });
});
