/**
 * The register extract contract (the register extract contract (spec/extracts.md)) as data. The parser, the validator, the
 * register tables, the criteria compiler and the synthetic generator all read these declarations;
 * adding a register means adding a declaration here (and its code in @tiltas/contract) and a migration,
 * nothing else.
 */
import { MUNICIPALITY_CODES, type RegisterCode } from '@tiltas/contract';


export type ColumnType =
  /** 64 lowercase hex characters. */
  | 'pseudonym'
  /** Strict calendar date, YYYY-MM-DD. */
  | 'date'
  /** One of `codes`, case-sensitive. */
  | 'code'
  /** Free text (names, addresses, institution codes). Non-empty when not nullable. */
  | 'text'
  /** Whole number within [min, max]. */
  | 'integer'
  /** E.164 phone number. */
  | 'phone'
  | 'email'
  /** `LT-` followed by five digits. */
  | 'postal_code';

export interface ColumnDeclaration {
  readonly name: string;
  readonly type: ColumnType;
  readonly nullable: boolean;
  readonly codes?: readonly string[];
  readonly min?: number;
  readonly max?: number;
}

/**
 * A period `[from, to]`. `inclusive`: active at D when from <= D and (to is null or to >= D).
 * `release`: the `to` day itself is outside (prison custody: active while released_on > D).
 */
export interface PeriodDeclaration {
  readonly from: string;
  readonly to: string;
  readonly end: 'inclusive' | 'exclusive';
}

export interface RegisterDeclaration {
  readonly code: RegisterCode;
  readonly title: string;
  /** One row per person: every row after the first valid row of a pseudonym is quarantined. */
  readonly onePerPerson: boolean;
  /** Identifying registers (contacts) are stored only encrypted, in the contacts vault. */
  readonly identifying: boolean;
  /** GDPR special category the register carries, which a lawful basis must answer for. */
  readonly specialCategory: 'article9' | 'article10' | null;
  readonly columns: readonly ColumnDeclaration[];
  /** The period that "in register X at D" tests; null where the register has no period. */
  readonly period: PeriodDeclaration | null;
}

const pseudonym: ColumnDeclaration = { name: 'pseudonym', type: 'pseudonym', nullable: false };
const municipality = (name: string, nullable: boolean): ColumnDeclaration => ({
  name,
  type: 'code',
  nullable,
  codes: MUNICIPALITY_CODES,
});
const date = (name: string, nullable: boolean): ColumnDeclaration => ({ name, type: 'date', nullable });
const text = (name: string): ColumnDeclaration => ({ name, type: 'text', nullable: false });
const code = (name: string, codes: readonly string[], nullable = false): ColumnDeclaration => ({
  name,
  type: 'code',
  nullable,
  codes,
});

export const REGISTERS: Readonly<Record<RegisterCode, RegisterDeclaration>> = {
  population: {
    code: 'population',
    title: 'Population register',
    onePerPerson: true,
    identifying: false,
    specialCategory: null,
    columns: [
      pseudonym,
      date('birth_date', false),
      code('sex', ['F', 'M', 'X']),
      municipality('municipality', false),
      date('registered_since', false),
      date('deceased_on', true),
      date('emigrated_on', true),
    ],
    period: null,
  },
  contacts: {
    code: 'contacts',
    title: 'Contact details',
    onePerPerson: true,
    identifying: true,
    specialCategory: null,
    columns: [
      pseudonym,
      text('given_name'),
      text('family_name'),
      { name: 'phone', type: 'phone', nullable: true },
      { name: 'email', type: 'email', nullable: true },
      text('address'),
      { name: 'postal_code', type: 'postal_code', nullable: false },
      code('language', ['lt', 'ru', 'pl', 'en']),
    ],
    period: null,
  },
  education: {
    code: 'education',
    title: 'Education register (enrolments)',
    onePerPerson: false,
    identifying: false,
    specialCategory: null,
    columns: [
      pseudonym,
      code('level', ['0', '1', '2', '3', '4', '5', '6', '7', '8']),
      text('institution'),
      date('enrolled_from', false),
      date('enrolled_to', true),
      code('outcome', ['GRADUATED', 'DROPPED_OUT', 'TRANSFERRED'], true),
    ],
    period: { from: 'enrolled_from', to: 'enrolled_to', end: 'inclusive' },
  },
  employment: {
    code: 'employment',
    title: 'Insured employment',
    onePerPerson: false,
    identifying: false,
    specialCategory: null,
    columns: [
      pseudonym,
      text('employer'),
      code('kind', ['EMPLOYEE', 'SELF_EMPLOYED', 'APPRENTICE']),
      date('employed_from', false),
      date('employed_to', true),
    ],
    period: { from: 'employed_from', to: 'employed_to', end: 'inclusive' },
  },
  jobseekers: {
    code: 'jobseekers',
    title: 'Public employment service registrations',
    onePerPerson: false,
    identifying: false,
    specialCategory: null,
    columns: [
      pseudonym,
      code('status', ['UNEMPLOYED', 'JOBSEEKER', 'ACTIVE_MEASURE']),
      date('registered_from', false),
      date('registered_to', true),
    ],
    period: { from: 'registered_from', to: 'registered_to', end: 'inclusive' },
  },
  social_services: {
    code: 'social_services',
    title: 'Social services received',
    onePerPerson: false,
    identifying: false,
    specialCategory: null,
    columns: [
      pseudonym,
      text('service'),
      municipality('municipality', false),
      date('service_from', false),
      date('service_to', true),
    ],
    period: { from: 'service_from', to: 'service_to', end: 'inclusive' },
  },
  prison: {
    code: 'prison',
    title: 'Prison custody',
    onePerPerson: false,
    identifying: false,
    specialCategory: 'article10',
    columns: [
      pseudonym,
      text('institution'),
      date('custody_from', false),
      date('released_on', true),
      date('expected_release_on', true),
      municipality('release_municipality', true),
    ],
    // Custody is active at D while released_on > D: the release day itself is a day outside.
    period: { from: 'custody_from', to: 'released_on', end: 'exclusive' },
  },
  care: {
    code: 'care',
    title: 'Child care placements',
    onePerPerson: false,
    identifying: false,
    specialCategory: null,
    columns: [
      pseudonym,
      code('placement', ['INSTITUTION', 'FOSTER_FAMILY', 'COMMUNITY_HOME', 'GUARDIANSHIP']),
      date('placed_from', false),
      date('placed_to', true),
    ],
    period: { from: 'placed_from', to: 'placed_to', end: 'inclusive' },
  },
  military: {
    code: 'military',
    title: 'Military service',
    onePerPerson: false,
    identifying: false,
    specialCategory: null,
    columns: [pseudonym, date('service_from', false), date('service_to', true)],
    period: { from: 'service_from', to: 'service_to', end: 'inclusive' },
  },
  parental_leave: {
    code: 'parental_leave',
    title: 'Parental leave',
    onePerPerson: false,
    identifying: false,
    specialCategory: null,
    columns: [pseudonym, date('leave_from', false), date('leave_to', true)],
    period: { from: 'leave_from', to: 'leave_to', end: 'inclusive' },
  },
  disability: {
    code: 'disability',
    title: 'Disability and work capacity assessments',
    onePerPerson: false,
    identifying: false,
    specialCategory: 'article9',
    columns: [
      pseudonym,
      date('assessed_on', false),
      date('valid_to', true),
      { name: 'work_capacity', type: 'integer', nullable: false, min: 0, max: 100 },
    ],
    period: { from: 'assessed_on', to: 'valid_to', end: 'inclusive' },
  },
};

export function registerDeclaration(code: RegisterCode): RegisterDeclaration {
  return REGISTERS[code];
}
