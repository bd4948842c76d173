import { PoolClient } from 'pg';
import { RegisterCode } from '@tiltas/contract';

/**
 * The DDL of one extract's partition. Identifiers come only from the register codes and integer extract
 * ids, never from a file, so they are safe to interpolate.
 */
export function parentTable(register: RegisterCode): string {
  return `reg_${register}`;
}

export function partitionTable(register: RegisterCode, extractId: number): string {
  if (!Number.isSafeInteger(extractId) || extractId <= 0) throw new Error(`not an extract id: ${extractId}`);
  return `reg_${register}_e${extractId}`;
}

/**
 * A stand-alone table shaped like the register's parent, with the CHECK that lets ATTACH PARTITION skip
 * its validation scan (the constraint already proves every row belongs to the partition).
 */
export function createPartitionSql(register: RegisterCode, extractId: number): string {
  const part = partitionTable(register, extractId);
  return `CREATE TABLE ${part} (LIKE ${parentTable(register)} INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
          ALTER TABLE ${part} ADD CONSTRAINT ${part}_extract CHECK (extract_id IS NOT NULL AND extract_id = ${extractId})`;
}

/**
 * The parent's partitioned indexes, rewritten for the partition. Built after the load (one sort instead of
 * millions of insertions) with the same definitions, so ATTACH adopts them instead of building new ones.
 */
export async function partitionIndexSql(client: PoolClient, register: RegisterCode, extractId: number): Promise<string[]> {
  const parent = parentTable(register);
  const part = partitionTable(register, extractId);
  const rows = (
    await client.query<{ name: string; def: string }>(
      `SELECT c.relname AS name, pg_get_indexdef(i.indexrelid) AS def
         FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
        WHERE i.indrelid = $1::regclass ORDER BY c.relname`,
      [parent],
    )
  ).rows;
  return rows.map(({ name, def }) => {
    const suffix = name.startsWith(`${parent}_`) ? name.slice(parent.length + 1) : name;
    // pg_get_indexdef: CREATE [UNIQUE ]INDEX <name> ON ONLY public.<parent> USING ...
    const on = /^(CREATE (?:UNIQUE )?INDEX) \S+ ON (?:ONLY )?(?:\S+\.)?\S+ (USING .*)$/.exec(def);
    if (!on) throw new Error(`cannot rewrite index definition of ${name}`);
    return `${on[1]} ${part}_${suffix} ON ${part} ${on[2]}`;
  });
}

/**
 * One row per person: every row after the first (valid, hence loaded) row of a pseudonym moves from the
 * partition to the quarantine, naming the line of the first. Set-based, so it costs one hash aggregate
 * over the partition however many people it holds.
 */
export function moveRepeatedPersonsSql(register: RegisterCode, extractId: number): string {
  const part = partitionTable(register, extractId);
  return `WITH repeated AS (
            SELECT pseudonym, min(line) AS first FROM ${part} GROUP BY pseudonym HAVING count(*) > 1
          ), moved AS (
            DELETE FROM ${part} p USING repeated r
             WHERE p.pseudonym = r.pseudonym AND p.line <> r.first
            RETURNING p.line, r.first
          )
          INSERT INTO extract_quarantine (extract_id, line, column_name, reason)
          SELECT ${extractId}, line, 'pseudonym', 'second row for this person, first at line ' || first FROM moved`;
}
