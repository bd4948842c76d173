/**
 * The plain vocabulary of the register extract contract (the register extract contract (spec/extracts.md)): the register codes and
 * the municipality codes. At the bottom of the tree, so the audit log, access and the lawful-basis registry
 * check the same codes as ingest does, from one list.
 */

export const REGISTER_CODES = [
  'population',
  'contacts',
  'education',
  'employment',
  'jobseekers',
  'social_services',
  'prison',
  'care',
  'military',
  'parental_leave',
  'disability',
] as const;

export type RegisterCode = (typeof REGISTER_CODES)[number];

export function isRegisterCode(value: unknown): value is RegisterCode {
  return typeof value === 'string' && (REGISTER_CODES as readonly string[]).includes(value);
}

/** ISO 3166-2:LT, LT-01…LT-60 (the migrations' CHECK constraints use the same set as a pattern). */
export const MUNICIPALITY_CODES: readonly string[] = Array.from({ length: 60 }, (_, i) => `LT-${String(i + 1).padStart(2, '0')}`);

const MUNICIPALITY_SET: ReadonlySet<string> = new Set(MUNICIPALITY_CODES);

export function isMunicipalityCode(value: unknown): value is string {
  return typeof value === 'string' && MUNICIPALITY_SET.has(value);
}
