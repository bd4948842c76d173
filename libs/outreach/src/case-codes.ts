import { REGISTER_CODES, RegisterCode } from '@tiltas/contract';

/** The codes of case work, as DESIGN.md "Case life" names them. The migration's CHECKs hold the same sets. */

export const CASE_STATUSES = ['NEW', 'ASSIGNED', 'IN_PROGRESS', 'CLOSED'] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];

export const OUTCOMES = [
  'SUPPORT_ACCEPTED',
  'ALREADY_SUPPORTED',
  'DECLINED',
  'OPTED_OUT',
  'UNREACHABLE',
  'MOVED_AWAY',
  'DECEASED',
  'NOT_ELIGIBLE',
] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** The channels a worker records an attempt through. */
export const CHANNELS = ['PHONE', 'SMS', 'EMAIL', 'LETTER', 'HOME_VISIT', 'IN_PERSON', 'VIA_PARTNER'] as const;
/** The person answered through the response link of a letter or message: recorded by Tiltas, never by hand. */
export const RESPONSE_LINK_CHANNEL = 'RESPONSE_LINK';
export type Channel = (typeof CHANNELS)[number] | typeof RESPONSE_LINK_CHANNEL;

/** The three answers of the response link's page. */
export const RESPONSE_ANSWERS = ['HELP', 'LATER', 'STOP'] as const;
export type ResponseAnswer = (typeof RESPONSE_ANSWERS)[number];
/** When the person would rather be called back. */
export const CALLBACK_TIMES = ['ANY', 'MORNING', 'AFTERNOON', 'EVENING'] as const;
export type CallbackTime = (typeof CALLBACK_TIMES)[number];

export const ATTEMPT_RESULTS = ['REACHED', 'NO_ANSWER', 'WRONG_CONTACT', 'MESSAGE_LEFT'] as const;
export type AttemptResult = (typeof ATTEMPT_RESULTS)[number];

export const REFERRAL_STATUSES = ['SENT', 'ACCEPTED', 'STARTED', 'COMPLETED', 'REJECTED'] as const;
export type ReferralStatus = (typeof REFERRAL_STATUSES)[number];

export const SERVICE_KINDS = ['PES', 'SOCIAL_SERVICES', 'EDUCATION', 'HOUSING', 'HEALTH', 'LEGAL_AID', 'NGO', 'OTHER'] as const;
export type ServiceKind = (typeof SERVICE_KINDS)[number];

/** Where a referral may go next; COMPLETED and REJECTED are final. */
export const REFERRAL_NEXT: Readonly<Record<ReferralStatus, readonly ReferralStatus[]>> = {
  SENT: ['ACCEPTED', 'REJECTED'],
  ACCEPTED: ['STARTED', 'REJECTED'],
  STARTED: ['COMPLETED', 'REJECTED'],
  COMPLETED: [],
  REJECTED: [],
};

/**
 * Age bands shown in the queue instead of a birth date: enough to prepare a conversation, not enough to
 * single anyone out. The bands follow the cohorts' own edges (youth guarantee 15–29, adults after).
 */
const AGE_BANDS: ReadonlyArray<{ from: number; to: number | null }> = [
  { from: 0, to: 14 },
  { from: 15, to: 17 },
  { from: 18, to: 24 },
  { from: 25, to: 29 },
  { from: 30, to: 39 },
  { from: 40, to: 49 },
  { from: 50, to: 64 },
  { from: 65, to: null },
];

export function ageBand(age: number): string {
  const band = AGE_BANDS.find((b) => age >= b.from && (b.to === null || age <= b.to)) ?? AGE_BANDS[0];
  return band.to === null ? `${band.from}+` : `${band.from}–${band.to}`;
}

/** Why a service turned a referral down; a REJECTED referral always names one. */
export const REJECT_REASONS = ['NOT_IN_TARGET_GROUP', 'NO_CAPACITY', 'DID_NOT_ATTEND', 'PERSON_DECLINED', 'REFERRED_ELSEWHERE', 'OTHER'] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

/** Through what a referral's status moved: the case holder's work, or the partner's signed link or API token. */
export const REFERRAL_VIAS = ['CASE_WORK', 'PARTNER_LINK', 'PARTNER_TOKEN'] as const;
export type ReferralVia = (typeof REFERRAL_VIAS)[number];

/**
 * What a NOT_ELIGIBLE closing says was wrong: the register whose data the worker's finding contradicts
 * (listed as not in education, yet enrolled), or NONE when the registers were right and the criterion
 * missed something. The register holders' data-quality export counts the first kind per register.
 */
export const WRONG_REGISTER_NONE = 'NONE';
export const WRONG_REGISTERS = [...REGISTER_CODES, WRONG_REGISTER_NONE] as const;
export type WrongRegister = RegisterCode | typeof WRONG_REGISTER_NONE;
