import { REGISTERS, RegisterDeclaration } from '../register-declarations';
import { checkHeader } from './header';
import { RowVerdict, RowValidator, isQuarantined } from './row-validator';

const P = 'a'.repeat(64);

function validatorFor(declaration: RegisterDeclaration, header = declaration.columns.map((c) => c.name)) {
  return new RowValidator(declaration, checkHeader(header, declaration));
}

/** Builds a record in declaration order from defaults and overrides by column name. */
function record(declaration: RegisterDeclaration, defaults: Record<string, string>, overrides: Record<string, string> = {}) {
  return declaration.columns.map((c) => overrides[c.name] ?? defaults[c.name]);
}

const employmentDefaults = {
  pseudonym: P,
  employer: 'E1',
  kind: 'EMPLOYEE',
  employed_from: '2026-01-01',
  employed_to: '2026-04-01',
};
const employment = validatorFor(REGISTERS.employment);
const employ = (overrides: Record<string, string> = {}, line = 7): RowVerdict =>
  employment.validate(record(REGISTERS.employment, employmentDefaults, overrides), line);

describe('RowValidator', () => {
  it('returns typed values in declaration order with null for empty fields', () => {
    expect(employ({ employed_to: '' })).toEqual({
      line: 7,
      values: [P, 'E1', 'EMPLOYEE', '2026-01-01', null],
    });
  });

  it('reads columns by their header position, not by declaration order', () => {
    const header = ['employed_to', 'employed_from', 'kind', 'employer', 'pseudonym'];
    const v = validatorFor(REGISTERS.employment, header);
    expect(v.validate(['', '2022-07-14', 'APPRENTICE', 'E1723', P], 2)).toEqual({
      line: 2,
      values: [P, 'E1723', 'APPRENTICE', '2022-07-14', null],
    });
  });

  it('quarantines a row with the wrong number of fields', () => {
    expect(employment.validate([P, 'E1', 'EMPLOYEE', '2026-01-01'], 3)).toEqual({
      line: 3,
      column: null,
      reason: 'expected 5 fields, found 4',
    });
  });

  it.each([
    ['2027-02-30', 'impossible date 2027-02-30'],
    ['2023-02-29', 'impossible date 2023-02-29'],
    ['2026-13-01', 'impossible date 2026-13-01'],
    ['2026-4-01', 'malformed date "2026-4-01" (YYYY-MM-DD expected)'],
    ['01.04.2026', 'malformed date "01.04.2026" (YYYY-MM-DD expected)'],
  ])('quarantines the date %s', (value, reason) => {
    expect(employ({ employed_to: value })).toEqual({ line: 7, column: 'employed_to', reason });
  });

  it('gives a date seen before the same verdict again', () => {
    for (let i = 0; i < 3; i++) {
      expect(employ({ employed_to: '2027-02-30' })).toMatchObject({ reason: 'impossible date 2027-02-30' });
      expect(isQuarantined(employ({ employed_to: '2027-02-28' }))).toBe(false);
    }
  });

  it('accepts 29 February in a leap year', () => {
    expect(isQuarantined(employ({ employed_from: '2024-02-29', employed_to: '2024-03-01' }))).toBe(false);
  });

  it('quarantines a code outside the declared list, case-sensitively', () => {
    expect(employ({ kind: 'Employee' })).toEqual({
      line: 7,
      column: 'kind',
      reason: 'unknown code "Employee" (expected EMPLOYEE, SELF_EMPLOYED, APPRENTICE)',
    });
  });

  it('summarises a long code list such as the municipalities', () => {
    const v = validatorFor(REGISTERS.social_services);
    const verdict = v.validate([P, 'S1', 'LT-61', '2026-01-01', ''], 4);
    expect(verdict).toEqual({ line: 4, column: 'municipality', reason: 'unknown code "LT-61" (expected one of LT-01 … LT-60)' });
  });

  it.each([['A'.repeat(64)], ['a'.repeat(63)], ['g'.repeat(64)], ['a'.repeat(65)]])(
    'quarantines the malformed pseudonym %s without quoting it',
    (pseudonym) => {
      expect(employ({ pseudonym })).toEqual({
        line: 7,
        column: 'pseudonym',
        reason: 'malformed pseudonym (64 lowercase hex expected)',
      });
    },
  );

  it('quarantines an empty required field', () => {
    expect(employ({ employer: '' })).toEqual({ line: 7, column: 'employer', reason: 'required value is empty' });
    expect(employ({ pseudonym: '' })).toEqual({ line: 7, column: 'pseudonym', reason: 'required value is empty' });
  });

  it('quarantines a period whose start is after its end', () => {
    expect(employ({ employed_from: '2026-05-01', employed_to: '2026-04-01' })).toEqual({
      line: 7,
      column: 'employed_from',
      reason: 'employed_from 2026-05-01 is after employed_to 2026-04-01',
    });
  });

  it('accepts a one-day period and an open-ended one', () => {
    expect(isQuarantined(employ({ employed_from: '2026-04-01', employed_to: '2026-04-01' }))).toBe(false);
    expect(isQuarantined(employ({ employed_from: '2026-04-01', employed_to: '' }))).toBe(false);
  });

  it('checks the prison custody period too, whose end day is outside', () => {
    const v = validatorFor(REGISTERS.prison);
    expect(v.validate([P, 'P1', '2026-05-02', '2026-05-01', '', 'LT-01'], 9)).toEqual({
      line: 9,
      column: 'custody_from',
      reason: 'custody_from 2026-05-02 is after released_on 2026-05-01',
    });
  });

  describe('integers', () => {
    const disability = validatorFor(REGISTERS.disability);
    const assess = (capacity: string) => disability.validate([P, '2026-01-01', '', capacity], 5);

    it('converts a whole number within range to a number', () => {
      expect(assess('0')).toEqual({ line: 5, values: [P, '2026-01-01', null, 0] });
      expect(assess('100')).toEqual({ line: 5, values: [P, '2026-01-01', null, 100] });
    });

    it('quarantines a number out of range or not whole', () => {
      expect(assess('101')).toMatchObject({ column: 'work_capacity', reason: '101 is out of range [0, 100]' });
      expect(assess('-1')).toMatchObject({ reason: '-1 is out of range [0, 100]' });
      expect(assess('55.5')).toMatchObject({ reason: 'not a whole number "55.5"' });
      expect(assess('1e2')).toMatchObject({ reason: 'not a whole number "1e2"' });
    });
  });

  describe('contact columns', () => {
    const contacts = validatorFor(REGISTERS.contacts);
    const defaults = {
      pseudonym: P,
      given_name: 'Emilija',
      family_name: 'Ivanova',
      phone: '+37061354318',
      email: 'user856437@example.lt',
      address: 'Gedimino pr. 58, LT-15',
      postal_code: 'LT-01505',
      language: 'en',
    };
    const contact = (overrides: Record<string, string>) =>
      contacts.validate(record(REGISTERS.contacts, defaults, overrides), 11);

    it('accepts a complete contact and nulls for a missing phone and email', () => {
      expect(contact({ phone: '', email: '' })).toEqual({
        line: 11,
        values: [P, 'Emilija', 'Ivanova', null, null, 'Gedimino pr. 58, LT-15', 'LT-01505', 'en'],
      });
    });

    it.each(['37061354318', '+0370613', '+3706135431812345', '+370 613 54318', '+3'])(
      'quarantines the phone %s without quoting it',
      (phone) => {
        expect(contact({ phone })).toEqual({
          line: 11,
          column: 'phone',
          reason: 'malformed phone number (E.164 expected, such as +37060000000)',
        });
      },
    );

    it.each(['user@', 'user@localhost', 'a b@example.lt', '@example.lt', 'user@exa_mple.lt'])(
      'quarantines the email %s',
      (email) => {
        expect(contact({ email })).toEqual({ line: 11, column: 'email', reason: 'malformed email address' });
      },
    );

    it.each(['LT-1234', '01505', 'lt-01505', 'LT-015050'])('quarantines the postal code %s', (postal_code) => {
      expect(contact({ postal_code })).toEqual({
        line: 11,
        column: 'postal_code',
        reason: 'malformed postal code (LT- and 5 digits expected)',
      });
    });

    it('keeps free text as written, quotes and line breaks included', () => {
      expect(contact({ address: 'Ulica "Polna" 54,\nLT-57' })).toMatchObject({
        values: expect.arrayContaining(['Ulica "Polna" 54,\nLT-57']),
      });
    });

    it('quarantines free text holding a NUL character, which PostgreSQL cannot store', () => {
      expect(contact({ family_name: 'Iva\0nova' })).toEqual({
        line: 11,
        column: 'family_name',
        reason: 'contains a NUL character',
      });
    });
  });

  it('reports the first broken column in declaration order', () => {
    expect(employ({ kind: 'X', employed_to: '2027-02-30' })).toMatchObject({ column: 'kind' });
  });
});
