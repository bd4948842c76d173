import { createHash } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { DomainError, ErrorCode } from '@tiltas/common';
import { REGISTER_CODES, RegisterCode } from '@tiltas/contract';
import { REGISTERS } from '../register-declarations';
import { parseManifestJson } from '../validation/manifest';
import { QuarantinedRow, ValidRow } from '../validation/row-validator';
import { CsvSyntaxError } from './csv-parser';
import { ExtractTotals, checkTotalsAgainstManifest, consumeExtract, readExtract } from './extract-reader';
import { SAMPLE_DIR as SAMPLE } from '../../../../test/fixtures';

const P1 = '1'.repeat(64);
const P2 = '2'.repeat(64);

interface Read {
  valid: ValidRow[];
  quarantined: QuarantinedRow[];
  totals: ExtractTotals;
  batches: number;
}

async function readAll(source: AsyncIterable<Uint8Array | string>, code: RegisterCode, maxRecordBytes?: number): Promise<Read> {
  const valid: ValidRow[] = [];
  const quarantined: QuarantinedRow[] = [];
  let batches = 0;
  const totals = await consumeExtract(readExtract(source, REGISTERS[code], { maxRecordBytes }), (batch) => {
    batches += 1;
    valid.push(...batch.valid);
    quarantined.push(...batch.quarantined);
  });
  return { valid, quarantined, totals, batches };
}

function bytes(text: string, chunkSize = 16): Readable {
  const buffer = Buffer.from(text, 'utf8');
  const chunks: Buffer[] = [];
  for (let i = 0; i < buffer.length; i += chunkSize) chunks.push(buffer.subarray(i, i + chunkSize));
  return Readable.from(chunks);
}

const sha256 = (text: string) => createHash('sha256').update(Buffer.from(text, 'utf8')).digest('hex');

async function failureOf(text: string, code: RegisterCode = 'military', maxRecordBytes?: number): Promise<DomainError> {
  try {
    await readAll(bytes(text), code, maxRecordBytes);
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected the extract to be refused');
}

describe('readExtract', () => {
  it('hashes every byte, counts every data row and splits valid from quarantined rows', async () => {
    const text = `service_to,pseudonym,service_from\r\n,${P1},2026-01-01\r\n2027-02-30,${P2},2026-01-01\r\n2026-03-01,${P2},2026-02-01\r\n`;
    const read = await readAll(bytes(text, 7), 'military');
    expect(read.totals).toEqual({ rows: 3, valid: 2, quarantined: 1, sha256: sha256(text) });
    expect(read.valid).toEqual([
      { line: 2, values: [P1, '2026-01-01', null] },
      { line: 4, values: [P2, '2026-02-01', '2026-03-01'] },
    ]);
    expect(read.quarantined).toEqual([{ line: 3, column: 'service_to', reason: 'impossible date 2027-02-30' }]);
  });

  it('reads a file that has only a header as zero rows', async () => {
    const text = 'pseudonym,service_from,service_to\n';
    const read = await readAll(bytes(text), 'military');
    expect(read.totals).toEqual({ rows: 0, valid: 0, quarantined: 0, sha256: sha256(text) });
    expect(read.batches).toBe(0);
  });

  it('refuses a completely empty file for want of a header', async () => {
    const error = await failureOf('');
    expect(error.code).toBe(ErrorCode.VALIDATION_FAILED);
    expect(error.message).toBe('military extract is empty: it has no header line');
  });

  it('refuses a wrong header before reading any row', async () => {
    const error = await failureOf(`pseudonym,service_from\n${P1},2026-01-01\n`);
    expect(error.message).toBe('military header is wrong: missing "service_to"');
  });

  it('refuses malformed CSV with the line of the fault', async () => {
    const error = await failureOf(`pseudonym,service_from,service_to\n${P1},2026-01-01,\n${P1},"2026-01-01,\n`);
    expect(error).toBeInstanceOf(CsvSyntaxError);
    expect((error as CsvSyntaxError).line).toBe(3);
  });

  it('counts a blank line as a data row and quarantines it', async () => {
    const read = await readAll(bytes(`pseudonym,service_from,service_to\n\n${P1},2026-01-01,\n`), 'military');
    expect(read.totals.rows).toBe(2);
    expect(read.quarantined).toEqual([{ line: 2, column: null, reason: 'expected 3 fields, found 1' }]);
  });

  it('quarantines a row longer than the record limit by its line, naming the limit, and hashes it all the same', async () => {
    const text = `pseudonym,service_from,service_to\n${P1},2026-01-01,\n${P2},"${'x'.repeat(300)}",\n${P1},2026-02-01,\n`;
    const read = await readAll(bytes(text, 50), 'military', 200);
    expect(read.totals).toEqual({ rows: 3, valid: 2, quarantined: 1, sha256: sha256(text) });
    expect(read.quarantined).toEqual([{ line: 3, column: null, reason: 'row is longer than the 200 bytes allowed (MAX_RECORD_BYTES)' }]);
    expect(read.valid.map((r) => r.line)).toEqual([2, 4]);
  });

  it('refuses a header longer than the record limit', async () => {
    const error = await failureOf(`pseudonym,service_from,service_to\n${P1},2026-01-01,\n`, 'military', 20);
    expect(error.message).toBe("military extract's header line is longer than 20 bytes (MAX_RECORD_BYTES)");
  });

  it('keeps memory to one chunk by yielding a batch per chunk of input', async () => {
    const rows = Array.from({ length: 1000 }, () => `${P1},2026-01-01,`).join('\n');
    const read = await readAll(bytes(`pseudonym,service_from,service_to\n${rows}\n`, 4096), 'military');
    expect(read.totals.rows).toBe(1000);
    expect(read.batches).toBeGreaterThan(10);
  });
});

describe('checkTotalsAgainstManifest', () => {
  const manifest = parseManifestJson(readFileSync(path.join(SAMPLE, 'military.manifest.json'), 'utf8'));

  it('accepts totals that keep the manifest promises', () => {
    expect(() =>
      checkTotalsAgainstManifest({ rows: manifest.rows, valid: 0, quarantined: 0, sha256: manifest.sha256 }, manifest),
    ).not.toThrow();
  });

  it('names both a checksum and a row count that do not match', () => {
    expect(() =>
      checkTotalsAgainstManifest({ rows: manifest.rows + 1, valid: 0, quarantined: 0, sha256: 'f'.repeat(64) }, manifest),
    ).toThrow(
      `military extract does not match its manifest: sha256 does not match the file (manifest ${manifest.sha256}, file ${'f'.repeat(64)}); rows does not match the file (manifest ${manifest.rows}, file ${manifest.rows + 1})`,
    );
  });
});

describe('the conformance sample (the conformance sample)', () => {
  const expected = JSON.parse(readFileSync(path.join(SAMPLE, 'expected.json'), 'utf8')) as {
    rows: Record<RegisterCode, number>;
    quarantined: Record<RegisterCode, number>;
  };

  async function readSample(code: RegisterCode) {
    const manifest = parseManifestJson(readFileSync(path.join(SAMPLE, `${code}.manifest.json`), 'utf8'));
    const read = await readAll(createReadStream(path.join(SAMPLE, `${code}.csv`), { highWaterMark: 8192 }), code);
    // What SQL does after COPY for one-row-per-person registers: every row after the first valid row of
    // a pseudonym is a duplicate.
    const duplicates: number[] = [];
    if (REGISTERS[code].onePerPerson) {
      const seen = new Set<string>();
      for (const row of read.valid) {
        const pseudonym = row.values[0] as string;
        if (seen.has(pseudonym)) duplicates.push(row.line);
        seen.add(pseudonym);
      }
    }
    return { manifest, read, duplicates };
  }

  it.each(REGISTER_CODES.map((code) => [code]))(
    '%s matches its manifest and quarantines what expected.json says',
    async (code) => {
      const { manifest, read, duplicates } = await readSample(code);
      expect(manifest.register).toBe(code);
      expect(() => checkTotalsAgainstManifest(read.totals, manifest)).not.toThrow();
      expect(read.totals.rows).toBe(expected.rows[code]);
      expect(read.totals.quarantined + duplicates.length).toBe(expected.quarantined[code]);
    },
  );

  it('finds exactly the bad rows planted in the sample, by line and reason', async () => {
    const found: Record<string, Array<[number, string | null, string]>> = {};
    const duplicatesFound: Record<string, number[]> = {};
    for (const code of REGISTER_CODES) {
      const { read, duplicates } = await readSample(code);
      if (read.quarantined.length > 0) found[code] = read.quarantined.map((q) => [q.line, q.column, q.reason]);
      if (duplicates.length > 0) duplicatesFound[code] = duplicates;
    }
    expect(found).toEqual(PLANTED);
    expect(duplicatesFound).toEqual({ population: PLANTED_DUPLICATES });
  });
});

// The bad rows of the sample, read off the files independently of this code (grep for BOGUS, a Python
// csv/datetime scan for dates, pseudonyms and repeated population pseudonyms). Population holds no row
// that breaks a column rule: both its quarantined rows are second rows for a person (lines 852/1328 and
// 801/2736), which ingest finds in SQL after COPY.
const codes = (list: string) => `(expected ${list})`;
const KIND = codes('EMPLOYEE, SELF_EMPLOYED, APPRENTICE');
const OUTCOME = codes('GRADUATED, DROPPED_OUT, TRANSFERRED');
const BAD_PSEUDONYM = 'malformed pseudonym (64 lowercase hex expected)';
const FEB_30 = 'impossible date 2027-02-30';
const PLANTED: Record<string, Array<[number, string | null, string]>> = {
  care: [[40, 'pseudonym', BAD_PSEUDONYM]],
  education: [
    [84, 'enrolled_to', FEB_30],
    [354, 'outcome', `unknown code "BOGUS" ${OUTCOME}`],
    [358, 'outcome', `unknown code "BOGUS" ${OUTCOME}`],
    [543, 'enrolled_to', FEB_30],
  ],
  employment: [
    [42, 'employed_to', FEB_30],
    [481, 'employed_to', FEB_30],
    [1005, 'employed_to', FEB_30],
    [1061, 'pseudonym', BAD_PSEUDONYM],
    [1344, 'employed_to', FEB_30],
    [1410, 'kind', `unknown code "BOGUS" ${KIND}`],
    [1555, 'employed_to', FEB_30],
    [1556, 'kind', `unknown code "BOGUS" ${KIND}`],
    [1651, 'employed_to', FEB_30],
    [1875, 'pseudonym', BAD_PSEUDONYM],
    [1886, 'pseudonym', BAD_PSEUDONYM],
    [2109, 'kind', `unknown code "BOGUS" ${KIND}`],
    [2176, 'kind', `unknown code "BOGUS" ${KIND}`],
    [2197, 'pseudonym', BAD_PSEUDONYM],
    [2515, 'employed_to', FEB_30],
    [2539, 'kind', `unknown code "BOGUS" ${KIND}`],
  ],
  prison: [[135, 'release_municipality', 'unknown code "BOGUS" (expected one of LT-01 … LT-60)']],
};
const PLANTED_DUPLICATES = [1328, 2736];
