import { DomainError, isIsoDate } from '@tiltas/common';

/**
 * The Lithuanian personal code (asmens kodas) exactly as the register extract contract (spec/extracts.md) "Pseudonyms" states it:
 * 11 ASCII digits `GYYMMDDNNNC`. G is 3/4 for people born 1900–1999 (male/female) and 5/6 for 2000–2099;
 * YYMMDD is the birth date; NNN a serial; C the check digit.
 *
 * The contract admits only G 3–6, so the 1800s digits 1/2 (still valid in the civil registry for the very
 * old) are refused here: no person born before 1900 can be delivered under this contract.
 */

export type PersonalCodeSex = 'M' | 'F';

export type PersonalCodeVerdict =
  | { readonly ok: true; readonly birthDate: string; readonly sex: PersonalCodeSex }
  | { readonly ok: false; readonly reason: string };

const FIRST_WEIGHTS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 1] as const;
const SECOND_WEIGHTS = [3, 4, 5, 6, 7, 8, 9, 1, 2, 3] as const;
const ELEVEN_DIGITS = /^[0-9]{11}$/;

/** The check digit for the first ten digits of a code (given as a string of ten ASCII digits). */
export function personalCodeCheckDigit(firstTen: string): number {
  if (!/^[0-9]{10}$/.test(firstTen)) {
    throw DomainError.validation('the check digit is computed over exactly ten ASCII digits');
  }
  const first = weightedSum(firstTen, FIRST_WEIGHTS) % 11;
  if (first !== 10) return first;
  const second = weightedSum(firstTen, SECOND_WEIGHTS) % 11;
  return second === 10 ? 0 : second;
}

function weightedSum(digits: string, weights: readonly number[]): number {
  let sum = 0;
  for (let i = 0; i < weights.length; i++) sum += (digits.charCodeAt(i) - 48) * weights[i];
  return sum;
}

/**
 * Checks a personal code and reads the birth date and sex it carries. The reason names the first rule
 * broken but never echoes the code: a personal code is personal data, and reasons end up in logs.
 */
export function validatePersonalCode(code: string): PersonalCodeVerdict {
  if (typeof code !== 'string') return { ok: false, reason: 'a personal code must be a string' };
  if (!ELEVEN_DIGITS.test(code)) {
    return code.length !== 11
      ? { ok: false, reason: `a personal code has 11 digits, this has ${code.length} characters` }
      : { ok: false, reason: 'a personal code has only the ASCII digits 0-9' };
  }
  const g = code.charCodeAt(0) - 48;
  if (g < 3 || g > 6) {
    return { ok: false, reason: `first digit ${g} is not a sex and century digit (3, 4, 5 or 6)` };
  }
  const century = g <= 4 ? 1900 : 2000;
  const year = century + Number(code.slice(1, 3));
  const birthDate = `${year}-${code.slice(3, 5)}-${code.slice(5, 7)}`;
  if (!isIsoDate(birthDate)) {
    return { ok: false, reason: `digits 2-7 are not a real birth date (${birthDate} does not exist)` };
  }
  const expected = personalCodeCheckDigit(code.slice(0, 10));
  const actual = code.charCodeAt(10) - 48;
  if (actual !== expected) {
    return { ok: false, reason: `check digit ${actual} is wrong: the first ten digits give ${expected}` };
  }
  return { ok: true, birthDate, sex: g % 2 === 1 ? 'M' : 'F' };
}

/**
 * Builds the code of a person born on `birthDate` (YYYY-MM-DD, 1900–2099) of `sex` with the given serial
 * (0–999). Throws DomainError(VALIDATION_FAILED) when an input cannot be written into a code.
 */
export function makePersonalCode(birthDate: string, sex: PersonalCodeSex, serial: number): string {
  if (!isIsoDate(birthDate)) throw DomainError.validation(`birth date ${JSON.stringify(birthDate)} is not a date`);
  const year = Number(birthDate.slice(0, 4));
  if (year < 1900 || year > 2099) {
    throw DomainError.validation(`birth year ${year} is outside 1900–2099, which personal codes can carry`);
  }
  if (sex !== 'M' && sex !== 'F') throw DomainError.validation('sex must be M or F for a personal code');
  if (!Number.isInteger(serial) || serial < 0 || serial > 999) {
    throw DomainError.validation(`serial ${serial} is not a whole number in 0–999`);
  }
  const g = (year < 2000 ? 3 : 5) + (sex === 'F' ? 1 : 0);
  const firstTen =
    `${g}${birthDate.slice(2, 4)}${birthDate.slice(5, 7)}${birthDate.slice(8, 10)}` + String(serial).padStart(3, '0');
  return firstTen + String(personalCodeCheckDigit(firstTen));
}
