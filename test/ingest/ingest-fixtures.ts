import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A pseudonym for person `n`: 64 lowercase hex, stable across tests. */
export function pseudonymOf(n: number): string {
  return createHash('sha256').update(`person-${n}`).digest('hex');
}

export interface DeliveryOptions {
  readonly asOf?: string;
  readonly lawfulBasis?: string;
  readonly pseudonymKeyId?: string;
  /** Manifest fields to replace (or remove, with undefined) after the true values are computed. */
  readonly manifest?: Record<string, unknown>;
  /** Manifest file text instead of JSON from the fields. */
  readonly manifestText?: string;
  /** Leave out a file of the pair. */
  readonly without?: 'csv' | 'manifest';
  /** Register named in the manifest when it differs from the file name. */
  readonly register?: string;
}

/**
 * Writes `<name>.csv` (the exact text given) and a manifest that tells the truth about it (sha256 of the
 * bytes, number of data records), unless the options make it lie. Returns the directory.
 */
export async function writeDelivery(dir: string, name: string, csv: string | Buffer, options: DeliveryOptions = {}): Promise<string> {
  await mkdir(dir, { recursive: true });
  const bytes = typeof csv === 'string' ? Buffer.from(csv, 'utf8') : csv;
  if (options.without !== 'csv') await writeFile(join(dir, `${name}.csv`), bytes);
  if (options.without !== 'manifest') {
    const manifest: Record<string, unknown> = {
      register: options.register ?? name,
      asOf: options.asOf ?? '2026-10-01',
      extractedAt: '2026-10-02T02:00:00Z',
      rows: countRecords(bytes.toString('utf8')),
      sha256: createHash('sha256').update(bytes).digest('hex'),
      lawfulBasis: options.lawfulBasis ?? 'LB-TEST',
      pseudonymKeyId: options.pseudonymKeyId ?? 'k-test',
    };
    for (const [key, value] of Object.entries(options.manifest ?? {})) {
      if (value === undefined) delete manifest[key];
      else manifest[key] = value;
    }
    await writeFile(join(dir, `${name}.manifest.json`), options.manifestText ?? JSON.stringify(manifest, null, 2));
  }
  return dir;
}

/** Data records of a CSV (header excluded), counting quoted line breaks as part of their record. */
function countRecords(text: string): number {
  let records = 0;
  let quoted = false;
  let content = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') quoted = !quoted;
    if (c === '\n' && !quoted) {
      records++;
      content = false;
    } else if (c !== '\r') content = true;
  }
  if (content) records++;
  return Math.max(0, records - 1);
}

export async function freshDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `tiltas-${prefix}-`));
}

export const POPULATION_HEADER = 'pseudonym,birth_date,sex,municipality,registered_since,deceased_on,emigrated_on';

/** Population rows for persons `from`…`to - 1`, all valid. */
export function populationRows(from: number, to: number): string[] {
  const rows: string[] = [];
  for (let n = from; n < to; n++) rows.push(`${pseudonymOf(n)},2000-01-${String((n % 28) + 1).padStart(2, '0')},F,LT-${String((n % 60) + 1).padStart(2, '0')},2010-05-01,,`);
  return rows;
}

export function csvOf(header: string, rows: readonly string[], eol = '\n'): string {
  return [header, ...rows].join(eol) + eol;
}

/** A lawful-basis row as the registry stores it, written as the owner (the registry's API is not under test here). */
export function lawfulBasisInsert(entry: {
  id: string;
  registers: readonly string[];
  validFrom?: string;
  validTo?: string | null;
  purposes?: readonly string[];
  article9Condition?: string | null;
  article10Authorisation?: string | null;
}): { sql: string; params: unknown[] } {
  const full = {
    id: entry.id,
    title: `Test basis ${entry.id}`,
    legalReference: 'Test act, Art. 1',
    gdprArticle6: 'e',
    purposes: entry.purposes ?? ['outreach'],
    registers: entry.registers,
    validFrom: entry.validFrom ?? '2026-01-01',
    validTo: entry.validTo ?? null,
    article9Condition: entry.article9Condition ?? (entry.registers.includes('disability') ? 'Art. 9(2)(g)' : null),
    article10Authorisation: entry.article10Authorisation ?? (entry.registers.includes('prison') ? 'Art. 10 order' : null),
  };
  return {
    sql: `INSERT INTO lawful_basis (id, title, legal_reference, gdpr_article6, purposes, registers, valid_from, valid_to,
            article9_condition, article10_authorisation, canonical, added_by)
          VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'system:test')`,
    params: [
      full.id,
      full.title,
      full.legalReference,
      full.gdprArticle6,
      full.purposes,
      full.registers,
      full.validFrom,
      full.validTo,
      full.article9Condition,
      full.article10Authorisation,
      JSON.stringify(full),
    ],
  };
}
