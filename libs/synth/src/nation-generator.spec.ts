import { isIsoDate } from '@tiltas/common';
import {
  ColumnDeclaration,
  MUNICIPALITY_CODES,
  pseudonymFor,
  REGISTER_CODES,
  REGISTERS,
  RegisterCode,
  validatePersonalCode,
} from '@tiltas/registers';
import { parse } from 'csv-parse/sync';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  demoPseudonymKey,
  edgeCasesOf,
  generateNation,
  NationSummary,
  personalCodeOf,
} from './index';

const AS_OF = '2026-10-01';
const PEOPLE = 5_000;

type Row = Record<string, string>;

function readCsv(dir: string, register: RegisterCode): { header: string[]; rows: Row[] } {
  const text = readFileSync(join(dir, `${register}.csv`), 'utf8');
  const records: string[][] = parse(text, { relax_column_count: false });
  const [header, ...data] = records;
  return { header, rows: data.map((fields) => Object.fromEntries(header.map((name, i) => [name, fields[i]]))) };
}

function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

function shiftDays(iso: string, days: number): string {
  const d = new Date(`${iso}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** The date exactly `years` before `iso`, or null when it would be a 29 February that did not exist. */
function yearsBefore(iso: string, years: number): string | null {
  const candidate = `${Number(iso.slice(0, 4)) - years}${iso.slice(4)}`;
  return isIsoDate(candidate) ? candidate : null;
}

const PSEUDONYM = /^[0-9a-f]{64}$/;
const E164 = /^\+[1-9]\d{1,14}$/;
const EMAIL = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/;

/** The column rule of the contract for one non-empty value, or the reason it breaks it. */
function columnProblem(column: ColumnDeclaration, value: string): string | null {
  switch (column.type) {
    case 'pseudonym':
      return PSEUDONYM.test(value) ? null : 'pseudonym';
    case 'date':
      return isIsoDate(value) ? null : 'date';
    case 'code':
      return column.codes!.includes(value) ? null : 'code';
    case 'integer': {
      const n = Number(value);
      return /^\d+$/.test(value) && n >= (column.min ?? 0) && n <= (column.max ?? Infinity) ? null : 'integer';
    }
    case 'phone':
      return E164.test(value) ? null : 'phone';
    case 'email':
      return EMAIL.test(value) ? null : 'email';
    case 'postal_code':
      return /^LT-\d{5}$/.test(value) ? null : 'postal code';
    case 'text':
      return value.includes('\0') ? 'text' : null;
  }
}

describe('generateNation', () => {
  let root: string;
  let dirA: string;
  let summaryA: NationSummary;
  let summaryA2: NationSummary;
  let summaryB: NationSummary;
  const tables = {} as Record<RegisterCode, { header: string[]; rows: Row[] }>;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'tiltas-synth-'));
    dirA = join(root, 'a');
    summaryA = await generateNation({ people: PEOPLE, asOf: AS_OF, seed: 'spec-a', outDir: dirA });
    summaryA2 = await generateNation({ people: PEOPLE, asOf: AS_OF, seed: 'spec-a', outDir: join(root, 'a2') });
    summaryB = await generateNation({ people: PEOPLE, asOf: AS_OF, seed: 'spec-b', outDir: join(root, 'b') });
    for (const code of REGISTER_CODES) tables[code] = readCsv(dirA, code);
  }, 60_000);

  afterAll(() => rmSync(root, { recursive: true, force: true }));

  describe('determinism', () => {
    it('writes byte-identical files for the same seed', () => {
      for (const code of REGISTER_CODES) {
        expect(summaryA2.registers[code].sha256).toBe(summaryA.registers[code].sha256);
        expect(sha256File(join(root, 'a2', `${code}.csv`))).toBe(sha256File(join(dirA, `${code}.csv`)));
        expect(readFileSync(join(root, 'a2', `${code}.manifest.json`), 'utf8')).toBe(
          readFileSync(join(dirA, `${code}.manifest.json`), 'utf8'),
        );
      }
      expect(readFileSync(join(root, 'a2', 'demo-pseudonym-key.json'), 'utf8')).toBe(
        readFileSync(join(dirA, 'demo-pseudonym-key.json'), 'utf8'),
      );
    });

    it('writes different files and a different key for another seed', () => {
      for (const code of REGISTER_CODES) {
        expect(summaryB.registers[code].sha256).not.toBe(summaryA.registers[code].sha256);
      }
      expect(summaryB.keyId).not.toBe(summaryA.keyId);
      expect(demoPseudonymKey('spec-b').equals(demoPseudonymKey('spec-a'))).toBe(false);
    });
  });

  describe('files and manifests', () => {
    it('writes the eleven extract pairs, the lawful basis and the demo key, and nothing else', () => {
      const expected = [
        ...REGISTER_CODES.flatMap((code) => [`${code}.csv`, `${code}.manifest.json`]),
        'lawful-basis.json',
        'demo-pseudonym-key.json',
      ].sort();
      expect(readdirSync(dirA).sort()).toEqual(expected);
      expect(summaryA.files.map((f) => f.slice(dirA.length + 1)).sort()).toEqual(expected);
    });

    it('states in each manifest the rows and the SHA-256 of the CSV beside it', () => {
      const key = JSON.parse(readFileSync(join(dirA, 'demo-pseudonym-key.json'), 'utf8'));
      for (const code of REGISTER_CODES) {
        const manifest = JSON.parse(readFileSync(join(dirA, `${code}.manifest.json`), 'utf8'));
        expect(manifest).toEqual({
          register: code,
          asOf: AS_OF,
          extractedAt: '2026-10-02T02:00:00Z',
          rows: tables[code].rows.length,
          sha256: sha256File(join(dirA, `${code}.csv`)),
          lawfulBasis: 'LB-DEMO-SYNTH',
          pseudonymKeyId: key.keyId,
        });
        expect(summaryA.registers[code].rows).toBe(tables[code].rows.length);
      }
    });

    it('uses the key id and lawful basis id it is given', async () => {
      const dir = join(root, 'named');
      const summary = await generateNation({
        people: 300,
        asOf: AS_OF,
        seed: 7,
        outDir: dir,
        keyId: 'k2026',
        lawfulBasisId: 'LB-NEET-2026',
      });
      const manifest = JSON.parse(readFileSync(join(dir, 'prison.manifest.json'), 'utf8'));
      expect([manifest.pseudonymKeyId, manifest.lawfulBasis]).toEqual(['k2026', 'LB-NEET-2026']);
      expect(JSON.parse(readFileSync(join(dir, 'lawful-basis.json'), 'utf8')).id).toBe('LB-NEET-2026');
      expect(JSON.parse(readFileSync(join(dir, 'demo-pseudonym-key.json'), 'utf8')).keyId).toBe('k2026');
      expect(summary.registers.population.rows).toBe(300);
    });

    it('writes a demo lawful-basis entry in the contract format that covers every register', () => {
      const entry = JSON.parse(readFileSync(join(dirA, 'lawful-basis.json'), 'utf8'));
      expect(Object.keys(entry).sort()).toEqual(
        [
          'id', 'title', 'legalReference', 'gdprArticle6', 'purposes', 'registers', 'validFrom', 'validTo',
          'article9Condition', 'article10Authorisation',
        ].sort(),
      );
      expect(entry.id).toBe('LB-DEMO-SYNTH');
      expect(entry.title).toMatch(/DEMO/);
      expect(['a', 'b', 'c', 'd', 'e', 'f']).toContain(entry.gdprArticle6);
      expect(entry.purposes).toContain('outreach');
      expect([...entry.registers].sort()).toEqual([...REGISTER_CODES].sort());
      expect(isIsoDate(entry.validFrom) && entry.validFrom <= AS_OF).toBe(true);
      expect(entry.validTo).toBeNull();
      expect(entry.article9Condition).toMatch(/\S/);
      expect(entry.article10Authorisation).toMatch(/\S/);
    });

    it('writes the demo key derived from the seed, marked as a demo', () => {
      const key = JSON.parse(readFileSync(join(dirA, 'demo-pseudonym-key.json'), 'utf8'));
      expect(key.keyHex).toMatch(/^[0-9a-f]{64}$/);
      expect(Buffer.from(key.keyHex, 'hex').equals(demoPseudonymKey('spec-a'))).toBe(true);
      expect(key.note).toBe('DEMO KEY — synthetic data only, never for production');
      expect(key.keyId).toBe(summaryA.keyId);
    });

    it('never writes a raw personal code into any file', () => {
      const codes = [0, 1, 2, PEOPLE - 1].map((i) => personalCodeOf({ people: PEOPLE, asOf: AS_OF, seed: 'spec-a' }, i));
      for (const file of readdirSync(dirA)) {
        const text = readFileSync(join(dirA, file), 'utf8');
        for (const code of codes) expect(text.includes(code)).toBe(false);
        // Phone numbers are 11 digits too, but always behind a "+".
        const lookalikes = (text.match(/(?<![+\d])[3-6]\d{10}(?!\d)/g) ?? []).filter((s) => validatePersonalCode(s).ok);
        expect(lookalikes).toEqual([]);
      }
    });
  });

  describe('rows keep the contract', () => {
    it('writes each header exactly as declared, in declaration order', () => {
      for (const code of REGISTER_CODES) {
        expect(tables[code].header).toEqual(REGISTERS[code].columns.map((c) => c.name));
      }
    });

    it('writes every value to its column rule: dates strict, codes listed, pseudonyms well formed', () => {
      const problems: string[] = [];
      for (const code of REGISTER_CODES) {
        for (const [line, row] of tables[code].rows.entries()) {
          for (const column of REGISTERS[code].columns) {
            const value = row[column.name];
            if (value === '') {
              if (!column.nullable) problems.push(`${code}:${line + 2}:${column.name} empty`);
              continue;
            }
            const problem = columnProblem(column, value);
            if (problem) problems.push(`${code}:${line + 2}:${column.name} ${problem} ${JSON.stringify(value)}`);
          }
        }
      }
      expect(problems).toEqual([]);
    });

    it('never writes a period that ends before it starts, nor a date before the birth', () => {
      const births = new Map(tables.population.rows.map((r) => [r.pseudonym, r.birth_date]));
      const problems: string[] = [];
      for (const code of REGISTER_CODES) {
        const period = REGISTERS[code].period;
        if (!period) continue;
        for (const [line, row] of tables[code].rows.entries()) {
          const from = row[period.from];
          const to = row[period.to];
          if (to !== '' && from > to) problems.push(`${code}:${line + 2} ${period.from} after ${period.to}`);
          const birth = births.get(row.pseudonym);
          if (birth === undefined) problems.push(`${code}:${line + 2} person not in population`);
          else if (from < birth) problems.push(`${code}:${line + 2} ${period.from} before birth`);
        }
      }
      expect(problems).toEqual([]);
    });

    it('writes one row per person where the contract says so, and everyone once in population', () => {
      for (const code of REGISTER_CODES.filter((c) => REGISTERS[c].onePerPerson)) {
        const pseudonyms = tables[code].rows.map((r) => r.pseudonym);
        expect(new Set(pseudonyms).size).toBe(pseudonyms.length);
      }
      expect(tables.population.rows).toHaveLength(PEOPLE);
      const residents = new Set(tables.population.rows.map((r) => r.pseudonym));
      expect(tables.contacts.rows.every((r) => residents.has(r.pseudonym))).toBe(true);
    });

    it('exercises CSV quoting and diacritics in contacts', () => {
      const rows = tables.contacts.rows;
      expect(rows.some((r) => r.address.includes(','))).toBe(true);
      expect(rows.some((r) => r.address.includes('"'))).toBe(true);
      expect(rows.some((r) => /[ąčęėįšųūž]/i.test(r.family_name))).toBe(true);
      expect(rows.some((r) => r.phone === '')).toBe(true);
      expect(rows.some((r) => r.email === '')).toBe(true);
      expect(new Set(rows.map((r) => r.language))).toEqual(new Set(['lt', 'ru', 'pl', 'en']));
      const raw = readFileSync(join(dirA, 'contacts.csv'), 'utf8');
      expect(raw).toMatch(/"SB ""[^"]+"", /);
    });
  });

  describe('people and their personal codes', () => {
    const nation = { people: PEOPLE, asOf: AS_OF, seed: 'spec-a' };

    it('gives person i the population row i, keyed by the HMAC of a valid personal code', () => {
      const key = demoPseudonymKey('spec-a');
      for (const index of [0, 1, 17, 2_500, PEOPLE - 1]) {
        const code = personalCodeOf(nation, index);
        const verdict = validatePersonalCode(code);
        expect(verdict.ok).toBe(true);
        const row = tables.population.rows[index];
        expect(pseudonymFor(key, code)).toBe(row.pseudonym);
        if (verdict.ok) {
          expect(verdict.birthDate).toBe(row.birth_date);
          if (row.sex !== 'X') expect(verdict.sex).toBe(row.sex);
        }
      }
    });

    it('gives every person a distinct pseudonym', () => {
      const pseudonyms = new Set(tables.population.rows.map((r) => r.pseudonym));
      expect(pseudonyms.size).toBe(PEOPLE);
    });

    it('refuses a person index outside the nation', () => {
      expect(() => personalCodeOf(nation, PEOPLE)).toThrow(/person index/);
      expect(() => personalCodeOf(nation, -1)).toThrow(/person index/);
    });

    it('places the labelled edge cases on the people whose rows show them', () => {
      const key = demoPseudonymKey('spec-a');
      const cases = edgeCasesOf(nation);
      const pick = (label: string) => {
        const entry = cases.find((c) => c.label === label);
        if (!entry) throw new Error(`no edge case ${label}`);
        return pseudonymFor(key, personalCodeOf(nation, entry.index));
      };
      const released = pick('prison:released:D-90#a');
      expect(tables.prison.rows.filter((r) => r.pseudonym === released).map((r) => r.released_on)).toEqual([
        shiftDays(AS_OF, -90),
      ]);
      const twice = pick('prison:released:D-20:two-municipalities#b');
      const rows = tables.prison.rows.filter((r) => r.pseudonym === twice);
      expect(rows.map((r) => r.release_municipality).sort()).toEqual(['LT-15', 'LT-57']);
      expect(new Set(cases.map((c) => c.index)).size).toBe(cases.length);
    });
  });

  describe('boundary cases at the reference date', () => {
    const D = AS_OF;
    const has = (register: RegisterCode, predicate: (row: Row) => boolean) => tables[register].rows.some(predicate);

    it.each([16, 27, 18, 25, 65])('holds people whose %ith birthday is D, D-1 and D+1', (age) => {
      for (const offset of [0, -1, 1]) {
        const birth = yearsBefore(shiftDays(D, offset), age);
        if (birth === null) continue;
        expect(has('population', (r) => r.birth_date === birth)).toBe(true);
      }
    });

    it.each(
      REGISTER_CODES.filter((c) => REGISTERS[c].period !== null && c !== 'prison').map((c) => [c]),
    )('holds %s periods ending on D and D-1 and starting on D and D+1', (code) => {
      const period = REGISTERS[code as RegisterCode].period!;
      const register = code as RegisterCode;
      expect(has(register, (r) => r[period.to] === D)).toBe(true);
      expect(has(register, (r) => r[period.to] === shiftDays(D, -1))).toBe(true);
      expect(has(register, (r) => r[period.from] === D)).toBe(true);
      expect(has(register, (r) => r[period.from] === shiftDays(D, 1))).toBe(true);
    });

    it('holds prison releases on D, D-90 and D-91 and expected releases on D, D+60 and D+61', () => {
      for (const offset of [0, -90, -91]) expect(has('prison', (r) => r.released_on === shiftDays(D, offset))).toBe(true);
      for (const offset of [0, 60, 61]) {
        expect(has('prison', (r) => r.released_on === '' && r.expected_release_on === shiftDays(D, offset))).toBe(true);
      }
      expect(has('prison', (r) => r.released_on !== '' && r.release_municipality === '')).toBe(true);
      expect(has('prison', (r) => r.released_on !== '' && r.release_municipality !== '')).toBe(true);
    });

    it('holds a person released twice on one day into different municipalities', () => {
      const byPersonDay = new Map<string, Set<string>>();
      for (const r of tables.prison.rows.filter((row) => row.released_on !== '' && row.release_municipality !== '')) {
        const key = `${r.pseudonym} ${r.released_on}`;
        byPersonDay.set(key, (byPersonDay.get(key) ?? new Set()).add(r.release_municipality));
      }
      expect([...byPersonDay.values()].some((set) => set.size >= 2)).toBe(true);
    });

    it('holds deaths and emigrations on D, D-1 and D+1', () => {
      for (const offset of [0, -1, 1]) {
        const day = shiftDays(D, offset);
        expect(has('population', (r) => r.deceased_on === day)).toBe(true);
        expect(has('population', (r) => r.emigrated_on === day)).toBe(true);
      }
    });

    it('holds care placements ending on D-365 and D-366', () => {
      expect(has('care', (r) => r.placed_to === shiftDays(D, -365))).toBe(true);
      expect(has('care', (r) => r.placed_to === shiftDays(D, -366))).toBe(true);
    });

    it('holds work capacities of 55 and 56, and a 29 February birthday', () => {
      expect(has('disability', (r) => r.work_capacity === '55')).toBe(true);
      expect(has('disability', (r) => r.work_capacity === '56')).toBe(true);
      expect(has('population', (r) => r.birth_date.endsWith('-02-29'))).toBe(true);
      expect(has('population', (r) => r.sex === 'X')).toBe(true);
    });

    it('keeps the edge cases even in a nation smaller than their number', async () => {
      const summary = await generateNation({ people: 10, asOf: AS_OF, seed: 'tiny', outDir: join(root, 'tiny') });
      expect(summary.people).toBe(summary.edgeCases);
      expect(summary.registers.population.rows).toBe(summary.edgeCases);
      expect(summary.edgeCases).toBeGreaterThan(150);
    });
  });

  describe('shape of the nation', () => {
    const ageAt = (birth: string) => {
      const [by, bm, bd] = birth.split('-').map(Number);
      const [oy, om, od] = AS_OF.split('-').map(Number);
      return oy - by - (om < bm || (om === bm && od < bd) ? 1 : 0);
    };

    it('puts about a fifth of residents in Vilnius city and a tenth in Kaunas city, using only contract codes', () => {
      const counts = new Map<string, number>();
      for (const r of tables.population.rows) counts.set(r.municipality, (counts.get(r.municipality) ?? 0) + 1);
      expect((counts.get('LT-57') ?? 0) / PEOPLE).toBeGreaterThan(0.17);
      expect((counts.get('LT-57') ?? 0) / PEOPLE).toBeLessThan(0.25);
      expect((counts.get('LT-15') ?? 0) / PEOPLE).toBeGreaterThan(0.08);
      expect((counts.get('LT-15') ?? 0) / PEOPLE).toBeLessThan(0.13);
      expect([...counts.keys()].every((code) => MUNICIPALITY_CODES.includes(code))).toBe(true);
    });

    it('employs about 70% of people aged 25-64 at D and ages everyone 0-96', () => {
      const active = (from: string, to: string) => from <= AS_OF && (to === '' || to >= AS_OF);
      const employed = new Set(tables.employment.rows.filter((r) => active(r.employed_from, r.employed_to)).map((r) => r.pseudonym));
      const working = tables.population.rows.filter((r) => ageAt(r.birth_date) >= 25 && ageAt(r.birth_date) <= 64);
      const share = working.filter((r) => employed.has(r.pseudonym)).length / working.length;
      expect(share).toBeGreaterThan(0.64);
      expect(share).toBeLessThan(0.78);
      const ages = tables.population.rows.map((r) => ageAt(r.birth_date));
      expect(Math.min(...ages)).toBe(0);
      expect(Math.max(...ages)).toBeLessThanOrEqual(96);
    });
  });

  describe('options', () => {
    it('refuses options it cannot honour, naming each', async () => {
      await expect(
        generateNation({ people: 0, asOf: '2026-02-30', seed: 's', outDir: join(root, 'bad') }),
      ).rejects.toThrow(/people must be a whole number.*asOf must be a calendar date/);
      await expect(generateNation({ people: 10, asOf: '2095-01-01', seed: 's', outDir: join(root, 'bad') })).rejects.toThrow(
        /asOf must fall in/,
      );
    });
  });
});
