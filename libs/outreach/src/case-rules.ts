import { CaseStatus, Outcome, REFERRAL_NEXT, ReferralStatus } from './case-codes';

/**
 * The case life as data: which step each status allows. NEW → ASSIGNED → IN_PROGRESS → CLOSED; an
 * assigned case may be reassigned, a case that is not closed may be handed over, nothing leaves CLOSED.
 */
export type CaseStep = 'assign' | 'claim' | 'reassign' | 'attempt' | 'schedule' | 'refer' | 'reveal' | 'close' | 'hand-over';

const ALLOWED: Readonly<Record<CaseStep, readonly CaseStatus[]>> = {
  assign: ['NEW'],
  claim: ['NEW'],
  reassign: ['ASSIGNED', 'IN_PROGRESS'],
  attempt: ['ASSIGNED', 'IN_PROGRESS'],
  schedule: ['ASSIGNED', 'IN_PROGRESS'],
  refer: ['ASSIGNED', 'IN_PROGRESS'],
  reveal: ['ASSIGNED', 'IN_PROGRESS'],
  close: ['ASSIGNED', 'IN_PROGRESS'],
  'hand-over': ['NEW', 'ASSIGNED', 'IN_PROGRESS'],
};

const VERB: Readonly<Record<CaseStep, string>> = {
  assign: 'be assigned',
  claim: 'be claimed',
  reassign: 'be reassigned',
  attempt: 'take a contact attempt',
  schedule: 'have its next attempt scheduled',
  refer: 'take a referral',
  reveal: 'have its contact details revealed',
  close: 'be closed',
  'hand-over': 'be handed over',
};

/** Why `step` is not allowed in `status`, in words the caller can act on; null when it is allowed. */
export function stepProblem(caseId: number, status: CaseStatus, step: CaseStep): string | null {
  const allowed = ALLOWED[step];
  if (allowed.includes(status)) return null;
  const hint = status === 'CLOSED' ? 'a closed case is final' : `only a case that is ${allowed.join(' or ')} can`;
  return `case ${caseId} is ${status} and cannot ${VERB[step]}: ${hint}`;
}

export interface CloseFacts {
  readonly caseId: number;
  readonly outcome: Outcome;
  readonly municipality: string;
  /** Attempts on this case whose result was not REACHED. */
  readonly unanswered: number;
  readonly unreachableAfter: number;
  readonly referrals: number;
  readonly reason: string | null;
  readonly toMunicipality: string | null;
}

/** What an outcome needs before a case may close with it; null when the facts suffice. */
export function closeProblem(f: CloseFacts): string | null {
  switch (f.outcome) {
    case 'UNREACHABLE':
      return f.unanswered >= f.unreachableAfter
        ? null
        : `case ${f.caseId} can close as UNREACHABLE after ${f.unreachableAfter} unanswered attempts; it has ${f.unanswered}`;
    case 'SUPPORT_ACCEPTED':
      return f.referrals > 0 ? null : `case ${f.caseId} can close as SUPPORT_ACCEPTED only with at least one referral: refer the person to a service first`;
    case 'NOT_ELIGIBLE':
      return f.reason ? null : 'NOT_ELIGIBLE needs the reason (it is feedback on the criterion)';
    case 'MOVED_AWAY':
      if (!f.toMunicipality) return 'MOVED_AWAY needs the municipality the person moved to (toMunicipality)';
      return f.toMunicipality === f.municipality ? `the person moved within ${f.municipality}: that is not MOVED_AWAY` : null;
    default:
      return null;
  }
}

export function referralStepProblem(referralId: number, from: ReferralStatus, to: ReferralStatus): string | null {
  if (REFERRAL_NEXT[from].includes(to)) return null;
  const next = REFERRAL_NEXT[from];
  return next.length === 0
    ? `referral ${referralId} is ${from}, which is final`
    : `referral ${referralId} is ${from}: it can become ${next.join(' or ')}, not ${to}`;
}
