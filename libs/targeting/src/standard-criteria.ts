import { parseCriterion, type CriterionDefinition } from './criterion.schema';

/**
 * The five standard cohorts of the register extract contract (spec/extracts.md) ("Standard cohorts"), as data. Coordinators copy
 * and tune them; these keep exactly the spec's meaning. Each is parsed at load so a mistake here fails
 * at boot, not at the first run.
 */

const resident = { kind: 'resident' } as const;
const notIn = (register: string) => ({ kind: 'notInRegister', register }) as const;

const definitions: unknown[] = [
  {
    id: 'neet-youth',
    title: 'Young people not in employment, education or training',
    purpose: 'outreach',
    conditions: [
      resident,
      { kind: 'age', min: 16, max: 26 },
      notIn('education'),
      notIn('employment'),
      notIn('jobseekers'),
      notIn('military'),
      notIn('parental_leave'),
      notIn('care'),
      notIn('social_services'),
      notIn('prison'),
    ],
    municipality: { source: 'population' },
    // Those about to age out of the band lose the offer soonest.
    priority: { kind: 'daysUntilAgeOut' },
  },
  {
    id: 'recent-release',
    title: 'People released from prison in the last 90 days',
    purpose: 'outreach',
    conditions: [
      resident,
      { kind: 'age', min: 18 },
      { kind: 'event', name: 'release', register: 'prison', date: 'released_on', window: { fromDays: -90, toDays: 0 }, pick: 'latest' },
      notIn('prison'),
      notIn('employment'),
      notIn('jobseekers'),
      notIn('social_services'),
    ],
    // The latest release in the window; of several that day, the smallest non-null release_municipality.
    municipality: { source: 'event', event: 'release', column: 'release_municipality' },
    priority: { kind: 'daysSince', event: 'release' },
  },
  {
    id: 'pre-release',
    title: 'People in custody expected to be released within 60 days',
    purpose: 'outreach',
    conditions: [
      resident,
      { kind: 'age', min: 18 },
      {
        kind: 'event',
        name: 'custody',
        register: 'prison',
        date: 'expected_release_on',
        window: { fromDays: 0, toDays: 60 },
        activeAtD: true,
        // "release_municipality of that custody": a person held in two custodies ending soon, bound for
        // two municipalities, is found in each.
        pick: 'each',
      },
    ],
    municipality: { source: 'event', event: 'custody', column: 'release_municipality' },
    priority: { kind: 'daysUntil', event: 'custody' },
  },
  {
    id: 'care-leaver',
    title: 'Young people who left care in the last year',
    purpose: 'outreach',
    conditions: [
      resident,
      { kind: 'age', min: 18, max: 24 },
      { kind: 'event', name: 'care_end', register: 'care', date: 'placed_to', window: { fromDays: -365, toDays: 0 }, pick: 'latest' },
      notIn('care'),
      notIn('education'),
      notIn('employment'),
      notIn('jobseekers'),
      notIn('social_services'),
    ],
    municipality: { source: 'population' },
    priority: { kind: 'daysUntilWindowCloses', event: 'care_end' },
  },
  {
    id: 'disability-unserved',
    title: 'People with reduced work capacity who receive no service',
    purpose: 'outreach',
    conditions: [
      resident,
      { kind: 'age', min: 18, max: 64 },
      {
        kind: 'event',
        name: 'assessment',
        register: 'disability',
        date: 'assessed_on',
        activeAtD: true,
        where: [{ column: 'work_capacity', op: '<=', value: 55 }],
        pick: 'latest',
      },
      notIn('employment'),
      notIn('jobseekers'),
      notIn('social_services'),
    ],
    municipality: { source: 'population' },
    // A fresh assessment is the moment the person is most likely to accept support.
    priority: { kind: 'daysSince', event: 'assessment' },
  },
];

export const STANDARD_CRITERIA: readonly CriterionDefinition[] = Object.freeze(definitions.map((d) => parseCriterion(d)));

export const STANDARD_CRITERION_IDS = ['neet-youth', 'recent-release', 'pre-release', 'care-leaver', 'disability-unserved'] as const;
export type StandardCriterionId = (typeof STANDARD_CRITERION_IDS)[number];

export function standardCriterion(id: StandardCriterionId): CriterionDefinition {
  const found = STANDARD_CRITERIA.find((c) => c.id === id);
  if (!found) throw new Error(`no standard criterion ${id}`);
  return found;
}
