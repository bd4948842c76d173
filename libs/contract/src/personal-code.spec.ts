import fc from 'fast-check';
import {
  makePersonalCode,
  personalCodeCheckDigit,
  PersonalCodeSex,
  validatePersonalCode,
} from './personal-code';

/*
 * Known vectors, worked by hand with the weights of the spec.
 *
 * 1987-06-15, male, serial 123 -> G = 3, first ten digits 3 8 7 0 6 1 5 1 2 3.
 *   weights 1..9,1: 3 + 16 + 21 + 0 + 30 + 6 + 35 + 8 + 18 + 3 = 140; 140 mod 11 = 8  -> 38706151238
 *
 * 1933-09-24, male, serial 006 -> 3 3 3 0 9 2 4 0 0 6.
 *   weights 1..9,1: 3 + 6 + 9 + 0 + 45 + 12 + 28 + 0 + 0 + 6 = 109; 109 mod 11 = 10, so second weights
 *   3,4,5,6,7,8,9,1,2,3: 9 + 12 + 15 + 0 + 63 + 16 + 36 + 0 + 0 + 18 = 169; 169 mod 11 = 4 -> 33309240064
 *
 * 2012-02-29, female, serial 011 -> G = 6: 6 1 2 0 2 2 9 0 1 1.
 *   first: 6 + 2 + 6 + 0 + 10 + 12 + 63 + 0 + 9 + 1 = 109 -> 10; second: 18 + 4 + 10 + 0 + 14 + 16 + 81
 *   + 0 + 2 + 3 = 148; 148 mod 11 = 5 -> 61202290115
 *
 * 2008-02-29, male, serial 031 -> G = 5: 5 0 8 0 2 2 9 0 3 1.
 *   first: 5 + 0 + 24 + 0 + 10 + 12 + 63 + 0 + 27 + 1 = 142; 142 mod 11 = 10; second: 15 + 0 + 40 + 0
 *   + 14 + 16 + 81 + 0 + 6 + 3 = 175; 175 mod 11 = 10 again, so C = 0 -> 50802290310
 */
const VECTORS: ReadonlyArray<[string, PersonalCodeSex, number, string]> = [
  ['1987-06-15', 'M', 123, '38706151238'],
  ['1933-09-24', 'M', 6, '33309240064'],
  ['2012-02-29', 'F', 11, '61202290115'],
  ['2008-02-29', 'M', 31, '50802290310'],
];

const FIRST_WEIGHTS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 1];
const firstSum = (code: string) =>
  FIRST_WEIGHTS.reduce((sum, w, i) => sum + w * Number(code[i]), 0) % 11;

const DAY_MS = 86_400_000;
const FIRST_DAY = Date.UTC(1900, 0, 1) / DAY_MS;
const LAST_DAY = Date.UTC(2099, 11, 31) / DAY_MS;
const birthDateArb = fc
  .integer({ min: FIRST_DAY, max: LAST_DAY })
  .map((day) => new Date(day * DAY_MS).toISOString().slice(0, 10));
const codeArb = fc
  .tuple(birthDateArb, fc.constantFrom<PersonalCodeSex>('M', 'F'), fc.integer({ min: 0, max: 999 }))
  .map(([birthDate, sex, serial]) => ({ birthDate, sex, serial, code: makePersonalCode(birthDate, sex, serial) }));

describe('personal code check digit', () => {
  it.each(VECTORS)('gives the hand-computed code for %s %s serial %i', (birthDate, sex, serial, expected) => {
    expect(makePersonalCode(birthDate, sex, serial)).toBe(expected);
    expect(personalCodeCheckDigit(expected.slice(0, 10))).toBe(Number(expected[10]));
  });

  it('refuses to compute a check digit over anything but ten digits', () => {
    expect(() => personalCodeCheckDigit('123456789')).toThrow(/ten ASCII digits/);
    expect(() => personalCodeCheckDigit('12345678a0')).toThrow(/ten ASCII digits/);
  });
});

describe('validatePersonalCode', () => {
  it.each(VECTORS)('reads birth date %s and sex %s back from a valid code', (birthDate, sex, _serial, code) => {
    expect(validatePersonalCode(code)).toEqual({ ok: true, birthDate, sex });
  });

  it('reads the century and sex from the first digit', () => {
    // 4 = female born 1900-1999, 5 = male born 2000-2099.
    const female = makePersonalCode('1999-12-31', 'F', 0);
    const male = makePersonalCode('2000-01-01', 'M', 999);
    expect(female.startsWith('4991231000')).toBe(true);
    expect(male.startsWith('5000101999')).toBe(true);
    expect(validatePersonalCode(female)).toEqual({ ok: true, birthDate: '1999-12-31', sex: 'F' });
    expect(validatePersonalCode(male)).toEqual({ ok: true, birthDate: '2000-01-01', sex: 'M' });
  });

  it('refuses a code of the wrong length and says how long it was', () => {
    expect(validatePersonalCode('3870615123')).toEqual({
      ok: false,
      reason: 'a personal code has 11 digits, this has 10 characters',
    });
    expect(validatePersonalCode('387061512380')).toMatchObject({ ok: false, reason: expect.stringMatching(/12 characters/) });
  });

  it('refuses non-ASCII digits and other characters of the right length', () => {
    expect(validatePersonalCode('3870615123a')).toMatchObject({ ok: false, reason: expect.stringMatching(/ASCII digits/) });
    // Arabic-Indic digit eight in place of the last digit.
    expect(validatePersonalCode('3870615123\u0668')).toMatchObject({ ok: false, reason: expect.stringMatching(/ASCII/) });
    expect(validatePersonalCode(' 3870615123')).toMatchObject({ ok: false });
  });

  it('refuses first digits outside 3-6, including the 1800s digits the contract does not admit', () => {
    for (const g of ['0', '1', '2', '7', '8', '9']) {
      const verdict = validatePersonalCode(`${g}8706151238`);
      expect(verdict).toEqual({ ok: false, reason: `first digit ${g} is not a sex and century digit (3, 4, 5 or 6)` });
    }
  });

  it('refuses impossible birth dates strictly, naming the date', () => {
    // 1923-02-29: 1923 is not a leap year. The check digit is right, so only the date can be the cause.
    const firstTen = '3230229001';
    const code = firstTen + personalCodeCheckDigit(firstTen);
    expect(validatePersonalCode(code)).toEqual({
      ok: false,
      reason: 'digits 2-7 are not a real birth date (1923-02-29 does not exist)',
    });
    const month13 = '3871315001';
    expect(validatePersonalCode(month13 + personalCodeCheckDigit(month13))).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/1987-13-15 does not exist/),
    });
    const dayZero = '3870600001';
    expect(validatePersonalCode(dayZero + personalCodeCheckDigit(dayZero))).toMatchObject({ ok: false });
  });

  it('accepts 29 February only in leap years, including 2000', () => {
    expect(validatePersonalCode(makePersonalCode('2000-02-29', 'F', 1))).toMatchObject({ ok: true, birthDate: '2000-02-29' });
    const notLeap = '5010229001';
    expect(validatePersonalCode(notLeap + personalCodeCheckDigit(notLeap))).toMatchObject({ ok: false });
  });

  it('refuses a wrong check digit and says which digit was expected', () => {
    expect(validatePersonalCode('38706151237')).toEqual({
      ok: false,
      reason: 'check digit 7 is wrong: the first ten digits give 8',
    });
  });

  it('never repeats the code in a reason', () => {
    const code = '38706151237';
    const verdict = validatePersonalCode(code);
    expect(verdict.ok).toBe(false);
    if (!verdict.ok) expect(verdict.reason).not.toContain(code.slice(0, 7));
  });
});

describe('makePersonalCode', () => {
  it('refuses inputs that a code cannot carry', () => {
    expect(() => makePersonalCode('1899-12-31', 'M', 1)).toThrow(/outside 1900–2099/);
    expect(() => makePersonalCode('2100-01-01', 'F', 1)).toThrow(/outside 1900–2099/);
    expect(() => makePersonalCode('2023-02-29', 'F', 1)).toThrow(/not a date/);
    expect(() => makePersonalCode('1990-01-01', 'F', 1000)).toThrow(/serial/);
    expect(() => makePersonalCode('1990-01-01', 'F', 1.5)).toThrow(/serial/);
    expect(() => makePersonalCode('1990-01-01', 'X' as PersonalCodeSex, 1)).toThrow(/M or F/);
  });

  it('makes codes that always validate back to the same birth date and sex', () => {
    fc.assert(
      fc.property(codeArb, ({ birthDate, sex, code }) => {
        expect(code).toMatch(/^[3-6][0-9]{10}$/);
        expect(validatePersonalCode(code)).toEqual({ ok: true, birthDate, sex });
      }),
      { numRuns: 2000 },
    );
  });

  it('catches any changed check digit', () => {
    fc.assert(
      fc.property(codeArb, fc.integer({ min: 1, max: 9 }), ({ code }, shift) => {
        const changed = code.slice(0, 10) + String((Number(code[10]) + shift) % 10);
        expect(validatePersonalCode(changed).ok).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });

  it('turns any single changed digit into an invalid code or a code of another person', () => {
    fc.assert(
      fc.property(
        codeArb,
        fc.integer({ min: 0, max: 10 }),
        fc.integer({ min: 1, max: 9 }),
        ({ birthDate, sex, serial, code }, position, shift) => {
          const digit = String((Number(code[position]) + shift) % 10);
          const changed = code.slice(0, position) + digit + code.slice(position + 1);
          const verdict = validatePersonalCode(changed);
          if (!verdict.ok) return;
          const changedSerial = Number(changed.slice(7, 10));
          expect([verdict.birthDate, verdict.sex, changedSerial]).not.toEqual([birthDate, sex, serial]);
          // A single-digit change moves the first weighted sum by w*delta, never a multiple of 11, so it
          // only slips through when the fallback weights decide one of the two check digits.
          expect(firstSum(code) === 10 || firstSum(changed) === 10).toBe(true);
        },
      ),
      { numRuns: 5000 },
    );
  });
});
