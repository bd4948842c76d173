import { isDomainError, ErrorCode } from '@tiltas/common';
import { REGISTERS } from '@tiltas/registers';
import { parseCriterion } from '../criterion.schema';
import { STANDARD_CRITERIA, standardCriterion } from '../standard-criteria';
import { compileCriterion, compileFunnel, readFunnel, sqlForReview } from './criterion-compiler';
import { bindParams } from './sql-params';

const tuned = parseCriterion({
  id: 'care-leaver-lt05',
  title: "Care leavers, Vilnius' tuning",
  purpose: 'outreach',
  conditions: [
    { kind: 'resident' },
    { kind: 'age', min: 19, max: 58 },
    { kind: 'event', name: 'care_end', register: 'care', date: 'placed_to', window: { fromDays: -77, toDays: 33 }, where: [{ column: 'placement', op: 'in', values: ['INSTITUTION', 'COMMUNITY_HOME'] }] },
    { kind: 'notInRegister', register: 'disability', where: [{ column: 'work_capacity', op: '>', value: 47 }] },
  ],
  municipality: { source: 'population' },
  priority: { kind: 'daysUntilWindowCloses', event: 'care_end' },
  scope: ['LT-05'],
});

const DECLARED = new Set(Object.values(REGISTERS).flatMap((r) => r.columns.map((c) => c.name)));
/** Strings the SQL itself needs: date parts and the `reason` keys, which are declared column names. */
const quotedLiterals = (sql: string): string[] => [...sql.replace(/--[^\n]*/g, '').matchAll(/'([^']*)'/g)].map((m) => m[1]);

describe('compiled criterion SQL', () => {
  it('carries every value of the criterion as a named parameter, none inlined', () => {
    const compiled = compileCriterion(tuned);
    const code = compiled.sql.replace(/--[^\n]*/g, '');
    for (const value of ['47', '77', '33', '19', '58', 'LT-05', 'INSTITUTION', 'COMMUNITY_HOME', 'care_end']) {
      expect(code).not.toContain(value);
    }
    expect(Object.fromEntries(compiled.params.filter((p) => p.kind === 'value').map((p) => [p.name, p.kind === 'value' ? p.value : null]))).toEqual({
      'conditions.1.min': 19,
      'conditions.1.max': 58,
      'conditions.2.window.fromDays': -77,
      'conditions.2.window.toDays': 33,
      'conditions.2.where.0.values': ['INSTITUTION', 'COMMUNITY_HOME'],
      'conditions.3.where.0.value': 47,
      'conditions.2.name': 'care_end',
      scope: ['LT-05'],
    });
  });

  it('quotes only declared column names, date parts and the provenance of a delta row in the SQL of every standard cohort', () => {
    for (const criterion of [...STANDARD_CRITERIA, tuned]) {
      for (const literal of quotedLiterals(compileCriterion(criterion).sql)) {
        expect(DECLARED.has(literal) || ['age', 'year', 'delta_extract_id', '{}'].includes(literal)).toBe(true);
      }
    }
  });

  it('reads each register by a bound extract id and D by a bound date', () => {
    const compiled = compileCriterion(standardCriterion('recent-release'));
    expect(compiled.paramNames.filter((n) => !n.startsWith('conditions.'))).toEqual([
      'asOf', 'extract:population', 'extract:prison', 'extract:employment', 'extract:jobseekers', 'extract:social_services',
    ]);
    expect(compiled.sql).toMatch(/FROM reg_population AS p/);
    expect(compiled.sql).toMatch(/CROSS JOIN LATERAL \(/);
    expect(compiled.sql).toMatch(/ORDER BY e\.released_on DESC, e\.release_municipality ASC NULLS LAST/);
    expect(compiled.sql.match(/NOT EXISTS/g)).toHaveLength(4);
    expect(compiled.sql.replace(/\$\d+::(date|int|text)(\[\])?/g, '')).not.toContain('$');
  });

  it('keeps one row per person and municipality for an event picked each', () => {
    const sql = compileCriterion(standardCriterion('pre-release')).sql;
    expect(sql).toMatch(/SELECT DISTINCT ON \(p\.pseudonym, COALESCE\(ev_3\.release_municipality, p\.municipality\)\)/);
    expect(sql).not.toMatch(/LIMIT 1/);
    expect(compileCriterion(standardCriterion('neet-youth')).sql).not.toMatch(/DISTINCT ON/);
  });

  it('restricts the same query to the persons bound, only when asked, and refuses a restricted query without them', () => {
    const whole = compileCriterion(standardCriterion('pre-release'));
    const restricted = compileCriterion(standardCriterion('pre-release'), { people: true });
    expect(whole.paramNames).not.toContain('people');
    expect(restricted.paramNames).toContain('people');
    const slot = restricted.paramNames.indexOf('people') + 1;
    expect(restricted.sql).toContain(`AND p.pseudonym = ANY($${slot}::bytea[])`);
    // Everything else is the run's query, unchanged.
    expect(restricted.sql.replace(/\n *-- only the persons given \(a delta's\)\n *AND p\.pseudonym = ANY\(\$\d+::bytea\[\]\)/, '').replace(/\$(\d+)/g, '$')).toBe(whole.sql.replace(/\$(\d+)/g, '$'));
    const people = [Buffer.alloc(32, 1)];
    expect(bindParams(restricted, { asOf: '2026-10-01', extractIds: { population: 7, prison: 9 }, people })[slot - 1]).toBe(people);
    expect(() => bindParams(restricted, { asOf: '2026-10-01', extractIds: { population: 7, prison: 9 } })).toThrow(/no persons given/);
  });

  it('binds D and the extract ids by name, and refuses a run without an extract it reads', () => {
    const compiled = compileCriterion(standardCriterion('pre-release'));
    expect(bindParams(compiled, { asOf: '2026-10-01', extractIds: { population: 7, prison: 9 } })).toEqual(
      compiled.params.map((p) => (p.kind === 'asOf' ? '2026-10-01' : p.kind === 'extract' ? { population: 7, prison: 9 }[p.register as 'population' | 'prison'] : p.kind === 'value' ? p.value : undefined)),
    );
    let caught: unknown;
    try {
      bindParams(compiled, { asOf: '2026-10-01', extractIds: { population: 7 } });
    } catch (error) {
      caught = error;
    }
    expect(isDomainError(caught, ErrorCode.VALIDATION_FAILED)).toBe(true);
    expect(() => bindParams(compiled, { asOf: '2026-02-30', extractIds: { population: 7, prison: 9 } })).toThrow(/not a date/);
  });

  it('counts a funnel with one step per condition and one for the scope', () => {
    const funnel = compileFunnel(tuned);
    expect(funnel.steps.map((s) => s.label)).toEqual([
      'in the population extract',
      'resident at D: in population, not deceased or emigrated on or before D',
      'age 19-58 in full years at D',
      'event care_end: some care row with placed_to in [D-77, D+33] where placement in (2 values)',
      'not in disability at D where work_capacity > value',
      'case municipality in scope',
    ]);
    expect(funnel.sql.replace(/--[^\n]*/g, '')).not.toMatch(/LT-05|INSTITUTION|\b47\b/);
  });

  it('ends the funnel with a step for the municipalities a run leaves to their own copies, bound as a value', () => {
    const funnel = compileFunnel(tuned, { leftOut: ['LT-57'] });
    expect(funnel.steps.map((s) => s.label)).toEqual([...compileFunnel(tuned).steps.map((s) => s.label), 'case municipality not taken over by its own copy']);
    expect(funnel.sql.replace(/--[^\n]*/g, '')).not.toContain('LT-57');
    expect(bindParams(funnel, { asOf: '2026-10-01', extractIds: { population: 1, care: 2, disability: 3 } })[funnel.paramNames.indexOf('leftOut')]).toEqual(['LT-57']);
    expect(compileFunnel(tuned, { leftOut: [] }).sql).toBe(compileFunnel(tuned).sql);
  });

  it('reads the funnel as the people left after each step: those who passed at least that many conditions', () => {
    const funnel = compileFunnel(tuned);
    const rows = [{ passed: 0, people: 2 }, { passed: 2, people: 5 }, { passed: 5, people: 1 }];
    expect(readFunnel(funnel, rows).map((s) => s.remaining)).toEqual([8, 6, 6, 1, 1, 1]);
    expect(readFunnel(funnel, []).map((s) => s.remaining)).toEqual([0, 0, 0, 0, 0, 0]);
  });
});

describe('review SQL', () => {
  it('writes every value out and looks each register up by its ACTIVE extract', () => {
    const review = sqlForReview(tuned, { asOf: '2026-10-01' });
    expect(review).not.toMatch(/\$\d/);
    expect(review).toContain(`(SELECT id FROM extract WHERE register = 'care' AND status = 'ACTIVE')::int`);
    expect(review).toContain(`'2026-10-01'::date + (-77)::int`);
    expect(review).toContain(`ARRAY['INSTITUTION', 'COMMUNITY_HOME']::text[]`);
    expect(review).toMatch(/^-- criterion care-leaver-lt05: Care leavers, Vilnius' tuning$/m);
  });

  it('leaves D to a psql variable when no date is given', () => {
    const review = sqlForReview(standardCriterion('neet-youth'));
    expect(review).toContain(`:'as_of'::date`);
    expect(review).not.toMatch(/\$\d/);
  });
});
