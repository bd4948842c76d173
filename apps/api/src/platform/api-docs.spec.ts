import { DomainError } from '@tiltas/common';
import { INT4_MAX, INT8_JSON_MAX, ParseIdPipe } from './api-docs';

describe('ParseIdPipe', () => {
  const meta = { type: 'custom' as const, data: 'id' };
  const int4 = new ParseIdPipe('int4');
  const int8 = new ParseIdPipe('int8');

  it('takes a decimal whole number from 1 to the column\'s maximum', () => {
    expect(int4.transform('1', meta)).toBe(1);
    expect(int4.transform(String(INT4_MAX), meta)).toBe(INT4_MAX);
    expect(int8.transform(String(INT8_JSON_MAX), meta)).toBe(INT8_JSON_MAX);
  });

  it.each(['0', '-1', '01', '1e10', '0x10', '1.0', ' 1', '', '2147483648'])('refuses %j for an integer column, naming the parameter', (raw) => {
    expect(() => int4.transform(raw, meta)).toThrow(DomainError);
    expect(() => int4.transform(raw, meta)).toThrow(`id must be a whole number from 1 to ${INT4_MAX}`);
  });

  it.each(['9007199254740992', '9223372036854775807', '9223372036854775808', '99999999999999999999'])('refuses %j for a bigint column rather than lose digits', (raw) => {
    expect(() => int8.transform(raw, meta)).toThrow(`id must be a whole number from 1 to ${INT8_JSON_MAX}`);
  });

  it('refuses a value that is not the raw text of the path', () => {
    expect(() => int8.transform(5, { type: 'custom', data: 'caseId' })).toThrow('caseId must be a whole number');
  });
});
