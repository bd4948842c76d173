import { Calendar, dayOf } from './calendar';

describe('Calendar', () => {
  const cal = new Calendar();

  it('turns a 29 February birthday on 1 March in common years and on 29 February in leap years', () => {
    const birth = dayOf('2008-02-29');
    expect(cal.iso(cal.birthday(birth, 18))).toBe('2026-03-01');
    expect(cal.iso(cal.birthday(birth, 16))).toBe('2024-02-29');
    expect(cal.ageAt(birth, dayOf('2026-02-28'))).toBe(17);
    expect(cal.ageAt(birth, dayOf('2026-03-01'))).toBe(18);
  });

  it('agrees with the calendar for every birthday across two centuries', () => {
    const mismatches: string[] = [];
    for (let day = dayOf('1900-01-01'); day < dayOf('2060-01-01'); day += 7) {
      const iso = cal.iso(day);
      for (const years of [1, 16, 18, 27, 65]) {
        const target = `${Number(iso.slice(0, 4)) + years}${iso.slice(4)}`;
        const exists = new Date(`${target}T00:00:00Z`).toISOString().slice(0, 10) === target;
        const expected = exists ? target : `${Number(iso.slice(0, 4)) + years}-03-01`;
        if (cal.iso(cal.birthday(day, years)) !== expected) mismatches.push(`${iso}+${years}`);
        if (cal.ageAt(day, dayOf(expected)) !== years || cal.ageAt(day, dayOf(expected) - 1) !== years - 1) {
          mismatches.push(`age ${iso}+${years}`);
        }
      }
    }
    expect(mismatches).toEqual([]);
  });

  it('opens the school year on 1 September', () => {
    expect(cal.iso(cal.schoolYearStart(dayOf('2026-10-01')))).toBe('2026-09-01');
    expect(cal.iso(cal.schoolYearStart(dayOf('2026-08-31')))).toBe('2025-09-01');
    expect(cal.iso(cal.schoolYearStart(dayOf('2026-09-01')))).toBe('2026-09-01');
  });

  it('refuses days outside its table rather than writing a wrong date', () => {
    expect(() => cal.iso(dayOf('1800-01-01'))).toThrow(RangeError);
    expect(() => cal.birthday(dayOf('2100-01-01'), 40)).toThrow(RangeError);
  });
});
