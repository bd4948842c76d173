import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { Nation, RegisterRow } from './register-tables';

/**
 * Test-support: an outside oracle for the five standard cohorts, in DuckDB SQL straight over a
 * directory of register CSVs as delivered (the register extract contract (spec/extracts.md)), sharing no code with Tiltas's
 * parser, validator or compiler. Bad rows are dropped the way the contract quarantines them (impossible
 * dates, unknown codes, malformed pseudonyms, `from` after `to`, any population row after a person's
 * first valid one). It reproduces the conformance sample's expected-cases.csv and is meant to be held
 * against Tiltas's own ingest + identification run over other nations.
 */

export interface OracleCaseRow {
  readonly pseudonym: string;
  readonly municipality: string;
  /** Sorted cohort ids. */
  readonly cohorts: string[];
}

const MUNICIPALITIES = Array.from({ length: 60 }, (_, i) => `'LT-${String(i + 1).padStart(2, '0')}'`).join(', ');

const PSEUDONYM = `regexp_full_match(pseudonym, '[0-9a-f]{64}')`;
const date = (col: string, nullable: boolean): string =>
  `(${nullable ? `${col} IS NULL OR ` : `${col} IS NOT NULL AND `}(regexp_full_match(${col}, '[0-9]{4}-[0-9]{2}-[0-9]{2}') AND TRY_CAST(${col} AS DATE) IS NOT NULL))`;
const codes = (col: string, list: string, nullable = false): string => `(${nullable ? `${col} IS NULL OR ` : ''}${col} IN (${list}))`;
const text = (col: string): string => `(${col} IS NOT NULL AND ${col} <> '')`;
const period = (from: string, to: string): string => `(${to} IS NULL OR CAST(${from} AS DATE) <= CAST(${to} AS DATE))`;

/** Per register: the column rules of the contract, and the typed projection of a valid row. */
const RULES: Record<string, { valid: string[]; select: string }> = {
  population: {
    valid: [PSEUDONYM, date('birth_date', false), codes('sex', `'F', 'M', 'X'`), codes('municipality', MUNICIPALITIES), date('registered_since', false), date('deceased_on', true), date('emigrated_on', true)],
    select: `pseudonym, CAST(birth_date AS DATE) AS birth_date, sex, municipality, CAST(registered_since AS DATE) AS registered_since, CAST(deceased_on AS DATE) AS deceased_on, CAST(emigrated_on AS DATE) AS emigrated_on`,
  },
  education: {
    valid: [PSEUDONYM, codes('level', `'0', '1', '2', '3', '4', '5', '6', '7', '8'`), text('institution'), date('enrolled_from', false), date('enrolled_to', true), codes('outcome', `'GRADUATED', 'DROPPED_OUT', 'TRANSFERRED'`, true), period('enrolled_from', 'enrolled_to')],
    select: `pseudonym, level, institution, CAST(enrolled_from AS DATE) AS enrolled_from, CAST(enrolled_to AS DATE) AS enrolled_to, outcome`,
  },
  employment: {
    valid: [PSEUDONYM, text('employer'), codes('kind', `'EMPLOYEE', 'SELF_EMPLOYED', 'APPRENTICE'`), date('employed_from', false), date('employed_to', true), period('employed_from', 'employed_to')],
    select: `pseudonym, employer, kind, CAST(employed_from AS DATE) AS employed_from, CAST(employed_to AS DATE) AS employed_to`,
  },
  jobseekers: {
    valid: [PSEUDONYM, codes('status', `'UNEMPLOYED', 'JOBSEEKER', 'ACTIVE_MEASURE'`), date('registered_from', false), date('registered_to', true), period('registered_from', 'registered_to')],
    select: `pseudonym, status, CAST(registered_from AS DATE) AS registered_from, CAST(registered_to AS DATE) AS registered_to`,
  },
  social_services: {
    valid: [PSEUDONYM, text('service'), codes('municipality', MUNICIPALITIES), date('service_from', false), date('service_to', true), period('service_from', 'service_to')],
    select: `pseudonym, service, municipality, CAST(service_from AS DATE) AS service_from, CAST(service_to AS DATE) AS service_to`,
  },
  prison: {
    valid: [PSEUDONYM, text('institution'), date('custody_from', false), date('released_on', true), date('expected_release_on', true), codes('release_municipality', MUNICIPALITIES, true), period('custody_from', 'released_on')],
    select: `pseudonym, institution, CAST(custody_from AS DATE) AS custody_from, CAST(released_on AS DATE) AS released_on, CAST(expected_release_on AS DATE) AS expected_release_on, release_municipality`,
  },
  care: {
    valid: [PSEUDONYM, codes('placement', `'INSTITUTION', 'FOSTER_FAMILY', 'COMMUNITY_HOME', 'GUARDIANSHIP'`), date('placed_from', false), date('placed_to', true), period('placed_from', 'placed_to')],
    select: `pseudonym, placement, CAST(placed_from AS DATE) AS placed_from, CAST(placed_to AS DATE) AS placed_to`,
  },
  military: {
    valid: [PSEUDONYM, date('service_from', false), date('service_to', true), period('service_from', 'service_to')],
    select: `pseudonym, CAST(service_from AS DATE) AS service_from, CAST(service_to AS DATE) AS service_to`,
  },
  parental_leave: {
    valid: [PSEUDONYM, date('leave_from', false), date('leave_to', true), period('leave_from', 'leave_to')],
    select: `pseudonym, CAST(leave_from AS DATE) AS leave_from, CAST(leave_to AS DATE) AS leave_to`,
  },
  disability: {
    valid: [PSEUDONYM, date('assessed_on', false), date('valid_to', true), `(regexp_full_match(work_capacity, '[0-9]{1,3}') AND CAST(work_capacity AS INTEGER) BETWEEN 0 AND 100)`, period('assessed_on', 'valid_to')],
    select: `pseudonym, CAST(assessed_on AS DATE) AS assessed_on, CAST(valid_to AS DATE) AS valid_to, CAST(work_capacity AS INTEGER) AS work_capacity`,
  },
};

export const ORACLE_REGISTERS = Object.keys(RULES);

const quote = (s: string): string => `'${s.replace(/'/g, "''")}'`;

/**
 * Loads each `<register>.csv` of `dir` into DuckDB as a table of valid, typed rows named after the register.
 * One thread, so that row_number() over the scan is the order of lines in the file.
 */
async function openNation(dir: string): Promise<{ connection: DuckDBConnection; close: () => void }> {
  const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  const connection = await instance.connect();
  for (const [register, rule] of Object.entries(RULES)) {
    const file = quote(join(dir, `${register}.csv`));
    // Empty strings and empty fields are both null in the contract.
    await connection.run(
      `CREATE TABLE raw_${register} AS SELECT row_number() OVER () + 1 AS line, * FROM read_csv(${file}, header = true, all_varchar = true, auto_detect = true)`,
    );
    const cols = (await connection.runAndReadAll(`SELECT column_name FROM (DESCRIBE raw_${register}) WHERE column_name <> 'line'`)).getRowObjectsJson().map((r) => String(r.column_name));
    await connection.run(
      `CREATE OR REPLACE TABLE raw_${register} AS SELECT line, ${cols.map((c) => `NULLIF(${c}, '') AS ${c}`).join(', ')} FROM raw_${register}`,
    );
    const valid = `SELECT line, ${rule.select} FROM raw_${register} WHERE ${rule.valid.map((v) => `COALESCE(${v}, false)`).join(' AND ')}`;
    // One row per person in population: any row after the first valid one is quarantined.
    const body = register === 'population' ? `SELECT * FROM (${valid}) QUALIFY row_number() OVER (PARTITION BY pseudonym ORDER BY line) = 1` : valid;
    await connection.run(`CREATE TABLE ${register} AS ${body}`);
  }
  return {
    connection,
    close: () => {
      connection.closeSync();
      instance.closeSync();
    },
  };
}

/** The five standard cohorts, worded as the spec words them; D is bound as $d. */
const COHORTS_SQL = `
WITH
params AS (SELECT CAST($d AS DATE) AS d),
resident AS (
  SELECT p.pseudonym, p.municipality,
         year(params.d) - year(p.birth_date)
           - CASE WHEN month(params.d) * 100 + day(params.d) < month(p.birth_date) * 100 + day(p.birth_date) THEN 1 ELSE 0 END AS age
  FROM population p, params
  WHERE (p.deceased_on IS NULL OR p.deceased_on > params.d) AND (p.emigrated_on IS NULL OR p.emigrated_on > params.d)
),
active AS (
  SELECT 'education' AS register, pseudonym FROM education, params WHERE enrolled_from <= d AND (enrolled_to IS NULL OR enrolled_to >= d)
  UNION ALL SELECT 'employment', pseudonym FROM employment, params WHERE employed_from <= d AND (employed_to IS NULL OR employed_to >= d)
  UNION ALL SELECT 'jobseekers', pseudonym FROM jobseekers, params WHERE registered_from <= d AND (registered_to IS NULL OR registered_to >= d)
  UNION ALL SELECT 'social_services', pseudonym FROM social_services, params WHERE service_from <= d AND (service_to IS NULL OR service_to >= d)
  UNION ALL SELECT 'care', pseudonym FROM care, params WHERE placed_from <= d AND (placed_to IS NULL OR placed_to >= d)
  UNION ALL SELECT 'military', pseudonym FROM military, params WHERE service_from <= d AND (service_to IS NULL OR service_to >= d)
  UNION ALL SELECT 'parental_leave', pseudonym FROM parental_leave, params WHERE leave_from <= d AND (leave_to IS NULL OR leave_to >= d)
  -- custody: the release day itself is a day outside
  UNION ALL SELECT 'prison', pseudonym FROM prison, params WHERE custody_from <= d AND (released_on IS NULL OR released_on > d)
),
busy AS (SELECT pseudonym, list(DISTINCT register) AS registers FROM active GROUP BY pseudonym),
person AS (
  SELECT r.*, COALESCE(b.registers, []) AS registers FROM resident r LEFT JOIN busy b USING (pseudonym)
),
releases AS (
  SELECT pseudonym, released_on, release_municipality FROM prison, params
  WHERE released_on BETWEEN d - INTERVAL 90 DAY AND d
),
latest_release AS (
  SELECT r.pseudonym, min(r.release_municipality) AS municipality
  FROM releases r JOIN (SELECT pseudonym, max(released_on) AS on_day FROM releases GROUP BY pseudonym) l
    ON l.pseudonym = r.pseudonym AND l.on_day = r.released_on
  GROUP BY r.pseudonym
),
due AS (
  SELECT pseudonym, expected_release_on, release_municipality FROM prison, params
  WHERE custody_from <= d AND (released_on IS NULL OR released_on > d)
    AND expected_release_on BETWEEN d AND d + INTERVAL 60 DAY
),
left_care AS (
  SELECT DISTINCT pseudonym FROM care, params WHERE placed_to BETWEEN d - INTERVAL 365 DAY AND d
),
low_capacity AS (
  SELECT DISTINCT pseudonym FROM disability, params
  WHERE assessed_on <= d AND (valid_to IS NULL OR valid_to >= d) AND work_capacity <= 55
),
found AS (
  SELECT pseudonym, municipality, 'neet-youth' AS cohort FROM person
  WHERE age BETWEEN 16 AND 26
    AND NOT list_has_any(registers, ['education', 'employment', 'jobseekers', 'military', 'parental_leave', 'care', 'social_services', 'prison'])
  UNION ALL
  SELECT p.pseudonym, COALESCE(l.municipality, p.municipality), 'recent-release' FROM person p JOIN latest_release l USING (pseudonym)
  WHERE p.age >= 18 AND NOT list_has_any(p.registers, ['prison', 'employment', 'jobseekers', 'social_services'])
  UNION ALL
  -- each custody ending soon names its own release municipality
  SELECT p.pseudonym, COALESCE(u.release_municipality, p.municipality), 'pre-release' FROM person p JOIN due u USING (pseudonym)
  WHERE p.age >= 18
  UNION ALL
  SELECT p.pseudonym, p.municipality, 'care-leaver' FROM person p JOIN left_care USING (pseudonym)
  WHERE p.age BETWEEN 18 AND 24 AND NOT list_has_any(p.registers, ['care', 'education', 'employment', 'jobseekers', 'social_services'])
  UNION ALL
  SELECT p.pseudonym, p.municipality, 'disability-unserved' FROM person p JOIN low_capacity USING (pseudonym)
  WHERE p.age BETWEEN 18 AND 64 AND NOT list_has_any(p.registers, ['employment', 'jobseekers', 'social_services'])
)
SELECT pseudonym, municipality, list_sort(list(DISTINCT cohort)) AS cohorts
FROM found GROUP BY pseudonym, municipality ORDER BY pseudonym, municipality
`;

/** Every case a run of the five standard cohorts at `asOf` opens on an empty system, one per person and municipality. */
export async function oracleCases(dir: string, asOf: string): Promise<OracleCaseRow[]> {
  const { connection, close } = await openNation(dir);
  try {
    const reader = await connection.runAndReadAll(COHORTS_SQL, { d: asOf });
    return reader.getRowObjectsJson().map((r) => ({
      pseudonym: String(r.pseudonym),
      municipality: String(r.municipality),
      cohorts: (r.cohorts as string[]).map(String),
    }));
  } finally {
    close();
  }
}

/** The valid rows of every register in `dir`, as the oracle keeps them (dates as YYYY-MM-DD). */
export async function oracleValidRows(dir: string): Promise<Nation> {
  const { connection, close } = await openNation(dir);
  try {
    const nation: Nation = {};
    for (const register of ORACLE_REGISTERS) {
      const reader = await connection.runAndReadAll(`SELECT * EXCLUDE (line) FROM ${register} ORDER BY line`);
      nation[register as keyof Nation] = reader.getRowObjectsJson().map((r) => {
        const row: RegisterRow = {};
        for (const [k, v] of Object.entries(r)) row[k] = v === null ? null : typeof v === 'number' ? v : String(v);
        return row;
      });
    }
    return nation;
  } finally {
    close();
  }
}
