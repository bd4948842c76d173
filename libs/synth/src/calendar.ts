/**
 * Dates as whole day numbers (days since 1970-01-01, UTC) with precomputed ISO strings, years and
 * month-days. Generating a national nation formats tens of millions of dates; a table lookup is what
 * keeps that from dominating the run.
 */
const DAY_MS = 86_400_000;

export const FIRST_TABLE_YEAR = 1890;
export const LAST_TABLE_YEAR = 2129;

const MONTH_STARTS = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
const LEAP_MONTH_STARTS = [0, 31, 60, 91, 121, 152, 182, 213, 244, 274, 305, 335];

export function dayOf(iso: string): number {
  return Math.round(Date.parse(`${iso}T00:00:00Z`) / DAY_MS);
}

export class Calendar {
  readonly firstDay = dayOf(`${FIRST_TABLE_YEAR}-01-01`);
  readonly lastDay = dayOf(`${LAST_TABLE_YEAR}-12-31`);
  private readonly isos: string[];
  private readonly years: Int16Array;
  /** month * 100 + day, so that birthdays compare as plain numbers. */
  private readonly monthDays: Int16Array;
  /** Day number of 1 January of each table year. */
  private readonly yearStarts: Int32Array;

  constructor() {
    const size = this.lastDay - this.firstDay + 1;
    this.isos = new Array<string>(size);
    this.years = new Int16Array(size);
    this.monthDays = new Int16Array(size);
    this.yearStarts = Int32Array.from({ length: LAST_TABLE_YEAR - FIRST_TABLE_YEAR + 1 }, (_, i) =>
      dayOf(`${FIRST_TABLE_YEAR + i}-01-01`),
    );
    for (let i = 0; i < size; i++) {
      const iso = new Date((this.firstDay + i) * DAY_MS).toISOString().slice(0, 10);
      this.isos[i] = iso;
      this.years[i] = Number(iso.slice(0, 4));
      this.monthDays[i] = Number(iso.slice(5, 7)) * 100 + Number(iso.slice(8, 10));
    }
  }

  iso(day: number): string {
    const i = day - this.firstDay;
    if (i < 0 || i >= this.isos.length) throw new RangeError(`day ${day} is outside the calendar table`);
    return this.isos[i];
  }

  year(day: number): number {
    return this.years[day - this.firstDay];
  }

  /** Full years of age at `on` for someone born on `birth`; a 29 February birthday turns on 1 March. */
  ageAt(birth: number, on: number): number {
    const b = birth - this.firstDay;
    const o = on - this.firstDay;
    return this.years[o] - this.years[b] - (this.monthDays[o] < this.monthDays[b] ? 1 : 0);
  }

  /** The day a person born on `birth` turns `years` old (1 March for a 29 February birth in a common year). */
  birthday(birth: number, years: number): number {
    const b = birth - this.firstDay;
    const year = this.years[b] + years;
    const monthDay = this.monthDays[b];
    const month = Math.floor(monthDay / 100);
    const day = monthDay % 100;
    if (year < FIRST_TABLE_YEAR || year > LAST_TABLE_YEAR) throw new RangeError(`year ${year} is outside the calendar table`);
    const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
    if (month === 2 && day === 29 && !leap) return this.yearStarts[year - FIRST_TABLE_YEAR] + 59;
    return this.yearStarts[year - FIRST_TABLE_YEAR] + (leap ? LEAP_MONTH_STARTS : MONTH_STARTS)[month - 1] + day - 1;
  }

  /** The 1 September that opened the school year running on `day`. */
  schoolYearStart(day: number): number {
    const year = this.year(day);
    const septFirst = dayOf(`${year}-09-01`);
    return day >= septFirst ? septFirst : dayOf(`${year - 1}-09-01`);
  }
}
