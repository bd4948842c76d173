import { createHash } from 'node:crypto';
import { addDays, isIsoDate } from '@tiltas/common';
import type { Nation, RegisterRow } from './register-tables';

/**
 * Test-only: a hand-built nation of people each standing on one boundary of a standard cohort at D
 * (a birthday on D, a period ending on D or starting on D+1, a release on D, D−90 and D−91, ...).
 * Labels name the boundary; pseudonyms are derived from labels so a failing test can say who differs.
 */

export function pseudonymOf(label: string): string {
  return createHash('sha256').update(`boundary:${label}`).digest('hex');
}

/** Merges nations row by row (their pseudonyms must not overlap). */
export function mergeNations(...parts: BoundaryNation[]): BoundaryNation {
  const nation: Nation = {};
  const labels = new Map<string, string>();
  for (const part of parts) {
    for (const [register, rows] of Object.entries(part.nation)) {
      const key = register as keyof Nation;
      nation[key] = [...(nation[key] ?? []), ...(rows ?? [])];
    }
    for (const [p, l] of part.labels) labels.set(p, l);
  }
  return { nation, labels };
}

/** The same day `n` years before `d` (28 February when that day would be 29 February of a common year). */
export function yearsBefore(d: string, n: number): string {
  const [y, rest] = [Number(d.slice(0, 4)) - n, d.slice(4)];
  const candidate = `${String(y).padStart(4, '0')}${rest}`;
  return isIsoDate(candidate) ? candidate : `${String(y).padStart(4, '0')}-02-28`;
}

interface PersonSpec {
  birth: string;
  municipality?: string;
  deceased_on?: string | null;
  emigrated_on?: string | null;
  rows?: Partial<Record<Exclude<keyof Nation, 'population' | 'contacts'>, RegisterRow[]>>;
}

export interface BoundaryNation {
  readonly nation: Nation;
  /** pseudonym → label, for readable failures. */
  readonly labels: ReadonlyMap<string, string>;
}

/** `tag` prefixes every label, so nations built around several dates can share one extract. */
export function buildBoundaryNation(d: string, tag = ''): BoundaryNation {
  const day = (n: number): string => addDays(d, n);
  const age = (n: number, plusDays = 0): string => addDays(yearsBefore(d, n), plusDays);
  const young = age(20);
  const adult = age(40);
  const people: Record<string, PersonSpec> = {};
  const add = (label: string, spec: PersonSpec): void => {
    if (people[label]) throw new Error(`label used twice: ${label}`);
    people[label] = spec;
  };
  const edu = (from: string, to: string | null): RegisterRow => ({ level: '3', institution: 'I1', enrolled_from: from, enrolled_to: to, outcome: null });
  const job = (from: string, to: string | null): RegisterRow => ({ employer: 'E1', kind: 'EMPLOYEE', employed_from: from, employed_to: to });
  const seeker = (from: string, to: string | null): RegisterRow => ({ status: 'UNEMPLOYED', registered_from: from, registered_to: to });
  const service = (from: string, to: string | null): RegisterRow => ({ service: 'S1', municipality: 'LT-20', service_from: from, service_to: to });
  const custody = (from: string, released: string | null, expected: string | null, mun: string | null): RegisterRow => ({
    institution: 'P1',
    custody_from: from,
    released_on: released,
    expected_release_on: expected,
    release_municipality: mun,
  });
  const placement = (from: string, to: string | null): RegisterRow => ({ placement: 'FOSTER_FAMILY', placed_from: from, placed_to: to });
  const assessment = (on: string, to: string | null, capacity: number): RegisterRow => ({ assessed_on: on, valid_to: to, work_capacity: capacity });

  // Residence and age bands.
  add('neet plain', { birth: young });
  add('turns 16 on D', { birth: age(16) });
  add('turns 16 on D+1', { birth: age(16, 1) });
  add('last day aged 26', { birth: age(27, 1) });
  add('turns 27 on D', { birth: age(27) });
  add('born 29 February 2000', { birth: '2000-02-29' });
  add('born 28 February 2000', { birth: '2000-02-28' });
  add('born 1 March 2000', { birth: '2000-03-01' });
  add('born 29 February 2008', { birth: '2008-02-29' });
  add('born 29 February 2004', { birth: '2004-02-29', rows: { care: [placement('2010-01-01', day(-100))] } });
  add('born 29 February 2012', { birth: '2012-02-29' });
  add('deceased on D', { birth: young, deceased_on: d });
  add('deceased on D+1', { birth: young, deceased_on: day(1) });
  add('emigrated on D', { birth: young, emigrated_on: d });
  add('emigrated on D+1', { birth: young, emigrated_on: day(1) });
  add('emigrated D-400 deceased D+5', { birth: young, emigrated_on: day(-400), deceased_on: day(5) });

  // Periods ending on D or starting on D+1.
  add('education ends D', { birth: young, rows: { education: [edu(day(-300), d)] } });
  add('education ended D-1', { birth: young, rows: { education: [edu(day(-300), day(-1))] } });
  add('education starts D', { birth: young, rows: { education: [edu(d, null)] } });
  add('education starts D+1', { birth: young, rows: { education: [edu(day(1), null)] } });
  add('employment ongoing', { birth: young, rows: { employment: [job(day(-50), null)] } });
  add('jobseeker until D', { birth: young, rows: { jobseekers: [seeker(day(-50), d)] } });
  add('military from D', { birth: young, rows: { military: [{ service_from: d, service_to: null }] } });
  add('parental leave ended D-1', { birth: young, rows: { parental_leave: [{ leave_from: day(-200), leave_to: day(-1) }] } });
  add('in care aged 17', { birth: age(17), rows: { care: [placement(day(-2000), null)] } });
  add('social service ongoing', { birth: young, rows: { social_services: [service(day(-10), null)] } });
  add('young in custody', { birth: young, rows: { prison: [custody(day(-100), null, null, 'LT-44')] } });
  add('young custody from D+1', { birth: young, rows: { prison: [custody(day(1), null, null, 'LT-44')] } });

  // recent-release: windows, custody, tie-breaks.
  add('released on D', { birth: adult, municipality: 'LT-01', rows: { prison: [custody(day(-400), d, null, 'LT-31')] } });
  add('young released on D', { birth: young, municipality: 'LT-02', rows: { prison: [custody(day(-400), d, null, 'LT-32')] } });
  add('released D-90', { birth: adult, rows: { prison: [custody(day(-400), day(-90), null, 'LT-33')] } });
  add('released D-91', { birth: adult, rows: { prison: [custody(day(-400), day(-91), null, 'LT-34')] } });
  add('released D+1', { birth: adult, rows: { prison: [custody(day(-400), day(1), null, 'LT-35')] } });
  add('two releases one day', {
    birth: adult,
    municipality: 'LT-01',
    rows: { prison: [custody(day(-300), day(-10), null, 'LT-05'), custody(day(-200), day(-10), null, 'LT-03')] },
  });
  add('two releases one day one null', {
    birth: adult,
    municipality: 'LT-01',
    rows: { prison: [custody(day(-300), day(-10), null, null), custody(day(-200), day(-10), null, 'LT-07')] },
  });
  add('release without municipality', { birth: adult, municipality: 'LT-08', rows: { prison: [custody(day(-300), day(-5), null, null)] } });
  add('latest release without municipality', {
    birth: adult,
    municipality: 'LT-08',
    rows: { prison: [custody(day(-300), day(-60), null, 'LT-09'), custody(day(-40), day(-5), null, null)] },
  });
  add('two releases latest wins', {
    birth: adult,
    rows: { prison: [custody(day(-300), day(-60), null, 'LT-10'), custody(day(-40), day(-5), null, 'LT-12')] },
  });
  add('released then back in custody', {
    birth: adult,
    rows: { prison: [custody(day(-300), day(-20), null, 'LT-13'), custody(day(-5), null, day(100), 'LT-14')] },
  });
  add('released and employed', { birth: adult, rows: { prison: [custody(day(-300), day(-20), null, 'LT-15')], employment: [job(day(-3), null)] } });
  add('released and service ended D-1', { birth: adult, rows: { prison: [custody(day(-300), day(-20), null, 'LT-16')], social_services: [service(day(-15), day(-1))] } });
  add('released aged 17', { birth: age(18, 1), rows: { prison: [custody(day(-300), day(-20), null, 'LT-17')] } });
  add('released turns 18 on D', { birth: age(18), rows: { prison: [custody(day(-300), day(-20), null, 'LT-18')] } });

  // pre-release.
  add('expected release D', { birth: adult, rows: { prison: [custody(day(-300), null, d, 'LT-21')] } });
  add('expected release D+60', { birth: adult, rows: { prison: [custody(day(-300), null, day(60), 'LT-22')] } });
  add('expected release D+61', { birth: adult, rows: { prison: [custody(day(-300), null, day(61), 'LT-23')] } });
  add('expected release D-1 still held', { birth: adult, rows: { prison: [custody(day(-300), null, day(-1), 'LT-24')] } });
  add('custody from D+1 expected D+10', { birth: adult, rows: { prison: [custody(day(1), null, day(10), 'LT-25')] } });
  add('released on D expected D+10', { birth: adult, rows: { prison: [custody(day(-300), d, day(10), 'LT-26')] } });
  add('released D+1 expected D+30', { birth: adult, rows: { prison: [custody(day(-300), day(1), day(30), 'LT-27')] } });
  add('custody from D expected D+5', { birth: adult, rows: { prison: [custody(d, null, day(5), 'LT-28')] } });
  add('expected release no municipality', { birth: adult, municipality: 'LT-29', rows: { prison: [custody(day(-300), null, day(30), null)] } });
  add('two custodies one expected', {
    birth: adult,
    rows: { prison: [custody(day(-300), null, day(10), 'LT-11'), custody(day(-500), null, null, 'LT-12')] },
  });
  add('two custodies ending soon, two municipalities', {
    birth: adult,
    municipality: 'LT-41',
    rows: { prison: [custody(day(-300), null, day(5), 'LT-40'), custody(day(-200), null, day(20), null), custody(day(-100), null, day(2), 'LT-40')] },
  });
  add('expected release aged 17', { birth: age(18, 1), rows: { prison: [custody(day(-300), null, day(10), 'LT-30')] } });
  add('expected release and employed', { birth: adult, rows: { prison: [custody(day(-300), null, day(10), 'LT-36')], employment: [job(day(-300), null)] } });

  // care-leaver.
  add('care ended D-365', { birth: young, rows: { care: [placement(day(-3000), day(-365))] } });
  add('care ended D-366', { birth: young, rows: { care: [placement(day(-3000), day(-366))] } });
  add('care ends D', { birth: young, rows: { care: [placement(day(-3000), d)] } });
  add('care ended D-1', { birth: young, rows: { care: [placement(day(-3000), day(-1))] } });
  add('care ended then placed again', { birth: young, rows: { care: [placement(day(-3000), day(-100)), placement(day(-10), null)] } });
  add('care ended aged 24', { birth: age(25, 1), rows: { care: [placement(day(-3000), day(-100))] } });
  add('care ended aged 25', { birth: age(25), rows: { care: [placement(day(-3000), day(-100))] } });
  add('care ended aged 17', { birth: age(18, 1), rows: { care: [placement(day(-3000), day(-100))] } });
  add('care ended in education', { birth: young, rows: { care: [placement(day(-3000), day(-100))], education: [edu(day(-50), null)] } });
  add('care ended jobseeker from D+1', { birth: young, rows: { care: [placement(day(-3000), day(-100))], jobseekers: [seeker(day(1), null)] } });

  // disability-unserved.
  add('capacity 55', { birth: adult, rows: { disability: [assessment(day(-200), null, 55)] } });
  add('capacity 56', { birth: adult, rows: { disability: [assessment(day(-200), null, 56)] } });
  add('assessment valid to D', { birth: adult, rows: { disability: [assessment(day(-200), d, 20)] } });
  add('assessment valid to D-1', { birth: adult, rows: { disability: [assessment(day(-200), day(-1), 20)] } });
  add('assessed on D', { birth: adult, rows: { disability: [assessment(d, null, 30)] } });
  add('assessed on D+1', { birth: adult, rows: { disability: [assessment(day(1), null, 30)] } });
  add('low capacity expired, high valid', { birth: adult, rows: { disability: [assessment(day(-900), day(-300), 20), assessment(day(-299), null, 70)] } });
  add('two valid assessments', { birth: adult, rows: { disability: [assessment(day(-900), null, 80), assessment(day(-100), null, 50)] } });
  add('disabled jobseeker', { birth: adult, rows: { disability: [assessment(day(-200), null, 40)], jobseekers: [seeker(day(-30), null)] } });
  add('disabled aged 64', { birth: age(65, 1), rows: { disability: [assessment(day(-200), null, 40)] } });
  add('disabled aged 65', { birth: age(65), rows: { disability: [assessment(day(-200), null, 40)] } });
  add('disabled employment ended D-1', { birth: adult, rows: { disability: [assessment(day(-200), null, 40)], employment: [job(day(-900), day(-1))] } });
  add('disabled and deceased on D', { birth: adult, deceased_on: d, rows: { disability: [assessment(day(-200), null, 40)] } });

  const nation: Required<Pick<Nation, 'population'>> & Nation = { population: [] };
  const labels = new Map<string, string>();
  let n = 0;
  for (const [bare, spec] of Object.entries(people)) {
    const label = tag + bare;
    const pseudonym = pseudonymOf(label);
    labels.set(pseudonym, label);
    n += 1;
    (nation.population as RegisterRow[]).push({
      pseudonym,
      birth_date: spec.birth,
      sex: n % 2 ? 'F' : 'M',
      municipality: spec.municipality ?? `LT-${String((n % 60) + 1).padStart(2, '0')}`,
      registered_since: '1990-01-01',
      deceased_on: spec.deceased_on ?? null,
      emigrated_on: spec.emigrated_on ?? null,
    });
    for (const [register, rows] of Object.entries(spec.rows ?? {})) {
      const key = register as keyof Nation;
      nation[key] = [...(nation[key] ?? []), ...rows!.map((r) => ({ pseudonym, ...r }))];
    }
  }
  return { nation, labels };
}
