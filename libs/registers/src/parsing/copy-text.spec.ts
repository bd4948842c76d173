import { REGISTERS } from '../register-declarations';
import { copyColumns, createCopyFormatter, escapeCopyText, toCopyLine } from './copy-text';

const P = '0123456789abcdef'.repeat(4);

describe('COPY text formatting', () => {
  it('lists extract_id, line and pseudonym first, then the other columns in declaration order', () => {
    expect(copyColumns(REGISTERS.employment)).toEqual([
      'extract_id',
      'line',
      'pseudonym',
      'employer',
      'kind',
      'employed_from',
      'employed_to',
    ]);
  });

  it('writes a row tab-separated with the pseudonym as bytea hex and \\N for null', () => {
    const line = toCopyLine(REGISTERS.employment, 42, { line: 7, values: [P, 'E1', 'EMPLOYEE', '2026-01-01', null] });
    expect(line).toBe(`42\t7\t\\\\x${P}\tE1\tEMPLOYEE\t2026-01-01\t\\N`);
  });

  it('writes integers as digits', () => {
    const line = toCopyLine(REGISTERS.disability, 'x', { line: 3, values: [P, '2026-01-01', null, 55] });
    expect(line).toBe(`x\t3\t\\\\x${P}\t2026-01-01\t\\N\t55`);
  });

  it('escapes backslash, tab, line feed and carriage return in text', () => {
    expect(escapeCopyText('a\\b\tc\nd\re')).toBe('a\\\\b\\tc\\nd\\re');
    expect(escapeCopyText('Ulica "Polna" 54, LT-57')).toBe('Ulica "Polna" 54, LT-57');
  });

  it('escapes free text inside a contacts line so that it stays one line', () => {
    const formatter = createCopyFormatter(REGISTERS.contacts, 'e1');
    const line = formatter.line({
      line: 2,
      values: [P, 'Ona', 'Back\\slash', null, null, 'Street 1,\r\nFlat\t2', 'LT-01505', 'lt'],
    });
    expect(line.split('\t')).toEqual([
      'e1',
      '2',
      `\\\\x${P}`,
      'Ona',
      'Back\\\\slash',
      '\\N',
      '\\N',
      'Street 1,\\r\\nFlat\\t2',
      'LT-01505',
      'lt',
    ]);
    expect(line).not.toMatch(/[\r\n]/);
  });

  it('ends every line of a chunk with a line feed and writes nothing for no rows', () => {
    const formatter = createCopyFormatter(REGISTERS.military, 9);
    expect(formatter.chunk([])).toBe('');
    expect(
      formatter.chunk([
        { line: 2, values: [P, '2026-01-01', null] },
        { line: 3, values: [P, '2026-02-01', '2026-03-01'] },
      ]),
    ).toBe(`9\t2\t\\\\x${P}\t2026-01-01\t\\N\n9\t3\t\\\\x${P}\t2026-02-01\t2026-03-01\n`);
  });
});
