import { isLeapYear } from '@tiltas/common';
import { RegisterCode } from '@tiltas/registers';
import { Calendar, dayOf } from './calendar';

export type EventRegister = Exclude<RegisterCode, 'population' | 'contacts'>;

/** Row values after the pseudonym, in declaration order; null is an empty field. */
export type EdgeRow = readonly (string | null)[];

export interface EdgePerson {
  /** What the person exercises, such as `age:18th-birthday:D-1` or `prison:released:D-90`. */
  readonly label: string;
  readonly birth: number;
  readonly sex: 'M' | 'F' | 'X';
  readonly municipality: string;
  readonly deceasedOn: number | null;
  readonly emigratedOn: number | null;
  readonly rows: Readonly<Partial<Record<EventRegister, readonly EdgeRow[]>>>;
}

interface EdgeSpec {
  readonly label: string;
  readonly birth: number;
  readonly sex: 'M' | 'F' | 'X';
  /** Military service and similar cases keep their sex in the second copy. */
  readonly fixedSex?: boolean;
  readonly deceasedOn?: number;
  readonly emigratedOn?: number;
  readonly rows?: (home: string) => Partial<Record<EventRegister, readonly EdgeRow[]>>;
}

/** Large municipalities for the first copy of each case, small ones for the second. */
const LARGE = ['LT-57', 'LT-15', 'LT-20', 'LT-43', 'LT-32'];
const SMALL = ['LT-28', 'LT-05', 'LT-39', 'LT-29', 'LT-14', 'LT-59', 'LT-42'];

/**
 * People who sit exactly on the boundaries of the five standard cohorts (the register extract contract (spec/extracts.md),
 * "Standard cohorts") at the reference date D, so that an off-by-one anywhere in identification changes
 * the cases a run opens. Every case comes twice, in a large and a small municipality (and mostly with the
 * other sex), and each person has exactly the rows listed: nothing random hides the boundary.
 */
export function edgePeople(cal: Calendar, asOf: number): EdgePerson[] {
  const D = asOf;
  const iso = (day: number) => cal.iso(day);
  const specs: EdgeSpec[] = [];
  const other = (home: string) => (home === 'LT-15' ? 'LT-20' : 'LT-15');

  /** Born `years` years before the day `daysBefore` days before D: never on a birthday boundary by default. */
  const bornAged = (years: number, daysBefore = 137): number => sameDayYearsBefore(cal, D - daysBefore, years);

  // Ages: the Nth birthday falls on D, D-1 or D+1 for every age limit of the cohorts.
  const ageContexts: Record<number, ReadonlyArray<[string, EdgeSpec['rows']]>> = {
    16: [['plain', undefined]],
    27: [['plain', undefined]],
    18: [
      ['plain', undefined],
      ['released-D-30', (home) => ({ prison: [['P3', iso(D - 400), iso(D - 30), null, home]] })],
      ['custody-expected-D+30', (home) => ({ prison: [['P5', iso(D - 200), null, iso(D + 30), home]] })],
      ['care-left-D-100', () => ({ care: [['INSTITUTION', iso(D - 3000), iso(D - 100)]] })],
      ['disability-40', () => ({ disability: [[iso(D - 100), null, '40']] })],
    ],
    25: [
      ['plain', undefined],
      ['care-left-D-100', () => ({ care: [['FOSTER_FAMILY', iso(D - 3000), iso(D - 100)]] })],
    ],
    65: [
      ['disability-40', () => ({ disability: [[iso(D - 100), null, '40']] })],
      ['released-D-30', (home) => ({ prison: [['P1', iso(D - 900), iso(D - 30), null, home]] })],
    ],
  };
  for (const [ageText, contexts] of Object.entries(ageContexts)) {
    const age = Number(ageText);
    for (const offset of [0, -1, 1]) {
      const birth = exactYearsBefore(cal, D + offset, age);
      if (birth === null) continue;
      const when = offset === 0 ? 'D' : offset < 0 ? 'D-1' : 'D+1';
      for (const [context, rows] of contexts) {
        specs.push({ label: `age:${age}th-birthday:${when}:${context}`, birth, sex: 'M', rows });
      }
    }
  }

  // Periods: one period that ends on D or D-1, or starts on D or D+1, in every register with periods.
  const periodCases: Array<[EventRegister, number, boolean, (from: string, to: string | null, home: string) => EdgeRow]> = [
    ['education', 20, false, (f, t) => ['6', 'U3', f, t, t === null ? null : 'GRADUATED']],
    ['employment', 20, false, (f, t) => ['E100', 'EMPLOYEE', f, t]],
    ['jobseekers', 20, false, (f, t) => ['UNEMPLOYED', f, t]],
    ['social_services', 20, false, (f, t, home) => ['S1', home, f, t]],
    ['care', 19, false, (f, t) => ['FOSTER_FAMILY', f, t]],
    ['military', 20, true, (f, t) => [f, t]],
    ['parental_leave', 24, false, (f, t) => [f, t]],
    ['disability', 30, false, (f, t) => [f, t, '40']],
  ];
  for (const [register, age, male, row] of periodCases) {
    const birth = bornAged(age);
    const start = D - 400;
    const windows: Array<[string, string, string | null]> = [
      ['ends:D', iso(start), iso(D)],
      ['ends:D-1', iso(start), iso(D - 1)],
      ['starts:D', iso(D), null],
      ['starts:D+1', iso(D + 1), null],
    ];
    for (const [when, from, to] of windows) {
      specs.push({
        label: `period:${register}:${when}`,
        birth,
        sex: male ? 'M' : 'F',
        fixedSex: male,
        rows: (home) => ({ [register]: [row(from, to, home)] }),
      });
    }
  }

  // Prison: release windows, expected-release windows and the release municipality rule.
  const released = (day: number, municipality: string | null): EdgeRow => ['P2', iso(day - 500), iso(day), null, municipality];
  const custody = (expected: number | null, municipality: string | null): EdgeRow => [
    'P7',
    iso(D - 300),
    null,
    expected === null ? null : iso(expected),
    municipality,
  ];
  const prisonCases: Array<[string, (home: string) => EdgeRow[]]> = [
    ['released:D', (home) => [released(D, home)]],
    ['released:D-90', (home) => [released(D - 90, home)]],
    ['released:D-91', (home) => [released(D - 91, home)]],
    ['released:D+1-still-in-custody', (home) => [['P2', iso(D - 500), iso(D + 1), null, home]]],
    ['released:D-10:municipality-null', () => [released(D - 10, null)]],
    ['released:D-10:municipality-elsewhere', (home) => [released(D - 10, other(home))]],
    ['released:D-20:two-municipalities', () => [released(D - 20, 'LT-57'), released(D - 20, 'LT-15')]],
    ['released:D-20:null-and-set', () => [released(D - 20, null), released(D - 20, 'LT-20')]],
    ['released:D-80-then-D-15', (home) => [released(D - 80, 'LT-57'), released(D - 15, other(home))]],
    ['released:D-30-back-in-custody', (home) => [released(D - 30, home), ['P4', iso(D - 5), null, null, home]]],
    ['custody:expected:D', (home) => [custody(D, home)]],
    ['custody:expected:D+60', (home) => [custody(D + 60, other(home))]],
    ['custody:expected:D+61', (home) => [custody(D + 61, home)]],
    ['custody:expected:D+30:municipality-null', () => [custody(D + 30, null)]],
    ['custody:expected:unknown', (home) => [custody(null, home)]],
  ];
  for (const [label, rows] of prisonCases) {
    specs.push({ label: `prison:${label}`, birth: bornAged(30), sex: 'M', rows: (home) => ({ prison: rows(home) }) });
  }

  // Residence: death or emigration on D, D-1 and D+1 (a person is resident only if the date is after D).
  for (const [offset, when] of [[0, 'D'], [-1, 'D-1'], [1, 'D+1']] as const) {
    specs.push({ label: `residence:deceased:${when}`, birth: bornAged(20), sex: 'F', deceasedOn: D + offset });
    specs.push({ label: `residence:emigrated:${when}`, birth: bornAged(21), sex: 'M', emigratedOn: D + offset });
  }

  // Care leavers: placed_to on the edges of [D-365, D], and still in care on D.
  for (const [offset, when] of [[-365, 'D-365'], [-366, 'D-366'], [0, 'D']] as const) {
    specs.push({
      label: `care:placed-to:${when}`,
      birth: bornAged(19),
      sex: 'F',
      rows: () => ({ care: [['COMMUNITY_HOME', iso(D - 2500), iso(D + offset)]] }),
    });
  }

  // Work capacity on both sides of the 55 limit.
  for (const capacity of ['55', '56']) {
    specs.push({
      label: `disability:work-capacity:${capacity}`,
      birth: bornAged(40),
      sex: 'F',
      rows: () => ({ disability: [[iso(D - 100), null, capacity]] }),
    });
  }

  // 29 February birthdays: one of NEET age, one of working age.
  for (const minimumAge of [17, 40]) {
    const birth = lastLeapDayAtLeastYearsBefore(cal, D, minimumAge);
    specs.push({ label: `birthday:29-february:${cal.iso(birth)}`, birth, sex: 'F' });
  }

  // The third sex value of the population register.
  specs.push({ label: 'sex:X', birth: bornAged(22), sex: 'X', fixedSex: true });

  const people: EdgePerson[] = [];
  specs.forEach((spec, i) => {
    for (const copy of [0, 1]) {
      const municipality = copy === 0 ? LARGE[i % LARGE.length] : SMALL[i % SMALL.length];
      const sex = copy === 1 && !spec.fixedSex && spec.sex !== 'X' ? (spec.sex === 'M' ? 'F' : 'M') : spec.sex;
      people.push({
        label: `${spec.label}#${copy === 0 ? 'a' : 'b'}`,
        birth: spec.birth,
        sex,
        municipality,
        deceasedOn: spec.deceasedOn ?? null,
        emigratedOn: spec.emigratedOn ?? null,
        rows: spec.rows ? spec.rows(municipality) : {},
      });
    }
  });
  return people;
}

/** The day exactly `years` years before `day`, or null when that is a 29 February that did not exist. */
function exactYearsBefore(cal: Calendar, day: number, years: number): number | null {
  const iso = cal.iso(day);
  const target = `${Number(iso.slice(0, 4)) - years}${iso.slice(4)}`;
  const parsed = Date.parse(`${target}T00:00:00Z`);
  if (Number.isNaN(parsed) || new Date(parsed).toISOString().slice(0, 10) !== target) return null;
  return Math.round(parsed / 86_400_000);
}

function sameDayYearsBefore(cal: Calendar, day: number, years: number): number {
  return exactYearsBefore(cal, day, years) ?? exactYearsBefore(cal, day - 1, years)!;
}

function lastLeapDayAtLeastYearsBefore(cal: Calendar, day: number, years: number): number {
  for (let year = cal.year(day) - years; ; year--) {
    if (!isLeapYear(year)) continue;
    const leapDay = dayOf(`${year}-02-29`);
    if (cal.ageAt(leapDay, day) >= years) return leapDay;
  }
}
