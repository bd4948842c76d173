import type { AttemptResult, Outcome, ReferralStatus } from '@tiltas/outreach';
import { pseudonymOf } from '../outreach/outreach-factory';
import type { TestDatabase } from '../support/test-database';

/**
 * What case work leaves behind, written as the owner for statistics tests: attempts, referrals,
 * closures, and periods in the follow-up registers' active extracts. Cases come from outreach-factory.
 */

export async function insertAttempt(db: TestDatabase, caseId: number, result: AttemptResult, o: { carriedFromCase?: number } = {}): Promise<void> {
  await db.query(
    `INSERT INTO case_attempt (case_id, municipality, channel, result, attempted_at, recorded_by, carried_from_case, carried_from)
     SELECT id, municipality, 'PHONE', $2, created_at + interval '1 day', 'test', $3, CASE WHEN $3::bigint IS NULL THEN NULL ELSE 'LT-13' END FROM cases WHERE id = $1`,
    [caseId, result, o.carriedFromCase ?? null],
  );
}

/** A referral of the case to a service of its municipality's directory (made once per municipality). */
export async function insertReferral(db: TestDatabase, caseId: number, status: ReferralStatus): Promise<void> {
  await db.query(
    `WITH c AS (SELECT id, municipality FROM cases WHERE id = $1),
     s AS (
       INSERT INTO outreach_service (municipality, kind, name, created_by)
       SELECT municipality, 'PES', 'Užimtumo tarnyba ' || municipality, 'test' FROM c
       ON CONFLICT (municipality, lower(name)) DO UPDATE SET active = true RETURNING id
     )
     INSERT INTO referral (case_id, municipality, service_id, status, created_by, updated_by)
     SELECT c.id, c.municipality, s.id, $2, 'test', 'test' FROM c, s`,
    [caseId, status],
  );
}

export async function closeCase(db: TestDatabase, caseId: number, outcome: Outcome): Promise<void> {
  await db.query(`UPDATE cases SET status = 'CLOSED', outcome = $2, closed_at = created_at + interval '2 days', next_attempt_on = NULL WHERE id = $1`, [caseId, outcome]);
}

export interface Period {
  readonly label: string;
  readonly from: string;
  readonly to?: string | null;
}

const COLUMNS: Record<'employment' | 'education' | 'jobseekers' | 'social_services', { columns: string; values: string }> = {
  employment: { columns: 'employer, kind, employed_from, employed_to', values: `'E1', 'EMPLOYEE', $2, $3` },
  education: { columns: 'level, institution, enrolled_from, enrolled_to, outcome', values: `'3', 'I1', $2, $3, NULL` },
  jobseekers: { columns: 'status, registered_from, registered_to', values: `'UNEMPLOYED', $2, $3` },
  social_services: { columns: 'service, municipality, service_from, service_to', values: `'S1', 'LT-57', $2, $3` },
};

/** An ACTIVE extract of a follow-up register as of `asOf`, holding these labelled people's periods. */
export async function activeRegister(db: TestDatabase, register: keyof typeof COLUMNS, asOf: string, periods: readonly Period[]): Promise<number> {
  const [{ id }] = await db.query<{ id: number }>(
    `INSERT INTO extract (register, as_of, extracted_at, sha256, rows, lawful_basis_id, pseudonym_key_id, status, loaded_by, activated_at)
     VALUES ($1, $2, now(), encode(sha256(convert_to($1 || random()::text, 'UTF8')), 'hex'), $3, 'LB-TEST', 'k-test', 'ACTIVE', 'test', now()) RETURNING id`,
    [register, asOf, periods.length],
  );
  await db.query(`CREATE TABLE reg_${register}_${id} PARTITION OF reg_${register} FOR VALUES IN (${id})`);
  const { columns, values } = COLUMNS[register];
  for (const [i, p] of periods.entries()) {
    await db.query(`INSERT INTO reg_${register} (extract_id, line, pseudonym, ${columns}) VALUES (${id}, ${i + 2}, decode($1, 'hex'), ${values})`, [
      pseudonymOf(p.label),
      p.from,
      p.to ?? null,
    ]);
  }
  return id;
}
