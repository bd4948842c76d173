import { ContactsCipher, type ContactRecord } from '@tiltas/contacts';
import { createHash } from 'node:crypto';
import type { TestDatabase } from '../support/test-database';

/**
 * Test data for case work, written as the owner the way identification and ingest leave it: cases with
 * their why-listed reasons, a population extract (for age bands) and a sealed contacts extract (for
 * reveals). Overrides pick what a test cares about.
 */

export function pseudonymOf(label: string): string {
  return createHash('sha256').update(`outreach-test:${label}`).digest('hex');
}

export interface CaseOverrides {
  readonly municipality?: string;
  readonly priority?: number;
  readonly windowDate?: string | null;
  readonly cohorts?: string[];
  readonly status?: 'NEW' | 'ASSIGNED' | 'IN_PROGRESS';
  readonly assignedTo?: string | null;
  readonly nextAttemptOn?: string | null;
  /** When the case was listed (an instant); now when absent. */
  readonly createdAt?: string;
}

/**
 * The identification run and criterion versions that cases and reasons point at (foreign keys): one
 * COMPLETED fixture run, and an ACTIVE version 1 of each cohort named. Returns the run id.
 */
export async function fixtureRun(db: TestDatabase, cohorts: readonly string[] = ['neet-youth']): Promise<number> {
  for (const cohort of cohorts) {
    await db.query(`INSERT INTO criterion (id, created_by) VALUES ($1, 'test') ON CONFLICT DO NOTHING`, [cohort]);
    await db.query(
      `INSERT INTO criterion_version (criterion_id, version, definition, status, lawful_basis_id, created_by, activated_by, activated_at)
       VALUES ($1, 1, jsonb_build_object('id', $1::text), 'ACTIVE', 'LB-TEST', 'test', 'test', now()) ON CONFLICT DO NOTHING`,
      [cohort],
    );
  }
  const existing = await db.query<{ id: number }>(`SELECT id FROM identification_run WHERE run_key = 'outreach-fixture'`);
  if (existing.length > 0) return existing[0].id;
  const rows = await db.query<{ id: number }>(
    `INSERT INTO identification_run (as_of, criteria, extracts, run_key, status, started_by, trigger, finished_at, duration_ms)
     VALUES ('2026-10-01', '[]', '[]', 'outreach-fixture', 'COMPLETED', 'test', 'test', now(), 0) RETURNING id`,
  );
  return rows[0].id;
}

/** One case for a labelled person, with one reason per cohort. Returns its id. */
export async function insertCase(db: TestDatabase, label: string, o: CaseOverrides = {}): Promise<number> {
  const municipality = o.municipality ?? 'LT-57';
  const cohorts = o.cohorts ?? ['neet-youth'];
  const run = await fixtureRun(db, cohorts);
  const windowDate = o.windowDate === undefined ? '2026-12-31' : o.windowDate;
  const rows = await db.query<{ id: string }>(
    `INSERT INTO cases (pseudonym, municipality, status, cohorts, priority, window_date, assigned_to, assigned_at, next_attempt_on, created_run_id, created_at)
     VALUES (decode($1, 'hex'), $2, $3, $4, $5, $6, $7, CASE WHEN $7::uuid IS NULL THEN NULL ELSE now() END, $8, $9, coalesce($10::timestamptz, now())) RETURNING id`,
    [pseudonymOf(label), municipality, o.status ?? 'NEW', cohorts, o.priority ?? 100, windowDate, o.assignedTo ?? null, o.nextAttemptOn ?? null, run, o.createdAt ?? null],
  );
  const id = Number(rows[0].id);
  for (const cohort of cohorts) {
    await db.query(
      `INSERT INTO case_reason (case_id, municipality, criterion_id, criterion_version, run_id, as_of, window_date, reason)
       VALUES ($1, $2, $3, 1, $6, '2026-10-01', $4, $5)`,
      [id, municipality, cohort, windowDate, JSON.stringify({ events: { lastActivity: '2026-03-31' }, age: { min: 15, max: 29 } }), run],
    );
  }
  return id;
}

/**
 * `count` NEW cases in one statement, priorities cycling through `priorities` so the order has ties and
 * gaps. Returns nothing: tests read the cases back.
 */
export async function insertManyCases(db: TestDatabase, count: number, o: { municipality?: string; label?: string; priorities?: number } = {}): Promise<void> {
  const run = await fixtureRun(db);
  await db.query(
    `INSERT INTO cases (pseudonym, municipality, cohorts, priority, window_date, created_run_id)
     SELECT sha256(convert_to($3 || ':' || i, 'UTF8')), $2, ARRAY['neet-youth'], i % $4, DATE '2026-10-01' + (i % 90), $5
     FROM generate_series(1, $1::int) AS i`,
    [count, o.municipality ?? 'LT-57', o.label ?? 'bulk', o.priorities ?? 50, run],
  );
}

async function activeExtract(db: TestDatabase, register: 'population' | 'contacts', keyId: string): Promise<number> {
  const existing = await db.query<{ id: number }>(`SELECT id FROM extract WHERE register = $1 AND status = 'ACTIVE'`, [register]);
  if (existing.length > 0) return existing[0].id;
  const rows = await db.query<{ id: number }>(
    `INSERT INTO extract (register, as_of, extracted_at, sha256, rows, lawful_basis_id, pseudonym_key_id, status, loaded_by, activated_at)
     VALUES ($1, '2026-10-01', now(), encode(sha256(convert_to($1 || random()::text, 'UTF8')), 'hex'), 0, 'LB-TEST', $2, 'ACTIVE', 'test', now()) RETURNING id`,
    [register, keyId],
  );
  await db.query(`CREATE TABLE reg_${register}_${rows[0].id} PARTITION OF reg_${register} FOR VALUES IN (${rows[0].id})`);
  return rows[0].id;
}

export interface PersonOverrides {
  readonly birth?: string;
  readonly municipality?: string;
  readonly contact?: Partial<ContactRecord> | null;
}

/** A person in the active population extract and, unless `contact: null`, in the sealed contacts extract. */
export async function insertPerson(db: TestDatabase, label: string, o: PersonOverrides = {}): Promise<ContactRecord | null> {
  const pseudonym = pseudonymOf(label);
  const population = await activeExtract(db, 'population', 'k-test');
  await db.query(
    `INSERT INTO reg_population (extract_id, line, pseudonym, birth_date, sex, municipality, registered_since)
     VALUES ($1, (SELECT coalesce(max(line), 1) + 1 FROM reg_population WHERE extract_id = $1), decode($2, 'hex'), $3, 'F', $4, '2000-01-01')`,
    [population, pseudonym, o.birth ?? '2005-06-15', o.municipality ?? 'LT-57'],
  );
  if (o.contact === null) return null;
  const contact: ContactRecord = {
    given_name: 'Žydrūnė',
    family_name: 'Testaitė',
    phone: '+37060000001',
    email: 'zydrune@example.invalid',
    address: 'Gedimino pr. 1-2, Vilnius',
    postal_code: 'LT-01103',
    language: 'lt',
    ...o.contact,
  };
  const cipher = new ContactsCipher(db.config.secrets.contactsKey, db.config.secrets.contactsKeyId);
  const contacts = await activeExtract(db, 'contacts', 'k-test');
  await db.query(
    `INSERT INTO reg_contacts (extract_id, line, pseudonym, key_id, sealed)
     VALUES ($1, (SELECT coalesce(max(line), 1) + 1 FROM reg_contacts WHERE extract_id = $1), decode($2, 'hex'), $3, $4)`,
    [contacts, pseudonym, db.config.secrets.contactsKeyId, cipher.seal(pseudonym, JSON.stringify(contact))],
  );
  return contact;
}

/** A user row written directly (no password: for service-level tests that never sign in). */
export async function insertUser(db: TestDatabase, username: string, role: 'WORKER' | 'COORDINATOR' | 'AUDITOR' | 'ADMIN', municipality: string | null, caseloadLimit: number | null = role === 'WORKER' ? 40 : null): Promise<string> {
  const rows = await db.query<{ id: string }>(
    `INSERT INTO users (id, username, display_name, role, municipality, language, caseload_limit, created_at)
     VALUES (gen_random_uuid(), $1, $1, $2, $3, 'lt', $4, now()) RETURNING id`,
    [username, role, municipality, caseloadLimit],
  );
  return rows[0].id;
}
