import { standardCriterion } from '@tiltas/targeting';
import { planRun, type ActiveExtract, type RunCriterion } from './run-plan';

const REGISTERS = ['population', 'education', 'employment', 'jobseekers', 'social_services', 'prison', 'care', 'military', 'parental_leave', 'disability'];
const extracts = (overrides: Partial<Record<string, Partial<ActiveExtract>>> = {}): ActiveExtract[] =>
  REGISTERS.map((register, i) => ({ id: i + 1, register, asOf: '2026-09-30', pseudonymKeyId: 'k1', ...overrides[register] }));
const criterion = (id: Parameters<typeof standardCriterion>[0], extra: Partial<RunCriterion> = {}): RunCriterion => ({
  id, version: 1, municipality: null, basedOn: null, lawfulBasisId: 'LB', definition: standardCriterion(id), ...extra,
});

describe('planning a run', () => {
  it('binds each register the criteria read to its active extract and keys the run by versions and extracts', () => {
    const outcome = planRun('2026-10-01', [criterion('recent-release'), criterion('disability-unserved')], extracts());
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.plan.extracts.map((e) => e.register)).toEqual(['population', 'employment', 'jobseekers', 'social_services', 'prison', 'disability']);
    expect(outcome.plan.runKey).toBe('disability-unserved@1,recent-release@1|population#1,employment#3,jobseekers#4,social_services#5,prison#6,disability#10');
    expect(outcome.plan.binding.extractIds).toEqual({ population: 1, employment: 3, jobseekers: 4, social_services: 5, prison: 6, disability: 10 });
  });

  it('refuses, naming the register and who reads it, when a register has no active extract', () => {
    const outcome = planRun('2026-10-01', [criterion('neet-youth'), criterion('care-leaver')], extracts().filter((e) => e.register !== 'care'));
    expect(outcome).toEqual({ ok: false, problems: ['register care has no ACTIVE extract (read by neet-youth, care-leaver): load one first'] });
  });

  it('refuses when the extracts to be joined carry different pseudonym key ids, naming each', () => {
    const outcome = planRun('2026-10-01', [criterion('pre-release')], extracts({ prison: { pseudonymKeyId: 'k2' } }));
    expect(outcome).toEqual({ ok: false, problems: ['the active extracts were pseudonymised under different key ids and cannot be joined: k1 (population) vs k2 (prison)'] });
  });

  it('ignores a mixed key on a register no criterion of the run reads', () => {
    expect(planRun('2026-10-01', [criterion('pre-release')], extracts({ disability: { pseudonymKeyId: 'k2' } })).ok).toBe(true);
  });

  it("leaves a municipality to its own tuned copy of a national criterion", () => {
    const copy = criterion('neet-youth', { id: 'neet-youth-lt-57', municipality: 'LT-57', basedOn: 'neet-youth', definition: { ...standardCriterion('neet-youth'), id: 'neet-youth-lt-57', scope: ['LT-57'] } });
    const outcome = planRun('2026-10-01', [criterion('neet-youth'), copy], extracts());
    if (!outcome.ok) throw new Error('refused');
    expect(outcome.plan.criteria.map((c) => [c.id, c.leftToCopies])).toEqual([['neet-youth', ['LT-57']], ['neet-youth-lt-57', []]]);
  });
});
