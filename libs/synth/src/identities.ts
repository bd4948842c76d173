import { makePersonalCode } from '@tiltas/registers';
import { Calendar } from './calendar';
import { EdgePerson } from './edge-cases';
import { AGE_BANDS, femaleShare, MAX_AGE } from './lithuania';
import { draw, fmix32 } from './prng';

export interface Identity {
  readonly birth: number;
  readonly sex: 'M' | 'F' | 'X';
  readonly personalCode: string;
  /** Index into the edge-case list, or -1 for an ordinary person. */
  readonly edge: number;
}

/** One person in this many is registered with sex X (the population register's third value). */
const SEX_X_ONE_IN = 20_000;

/** Cumulative age distribution over 0..MAX_AGE, from the five-year bands. */
function cumulativeAges(): Float64Array {
  const weights = new Float64Array(MAX_AGE + 1);
  for (let age = 0; age <= MAX_AGE; age++) {
    const band = Math.min(Math.floor(age / 5), AGE_BANDS.length - 1);
    const yearsInBand = band === AGE_BANDS.length - 1 ? MAX_AGE + 1 - band * 5 : 5;
    weights[age] = AGE_BANDS[band] / yearsInBand;
  }
  const total = weights.reduce((a, b) => a + b, 0);
  let running = 0;
  return weights.map((w) => (running += w / total));
}

export function searchCumulative(cumulative: Float64Array, u: number): number {
  let lo = 0;
  let hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cumulative[mid] > u) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * Who is who: each person's birth date, sex and personal code, in file order. Birth date and sex come from
 * counter-based draws on the person's index; the serial is the running count of people of that birth date
 * and sex so far (from a date-dependent start), which is how the civil registry makes codes unique too.
 * Computing the identity of person i therefore needs the birth dates of persons 0..i-1, and nothing else.
 */
export class IdentityBook {
  private readonly ages = cumulativeAges();
  private readonly counts: Uint16Array;
  private readonly edgeAt = new Map<number, number>();
  readonly total: number;

  constructor(
    private readonly cal: Calendar,
    private readonly asOf: number,
    private readonly identityWord: number,
    people: number,
    private readonly edges: readonly EdgePerson[],
  ) {
    this.total = Math.max(people, edges.length);
    // Edge cases are spread evenly through the files, so they sit among ordinary people.
    edges.forEach((_, j) => this.edgeAt.set(Math.floor((j * this.total) / edges.length), j));
    this.counts = new Uint16Array((cal.lastDay - cal.firstDay + 1) * 2);
  }

  /** Must be called for persons 0, 1, 2, ... in order: serials depend on everyone before. */
  next(index: number): Identity {
    const edge = this.edgeAt.get(index) ?? -1;
    let birth: number;
    let sex: 'M' | 'F' | 'X';
    let codeFemale: boolean;
    if (edge >= 0) {
      const person = this.edges[edge];
      birth = person.birth;
      sex = person.sex;
      codeFemale = sex === 'F';
    } else {
      const age = searchCumulative(this.ages, draw(this.identityWord, index, 0));
      birth = this.asOf - Math.floor((age + draw(this.identityWord, index, 1)) * 365.2425);
      const female = draw(this.identityWord, index, 2) < femaleShare(age);
      codeFemale = female;
      sex = draw(this.identityWord, index, 3) * SEX_X_ONE_IN < 1 ? 'X' : female ? 'F' : 'M';
    }
    // A thousand people of one sex born on one day would exhaust the serials; the next one is then moved a
    // day earlier. A national nation has about forty per day and sex, so this only guards uniqueness.
    for (;;) {
      const slot = (birth - this.cal.firstDay) * 2 + (codeFemale ? 1 : 0);
      const count = this.counts[slot];
      if (count < 1000) {
        this.counts[slot] = count + 1;
        const start = fmix32((this.identityWord ^ Math.imul(slot, 0x2c1b3c6d)) >>> 0) % 500;
        const serial = (start + count) % 1000;
        const personalCode = makePersonalCode(this.cal.iso(birth), codeFemale ? 'F' : 'M', serial);
        return { birth, sex, personalCode, edge };
      }
      birth -= 1;
    }
  }
}
