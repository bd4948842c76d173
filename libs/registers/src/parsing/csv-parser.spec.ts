import { parse as referenceParse } from 'csv-parse/sync';
import fc from 'fast-check';
import { CSV_BATCH_INPUT, CsvParser, CsvParserOptions, CsvRecord, CsvSyntaxError, firstInvalidUtf8, parseCsv } from './csv-parser';

async function* chunksOf(bytes: Uint8Array, cuts: number[]): AsyncGenerator<Uint8Array> {
  let from = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    if (cut <= from || cut >= bytes.length) continue;
    yield bytes.subarray(from, cut);
    from = cut;
  }
  yield bytes.subarray(from);
}

async function parseBytes(bytes: Uint8Array, cuts: number[] = [], options: CsvParserOptions = {}): Promise<CsvRecord[]> {
  const records: CsvRecord[] = [];
  for await (const batch of parseCsv(chunksOf(bytes, cuts), options)) records.push(...batch);
  return records;
}

function parseText(text: string, cuts: number[] = [], options: CsvParserOptions = {}): Promise<CsvRecord[]> {
  return parseBytes(Buffer.from(text, 'utf8'), cuts, options);
}

async function syntaxErrorOf(text: string | Uint8Array, cuts: number[] = []): Promise<CsvSyntaxError> {
  try {
    await parseBytes(typeof text === 'string' ? Buffer.from(text, 'utf8') : text, cuts);
  } catch (error) {
    if (error instanceof CsvSyntaxError) return error;
    throw error;
  }
  throw new Error('expected a CsvSyntaxError');
}

describe('CsvParser', () => {
  it('splits plain records on commas and numbers their lines from the header', async () => {
    const records = await parseText('a,b,c\n1,2,3\n4,,6\n');
    expect(records).toEqual([
      { line: 1, fields: ['a', 'b', 'c'] },
      { line: 2, fields: ['1', '2', '3'] },
      { line: 3, fields: ['4', '', '6'] },
    ]);
  });

  it('accepts CRLF line ends and a last record without a line end', async () => {
    const records = await parseText('a,b\r\n1,2\r\n3,4');
    expect(records.map((r) => r.fields)).toEqual([
      ['a', 'b'],
      ['1', '2'],
      ['3', '4'],
    ]);
  });

  it('keeps quoted commas, doubled quotes and quoted line breaks as data', async () => {
    const records = await parseText('name,address\n"Ulica ""Polna"" 54","Gedimino pr. 58,\r\nLT-15"\nx,y\n');
    expect(records).toEqual([
      { line: 1, fields: ['name', 'address'] },
      { line: 2, fields: ['Ulica "Polna" 54', 'Gedimino pr. 58,\r\nLT-15'] },
      { line: 4, fields: ['x', 'y'] },
    ]);
  });

  it('numbers a record after several quoted line breaks by the physical line it starts on', async () => {
    const records = await parseText('h\n"a\n\nb"\n"c\nd"\ne\n');
    expect(records.map((r) => r.line)).toEqual([1, 2, 5, 7]);
  });

  it('drops a leading UTF-8 BOM but keeps a BOM anywhere else', async () => {
    const bom = await parseBytes(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('a,b\n\uFEFFc,d\n')]));
    expect(bom.map((r) => r.fields)).toEqual([
      ['a', 'b'],
      ['\uFEFFc', 'd'],
    ]);
  });

  it('drops a BOM that arrives split over the first chunks', async () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('a,b\n')]);
    expect((await parseBytes(bytes, [1, 2])).map((r) => r.fields)).toEqual([['a', 'b']]);
  });

  it('joins a multi-byte character split across chunk boundaries', async () => {
    const text = 'vardas\nŽemaitė\n😀,"Šė"\n';
    const bytes = Buffer.from(text, 'utf8');
    for (let cut = 1; cut < bytes.length; cut++) {
      const records = await parseBytes(bytes, [cut]);
      expect(records.map((r) => r.fields)).toEqual([['vardas'], ['Žemaitė'], ['😀', 'Šė']]);
    }
  });

  it('yields batches of at most CSV_BATCH_INPUT of input from a much larger chunk, losing nothing at their seams', async () => {
    // Two-, three- and four-byte characters and quoted line breaks, so the seams fall inside them too.
    const rows = Array.from({ length: 20_000 }, (_, i) => `${i},Žemaitė ${i},"Šėta,\n😀 ${i}"`);
    const bytes = Buffer.from(`n,name,note\n${rows.join('\n')}\n`, 'utf8');
    for (const source of [bytes, bytes.toString('utf8')]) {
      const batches: CsvRecord[][] = [];
      for await (const batch of parseCsv((async function* () { yield source; })())) batches.push(batch);
      expect(batches.length).toBeGreaterThanOrEqual(Math.floor(source.length / CSV_BATCH_INPUT));
      const records = batches.flat();
      expect(records).toHaveLength(20_001);
      expect(records[12_345]).toEqual({ line: 2 * 12_345, fields: ['12344', 'Žemaitė 12344', 'Šėta,\n😀 12344'] });
      expect(records.map((r) => r.fields)).toEqual(referenceParse(bytes, { relax_column_count: true }));
    }
  });

  it('waits for more input when a chunk ends between a quote and its escaping quote', () => {
    const parser = new CsvParser();
    expect(parser.push('h\n"a"')).toEqual([{ line: 1, fields: ['h'] }]);
    expect(parser.push('"b"\n')).toEqual([{ line: 2, fields: ['a"b'] }]);
    expect(parser.end()).toEqual([]);
  });

  it('waits for more input when a chunk ends between CR and LF', () => {
    const parser = new CsvParser();
    expect(parser.push('a,b\r')).toEqual([]);
    expect(parser.push('\nc,d\r')).toEqual([{ line: 1, fields: ['a', 'b'] }]);
    expect(parser.push('\n')).toEqual([{ line: 2, fields: ['c', 'd'] }]);
  });

  it('reads an empty line as a record of one empty field, as RFC 4180 does', async () => {
    const records = await parseText('a,b\n\nc,d\n');
    expect(records).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: [''] },
      { line: 3, fields: ['c', 'd'] },
    ]);
  });

  it('yields nothing for an empty input', async () => {
    expect(await parseText('')).toEqual([]);
  });

  it('refuses a quoted field left open at the end of the file, naming the line it opened on', async () => {
    const error = await syntaxErrorOf('a,b\n1,2\n3,"unfinished\nmore\n');
    expect(error.line).toBe(3);
    expect(error.message).toBe('CSV line 3: quoted field is not closed before the end of the file');
  });

  it('refuses a quote inside an unquoted field, naming its line', async () => {
    const error = await syntaxErrorOf('a,b\n"x\ny",2\n3,ab"c\n');
    expect(error.line).toBe(4);
    expect(error.reason).toBe('quote inside an unquoted field');
  });

  it('refuses text after a closing quote, naming its line', async () => {
    const error = await syntaxErrorOf('a,b\n1,"two"x\n');
    expect(error.line).toBe(2);
    expect(error.reason).toBe('text after the closing quote of a quoted field');
  });

  it('refuses a carriage return that is not part of a CRLF line end', async () => {
    expect((await syntaxErrorOf('a,b\n1\r2,3\n')).line).toBe(2);
    expect((await syntaxErrorOf('a,b\n"1"\r2,3\n')).line).toBe(2);
    expect((await syntaxErrorOf('a,b\n1,2\r')).line).toBe(2);
  });

  it('refuses bytes that are not UTF-8', async () => {
    const bytes = Buffer.concat([Buffer.from('a,b\n1,'), Buffer.from([0xff, 0xfe]), Buffer.from('\n')]);
    await expect(parseBytes(bytes)).rejects.toThrow('not valid UTF-8');
  });

  it('names the line and column of the first byte that is not UTF-8, not the line the chunk began on', async () => {
    const rows = Array.from({ length: 5000 }, (_, i) => `${i},Žemaitė,"Šėta\n${i}"`);
    const before = Buffer.from(`n,name,note\n${rows.join('\n')}\n7,ab`, 'utf8');
    const bytes = Buffer.concat([before, Buffer.from([0xc3, 0x28]), Buffer.from('c,x\n8,y,z\n')]);
    const badLine = 1 + 2 * 5000 + 1;
    // One chunk for the whole file, chunks cut just before, inside and after the bad byte, and many small ones.
    for (const cuts of [[], [before.length], [before.length + 1], [before.length - 1, before.length + 2], Array.from({ length: 300 }, (_, i) => i * 997)]) {
      const error = await syntaxErrorOf(bytes, cuts);
      expect(error.message).toBe(`CSV line ${badLine}, column 5: the file is not valid UTF-8 (byte 0xc3 begins no valid character)`);
      expect({ line: error.line, column: error.column }).toEqual({ line: badLine, column: 5 });
    }
  });

  it('places a bad byte inside a quoted field that spans lines on its own physical line', async () => {
    const bytes = Buffer.concat([Buffer.from('a,b\n1,"first\nsecond '), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"\n')]);
    const error = await syntaxErrorOf(bytes, [5, 19]);
    expect({ line: error.line, column: error.column }).toEqual({ line: 3, column: 8 });
  });

  it('refuses a file cut in the middle of a multi-byte character', async () => {
    const bytes = Buffer.from('a,b\n1,Ž', 'utf8');
    await expect(parseBytes(bytes.subarray(0, bytes.length - 1))).rejects.toThrow('not valid UTF-8');
    const error = await syntaxErrorOf(bytes.subarray(0, bytes.length - 1), [bytes.length - 2]);
    expect({ line: error.line, column: error.column }).toEqual({ line: 2, column: 3 });
  });

  it('judges UTF-8 as the decoder does: overlong forms, surrogates and code points past U+10FFFF are errors', () => {
    expect(firstInvalidUtf8(Buffer.from('aŽ😀€', 'utf8'), true)).toBe(-1);
    expect(firstInvalidUtf8(Uint8Array.from([0x61, 0xc0, 0x80]), true)).toBe(1);
    expect(firstInvalidUtf8(Uint8Array.from([0x61, 0xe0, 0x80, 0x80]), true)).toBe(1);
    expect(firstInvalidUtf8(Uint8Array.from([0xed, 0xa0, 0x80]), true)).toBe(0);
    expect(firstInvalidUtf8(Uint8Array.from([0x61, 0x62, 0xf4, 0x90, 0x80, 0x80]), true)).toBe(2);
    expect(firstInvalidUtf8(Uint8Array.from([0x61, 0xe2, 0x82]), false)).toBe(-1);
    expect(firstInvalidUtf8(Uint8Array.from([0x61, 0xe2, 0x82]), true)).toBe(1);
  });
});

describe('CsvParser with a maximum record length', () => {
  const max = 64;
  const long = (n: number) => 'x'.repeat(n);

  it('quarantines a longer record as too long, keeps the records around it, and numbers lines on', async () => {
    const text = `a,b\n1,${long(70)}\n2,ok\n`;
    expect(await parseText(text, [], { maxRecordBytes: max })).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: [], tooLong: max },
      { line: 3, fields: ['2', 'ok'] },
    ]);
  });

  it('keeps a record of exactly the limit, counting UTF-8 bytes and not the line end', async () => {
    const exact = `1,${long(max - 2)}`;
    const twoByte = `1,${'Ž'.repeat((max - 2) / 2)}`;
    const overByOne = `1,${'Ž'.repeat((max - 2) / 2)}x`;
    for (const cuts of [[], [3], [10, 40, 66, 70]]) {
      const records = await parseText(`${exact}\r\n${twoByte}\r\n${overByOne}\r\n"${long(max - 2)}"\n`, cuts, { maxRecordBytes: max });
      expect(records.map((r) => r.tooLong ?? r.fields.join(','))).toEqual([exact, twoByte, max, exact.slice(2)]);
    }
  });

  it('skips to the true end of a long quoted record, honouring its commas, quotes and line breaks', async () => {
    const field = `"${'ab,"" \n'.repeat(5000)}"`;
    const text = `h1,h2\n1,${field}\n2,after\n`;
    for (const cuts of [[], Array.from({ length: 50 }, (_, i) => i * 811)]) {
      const records = await parseText(text, cuts, { maxRecordBytes: 1000 });
      expect(records).toEqual([
        { line: 1, fields: ['h1', 'h2'] },
        { line: 2, fields: [], tooLong: 1000 },
        { line: 5003, fields: ['2', 'after'] },
      ]);
    }
  });

  it('does not keep a record it skips: memory stays near the limit however long the record is', () => {
    const parser = new CsvParser({ maxRecordBytes: 1024 });
    parser.push('h\n"');
    const chunk = 'z'.repeat(64 * 1024);
    for (let i = 0; i < 200; i++) expect(parser.push(chunk)).toEqual([]);
    expect((parser as unknown as { value: string }).value).toBe('');
    expect(parser.push('"\nnext\n')).toEqual([
      { line: 2, fields: [], tooLong: 1024 },
      { line: 3, fields: ['next'] },
    ]);
  });

  it('leaves nothing of a record found too long only after a push to the record after it', () => {
    const parser = new CsvParser({ maxRecordBytes: 2 });
    expect(parser.push('a')).toEqual([]);
    expect(parser.push('\u{1F600}\n""\n')).toEqual([
      { line: 1, fields: [], tooLong: 2 },
      { line: 2, fields: [''] },
    ]);
  });

  it('joins a field carried over many pushes into the same text', () => {
    const parser = new CsvParser();
    parser.push('h\n"');
    const parts = Array.from({ length: 300 }, (_, i) => `${i},""x"",\n`.repeat(200));
    for (const part of parts) expect(parser.push(part)).toEqual([]);
    expect(parser.push('"\n')).toEqual([{ line: 2, fields: [parts.join('').replace(/""/g, '"')] }]);
  });

  it('still refuses a malformed long record: its end would be a guess', async () => {
    await expect(parseText(`a\n"${long(200)}"x\n`, [50], { maxRecordBytes: max })).rejects.toThrow('line 2: text after the closing quote');
  });
});

describe('CsvParser against csv-parse, the reference parser', () => {
  const fieldUnit = fc.constantFrom('a', 'Z', '0', ' ', ',', '"', '\n', '\r\n', 'é', 'Ž', '€', '😀', '-');
  const field = fc.string({ unit: fieldUnit, maxLength: 8 });
  const record = fc.array(field, { minLength: 1, maxLength: 5 });

  const needsQuotes = (value: string): boolean => /[",\r\n]/.test(value);
  const quote = (value: string): string => `"${value.replace(/"/g, '""')}"`;

  const document = fc
    .record({
      records: fc.array(fc.record({ fields: record, quoteAll: fc.boolean(), crlf: fc.boolean() }), {
        minLength: 1,
        maxLength: 25,
      }),
      bom: fc.boolean(),
      trailingLineEnd: fc.boolean(),
      cuts: fc.array(fc.nat({ max: 600 }), { maxLength: 12 }),
    })
    .map(({ records, bom, trailingLineEnd, cuts }) => {
      let text = '';
      const expected: CsvRecord[] = [];
      let line = 1;
      records.forEach((r, i) => {
        const last = i === records.length - 1;
        // A lone empty field at the very end of the file would be invisible; quote it to keep it.
        const forceQuote = last && !trailingLineEnd && r.fields.length === 1 && r.fields[0] === '';
        const written = r.fields
          .map((f) => (r.quoteAll || forceQuote || needsQuotes(f) ? quote(f) : f))
          .join(',');
        expected.push({ line, fields: r.fields });
        text += written;
        line += (written.match(/\n/g) ?? []).length;
        if (!last || trailingLineEnd) {
          text += r.crlf ? '\r\n' : '\n';
          line += 1;
        }
      });
      const bytes = Buffer.concat([bom ? Buffer.from([0xef, 0xbb, 0xbf]) : Buffer.alloc(0), Buffer.from(text)]);
      return { text, bytes, expected, cuts };
    });

  it('reads generated documents exactly as written and as csv-parse reads them, however chunked', async () => {
    await fc.assert(
      fc.asyncProperty(document, async ({ bytes, expected, cuts }) => {
        const ours = await parseBytes(bytes, cuts);
        const reference = referenceParse(bytes, {
          bom: true,
          relax_column_count: true,
          record_delimiter: ['\r\n', '\n'],
        }) as string[][];
        expect(ours).toEqual(expected);
        expect(ours.map((r) => r.fields)).toEqual(reference);
      }),
      { numRuns: 500 },
    );
  });

  it('with a record limit, returns every record csv-parse reads within it as csv-parse does, and every longer one as too long', async () => {
    await fc.assert(
      fc.asyncProperty(document, fc.integer({ min: 1, max: 60 }), async ({ bytes, expected, cuts }, maxRecordBytes) => {
        const ours = await parseBytes(bytes, cuts, { maxRecordBytes });
        const reference = referenceParse(bytes, { bom: true, relax_column_count: true, record_delimiter: ['\r\n', '\n'], raw: true }) as unknown as Array<{
          raw: string;
          record: string[];
        }>;
        expect(ours).toHaveLength(reference.length);
        ours.forEach((record, i) => {
          // csv-parse's raw text keeps the carriage return of a CRLF line end; the limit counts neither.
          const written = Buffer.byteLength(reference[i].raw.replace(/\r?\n?$/, ''));
          expect(record.line).toBe(expected[i].line);
          if (written > maxRecordBytes) expect(record).toEqual({ line: expected[i].line, fields: [], tooLong: maxRecordBytes });
          else expect(record.fields).toEqual(reference[i].record);
        });
      }),
      { numRuns: 500 },
    );
  });

  it('refuses exactly the inputs csv-parse refuses', async () => {
    const raw = fc.string({ unit: fc.constantFrom('a', ',', '"', '\n', '\r\n', 'é'), maxLength: 30 });
    await fc.assert(
      fc.asyncProperty(raw, fc.array(fc.nat({ max: 40 }), { maxLength: 4 }), async (text, cuts) => {
        let referenceFailed = false;
        try {
          referenceParse(text, { relax_column_count: true, record_delimiter: ['\r\n', '\n'] });
        } catch {
          referenceFailed = true;
        }
        let oursFailed = false;
        try {
          await parseText(text, cuts);
        } catch (error) {
          expect(error).toBeInstanceOf(CsvSyntaxError);
          oursFailed = true;
        }
        expect(oursFailed).toBe(referenceFailed);
      }),
      { numRuns: 1000 },
    );
  });
});
