import { ageBand } from './case-codes';
import { closeProblem, referralStepProblem, stepProblem, type CloseFacts } from './case-rules';

const facts = (over: Partial<CloseFacts>): CloseFacts => ({
  caseId: 7,
  outcome: 'DECLINED',
  municipality: 'LT-57',
  unanswered: 0,
  unreachableAfter: 3,
  referrals: 0,
  reason: null,
  toMunicipality: null,
  ...over,
});

describe('the case life', () => {
  it('lets a NEW case be assigned or claimed but not worked, and an assigned case be worked but not assigned again', () => {
    expect(stepProblem(7, 'NEW', 'assign')).toBeNull();
    expect(stepProblem(7, 'NEW', 'claim')).toBeNull();
    expect(stepProblem(7, 'NEW', 'attempt')).toBe('case 7 is NEW and cannot take a contact attempt: only a case that is ASSIGNED or IN_PROGRESS can');
    expect(stepProblem(7, 'ASSIGNED', 'attempt')).toBeNull();
    expect(stepProblem(7, 'IN_PROGRESS', 'close')).toBeNull();
    expect(stepProblem(7, 'ASSIGNED', 'claim')).toBe('case 7 is ASSIGNED and cannot be claimed: only a case that is NEW can');
  });

  it('treats a closed case as final for every step', () => {
    for (const step of ['assign', 'claim', 'reassign', 'attempt', 'schedule', 'refer', 'reveal', 'close', 'hand-over'] as const) {
      expect(stepProblem(7, 'CLOSED', step)).toContain('a closed case is final');
    }
  });
});

describe('closing outcomes', () => {
  it('allows UNREACHABLE only from the configured number of unanswered attempts', () => {
    expect(closeProblem(facts({ outcome: 'UNREACHABLE', unanswered: 2 }))).toBe('case 7 can close as UNREACHABLE after 3 unanswered attempts; it has 2');
    expect(closeProblem(facts({ outcome: 'UNREACHABLE', unanswered: 3 }))).toBeNull();
  });

  it('needs a referral for SUPPORT_ACCEPTED, a reason for NOT_ELIGIBLE and another municipality for MOVED_AWAY', () => {
    expect(closeProblem(facts({ outcome: 'SUPPORT_ACCEPTED' }))).toContain('at least one referral');
    expect(closeProblem(facts({ outcome: 'SUPPORT_ACCEPTED', referrals: 1 }))).toBeNull();
    expect(closeProblem(facts({ outcome: 'NOT_ELIGIBLE' }))).toContain('needs the reason');
    expect(closeProblem(facts({ outcome: 'NOT_ELIGIBLE', reason: 'studies abroad' }))).toBeNull();
    expect(closeProblem(facts({ outcome: 'MOVED_AWAY' }))).toContain('toMunicipality');
    expect(closeProblem(facts({ outcome: 'MOVED_AWAY', toMunicipality: 'LT-57' }))).toContain('moved within LT-57');
    expect(closeProblem(facts({ outcome: 'MOVED_AWAY', toMunicipality: 'LT-13' }))).toBeNull();
    expect(closeProblem(facts({ outcome: 'DECEASED' }))).toBeNull();
  });
});

describe('referral statuses', () => {
  it('moves forward only, with REJECTED possible until the end and nothing after COMPLETED or REJECTED', () => {
    expect(referralStepProblem(1, 'SENT', 'ACCEPTED')).toBeNull();
    expect(referralStepProblem(1, 'STARTED', 'REJECTED')).toBeNull();
    expect(referralStepProblem(1, 'SENT', 'COMPLETED')).toBe('referral 1 is SENT: it can become ACCEPTED or REJECTED, not COMPLETED');
    expect(referralStepProblem(1, 'COMPLETED', 'REJECTED')).toBe('referral 1 is COMPLETED, which is final');
  });
});

describe('age bands', () => {
  it('puts each age in its band, edges included', () => {
    expect([14, 15, 17, 18, 24, 25, 29, 30, 64, 65, 90].map(ageBand)).toEqual(['0–14', '15–17', '15–17', '18–24', '18–24', '25–29', '25–29', '30–39', '50–64', '65+', '65+']);
  });
});
