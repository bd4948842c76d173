import type { Client } from 'pg';
import { REGISTERS, REGISTER_CODES, type ColumnDeclaration, type RegisterCode } from '@tiltas/registers';

/**
 * Test-only: the register table layout the compiler reads (mirrors migrations' CreateRegisterTables for
 * the columns the compiler touches), so targeting's tests need no migration run. The real migration
 * replaces this once tests run against a migrated database.
 */

export type RegisterRow = Record<string, string | number | null>;
/** Rows per register; `pseudonym` is the 64-hex text form. */
export type Nation = Partial<Record<RegisterCode, readonly RegisterRow[]>>;

const TARGET_REGISTERS = REGISTER_CODES.filter((code) => !REGISTERS[code].identifying);

function sqlType(col: ColumnDeclaration): string {
  if (col.type === 'date') return 'date';
  if (col.type === 'integer') return 'smallint';
  return 'text';
}

export async function createRegisterTables(client: Client): Promise<void> {
  const statements = [
    `CREATE TABLE extract (id serial PRIMARY KEY, register text NOT NULL, as_of date NOT NULL, status text NOT NULL)`,
  ];
  for (const code of TARGET_REGISTERS) {
    const decl = REGISTERS[code];
    const cols = decl.columns
      .filter((c) => c.type !== 'pseudonym')
      .map((c) => `${c.name} ${sqlType(c)}${c.nullable ? '' : ' NOT NULL'}`);
    statements.push(
      `CREATE TABLE reg_${code} (extract_id integer NOT NULL, line integer NOT NULL, pseudonym bytea NOT NULL, ${cols.join(', ')}, delta_extract_id integer) PARTITION BY LIST (extract_id)`,
      decl.period
        ? `CREATE INDEX reg_${code}_period ON reg_${code} (pseudonym, ${decl.period.from}, ${decl.period.to})`
        : `CREATE INDEX reg_${code}_pseudonym ON reg_${code} (pseudonym)`,
    );
  }
  for (const sql of statements) await client.query(sql);
}

/**
 * Loads one extract per register of `nation` (every target register gets one, empty or not) and returns
 * the extract ids. `status` lets a test load a second, inactive extract that a run must not read.
 */
export async function loadNation(
  client: Client,
  nation: Nation,
  asOf: string,
  status = 'ACTIVE',
): Promise<Record<RegisterCode, number>> {
  const ids = {} as Record<RegisterCode, number>;
  for (const code of TARGET_REGISTERS) {
    const { rows } = await client.query<{ id: number }>(
      `INSERT INTO extract (register, as_of, status) VALUES ($1, $2, $3) RETURNING id`,
      [code, asOf, status],
    );
    const id = rows[0].id;
    ids[code] = id;
    await client.query(`CREATE TABLE reg_${code}_${id} PARTITION OF reg_${code} FOR VALUES IN (${id})`);
    const cols = REGISTERS[code].columns.filter((c) => c.type !== 'pseudonym').map((c) => c.name);
    const data = nation[code] ?? [];
    // Batches keep each INSERT well under PostgreSQL's 65,535 bind parameters.
    const perRow = cols.length + 3;
    const batch = Math.floor(60_000 / perRow);
    for (let start = 0; start < data.length; start += batch) {
      const values: unknown[] = [];
      const tuples = data.slice(start, start + batch).map((row, i) => {
        const base = values.length;
        values.push(id, start + i + 2, row.pseudonym, ...cols.map((c) => row[c] ?? null));
        const slots = values.slice(base).map((_, j) => (j === 2 ? `decode($${base + j + 1}, 'hex')` : `$${base + j + 1}`));
        return `(${slots.join(', ')})`;
      });
      await client.query(
        `INSERT INTO reg_${code} (extract_id, line, pseudonym, ${cols.join(', ')}) VALUES ${tuples.join(', ')}`,
        values,
      );
    }
  }
  return ids;
}
