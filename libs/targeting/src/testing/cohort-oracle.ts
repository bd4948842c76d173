import { addDays, ageAt, daysBetween, isLeapYear } from '@tiltas/common';
import type { Nation, RegisterRow } from './register-tables';

/**
 * Test-only: the five standard cohorts computed straight from the spec's words in plain TypeScript, row
 * by row, sharing nothing with the compiler, so that a query and this oracle can only agree by both
 * being right. Dates are ISO strings, so string comparison is date comparison.
 */

export interface OracleCase {
  readonly pseudonym: string;
  readonly municipality: string;
  readonly priority: number;
  readonly windowDate: string;
}

type Rows = Map<string, RegisterRow[]>;

const str = (row: RegisterRow, col: string): string | null => (row[col] === null || row[col] === undefined ? null : String(row[col]));

function byPerson(rows: readonly RegisterRow[] | undefined): Rows {
  const map: Rows = new Map();
  for (const row of rows ?? []) {
    const key = String(row.pseudonym);
    map.set(key, [...(map.get(key) ?? []), row]);
  }
  return map;
}

/** [from, to] with both days inclusive, null `to` ongoing. */
function activeInclusive(from: string | null, to: string | null, d: string): boolean {
  return from !== null && from <= d && (to === null || to >= d);
}

/** The day of the `years`th birthday; a 29 February birthday falls on 1 March in a common year. */
function birthday(birth: string, years: number): string {
  const [y, m, d] = birth.split('-').map(Number);
  const year = y + years;
  if (m === 2 && d === 29 && !isLeapYear(year)) return `${year}-03-01`;
  return `${year}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

function smallest(values: (string | null)[]): string | null {
  const codes = values.filter((v): v is string => v !== null).sort();
  return codes[0] ?? null;
}

export function oracleStandardCohorts(nation: Nation, d: string): Record<string, OracleCase[]> {
  const regs = {
    education: byPerson(nation.education),
    employment: byPerson(nation.employment),
    jobseekers: byPerson(nation.jobseekers),
    social_services: byPerson(nation.social_services),
    prison: byPerson(nation.prison),
    care: byPerson(nation.care),
    military: byPerson(nation.military),
    parental_leave: byPerson(nation.parental_leave),
    disability: byPerson(nation.disability),
  };
  const rowsOf = (reg: keyof typeof regs, p: string): RegisterRow[] => regs[reg].get(p) ?? [];
  const periodCols: Record<string, [string, string]> = {
    education: ['enrolled_from', 'enrolled_to'],
    employment: ['employed_from', 'employed_to'],
    jobseekers: ['registered_from', 'registered_to'],
    social_services: ['service_from', 'service_to'],
    care: ['placed_from', 'placed_to'],
    military: ['service_from', 'service_to'],
    parental_leave: ['leave_from', 'leave_to'],
  };
  const inRegister = (reg: keyof typeof periodCols & keyof typeof regs, p: string): boolean =>
    rowsOf(reg, p).some((r) => activeInclusive(str(r, periodCols[reg][0]), str(r, periodCols[reg][1]), d));
  // Custody: the release day itself is a day outside.
  const custodyActive = (r: RegisterRow): boolean => {
    const from = str(r, 'custody_from');
    const released = str(r, 'released_on');
    return from !== null && from <= d && (released === null || released > d);
  };
  const inCustody = (p: string): boolean => rowsOf('prison', p).some(custodyActive);

  const out: Record<string, OracleCase[]> = {
    'neet-youth': [],
    'recent-release': [],
    'pre-release': [],
    'care-leaver': [],
    'disability-unserved': [],
  };
  const seen = new Set<string>();
  for (const person of nation.population ?? []) {
    const p = String(person.pseudonym);
    if (seen.has(p)) continue;
    seen.add(p);
    const deceased = str(person, 'deceased_on');
    const emigrated = str(person, 'emigrated_on');
    if (deceased !== null && deceased <= d) continue;
    if (emigrated !== null && emigrated <= d) continue;
    const birth = str(person, 'birth_date')!;
    const home = str(person, 'municipality')!;
    const age = ageAt(birth, d);
    const notIn = (...list: (keyof typeof periodCols & keyof typeof regs)[]): boolean => list.every((reg) => !inRegister(reg, p));

    if (age >= 16 && age <= 26 && notIn('education', 'employment', 'jobseekers', 'military', 'parental_leave', 'care', 'social_services') && !inCustody(p)) {
      const lastDay = addDays(birthday(birth, 27), -1);
      out['neet-youth'].push({ pseudonym: p, municipality: home, priority: daysBetween(d, lastDay), windowDate: lastDay });
    }

    if (age >= 18 && !inCustody(p) && notIn('employment', 'jobseekers', 'social_services')) {
      const releases = rowsOf('prison', p).filter((r) => {
        const on = str(r, 'released_on');
        return on !== null && on >= addDays(d, -90) && on <= d;
      });
      if (releases.length > 0) {
        const latest = releases.map((r) => str(r, 'released_on')!).sort().at(-1)!;
        const mun = smallest(releases.filter((r) => str(r, 'released_on') === latest).map((r) => str(r, 'release_municipality')));
        out['recent-release'].push({ pseudonym: p, municipality: mun ?? home, priority: daysBetween(latest, d), windowDate: latest });
      }
    }

    if (age >= 18) {
      const custodies = rowsOf('prison', p).filter((r) => {
        const expected = str(r, 'expected_release_on');
        return custodyActive(r) && expected !== null && expected >= d && expected <= addDays(d, 60);
      });
      // "release_municipality of that custody": each custody ending soon names its own municipality.
      const byMunicipality = new Map<string, string>();
      for (const r of custodies) {
        const mun = str(r, 'release_municipality') ?? home;
        const expected = str(r, 'expected_release_on')!;
        const prior = byMunicipality.get(mun);
        if (prior === undefined || expected < prior) byMunicipality.set(mun, expected);
      }
      for (const [mun, expected] of byMunicipality) {
        out['pre-release'].push({ pseudonym: p, municipality: mun, priority: daysBetween(d, expected), windowDate: expected });
      }
    }

    if (age >= 18 && age <= 24 && notIn('care', 'education', 'employment', 'jobseekers', 'social_services')) {
      const ends = rowsOf('care', p)
        .map((r) => str(r, 'placed_to'))
        .filter((to): to is string => to !== null && to >= addDays(d, -365) && to <= d)
        .sort();
      if (ends.length > 0) {
        const latest = ends.at(-1)!;
        out['care-leaver'].push({ pseudonym: p, municipality: home, priority: daysBetween(d, addDays(latest, 365)), windowDate: latest });
      }
    }

    if (age >= 18 && age <= 64 && notIn('employment', 'jobseekers', 'social_services')) {
      const valid = rowsOf('disability', p)
        .filter((r) => activeInclusive(str(r, 'assessed_on'), str(r, 'valid_to'), d) && Number(r.work_capacity) <= 55)
        .map((r) => str(r, 'assessed_on')!)
        .sort();
      if (valid.length > 0) {
        const latest = valid.at(-1)!;
        out['disability-unserved'].push({ pseudonym: p, municipality: home, priority: daysBetween(latest, d), windowDate: latest });
      }
    }
  }
  return out;
}
