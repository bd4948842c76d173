import { DomainError, isIsoDate } from '@tiltas/common';
import { REGISTER_CODES, REGISTERS, RegisterCode } from '@tiltas/registers';
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Calendar, dayOf } from './calendar';
import { CsvSink } from './csv-sink';
import { edgePeople } from './edge-cases';
import { IdentityBook } from './identities';
import { PersonWriter } from './person-writer';
import { seedMaterial, Sfc32 } from './prng';

export interface GenerateNationOptions {
  /** Number of people; raised to the number of edge cases (a few hundred) when smaller. */
  readonly people: number;
  /** Reference date D of the extracts, YYYY-MM-DD. */
  readonly asOf: string;
  /** Everything in the nation, including the demo pseudonymisation key, follows from the seed. */
  readonly seed: string | number;
  /** Directory to write into; created if missing. Existing files of the same names are replaced. */
  readonly outDir: string;
  /** Manifest `pseudonymKeyId`; defaults to an id derived from the demo key. */
  readonly keyId?: string;
  /** Manifest `lawfulBasis` and the id of the lawful-basis entry written beside the extracts. */
  readonly lawfulBasisId?: string;
}

/** What identifies a nation's people: the same seed, reference date and size give the same codes. */
export type NationIdentity = Pick<GenerateNationOptions, 'people' | 'asOf' | 'seed'>;

export interface RegisterFileSummary {
  readonly rows: number;
  readonly bytes: number;
  readonly sha256: string;
  readonly csv: string;
  readonly manifest: string;
}

export interface NationSummary {
  readonly people: number;
  readonly edgeCases: number;
  readonly asOf: string;
  readonly keyId: string;
  readonly lawfulBasisId: string;
  readonly outDir: string;
  readonly registers: Readonly<Record<RegisterCode, RegisterFileSummary>>;
  /** Every file written, as absolute or outDir-relative paths as given. */
  readonly files: readonly string[];
  readonly seconds: number;
}

export const DEFAULT_LAWFUL_BASIS_ID = 'LB-DEMO-SYNTH';
export const DEMO_KEY_NOTE = 'DEMO KEY — synthetic data only, never for production';

/** People generated between two hand-overs to the file streams. */
const BATCH = 8_192;
/** The latest reference date whose future-dated rows (up to about three years ahead) stay in 2099. */
const FIRST_AS_OF_YEAR = 1996;
const LAST_AS_OF_YEAR = 2090;

/** The demo pseudonymisation key of a seed: 32 bytes, derived so that the demo can be re-run exactly. */
export function demoPseudonymKey(seed: string | number): Buffer {
  return seedMaterial(seed).key;
}

export function defaultKeyId(seed: string | number): string {
  return `k-synth-${createHash('sha256').update(demoPseudonymKey(seed)).digest('hex').slice(0, 8)}`;
}

function checkIdentity(options: NationIdentity): number {
  const problems: string[] = [];
  if (!Number.isSafeInteger(options.people) || options.people < 1) problems.push('people must be a whole number of at least 1');
  if (typeof options.asOf !== 'string' || !isIsoDate(options.asOf)) {
    problems.push('asOf must be a calendar date (YYYY-MM-DD)');
  } else {
    const year = Number(options.asOf.slice(0, 4));
    if (year < FIRST_AS_OF_YEAR || year > LAST_AS_OF_YEAR) {
      problems.push(`asOf must fall in ${FIRST_AS_OF_YEAR}–${LAST_AS_OF_YEAR}, so every birth date fits a personal code`);
    }
  }
  if ((typeof options.seed !== 'string' && typeof options.seed !== 'number') || String(options.seed).length === 0) {
    problems.push('seed must be a non-empty string or a number');
  }
  if (problems.length > 0) throw DomainError.validation(`cannot generate the nation: ${problems.join('; ')}`, { problems });
  return dayOf(options.asOf);
}

let sharedCalendar: Calendar | null = null;
function calendar(): Calendar {
  return (sharedCalendar ??= new Calendar());
}

function identityBook(options: NationIdentity, asOf: number): IdentityBook {
  const cal = calendar();
  return new IdentityBook(cal, asOf, seedMaterial(options.seed).identity, options.people, edgePeople(cal, asOf));
}

/**
 * The personal code of person `personIndex` (0-based, in file order) of a nation, so that a test or the
 * demo can look a person up by personal code (a data subject's access request) without any file of raw
 * national ids lying beside the extracts. It replays the birth dates of everyone before the person, so it
 * costs about a second for the last person of a national nation.
 */
export function personalCodeOf(nation: NationIdentity, personIndex: number): string {
  const asOf = checkIdentity(nation);
  const book = identityBook(nation, asOf);
  if (!Number.isSafeInteger(personIndex) || personIndex < 0 || personIndex >= book.total) {
    throw DomainError.validation(`person index must be a whole number in 0–${book.total - 1}`);
  }
  for (let i = 0; i < personIndex; i++) book.next(i);
  return book.next(personIndex).personalCode;
}

export interface EdgeCaseEntry {
  readonly index: number;
  readonly label: string;
}

/** The deliberate boundary cases of a nation with the index of the person who carries each. */
export function edgeCasesOf(nation: NationIdentity): EdgeCaseEntry[] {
  const asOf = checkIdentity(nation);
  const edges = edgePeople(calendar(), asOf);
  const total = Math.max(nation.people, edges.length);
  return edges.map((edge, j) => ({ index: Math.floor((j * total) / edges.length), label: edge.label }));
}

/**
 * Writes a synthetic nation: the eleven register extracts of the contract (`<register>.csv` and
 * `<register>.manifest.json`), a demo lawful-basis entry covering all of them and the demo pseudonymisation
 * key. Deterministic per seed, streaming, and never writes a raw national id.
 */
export async function generateNation(options: GenerateNationOptions): Promise<NationSummary> {
  const started = process.hrtime.bigint();
  const asOf = checkIdentity(options);
  if (typeof options.outDir !== 'string' || options.outDir.length === 0) {
    throw DomainError.validation('cannot generate the nation: outDir must be a directory path');
  }
  const cal = calendar();
  const material = seedMaterial(options.seed);
  const keyId = options.keyId ?? defaultKeyId(options.seed);
  const lawfulBasisId = options.lawfulBasisId ?? DEFAULT_LAWFUL_BASIS_ID;
  for (const [field, value] of [['keyId', keyId], ['lawfulBasisId', lawfulBasisId]] as const) {
    if (typeof value !== 'string' || value.trim().length === 0) {
      throw DomainError.validation(`cannot generate the nation: ${field} must be a non-empty string`);
    }
  }

  await mkdir(options.outDir, { recursive: true });
  const edges = edgePeople(cal, asOf);
  const book = new IdentityBook(cal, asOf, material.identity, options.people, edges);
  const sinks = Object.fromEntries(
    REGISTER_CODES.map((code) => [
      code,
      new CsvSink(join(options.outDir, `${code}.csv`), REGISTERS[code].columns.map((c) => c.name)),
    ]),
  ) as Record<RegisterCode, CsvSink>;
  const writer = new PersonWriter({ cal, asOf, rng: new Sfc32(...material.stream), key: material.key, sinks });

  const results = {} as Record<RegisterCode, Awaited<ReturnType<CsvSink['close']>>>;
  try {
    for (let index = 0; index < book.total; index++) {
      const identity = book.next(index);
      if (identity.edge >= 0) writer.edge(identity, edges[identity.edge]);
      else writer.ordinary(identity);
      if ((index + 1) % BATCH === 0) {
        for (const code of REGISTER_CODES) await sinks[code].flush();
      }
    }
    for (const code of REGISTER_CODES) results[code] = await sinks[code].close();
  } catch (error) {
    for (const code of REGISTER_CODES) sinks[code].destroy();
    throw error;
  }

  // The register holder produces the files the night after the reference date.
  const extractedAt = `${cal.iso(asOf + 1)}T02:00:00Z`;
  const files: string[] = [];
  const registers = {} as Record<RegisterCode, RegisterFileSummary>;
  for (const code of REGISTER_CODES) {
    const csv = join(options.outDir, `${code}.csv`);
    const manifest = join(options.outDir, `${code}.manifest.json`);
    const { rows, bytes, sha256 } = results[code];
    await writeJson(manifest, {
      register: code,
      asOf: options.asOf,
      extractedAt,
      rows,
      sha256,
      lawfulBasis: lawfulBasisId,
      pseudonymKeyId: keyId,
    });
    files.push(csv, manifest);
    registers[code] = { rows, bytes, sha256, csv, manifest };
  }

  const lawfulBasis = join(options.outDir, 'lawful-basis.json');
  await writeJson(lawfulBasis, demoLawfulBasis(lawfulBasisId, options.asOf));
  const keyFile = join(options.outDir, 'demo-pseudonym-key.json');
  await writeJson(keyFile, { keyId, keyHex: material.key.toString('hex'), note: DEMO_KEY_NOTE });
  files.push(lawfulBasis, keyFile);

  return {
    people: book.total,
    edgeCases: edges.length,
    asOf: options.asOf,
    keyId,
    lawfulBasisId,
    outDir: options.outDir,
    registers,
    files,
    seconds: Number(process.hrtime.bigint() - started) / 1e9,
  };
}

/**
 * A lawful-basis entry in the spec's file format that permits every register, valid from the start of
 * the year before the reference date. It says plainly, in its title and references, that it is a demo.
 */
export function demoLawfulBasis(id: string, asOf: string): Record<string, unknown> {
  return {
    id,
    title: 'DEMO — identification of people who may need outreach (synthetic nation, not a real legal basis)',
    legalReference: 'Law on Social Services, Art. 15-1 (DEMO entry for synthetic data only)',
    gdprArticle6: 'e',
    purposes: ['outreach', 'evaluation', 'statistics'],
    registers: [...REGISTER_CODES],
    validFrom: `${Number(asOf.slice(0, 4)) - 1}-01-01`,
    validTo: null,
    article9Condition: 'GDPR Art. 9(2)(g), substantial public interest in social protection (DEMO, synthetic data only)',
    article10Authorisation: 'Authorisation under GDPR Art. 10 for prison release data (DEMO, synthetic data only)',
  };
}

async function writeJson(path: string, value: unknown): Promise<void> {
  await writeFile(path, `${JSON.stringify(value, null, 2)}\n`, 'utf8');
}
