import { createHash } from 'node:crypto';
import { Client } from 'pg';
import { REGISTERS, REGISTER_CODES, type RegisterCode } from '@tiltas/registers';

/**
 * Test-only: puts register rows into a migrated database the way ingest leaves them (an `extract` row per
 * register, its own partition of `reg_<code>`, pseudonyms as 32 raw bytes), so identification tests do not
 * depend on the CSV pipeline. The conformance test goes through the real ingest instead.
 */

export type Row = Record<string, string | number | null>;
/** Rows per register; `pseudonym` is the 64-hex text form. */
export type Rows = Partial<Record<RegisterCode, readonly Row[]>>;

export interface LoadOptions {
  readonly asOf: string;
  /** Every readable register gets an extract unless listed here (to test a missing one). */
  readonly without?: readonly RegisterCode[];
  readonly keyId?: string;
  /** Key ids per register, to test mixed keys. */
  readonly keyIds?: Partial<Record<RegisterCode, string>>;
  readonly lawfulBasisId?: string;
}

const READABLE = REGISTER_CODES.filter((code) => !REGISTERS[code].identifying);

/** A pseudonym for a test person, derived from a readable label. */
export function testPseudonym(label: string): string {
  return createHash('sha256').update(`identification-test:${label}`).digest('hex');
}

/**
 * Loads one ACTIVE extract per readable register (superseding the previous ACTIVE one) and returns the
 * extract ids. Connects as the owner (`url`), as ingest does.
 */
export async function loadRegisters(url: string, rows: Rows, options: LoadOptions): Promise<Partial<Record<RegisterCode, number>>> {
  const client = new Client({ connectionString: url });
  await client.connect();
  const ids: Partial<Record<RegisterCode, number>> = {};
  try {
    for (const code of READABLE) {
      if (options.without?.includes(code)) continue;
      const data = rows[code] ?? [];
      const sha = createHash('sha256').update(`${code}:${options.asOf}:${JSON.stringify(data)}:${Math.random()}`).digest('hex');
      await client.query('BEGIN');
      await client.query(`UPDATE extract SET status = 'SUPERSEDED', superseded_at = now() WHERE register = $1 AND status = 'ACTIVE'`, [code]);
      const inserted = await client.query<{ id: number }>(
        `INSERT INTO extract (register, as_of, extracted_at, sha256, rows, lawful_basis_id, pseudonym_key_id, status, loaded_by, activated_at)
         VALUES ($1, $2, now(), $3, $4, $5, $6, 'ACTIVE', 'test', now()) RETURNING id`,
        [code, options.asOf, sha, data.length, options.lawfulBasisId ?? 'LB-TEST', options.keyIds?.[code] ?? options.keyId ?? 'k-test'],
      );
      const id = inserted.rows[0].id;
      ids[code] = id;
      await client.query(`CREATE TABLE reg_${code}_${id} PARTITION OF reg_${code} FOR VALUES IN (${id})`);
      const cols = REGISTERS[code].columns.filter((c) => c.type !== 'pseudonym').map((c) => c.name);
      const perRow = cols.length + 3;
      const batch = Math.floor(60_000 / perRow);
      for (let start = 0; start < data.length; start += batch) {
        const values: unknown[] = [];
        const tuples = data.slice(start, start + batch).map((row, i) => {
          const base = values.length;
          values.push(id, start + i + 2, row.pseudonym, ...cols.map((c) => row[c] ?? null));
          return `(${values.slice(base).map((_, j) => (j === 2 ? `decode($${base + j + 1}, 'hex')` : `$${base + j + 1}`)).join(', ')})`;
        });
        await client.query(`INSERT INTO reg_${code} (extract_id, line, pseudonym, ${cols.join(', ')}) VALUES ${tuples.join(', ')}`, values);
      }
      await client.query('COMMIT');
    }
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    await client.end();
  }
  return ids;
}

/** The lawful basis the tests activate criteria under: every register, outreach, Art. 9 and Art. 10. */
export const TEST_LAWFUL_BASIS = {
  id: 'LB-TEST',
  title: 'Test basis for identification',
  legalReference: 'Test Act, Art. 1',
  gdprArticle6: 'e',
  purposes: ['outreach'],
  registers: [...REGISTER_CODES],
  validFrom: '2020-01-01',
  validTo: null,
  article9Condition: 'Art. 9(2)(g) (test)',
  article10Authorisation: 'Art. 10 authorisation (test)',
};
