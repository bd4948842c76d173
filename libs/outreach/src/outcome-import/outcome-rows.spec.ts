import { checkFile } from './outcome-import.service';
import { OUTCOME_COLUMNS, checkRow, readHeader, vilniusDate } from './outcome-rows';

const P = 'a'.repeat(64);
const ctx = { today: '2026-10-01', knownCohorts: new Set(['neet-youth', 'care-leaver']) };
const header = readHeader([...OUTCOME_COLUMNS]);
const index = 'index' in header ? header.index : (undefined as never);

/** A row in the header's order with these columns changed. */
function row(change: Partial<Record<(typeof OUTCOME_COLUMNS)[number], string>> = {}): string[] {
  const base = { pseudonym: P, municipality: 'LT-57', outcome: 'DECLINED', closed_on: '2026-05-01', to_municipality: '', cohorts: '', reason: '', ...change };
  return OUTCOME_COLUMNS.map((c) => base[c]);
}

describe('a row of outcomes.csv', () => {
  it('is accepted with what the column rules require, cohorts sorted and empty fields as null', () => {
    expect(checkRow(2, row({ cohorts: 'neet-youth|care-leaver' }), index, ctx)).toEqual({
      line: 2,
      pseudonym: P,
      municipality: 'LT-57',
      outcome: 'DECLINED',
      closedOn: '2026-05-01',
      toMunicipality: null,
      cohorts: ['care-leaver', 'neet-youth'],
      reason: null,
    });
    expect(checkRow(3, row({ outcome: 'MOVED_AWAY', to_municipality: 'LT-15' }), index, ctx)).toMatchObject({ toMunicipality: 'LT-15' });
    expect(checkRow(4, row({ outcome: 'MOVED_AWAY' }), index, ctx)).toMatchObject({ toMunicipality: null });
    expect(checkRow(5, row({ outcome: 'NOT_ELIGIBLE', cohorts: 'neet-youth', reason: ' studies abroad ' }), index, ctx)).toMatchObject({ reason: 'studies abroad' });
    expect(checkRow(6, row({ closed_on: '2026-10-01' }), index, ctx)).toMatchObject({ closedOn: '2026-10-01' });
  });

  it.each(([
    [{ pseudonym: P.toUpperCase() }, 'line 7: column pseudonym: must be 64 lowercase hex characters'],
    [{ pseudonym: '' }, 'line 7: column pseudonym: required'],
    [{ municipality: 'LT-61' }, 'line 7: column municipality: "LT-61" is not a municipality code (LT-01…LT-60)'],
    [{ outcome: 'declined' }, 'line 7: column outcome: "declined" is not a closing outcome'],
    [{ closed_on: '2027-02-30' }, 'line 7: column closed_on: "2027-02-30" is not a real date (YYYY-MM-DD)'],
    [{ closed_on: '2026-10-02' }, 'line 7: column closed_on: 2026-10-02 is after today (2026-10-01)'],
    [{ to_municipality: 'LT-15' }, 'line 7: column to_municipality: only a MOVED_AWAY row names one; this row is DECLINED'],
    [{ outcome: 'MOVED_AWAY', to_municipality: 'LT-57' }, 'line 7: column to_municipality: must be another municipality than LT-57'],
    [{ outcome: 'MOVED_AWAY', to_municipality: 'Vilnius' }, 'line 7: column to_municipality: "Vilnius" is not a municipality code'],
    [{ outcome: 'NOT_ELIGIBLE', reason: 'x' }, 'line 7: column cohorts: required with NOT_ELIGIBLE'],
    [{ outcome: 'NOT_ELIGIBLE', cohorts: 'neet-youth' }, 'line 7: column reason: required with NOT_ELIGIBLE'],
    [{ cohorts: 'neet-youth|' }, 'line 7: column cohorts: an empty cohort id'],
    [{ cohorts: 'neet-youth|youth' }, 'line 7: column cohorts: not a known criterion: "youth"'],
    [{ cohorts: 'neet-youth|neet-youth' }, 'line 7: column cohorts: a cohort is listed twice'],
    [{ reason: 'r'.repeat(501) }, 'line 7: column reason: at most 500 characters'],
  ] as Array<[Record<string, string>, string]>).map(([change, message]) => [message.split(': ').slice(1).join(': '), change, message] as const))(
    'is refused (%s), naming its line, column and reason',
    (_label, change, message) => {
      const result = checkRow(7, row(change), index, ctx);
      expect(typeof result).toBe('string');
      expect(result as string).toContain(message);
    },
  );

  it('names every broken column of one row on one line, and never repeats the pseudonym', () => {
    const result = checkRow(9, row({ pseudonym: `${P}0`, outcome: 'NOPE', closed_on: '2026-13-01' }), index, ctx) as string;
    expect(result.split('\n')).toHaveLength(1);
    expect(result).toMatch(/^line 9: column pseudonym: .*; column outcome: .*; column closed_on: /);
    expect(result).not.toContain(P);
  });

  it('must have as many fields as the header', () => {
    expect(checkRow(4, row().slice(0, 6), index, ctx)).toBe('line 4: 6 field(s), the header has 7');
  });
});

describe('the header of outcomes.csv', () => {
  it('takes the seven columns in any order', () => {
    const h = readHeader(['reason', 'cohorts', 'to_municipality', 'closed_on', 'outcome', 'municipality', 'pseudonym']);
    expect('index' in h && h.index.pseudonym).toBe(6);
  });

  it('refuses an unknown, a repeated or a missing column, each on its own line', () => {
    expect(readHeader(['pseudonym', 'municipality', 'outcome', 'closed_on', 'to_municipality', 'cohorts', 'reason', 'name'])).toEqual({
      problems: ['line 1, column name: not a column of outcomes.csv (expected pseudonym,municipality,outcome,closed_on,to_municipality,cohorts,reason)'],
    });
    expect(readHeader(['pseudonym', 'pseudonym', 'outcome', 'closed_on', 'to_municipality', 'cohorts', 'reason'])).toEqual({
      problems: ['line 1, column pseudonym: appears twice', 'line 1, column municipality: missing from the header'],
    });
  });
});

describe('a whole outcomes file', () => {
  const text = (lines: string[]): Buffer => Buffer.from(`${lines.join('\r\n')}\r\n`);

  it('is read with the extracts\' CSV rules (BOM, CRLF, quoted commas) into rows', async () => {
    const file = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), text([OUTCOME_COLUMNS.join(','), `${P},LT-57,NOT_ELIGIBLE,2026-05-01,,neet-youth,"studies, abroad"`])]);
    expect(await checkFile(file, ctx)).toEqual({ rows: [expect.objectContaining({ line: 2, reason: 'studies, abroad', cohorts: ['neet-youth'] })] });
  });

  it('gives one line per bad row, with the physical line of each', async () => {
    const file = text([OUTCOME_COLUMNS.join(','), `${P},LT-57,DECLINED,2026-05-01,,,`, `${P},LT-99,DECLINED,2026-05-01,,,`, `${P},LT-57,GONE,2026-05-01,,,`]);
    const result = await checkFile(file, ctx);
    expect(result).toEqual({ problems: [expect.stringMatching(/^line 3: column municipality: /), expect.stringMatching(/^line 4: column outcome: /)] });
  });

  it('refuses an empty file, a broken quote, and bytes that are not UTF-8', async () => {
    expect(await checkFile(Buffer.alloc(0), ctx)).toEqual({ problems: [expect.stringMatching(/^line 1: the file is empty/)] });
    const broken = await checkFile(text([OUTCOME_COLUMNS.join(','), `${P},LT-57,DECLINED,2026-05-01,,,"unterminated`]), ctx);
    expect(broken).toEqual({ problems: [expect.stringMatching(/^line 2: /)] });
    const latin1 = await checkFile(Buffer.concat([text([OUTCOME_COLUMNS.join(',')]), Buffer.from([0xe9, 0x0a])]), ctx);
    expect(latin1).toEqual({ problems: [expect.stringContaining('not valid UTF-8')] });
  });
});

describe('the closing date', () => {
  it('is the day in Vilnius, which runs ahead of UTC', () => {
    expect(vilniusDate(new Date('2026-09-30T21:30:00Z'))).toBe('2026-10-01');
    expect(vilniusDate(new Date('2026-09-30T20:30:00Z'))).toBe('2026-09-30');
  });
});
