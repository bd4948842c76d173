import { isDomainError, ErrorCode } from '@tiltas/common';
import { parseCriterion, registersRead, validateCriterion } from './criterion.schema';
import { STANDARD_CRITERIA, standardCriterion } from './standard-criteria';

const valid = {
  id: 'disability-lt05',
  title: 'Disability, tuned',
  purpose: 'outreach',
  conditions: [
    { kind: 'resident' },
    { kind: 'age', min: 18, max: 64 },
    { kind: 'event', name: 'assessment', register: 'disability', date: 'assessed_on', activeAtD: true, where: [{ column: 'work_capacity', op: '<=', value: 55 }] },
    { kind: 'notInRegister', register: 'care', where: [{ column: 'placement', op: 'in', values: ['INSTITUTION'] }] },
  ],
  municipality: { source: 'population' },
  priority: { kind: 'daysSince', event: 'assessment' },
  scope: ['LT-05'],
};

function issuesOf(input: unknown): Record<string, string> {
  const result = validateCriterion(input);
  if (result.ok) throw new Error('expected the criterion to be refused');
  return Object.fromEntries(result.issues.map((i) => [i.path, i.message]));
}

const withCondition = (index: number, condition: unknown) => ({
  ...valid,
  conditions: valid.conditions.map((c, i) => (i === index ? condition : c)),
});

describe('criterion validation', () => {
  it('accepts a tuned criterion over declared registers and columns', () => {
    expect(validateCriterion(valid)).toEqual({ ok: true, criterion: valid });
  });

  it('accepts every standard cohort', () => {
    for (const c of STANDARD_CRITERIA) expect(validateCriterion(c).ok).toBe(true);
  });

  it('names the path of every malformed field at once', () => {
    const issues = issuesOf({ ...valid, id: 'Bad Id', purpose: 'marketing', scope: [], extra: 1 });
    expect(Object.keys(issues).sort()).toEqual(['', 'id', 'purpose', 'scope']);
    expect(issues['']).toMatch(/extra/);
  });

  it('refuses an unknown register with the allowed codes', () => {
    const issues = issuesOf(withCondition(3, { kind: 'notInRegister', register: 'tax' }));
    expect(issues['conditions.3.register']).toMatch(/must be one of population, contacts/);
  });

  it('refuses reading the identifying contacts register', () => {
    expect(issuesOf(withCondition(3, { kind: 'notInRegister', register: 'contacts' }))['conditions.3.register']).toMatch(/identifying/);
  });

  it('refuses "in register" for a register without a period', () => {
    expect(issuesOf(withCondition(3, { kind: 'inRegister', register: 'population' }))['conditions.3.register']).toMatch(/has no period/);
  });

  it('refuses a column the register does not declare, and the pseudonym', () => {
    const unknown = issuesOf(withCondition(3, { kind: 'notInRegister', register: 'care', where: [{ column: 'placement_type', op: 'isNull' }] }));
    expect(unknown['conditions.3.where.0.column']).toMatch(/care has no column "placement_type"/);
    const pseudonym = issuesOf(withCondition(3, { kind: 'notInRegister', register: 'care', where: [{ column: 'pseudonym', op: 'isNotNull' }] }));
    expect(pseudonym['conditions.3.where.0.column']).toMatch(/no column "pseudonym"/);
  });

  it('refuses codes the column does not have and integers out of range', () => {
    const codes = issuesOf(withCondition(3, { kind: 'notInRegister', register: 'care', where: [{ column: 'placement', op: 'in', values: ['INSTITUTION', 'institution'] }] }));
    expect(codes).toEqual({ 'conditions.3.where.0.values.1': '"institution" is not a placement code' });
    const range = issuesOf(withCondition(2, { ...valid.conditions[2], where: [{ column: 'work_capacity', op: '<=', value: 101 }] }));
    expect(range['conditions.2.where.0.value']).toMatch(/between 0 and 100/);
    const ordered = issuesOf(withCondition(3, { kind: 'notInRegister', register: 'care', where: [{ column: 'placement', op: '<', value: 'INSTITUTION' }] }));
    expect(ordered['conditions.3.where.0.op']).toMatch(/compares integers/);
  });

  it('requires resident first and only once', () => {
    const first = issuesOf({ ...valid, conditions: [valid.conditions[1], valid.conditions[0], valid.conditions[2]] });
    expect(first['conditions.0']).toMatch(/first condition must be/);
    expect(first['conditions.1']).toMatch(/only once/);
  });

  it('refuses an empty or inverted age band', () => {
    expect(issuesOf(withCondition(1, { kind: 'age' }))['conditions.1']).toMatch(/needs min, max or both/);
    expect(issuesOf(withCondition(1, { kind: 'age', min: 30, max: 20 }))['conditions.1.max']).toMatch(/at least min/);
  });

  it('refuses an event on a non-date column, an inverted window and an event with neither window nor activeAtD', () => {
    const event = { kind: 'event', name: 'release', register: 'prison', date: 'institution', window: { fromDays: 0, toDays: -90 } };
    const issues = issuesOf({ ...valid, conditions: [...valid.conditions, event] });
    expect(issues['conditions.4.date']).toMatch(/no date column "institution"/);
    expect(issues['conditions.4.window.toDays']).toMatch(/at least fromDays/);
    const bare = issuesOf({ ...valid, conditions: [...valid.conditions, { kind: 'event', name: 'release', register: 'prison', date: 'released_on' }] });
    expect(bare['conditions.4.window']).toMatch(/needs a window, activeAtD/);
  });

  it('refuses rules that name a missing event or a column that is not a municipality', () => {
    const issues = issuesOf({ ...valid, municipality: { source: 'event', event: 'assessment', column: 'work_capacity' }, priority: { kind: 'daysUntil', event: 'release' } });
    expect(issues['municipality.column']).toMatch(/no municipality column "work_capacity"/);
    expect(issues['priority.event']).toMatch(/no event named "release"/);
    expect(issuesOf({ ...valid, priority: { kind: 'daysUntilWindowCloses', event: 'assessment' } })['priority.event']).toMatch(/no window to close/);
    expect(issuesOf({ ...valid, conditions: valid.conditions.slice(0, 1).concat(valid.conditions[2]), priority: { kind: 'daysUntilAgeOut' } })['priority.kind']).toMatch(/needs an age condition with a max/);
  });

  it('refuses a scope outside LT-01…LT-60', () => {
    expect(issuesOf({ ...valid, scope: ['LT-05', 'LT-61'] })).toEqual({ 'scope.1': '"LT-61" is not a municipality code (LT-01…LT-60)' });
  });

  it('throws a VALIDATION_FAILED domain error carrying the issues', () => {
    let caught: unknown;
    try {
      parseCriterion({ ...valid, scope: ['LT-99'] });
    } catch (error) {
      caught = error;
    }
    expect(isDomainError(caught, ErrorCode.VALIDATION_FAILED)).toBe(true);
    expect((caught as Error).message).toContain('scope.0');
    expect((caught as { details: unknown }).details).toEqual({ issues: [{ path: 'scope.0', message: '"LT-99" is not a municipality code (LT-01…LT-60)' }] });
  });
});

describe('registers a criterion reads', () => {
  it('lists population and every register a condition names, for the lawful-basis check', () => {
    expect(registersRead(standardCriterion('neet-youth'))).toEqual([
      'population', 'education', 'employment', 'jobseekers', 'social_services', 'prison', 'care', 'military', 'parental_leave',
    ]);
    expect(registersRead(standardCriterion('pre-release'))).toEqual(['population', 'prison']);
    expect(registersRead(standardCriterion('disability-unserved'))).toEqual(['population', 'employment', 'jobseekers', 'social_services', 'disability']);
  });
});
