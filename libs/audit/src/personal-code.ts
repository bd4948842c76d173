import { isIsoDate } from '@tiltas/common';
import { createHmac } from 'node:crypto';

/**
 * The personal-code check and pseudonym of shared/spec/extracts.md ("Pseudonyms"), for the subject access
 * lookup. @tiltas/registers has the same functions, but registers sits above this lib and imports it, so
 * importing them here would be a require cycle; personal-code.spec.ts holds these to registers' own
 * verdicts and pseudonyms over generated codes so the two cannot drift.
 */

const FIRST_WEIGHTS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 1];
const SECOND_WEIGHTS = [3, 4, 5, 6, 7, 8, 9, 1, 2, 3];

const weighted = (code: string, weights: number[]): number => weights.reduce((sum, w, i) => sum + (code.charCodeAt(i) - 48) * w, 0);

/** Why `code` is not a personal code, or null when it is one. The reason never repeats the code. */
export function personalCodeProblem(code: unknown): string | null {
  if (typeof code !== 'string') return 'a personal code must be a string';
  if (!/^[0-9]{11}$/.test(code)) {
    return code.length !== 11 ? `a personal code has 11 digits, this has ${code.length} characters` : 'a personal code has only the ASCII digits 0-9';
  }
  const g = code.charCodeAt(0) - 48;
  if (g < 3 || g > 6) return `first digit ${g} is not a sex and century digit (3, 4, 5 or 6)`;
  const birth = `${g <= 4 ? 19 : 20}${code.slice(1, 3)}-${code.slice(3, 5)}-${code.slice(5, 7)}`;
  if (!isIsoDate(birth)) return `digits 2-7 are not a real birth date (${birth} does not exist)`;
  let check = weighted(code, FIRST_WEIGHTS) % 11;
  if (check === 10) check = weighted(code, SECOND_WEIGHTS) % 11 % 10;
  const actual = code.charCodeAt(10) - 48;
  return actual === check ? null : `check digit ${actual} is wrong: the first ten digits give ${check}`;
}

/** `lowercase_hex(HMAC-SHA-256(key, national_id))`. */
export function subjectPseudonym(key: Buffer, personalCode: string): string {
  return createHmac('sha256', key).update(personalCode, 'utf8').digest('hex');
}
