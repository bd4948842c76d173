import { addDays, ageAt, daysBetween, isIsoDate } from './dates';

describe('strict calendar dates', () => {
  it.each(['2027-02-30', '2023-02-29', '2026-13-01', '2026-00-10', '2026-04-31', '2026-01-00', '26-01-01', '2026-1-01', '2026-01-01T00:00:00Z', '', '2026/01/01', '2026-01-0a', ' 2026-01-1', '２０２６-01-01', '2026-+1-01', '-026-01-01'])('rejects %p', (value) => {
    expect(isIsoDate(value)).toBe(false);
  });

  it.each(['2024-02-29', '2000-02-29', '2026-12-31', '1900-01-01'])('accepts %p', (value) => {
    expect(isIsoDate(value)).toBe(true);
  });

  it('agrees with the calendar on every month and day number of two centuries', () => {
    const pad = (n: number, width: number) => String(n).padStart(width, '0');
    const disagreements: string[] = [];
    for (let year = 1899; year <= 2101; year++) {
      for (let month = 0; month <= 13; month++) {
        for (let day = 0; day <= 32; day++) {
          const value = `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
          const date = new Date(Date.UTC(year, month - 1, day));
          const real = month >= 1 && month <= 12 && day >= 1 && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
          if (isIsoDate(value) !== real) disagreements.push(value);
        }
      }
    }
    expect(disagreements).toEqual([]);
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
