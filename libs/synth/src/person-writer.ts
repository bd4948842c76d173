import { MUNICIPALITY_CODES, pseudonymFor, RegisterCode, REGISTER_CODES, REGISTERS } from '@tiltas/registers';
import { Calendar, dayOf } from './calendar';
import { csvField, CsvSink } from './csv-sink';
import { EdgePerson, EventRegister } from './edge-cases';
import { Identity, searchCumulative } from './identities';
import { AGE_BANDS, asciiName, femaleShare, GARDENS, MAX_AGE, MUNICIPALITIES, NAMES, STREETS } from './lithuania';
import { Sfc32 } from './prng';

/**
 * The columns each register line is written with, in order. They must be the contract's columns in
 * declaration order (checked when a writer is made), so a change to the declarations cannot silently
 * shift a value into the wrong column.
 */
const WRITTEN_COLUMNS: Readonly<Record<RegisterCode, readonly string[]>> = {
  population: ['pseudonym', 'birth_date', 'sex', 'municipality', 'registered_since', 'deceased_on', 'emigrated_on'],
  contacts: ['pseudonym', 'given_name', 'family_name', 'phone', 'email', 'address', 'postal_code', 'language'],
  education: ['pseudonym', 'level', 'institution', 'enrolled_from', 'enrolled_to', 'outcome'],
  employment: ['pseudonym', 'employer', 'kind', 'employed_from', 'employed_to'],
  jobseekers: ['pseudonym', 'status', 'registered_from', 'registered_to'],
  social_services: ['pseudonym', 'service', 'municipality', 'service_from', 'service_to'],
  prison: ['pseudonym', 'institution', 'custody_from', 'released_on', 'expected_release_on', 'release_municipality'],
  care: ['pseudonym', 'placement', 'placed_from', 'placed_to'],
  military: ['pseudonym', 'service_from', 'service_to'],
  parental_leave: ['pseudonym', 'leave_from', 'leave_to'],
  disability: ['pseudonym', 'assessed_on', 'valid_to', 'work_capacity'],
};

export function checkWrittenColumns(): void {
  for (const code of REGISTER_CODES) {
    const declared = REGISTERS[code].columns.map((c) => c.name).join(',');
    const written = WRITTEN_COLUMNS[code].join(',');
    if (declared !== written) {
      throw new Error(`synth writes ${code} as (${written}) but the contract declares (${declared})`);
    }
  }
}

/** National rates, per resident, that the brief and public statistics give for the rarer registers. */
const NATIONAL = 2_900_000;
const IN_CUSTODY = 6_000 / NATIONAL;
const RELEASED_PER_YEAR = 3_000 / NATIONAL;
const CARE_LEAVERS_PER_YEAR = 900 / NATIONAL;
const CHILDREN_IN_CARE = 5_500 / NATIONAL;

const PLACEMENTS = ['INSTITUTION', 'FOSTER_FAMILY', 'COMMUNITY_HOME', 'GUARDIANSHIP'] as const;
const EMAIL_DOMAINS = ['example.lt', 'example.com', 'pastas.example.lt'];

/** Relative likelihood of prison by age and sex; women are about a tenth of prisoners. */
function prisonWeight(age: number, male: boolean): number {
  const byAge = age < 18 ? 0 : age < 25 ? 1 : age < 45 ? 1.6 : age < 55 ? 0.9 : age < 65 ? 0.35 : 0;
  return male ? byAge : byAge * 0.1;
}

function careLeaverWeight(age: number): number {
  return age === 18 ? 1 : age === 19 ? 0.6 : age === 17 ? 0.2 : 0;
}

function childInCareWeight(age: number): number {
  return age < 18 ? 1 : 0;
}

/**
 * The per-person probability that makes `weight` produce `perResident` people per resident over the
 * nation's age and sex structure, so national counts hold at any size.
 */
function rateFor(perResident: number, weight: (age: number, male: boolean) => number): number {
  let total = 0;
  let expected = 0;
  for (let age = 0; age <= MAX_AGE; age++) {
    const band = Math.min(Math.floor(age / 5), AGE_BANDS.length - 1);
    const share = AGE_BANDS[band] / (band === AGE_BANDS.length - 1 ? MAX_AGE + 1 - band * 5 : 5);
    const female = femaleShare(age);
    total += share;
    expected += share * ((1 - female) * weight(age, true) + female * weight(age, false));
  }
  return perResident / (expected / total);
}

export interface PersonWriterOptions {
  readonly cal: Calendar;
  readonly asOf: number;
  readonly rng: Sfc32;
  readonly key: Buffer;
  readonly sinks: Readonly<Record<RegisterCode, CsvSink>>;
}

/** Writes every register's rows for one person at a time, ordinary or edge case. */
export class PersonWriter {
  private readonly cal: Calendar;
  private readonly D: number;
  private readonly rng: Sfc32;
  private readonly key: Buffer;
  private readonly sinks: Readonly<Record<RegisterCode, CsvSink>>;
  private readonly municipalities: Float64Array;
  /** 1 September k years before the school year running at D, for k = 0..40. */
  private readonly septembers: number[] = [];
  private readonly ascii = new Map<string, string>();
  private readonly custodyRate = rateFor(IN_CUSTODY, prisonWeight);
  private readonly releaseRate = rateFor(RELEASED_PER_YEAR, prisonWeight);
  private readonly careLeaverRate = rateFor(CARE_LEAVERS_PER_YEAR, (age) => careLeaverWeight(age));
  private readonly inCareRate = rateFor(CHILDREN_IN_CARE, (age) => childInCareWeight(age));

  constructor(options: PersonWriterOptions) {
    checkWrittenColumns();
    this.cal = options.cal;
    this.D = options.asOf;
    this.rng = options.rng;
    this.key = options.key;
    this.sinks = options.sinks;
    const total = MUNICIPALITIES.reduce((sum, m) => sum + m.residents, 0);
    let running = 0;
    this.municipalities = Float64Array.from(MUNICIPALITIES, (m) => (running += m.residents / total));
    if (MUNICIPALITIES.map((m) => m.code).join() !== MUNICIPALITY_CODES.join()) {
      throw new Error('synth municipality table does not list the contract municipality codes in order');
    }
    const schoolYear = this.cal.year(this.cal.schoolYearStart(this.D));
    for (let k = 0; k <= 40; k++) this.septembers.push(dayOf(`${schoolYear - k}-09-01`));
  }

  pseudonymOf(personalCode: string): string {
    return pseudonymFor(this.key, personalCode);
  }

  ordinary(identity: Identity): void {
    const { cal, D, rng } = this;
    const p = this.pseudonymOf(identity.personalCode);
    const birth = identity.birth;
    const age = cal.ageAt(birth, D);
    const sex = identity.sex;
    const m = searchCumulative(this.municipalities, rng.float());
    const home = MUNICIPALITIES[m].code;

    const registeredSince = rng.chance(0.3) ? birth : D - Math.floor(rng.float() * rng.float() * (D - birth));
    let deceased: number | null = null;
    let emigrated: number | null = null;
    const deathRisk = age < 60 ? 0.002 : age < 75 ? 0.012 : 0.05;
    if (rng.chance(deathRisk)) deceased = Math.max(birth, D - 730 + rng.int(760));
    else if (rng.chance(age >= 18 && age <= 45 ? 0.02 : 0.004)) emigrated = Math.max(birth, D - 1095 + rng.int(1155));
    this.population(p, birth, sex, home, registeredSince, deceased, emigrated);

    const gone = (deceased !== null && deceased <= D) || (emigrated !== null && emigrated <= D);
    if (rng.chance(gone ? 0.3 : 0.97)) this.contacts(p, sex, age, m);
    // People who died or left before D keep no register activity: their absence is what residence tests.
    if (gone) return;

    const male = sex === 'M';
    const student = this.education(p, birth, age, m);
    const employed = this.employment(p, birth, age, student);
    this.jobseekers(p, birth, age, employed, student);
    if (male && age >= 18 && age <= 35) this.military(p, birth, age);
    if (age >= 20 && age <= 44 && sex !== 'X') this.parentalLeave(p, age, male);
    this.socialServices(p, birth, age, home);
    this.prison(p, birth, age, male, home);
    this.care(p, birth, age);
    if (age >= 18) this.disability(p, age);
  }

  edge(identity: Identity, person: EdgePerson): void {
    const { cal, D } = this;
    const p = this.pseudonymOf(identity.personalCode);
    const age = cal.ageAt(person.birth, D);
    const m = MUNICIPALITIES.findIndex((x) => x.code === person.municipality);
    this.population(p, person.birth, person.sex, person.municipality, Math.max(person.birth, D - 2000), person.deceasedOn, person.emigratedOn);
    this.contacts(p, person.sex, age, m);
    for (const [register, rows] of Object.entries(person.rows) as Array<[EventRegister, readonly (string | null)[][]]>) {
      const width = REGISTERS[register].columns.length - 1;
      for (const row of rows) {
        if (row.length !== width) throw new Error(`edge case ${person.label}: ${register} row has ${row.length} values, not ${width}`);
        this.sinks[register].write(`${p},${row.map(csvField).join(',')}\n`);
      }
    }
  }

  private d(day: number | null): string {
    return day === null ? '' : this.cal.iso(day);
  }

  private population(
    p: string,
    birth: number,
    sex: string,
    municipality: string,
    registeredSince: number,
    deceased: number | null,
    emigrated: number | null,
  ): void {
    this.sinks.population.write(
      `${p},${this.d(birth)},${sex},${municipality},${this.d(registeredSince)},${this.d(deceased)},${this.d(emigrated)}\n`,
    );
  }

  private asciiOf(name: string): string {
    let value = this.ascii.get(name);
    if (value === undefined) {
      value = asciiName(name);
      this.ascii.set(name, value);
    }
    return value;
  }

  private contacts(p: string, sex: string, age: number, m: number): void {
    const rng = this.rng;
    const municipality = MUNICIPALITIES[m];
    const ru = municipality.ru ?? 0.02;
    const pl = municipality.pl ?? 0.01;
    const u = rng.float();
    const language = u < 0.02 ? 'en' : u < 0.02 + ru ? 'ru' : u < 0.02 + ru + pl ? 'pl' : 'lt';
    const names = NAMES[language];
    const female = sex === 'F' || (sex === 'X' && rng.chance(0.5));
    const given = rng.pick(female ? names.female : names.male);
    const forms = rng.pick(names.family);
    const family = !female ? forms[0] : age >= 25 && rng.chance(0.6) ? forms[2] : forms[1];
    const phone = rng.chance(0.9) ? `+3706${String(rng.int(10_000_000)).padStart(7, '0')}` : '';
    const email = rng.chance(0.6)
      ? `${this.asciiOf(given)}.${this.asciiOf(family)}${rng.int(1000)}@${rng.pick(EMAIL_DOMAINS)}`
      : '';
    const a = rng.float();
    const house = rng.between(1, 180);
    let address: string;
    if (a < 0.03) address = `SB "${rng.pick(GARDENS)}", ${rng.between(1, 20)}-oji g. ${house}, ${municipality.town}`;
    else if (a < 0.13) address = `${rng.pick(STREETS)} ${house}`;
    else if (a < 0.55) address = `${rng.pick(STREETS)} ${house}, ${municipality.town}`;
    else address = `${rng.pick(STREETS)} ${house}-${rng.between(1, 120)}, ${municipality.town}`;
    const postal = `LT-${String(((m * 1637) % 90_000) + 1_000 + rng.int(1_000)).padStart(5, '0')}`;
    this.sinks.contacts.write(
      `${p},${csvField(given)},${csvField(family)},${phone},${email},${csvField(address)},${postal},${language}\n`,
    );
  }

  private enrolment(p: string, level: string, institution: string, from: number, to: number | null, outcome: string | null): void {
    this.sinks.education.write(`${p},${level},${institution},${this.d(from)},${this.d(to)},${outcome ?? ''}\n`);
  }

  /** Returns whether the person studies at D (which makes work and registration with the PES rarer). */
  private education(p: string, birth: number, age: number, m: number): boolean {
    const { rng, D } = this;
    const sept = this.septembers;
    const school = () => `M${(m + 1) * 100 + rng.int(60)}`;
    const plannedEnd = (from: number, years: number) => {
      const end = from + Math.round(years * 365.2425) - 63;
      return rng.chance(0.3) && end > D ? end : null;
    };
    if (age >= 3 && age <= 6) {
      if (rng.chance(0.85)) this.enrolment(p, '0', `D${(m + 1) * 100 + rng.int(40)}`, Math.max(sept[Math.min(age - 3, 3)], birth), null, null);
      return false;
    }
    if (age >= 7 && age <= 18) {
      if (!rng.chance(age === 18 ? 0.5 : 0.985)) return false;
      const [level, startAge] = age <= 10 ? ['1', 7] : age <= 16 ? ['2', 11] : ['3', 17];
      const from = sept[age - startAge];
      this.enrolment(p, level, school(), from, null, null);
      if (age - startAge <= 1 && age >= 11 && rng.chance(0.8)) {
        // The previous level ended in June before this one began.
        const [previousLevel, previousYears] = level === '2' ? ['1', 4] : ['2', 6];
        this.enrolment(p, previousLevel, school(), sept[age - startAge + previousYears], from - 70, rng.chance(0.95) ? 'GRADUATED' : 'TRANSFERRED');
      }
      return true;
    }
    if (age >= 19 && age <= 24) {
      if (rng.chance(0.85)) {
        // Upper secondary: three school years, ending in the June before the school year of age 18.
        this.enrolment(p, '3', school(), sept[age - 15], sept[age - 18] - 70, rng.chance(0.92) ? 'GRADUATED' : 'DROPPED_OUT');
      }
      const university = [0.45, 0.55, 0.6, 0.6, 0.5, 0.4][age - 19];
      if (rng.chance(university)) {
        const master = age >= 23 && rng.chance(0.6);
        const k = Math.min(master ? age - 23 : age - 19, 3);
        const from = sept[k];
        this.enrolment(p, master ? '7' : '6', `U${rng.between(1, 14)}`, from, plannedEnd(from, master ? 2 : 4), null);
        if (!master && rng.chance(0.06)) {
          // Some change course: an earlier enrolment ended in a transfer.
          this.enrolment(p, '6', `U${rng.between(1, 14)}`, sept[k + 1], sept[k] - 30, 'TRANSFERRED');
        }
        return true;
      }
      if (rng.chance(0.08)) {
        const from = sept[1];
        this.enrolment(p, '6', `U${rng.between(1, 14)}`, from, from + rng.between(60, 300), 'DROPPED_OUT');
      }
      if (rng.chance(0.15)) {
        const from = sept[rng.int(2)];
        this.enrolment(p, rng.chance(0.5) ? '4' : '5', `K${rng.between(1, 40)}`, from, plannedEnd(from, 2), null);
        return true;
      }
      return false;
    }
    if (age >= 25 && age <= 34) {
      if (rng.chance(0.45)) {
        this.enrolment(p, '6', `U${rng.between(1, 14)}`, sept[age - 18], sept[age - 22] - 70, 'GRADUATED');
      }
      if (rng.chance(0.06)) {
        this.enrolment(p, rng.chance(0.8) ? '7' : '8', `U${rng.between(1, 14)}`, sept[rng.int(2)], null, null);
        return true;
      }
      return false;
    }
    if (age >= 35 && age <= 64 && rng.chance(0.01)) {
      this.enrolment(p, '4', `K${rng.between(1, 40)}`, sept[0], null, null);
      return true;
    }
    return false;
  }

  private job(p: string, age: number, from: number, to: number | null): void {
    const rng = this.rng;
    const kind = age <= 24 && rng.chance(0.06) ? 'APPRENTICE' : age >= 25 && rng.chance(0.09) ? 'SELF_EMPLOYED' : 'EMPLOYEE';
    this.sinks.employment.write(`${p},E${rng.between(1, 60_000)},${kind},${this.d(from)},${this.d(to)}\n`);
  }

  /** Returns whether the person is employed at D. */
  private employment(p: string, birth: number, age: number, student: boolean): boolean {
    const { rng, D } = this;
    if (age < 16 || age > 75) return false;
    const rate =
      age <= 17 ? 0.04
      : age === 18 ? 0.12
      : age <= 24 ? (student ? 0.3 : 0.58)
      : age <= 54 ? 0.76
      : age <= 59 ? 0.68
      : age <= 64 ? 0.5
      : age <= 69 ? 0.15
      : 0.05;
    const workingLife = this.cal.birthday(birth, 16);
    const employed = rng.chance(rate);
    let cursor = D;
    if (employed) {
      const tenure = Math.max(1, Math.min(D - workingLife, 25 * 365));
      const from = D - Math.floor(Math.pow(rng.float(), 1.5) * tenure);
      this.job(p, age, from, rng.chance(0.15) ? D + rng.between(1, 700) : null);
      cursor = from;
    } else if (age >= 18 && age <= 64 && rng.chance(0.5)) {
      const to = D - rng.between(1, 900);
      const from = to - rng.between(60, 2500);
      if (from < workingLife) return employed;
      this.job(p, age, from, to);
      cursor = from;
    }
    if (age < 20) return employed;
    const r = rng.float();
    const earlier = r < 0.45 ? 0 : r < 0.8 ? 1 : 2;
    for (let i = 0; i < earlier; i++) {
      const to = cursor - rng.between(1, 200);
      const from = to - rng.between(60, 2500);
      if (from < workingLife) break;
      this.job(p, age, from, to);
      cursor = from;
    }
    return employed;
  }

  private jobseekers(p: string, birth: number, age: number, employed: boolean, student: boolean): void {
    const { rng, D } = this;
    if (age < 16 || age > 64) return;
    const rate = employed ? 0.01 : student ? 0.02 : 0.24;
    if (rng.chance(rate)) {
      const u = rng.float();
      const status = employed || u < 0.1 ? 'JOBSEEKER' : u < 0.8 ? 'UNEMPLOYED' : 'ACTIVE_MEASURE';
      const from = Math.max(this.cal.birthday(birth, 16), D - rng.int(540));
      const to = rng.chance(0.15) ? D + rng.between(1, 180) : null;
      this.sinks.jobseekers.write(`${p},${status},${this.d(from)},${this.d(to)}\n`);
    }
    if (age >= 18 && rng.chance(0.08)) {
      const to = D - rng.between(1, 1500);
      const from = to - rng.between(30, 400);
      if (from >= this.cal.birthday(birth, 16)) {
        this.sinks.jobseekers.write(`${p},${rng.chance(0.8) ? 'UNEMPLOYED' : 'ACTIVE_MEASURE'},${this.d(from)},${this.d(to)}\n`);
      }
    }
  }

  private military(p: string, birth: number, age: number): void {
    const { rng, D } = this;
    if (age <= 26 && rng.chance(age === 18 ? 0.02 : 0.04)) {
      // Basic service is nine months; a tenth stay on as professionals with no end date.
      const from = Math.max(this.cal.birthday(birth, 18), D - rng.int(270));
      this.sinks.military.write(`${p},${this.d(from)},${rng.chance(0.1) ? '' : this.d(from + 269)}\n`);
    } else if (age >= 20 && rng.chance(0.05)) {
      const from = D - rng.between(300, 4000);
      if (from >= this.cal.birthday(birth, 18)) this.sinks.military.write(`${p},${this.d(from)},${this.d(from + 269)}\n`);
    }
  }

  private parentalLeave(p: string, age: number, male: boolean): void {
    const { rng, D } = this;
    if (!rng.chance(male ? (age >= 24 ? 0.012 : 0) : 0.055)) return;
    const from = D - rng.int(540);
    const length = rng.chance(0.5) ? 365 : 730;
    this.sinks.parental_leave.write(`${p},${this.d(from)},${rng.chance(0.15) ? '' : this.d(from + length - 1)}\n`);
  }

  private socialServices(p: string, birth: number, age: number, home: string): void {
    const { rng, D } = this;
    const rate = age < 18 ? 0.02 : age < 65 ? 0.03 : age < 80 ? 0.08 : 0.2;
    if (!rng.chance(rate)) return;
    const where = () => (rng.chance(0.95) ? home : MUNICIPALITY_CODES[rng.int(MUNICIPALITY_CODES.length)]);
    const from = Math.max(birth, D - rng.int(1500));
    const to = rng.chance(0.5) ? null : from + rng.between(30, 1000);
    this.sinks.social_services.write(`${p},S${rng.between(1, 40)},${where()},${this.d(from)},${this.d(to)}\n`);
    if (rng.chance(0.3)) {
      const earlierTo = from - rng.between(1, 300);
      const earlierFrom = earlierTo - rng.between(30, 600);
      if (earlierFrom >= birth) {
        this.sinks.social_services.write(`${p},S${rng.between(1, 40)},${where()},${this.d(earlierFrom)},${this.d(earlierTo)}\n`);
      }
    }
  }

  private prison(p: string, birth: number, age: number, male: boolean, home: string): void {
    const weight = prisonWeight(age, male);
    if (weight === 0) return;
    const { rng, D } = this;
    const adult = this.cal.birthday(birth, 14);
    const releaseMunicipality = () => {
      const u = rng.float();
      return u < 0.2 ? '' : u < 0.9 ? home : MUNICIPALITY_CODES[rng.int(MUNICIPALITY_CODES.length)];
    };
    const release = (releasedOn: number) => {
      const from = Math.min(releasedOn, Math.max(adult, releasedOn - rng.between(30, 1800)));
      this.sinks.prison.write(`${p},P${rng.between(1, 12)},${this.d(from)},${this.d(releasedOn)},,${releaseMunicipality()}\n`);
    };
    const inCustody = rng.chance(this.custodyRate * weight);
    if (rng.chance(this.releaseRate * weight)) release(D - rng.int(365));
    // Earlier releases, one to three years back; about a third of those in custody have been inside before.
    if (rng.chance(inCustody ? 0.3 : this.releaseRate * weight * 2)) release(D - rng.between(365, 1095));
    if (inCustody) {
      const from = Math.max(adult, D - rng.between(0, 2500));
      const expected = rng.chance(0.1) ? '' : this.d(D + rng.between(0, 900));
      this.sinks.prison.write(`${p},P${rng.between(1, 12)},${this.d(from)},,${expected},${releaseMunicipality()}\n`);
    }
  }

  private care(p: string, birth: number, age: number): void {
    const { rng, D } = this;
    const placement = () => rng.pick(PLACEMENTS);
    if (age < 18 && rng.chance(this.inCareRate * childInCareWeight(age))) {
      const from = D - rng.int(Math.min(D - birth, 4000) + 1);
      const to = rng.chance(0.15) ? Math.min(D + rng.between(1, 700), this.cal.birthday(birth, 18)) : null;
      this.sinks.care.write(`${p},${placement()},${this.d(from)},${this.d(to)}\n`);
      return;
    }
    const leaver = careLeaverWeight(age);
    if (leaver > 0 && rng.chance(this.careLeaverRate * leaver)) {
      const to = D - rng.int(365);
      const from = Math.max(birth, to - rng.between(365, 5000));
      this.sinks.care.write(`${p},${placement()},${this.d(from)},${this.d(to)}\n`);
    } else if (age >= 20 && age <= 40 && rng.chance(0.01)) {
      const to = this.cal.birthday(birth, 18) - rng.int(400);
      const from = Math.max(birth, to - rng.between(365, 5000));
      this.sinks.care.write(`${p},${placement()},${this.d(from)},${this.d(to)}\n`);
    }
  }

  private workCapacity(): number {
    const rng = this.rng;
    const u = rng.float();
    // Work capacity is assessed in 5-point steps; most assessed people have 55% or less.
    return u < 0.2 ? 5 * rng.int(6) : u < 0.65 ? 30 + 5 * rng.int(6) : 60 + 5 * rng.int(9);
  }

  private disability(p: string, age: number): void {
    const { rng, D } = this;
    const rate = age < 30 ? 0.04 : age < 45 ? 0.06 : age < 55 ? 0.09 : age < 65 ? 0.14 : 0.12;
    if (rng.chance(rate)) {
      const assessed = D - rng.int(1095);
      const validTo = rng.chance(0.3) ? null : D + rng.between(1, 1100);
      this.sinks.disability.write(`${p},${this.d(assessed)},${this.d(validTo)},${this.workCapacity()}\n`);
      if (rng.chance(0.3)) {
        const earlier = assessed - rng.between(365, 1100);
        this.sinks.disability.write(`${p},${this.d(earlier)},${this.d(assessed - 1)},${this.workCapacity()}\n`);
      }
    } else if (rng.chance(0.01)) {
      // An assessment that has lapsed: a person who is no longer counted as disabled.
      const assessed = D - rng.between(1100, 3000);
      const validTo = Math.min(D - 1, assessed + rng.between(365, 1100));
      this.sinks.disability.write(`${p},${this.d(assessed)},${this.d(validTo)},${this.workCapacity()}\n`);
    }
  }
}
