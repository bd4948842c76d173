import { Injectable } from '@nestjs/common';
import { preparedQuery } from '@tiltas/database';
import type { EntityManager } from 'typeorm';
import { AttemptResult, CaseStatus, Channel, Outcome } from './case-codes';

/** A case as the services decide on it. The pseudonym is hex, for audit entries; it never leaves the lib. */
export interface CaseRow {
  readonly id: number;
  readonly pseudonym: string;
  readonly municipality: string;
  readonly status: CaseStatus;
  readonly outcome: Outcome | null;
  readonly outcomeNote: string | null;
  readonly cohorts: string[];
  readonly priority: number;
  readonly windowDate: string | null;
  readonly assignedTo: string | null;
  readonly assignedAt: string | null;
  readonly nextAttemptOn: string | null;
  readonly attempts: number;
  readonly createdRunId: number | null;
  readonly createdAt: string;
  readonly closedAt: string | null;
  readonly lapsedOn: string | null;
  readonly lapsedReason: Record<string, unknown> | null;
  readonly handedOverTo: string | null;
  readonly handedOverFrom: string | null;
  readonly handedOverFromCase: number | null;
  readonly version: number;
  /** The lawful bases of the criterion versions that listed the person (sorted): what every entry about the case relies on. */
  readonly lawfulBasisIds: string[];
  /** When the person asked for help through a response link, until the holder records their next attempt. */
  readonly helpRequestedAt: string | null;
}

const TS = (col: string): string => `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** The lawful bases of the criterion versions whose reasons listed case `c`, sorted. */
const LAWFUL_BASES_SQL = `ARRAY(SELECT DISTINCT v.lawful_basis_id FROM case_reason r
    JOIN criterion_version v ON v.criterion_id = r.criterion_id AND v.version = r.criterion_version
   WHERE r.case_id = c.id AND v.lawful_basis_id IS NOT NULL ORDER BY 1)`;

export const CASE_COLUMNS = `
  c.id::int AS id, encode(c.pseudonym, 'hex') AS pseudonym, c.municipality, c.status, c.outcome, c.outcome_note AS "outcomeNote",
  c.cohorts, c.priority, to_char(c.window_date, 'YYYY-MM-DD') AS "windowDate", c.assigned_to AS "assignedTo",
  ${TS('c.assigned_at')} AS "assignedAt", to_char(c.next_attempt_on, 'YYYY-MM-DD') AS "nextAttemptOn", c.attempts,
  c.created_run_id AS "createdRunId", ${TS('c.created_at')} AS "createdAt", ${TS('c.closed_at')} AS "closedAt",
  to_char(c.lapsed_on, 'YYYY-MM-DD') AS "lapsedOn", c.lapsed_reason AS "lapsedReason",
  c.handed_over_to AS "handedOverTo", c.handed_over_from AS "handedOverFrom", c.handed_over_from_case::int AS "handedOverFromCase", c.version,
  ${LAWFUL_BASES_SQL} AS "lawfulBasisIds", ${TS('c.help_requested_at')} AS "helpRequestedAt"`;

/** The most urgent first: the criterion's priority (smaller is sooner), then the window's date, then age. */
export const URGENCY_ORDER = 'c.priority, c.window_date NULLS LAST, c.id';

export interface ReasonView {
  readonly criterionId: string;
  readonly criterionVersion: number;
  readonly runId: number;
  readonly asOf: string;
  readonly windowDate: string | null;
  readonly reason: Record<string, unknown>;
  readonly lawfulBasisId: string | null;
}

export interface AttemptView {
  readonly id: number;
  readonly channel: Channel;
  readonly result: AttemptResult;
  readonly attemptedAt: string;
  readonly note: string | null;
  readonly nextAttemptOn: string | null;
  readonly recordedBy: string;
  readonly carriedFrom: string | null;
}

export interface EventView {
  readonly id: number;
  readonly at: string;
  readonly actor: string;
  readonly kind: string;
  readonly details: Record<string, unknown>;
  readonly carriedFromCase: number | null;
}

export interface QueueRow extends CaseRow {
  readonly reasons: ReasonView[];
  readonly birthDate: string | null;
}

export interface NewAttempt {
  readonly channel: Channel;
  readonly result: AttemptResult;
  readonly attemptedAt: Date;
  readonly note: string | null;
  readonly nextAttemptOn: string | null;
}

export interface WorkerLoad {
  readonly userId: string;
  readonly username: string;
  readonly displayName: string;
  readonly role: string;
  readonly caseloadLimit: number | null;
  readonly open: number;
  readonly dueToday: number;
}

const REASONS_SQL = `
  coalesce((SELECT json_agg(json_build_object(
      'criterionId', r.criterion_id, 'criterionVersion', r.criterion_version, 'runId', r.run_id,
      'asOf', to_char(r.as_of, 'YYYY-MM-DD'), 'windowDate', to_char(r.window_date, 'YYYY-MM-DD'), 'reason', r.reason,
      'lawfulBasisId', (SELECT v.lawful_basis_id FROM criterion_version v WHERE v.criterion_id = r.criterion_id AND v.version = r.criterion_version))
    ORDER BY r.criterion_id) FROM case_reason r WHERE r.case_id = c.id), '[]'::json)`;

/** The birth date from the ACTIVE population extract: the queue turns it into an age band and drops it. */
const BIRTH_SQL = `
  (SELECT to_char(p.birth_date, 'YYYY-MM-DD') FROM reg_population p
     JOIN extract e ON e.id = p.extract_id AND e.status = 'ACTIVE' AND e.register = 'population'
    WHERE p.pseudonym = c.pseudonym LIMIT 1)`;

/**
 * Rows of a statement. TypeORM's `query` answers an UPDATE with `[rows, count]` and a SELECT or INSERT with
 * the rows; the structured result is the same shape for every statement.
 */
export async function rowsOf<T>(m: EntityManager, sql: string, params: unknown[] = []): Promise<T[]> {
  const result = await m.queryRunner!.query(sql, params, true);
  return result.records as T[];
}

/**
 * Case work in SQL. Every method runs in the caller's scoped transaction, so row-level security has
 * already narrowed `cases` and its children to the actor's municipality: a case of another municipality
 * is simply not found.
 */
@Injectable()
export class CasesRepository {
  async find(m: EntityManager, id: number, lock: 'update' | 'none' = 'none'): Promise<CaseRow | null> {
    const rows: CaseRow[] = await m.query(
      `SELECT ${CASE_COLUMNS} FROM cases c WHERE c.id = $1 ${lock === 'update' ? 'FOR UPDATE OF c' : ''}`,
      [id],
    );
    return rows[0] ?? null;
  }

  /**
   * The next unassigned case of the municipality, most urgent first, taken for `userId` in one statement.
   * SKIP LOCKED: a row another transaction is taking is passed over, never waited for, so concurrent
   * claimers never block each other and never get the same case.
   */
  async claimNext(m: EntityManager, municipality: string, userId: string): Promise<CaseRow | null> {
    // The claim and its case event in one prepared statement: claim-next is the hot path, one round trip
    // less, and planned once per connection rather than per claim.
    const rows = await preparedQuery<CaseRow>(
      m,
      'outreach.claim-next',
      `WITH next AS (
         SELECT c.id FROM cases c WHERE c.municipality = $1 AND c.status = 'NEW'
         ORDER BY ${URGENCY_ORDER} LIMIT 1 FOR UPDATE SKIP LOCKED
       ),
       claimed AS (
         UPDATE cases c SET status = 'ASSIGNED', assigned_to = $2, assigned_at = now(), updated_at = now(), version = c.version + 1
         FROM next WHERE c.id = next.id
         RETURNING ${CASE_COLUMNS}
       ),
       event AS (
         INSERT INTO case_event (case_id, municipality, actor, kind, details)
         SELECT id, municipality, $2, 'CLAIMED', jsonb_build_object('to', $2::text) FROM claimed
       )
       SELECT * FROM claimed`,
      [municipality, userId],
    );
    return rows[0] ?? null;
  }

  async assign(m: EntityManager, id: number, userId: string, status: CaseStatus): Promise<CaseRow> {
    const rows = await rowsOf<CaseRow>(
      m,
      `UPDATE cases c SET status = $3, assigned_to = $2, assigned_at = now(), updated_at = now(), version = c.version + 1
       WHERE c.id = $1 RETURNING ${CASE_COLUMNS}`,
      [id, userId, status],
    );
    return rows[0];
  }

  /** Backlog cases for automatic assignment, most urgent first, locked; ones being claimed are skipped. */
  async lockBacklog(
    m: EntityManager,
    municipality: string,
    limit: number,
  ): Promise<Array<Pick<CaseRow, 'id' | 'pseudonym' | 'municipality' | 'version' | 'lawfulBasisIds'>>> {
    if (limit <= 0) return [];
    return m.query(
      `SELECT c.id::int AS id, encode(c.pseudonym, 'hex') AS pseudonym, c.municipality, c.version, ${LAWFUL_BASES_SQL} AS "lawfulBasisIds" FROM cases c
       WHERE c.municipality = $1 AND c.status = 'NEW'
       ORDER BY ${URGENCY_ORDER} LIMIT $2 FOR UPDATE SKIP LOCKED`,
      [municipality, limit],
    );
  }

  async assignMany(m: EntityManager, ids: number[], userIds: string[]): Promise<void> {
    await m.query(
      `UPDATE cases c SET status = 'ASSIGNED', assigned_to = x.user_id, assigned_at = now(), updated_at = now(), version = c.version + 1
       FROM unnest($1::bigint[], $2::uuid[]) AS x(id, user_id) WHERE c.id = x.id`,
      [ids, userIds],
    );
  }

  async addAttempt(m: EntityManager, c: CaseRow, attempt: NewAttempt, by: string): Promise<{ attemptId: number; row: CaseRow }> {
    const inserted: Array<{ id: number }> = await m.query(
      `INSERT INTO case_attempt (case_id, municipality, channel, result, attempted_at, note, next_attempt_on, recorded_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id::int AS id`,
      [c.id, c.municipality, attempt.channel, attempt.result, attempt.attemptedAt, attempt.note, attempt.nextAttemptOn, by],
    );
    const rows = await rowsOf<CaseRow>(
      m,
      // Any attempt answers a request for help made through a response link: the notice goes with it.
      `UPDATE cases c SET status = 'IN_PROGRESS', attempts = c.attempts + 1, next_attempt_on = $2, help_requested_at = NULL, updated_at = now(), version = c.version + 1
       WHERE c.id = $1 RETURNING ${CASE_COLUMNS}`,
      [c.id, attempt.nextAttemptOn],
    );
    return { attemptId: inserted[0].id, row: rows[0] };
  }

  /** The person asked for help: the case goes first in its holder's queue, due now, with a notice. */
  async requestHelp(m: EntityManager, id: number, at: Date): Promise<CaseRow> {
    const rows = await rowsOf<CaseRow>(
      m,
      `UPDATE cases c SET help_requested_at = $2, next_attempt_on = NULL, updated_at = now(), version = c.version + 1 WHERE c.id = $1 RETURNING ${CASE_COLUMNS}`,
      [id, at],
    );
    return rows[0];
  }

  async schedule(m: EntityManager, id: number, on: string | null): Promise<CaseRow> {
    const rows = await rowsOf<CaseRow>(
      m,
      `UPDATE cases c SET next_attempt_on = $2, updated_at = now(), version = c.version + 1 WHERE c.id = $1 RETURNING ${CASE_COLUMNS}`,
      [id, on],
    );
    return rows[0];
  }

  /** `at` is the service clock's now: the identification run's cool-off counts days from it. */
  async close(m: EntityManager, id: number, outcome: Outcome, note: string | null, handedOverTo: string | null, at: Date): Promise<CaseRow> {
    const rows = await rowsOf<CaseRow>(
      m,
      `UPDATE cases c SET status = 'CLOSED', outcome = $2, outcome_note = $3, handed_over_to = $4, closed_at = $5,
              next_attempt_on = NULL, updated_at = now(), version = c.version + 1
       WHERE c.id = $1 RETURNING ${CASE_COLUMNS}`,
      [id, outcome, note, handedOverTo, at],
    );
    return rows[0];
  }

  /** The register a NOT_ELIGIBLE closing names (see WRONG_REGISTERS); the column's CHECK holds it to that outcome. */
  async setNotEligibleRegister(m: EntityManager, id: number, register: string): Promise<CaseRow> {
    const rows = await rowsOf<CaseRow>(m, `UPDATE cases c SET not_eligible_register = $2 WHERE c.id = $1 RETURNING ${CASE_COLUMNS}`, [id, register]);
    return rows[0];
  }

  /** Attempts whose result was not REACHED, made in this municipality (carried ones do not count). */
  async unanswered(m: EntityManager, id: number): Promise<number> {
    const rows: Array<{ n: number }> = await m.query(
      `SELECT count(*)::int AS n FROM case_attempt WHERE case_id = $1 AND result <> 'REACHED' AND carried_from_case IS NULL`,
      [id],
    );
    return rows[0].n;
  }

  async event(m: EntityManager, c: { id: number; municipality: string }, actor: string, kind: string, details: Record<string, unknown> = {}): Promise<void> {
    await m.query(`INSERT INTO case_event (case_id, municipality, actor, kind, details) VALUES ($1, $2, $3, $4, $5)`, [
      c.id,
      c.municipality,
      actor,
      kind,
      JSON.stringify(details),
    ]);
  }

  async reasons(m: EntityManager, id: number): Promise<ReasonView[]> {
    const rows: Array<{ reasons: ReasonView[] }> = await m.query(`SELECT ${REASONS_SQL} AS reasons FROM cases c WHERE c.id = $1`, [id]);
    return rows[0]?.reasons ?? [];
  }

  async birthDate(m: EntityManager, id: number): Promise<string | null> {
    const rows: Array<{ birth: string | null }> = await m.query(`SELECT ${BIRTH_SQL} AS birth FROM cases c WHERE c.id = $1`, [id]);
    return rows[0]?.birth ?? null;
  }

  async attempts(m: EntityManager, id: number): Promise<AttemptView[]> {
    return m.query(
      `SELECT id::int AS id, channel, result, ${TS('attempted_at')} AS "attemptedAt", note, to_char(next_attempt_on, 'YYYY-MM-DD') AS "nextAttemptOn",
              recorded_by AS "recordedBy", carried_from AS "carriedFrom"
       FROM case_attempt WHERE case_id = $1 ORDER BY attempted_at, id`,
      [id],
    );
  }

  async events(m: EntityManager, id: number): Promise<EventView[]> {
    return m.query(
      `SELECT id::int AS id, ${TS('at')} AS at, actor, kind, details, carried_from_case::int AS "carriedFromCase"
       FROM case_event WHERE case_id = $1 ORDER BY id`,
      [id],
    );
  }

  /**
   * A worker's daily queue: the cases they hold that are due by `today` (never scheduled, or scheduled
   * for today or earlier): first those whose person asked for help through a response link, in the order
   * they asked, then the most urgent first. A worker holds at most a few hundred cases, so the sort over
   * them is cheap.
   */
  async due(m: EntityManager, userId: string, today: string, limit: number): Promise<QueueRow[]> {
    return m.query(
      `SELECT ${CASE_COLUMNS}, ${REASONS_SQL} AS reasons, ${BIRTH_SQL} AS "birthDate"
       FROM cases c
       WHERE c.assigned_to = $1 AND c.status IN ('ASSIGNED', 'IN_PROGRESS')
         AND (c.next_attempt_on IS NULL OR c.next_attempt_on <= $2::date)
       ORDER BY c.help_requested_at IS NULL, c.help_requested_at, ${URGENCY_ORDER} LIMIT $3`,
      [userId, today, limit],
    );
  }

  /** Cases of the scope by status and holder, most urgent first, keyset-paged by id within the order. */
  async list(m: EntityManager, filter: { municipality: string | null; status: CaseStatus | 'OPEN' | null; assignedTo: string | null; limit: number; offset: number }): Promise<CaseRow[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.municipality) where.push(`c.municipality = $${params.push(filter.municipality)}`);
    if (filter.status === 'OPEN') where.push(`c.status <> 'CLOSED'`);
    else if (filter.status) where.push(`c.status = $${params.push(filter.status)}`);
    if (filter.assignedTo) where.push(`c.assigned_to = $${params.push(filter.assignedTo)}`);
    return m.query(
      `SELECT ${CASE_COLUMNS} FROM cases c ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY ${URGENCY_ORDER} LIMIT $${params.push(filter.limit)} OFFSET $${params.push(filter.offset)}`,
      params,
    );
  }

  /** Workers and coordinators of a municipality with what they hold now and what is due for them today. */
  async loads(m: EntityManager, municipality: string, today: string): Promise<WorkerLoad[]> {
    const rows: Array<WorkerLoad & { open: string; dueToday: string }> = await m.query(
      `SELECT u.id AS "userId", u.username, u.display_name AS "displayName", u.role, u.caseload_limit AS "caseloadLimit",
              count(c.id) AS open,
              count(c.id) FILTER (WHERE c.next_attempt_on IS NULL OR c.next_attempt_on <= $2::date) AS "dueToday"
       FROM users u
       LEFT JOIN cases c ON c.assigned_to = u.id AND c.status IN ('ASSIGNED', 'IN_PROGRESS') AND c.municipality = $1
       WHERE u.municipality = $1 AND u.role IN ('WORKER', 'COORDINATOR') AND u.disabled_at IS NULL
       GROUP BY u.id ORDER BY u.role DESC, u.username`,
      [municipality, today],
    );
    return rows.map((r) => ({ ...r, open: Number(r.open), dueToday: Number(r.dueToday) }));
  }

  async backlog(m: EntityManager, municipality: string): Promise<{ unassigned: number; lapsed: number; byCohort: Record<string, number>; mostUrgent: number | null }> {
    const rows: Array<{ unassigned: string; lapsed: string; by_cohort: Record<string, number> | null; most_urgent: number | null }> = await m.query(
      `SELECT count(*) AS unassigned, count(*) FILTER (WHERE lapsed_on IS NOT NULL) AS lapsed, min(priority) AS most_urgent,
              (SELECT json_object_agg(cohort, n) FROM (
                 SELECT unnest(cohorts) AS cohort, count(*) AS n FROM cases WHERE municipality = $1 AND status = 'NEW' GROUP BY 1) x) AS by_cohort
       FROM cases WHERE municipality = $1 AND status = 'NEW'`,
      [municipality],
    );
    const r = rows[0];
    return { unassigned: Number(r.unassigned), lapsed: Number(r.lapsed), byCohort: r.by_cohort ?? {}, mostUrgent: r.most_urgent };
  }

  /** A user who may hold cases of `municipality` (a worker or coordinator there, enabled). */
  async holder(m: EntityManager, userId: string): Promise<{ id: string; role: string; kind: string; municipality: string | null; caseloadLimit: number | null; disabled: boolean } | null> {
    const rows: Array<{ id: string; role: string; kind: string; municipality: string | null; caseloadLimit: number | null; disabled: boolean }> = await m.query(
      `SELECT id, role, kind, municipality, caseload_limit AS "caseloadLimit", disabled_at IS NOT NULL AS disabled FROM users WHERE id = $1`,
      [userId],
    );
    return rows[0] ?? null;
  }

  async openLoad(m: EntityManager, userId: string): Promise<number> {
    const rows: Array<{ n: number }> = await m.query(
      `SELECT count(*)::int AS n FROM cases WHERE assigned_to = $1 AND status IN ('ASSIGNED', 'IN_PROGRESS')`,
      [userId],
    );
    return rows[0].n;
  }

  /** Workers who take automatic assignments, with their limits and current loads (locked against a parallel run). */
  async assignableWorkers(m: EntityManager, municipality: string): Promise<Array<{ userId: string; username: string; caseloadLimit: number; open: number }>> {
    return m.query(
      `SELECT u.id AS "userId", u.username, u.caseload_limit AS "caseloadLimit",
              (SELECT count(*)::int FROM cases c WHERE c.assigned_to = u.id AND c.status IN ('ASSIGNED', 'IN_PROGRESS')) AS open
       FROM users u
       WHERE u.municipality = $1 AND u.role = 'WORKER' AND u.disabled_at IS NULL AND coalesce(u.caseload_limit, 0) > 0
       ORDER BY u.id`,
      [municipality],
    );
  }

  // --- hand-over -------------------------------------------------------------------------------------------

  /**
   * Opens (or finds) the person's case in the receiving municipality and copies the history into it: why
   * listed, attempts and events, each marked as carried from the old case. Runs under the national
   * hand-over scope: it writes rows of another municipality.
   */
  async receive(m: EntityManager, from: CaseRow, to: string, actor: string): Promise<{ caseId: number; created: boolean }> {
    const rows: Array<{ id: number; created: boolean }> = await m.query(
      `INSERT INTO cases (pseudonym, municipality, cohorts, priority, window_date, created_run_id, handed_over_from, handed_over_from_case)
       SELECT c.pseudonym, $2, c.cohorts, c.priority, c.window_date, c.created_run_id, c.municipality, c.id FROM cases c WHERE c.id = $1
       ON CONFLICT (pseudonym, municipality) WHERE status <> 'CLOSED' DO UPDATE
         SET cohorts = ARRAY(SELECT DISTINCT unnest(cases.cohorts || EXCLUDED.cohorts) ORDER BY 1),
             priority = LEAST(cases.priority, EXCLUDED.priority),
             handed_over_from = EXCLUDED.handed_over_from, handed_over_from_case = EXCLUDED.handed_over_from_case,
             updated_at = now(), version = cases.version + 1
       RETURNING id::int AS id, (xmax = 0) AS created`,
      [from.id, to],
    );
    const target = rows[0];
    await m.query(
      `INSERT INTO case_reason (case_id, municipality, criterion_id, criterion_version, run_id, as_of, window_date, reason)
       SELECT $2, $3, criterion_id, criterion_version, run_id, as_of, window_date, reason FROM case_reason WHERE case_id = $1
       ON CONFLICT (case_id, criterion_id) DO NOTHING`,
      [from.id, target.id, to],
    );
    await m.query(
      `INSERT INTO case_attempt (case_id, municipality, channel, result, attempted_at, note, next_attempt_on, recorded_by, recorded_at, carried_from_case, carried_from)
       SELECT $2, $3, channel, result, attempted_at, note, next_attempt_on, recorded_by, recorded_at, coalesce(carried_from_case, case_id), coalesce(carried_from, municipality)
       FROM case_attempt WHERE case_id = $1`,
      [from.id, target.id, to],
    );
    await m.query(
      `INSERT INTO case_event (case_id, municipality, at, actor, kind, details, carried_from_case)
       SELECT $2, $3, at, actor, kind, details || jsonb_build_object('municipality', municipality), coalesce(carried_from_case, case_id)
       FROM case_event WHERE case_id = $1 ORDER BY id`,
      [from.id, target.id, to],
    );
    await this.event(m, { id: target.id, municipality: to }, actor, 'HANDED_OVER_IN', { fromMunicipality: from.municipality, fromCaseId: from.id });
    return { caseId: target.id, created: target.created };
  }

  // --- opt-outs --------------------------------------------------------------------------------------------

  /** Records a national opt-out; returns its id, or the id of the one already active. */
  async recordOptOut(m: EntityManager, pseudonym: string, by: string, caseId: number): Promise<{ id: number; created: boolean }> {
    const inserted: Array<{ id: number }> = await m.query(
      `INSERT INTO opt_out (pseudonym, recorded_by, case_id) VALUES (decode($1, 'hex'), $2, $3)
       ON CONFLICT (pseudonym) WHERE withdrawn_at IS NULL DO NOTHING RETURNING id::int AS id`,
      [pseudonym, by, caseId],
    );
    if (inserted.length > 0) return { id: inserted[0].id, created: true };
    const existing: Array<{ id: number }> = await m.query(
      `SELECT id::int AS id FROM opt_out WHERE pseudonym = decode($1, 'hex') AND withdrawn_at IS NULL`,
      [pseudonym],
    );
    return { id: existing[0].id, created: false };
  }

  /** Other open cases of the person, anywhere (read under the national scope of an opt-out). */
  async openCasesOf(m: EntityManager, pseudonym: string, except: number): Promise<CaseRow[]> {
    return m.query(
      `SELECT ${CASE_COLUMNS} FROM cases c WHERE c.pseudonym = decode($1, 'hex') AND c.status <> 'CLOSED' AND c.id <> $2 FOR UPDATE OF c`,
      [pseudonym, except],
    );
  }

  /** Closes a case its holder is not closing (an opt-out recorded elsewhere); a NEW case may close so too. */
  async closeOther(m: EntityManager, id: number, outcome: Outcome, at: Date): Promise<void> {
    await m.query(
      `UPDATE cases c SET status = 'CLOSED', outcome = $2, closed_at = $3, next_attempt_on = NULL, updated_at = now(), version = c.version + 1 WHERE c.id = $1`,
      [id, outcome, at],
    );
  }

  async optOuts(m: EntityManager, active: boolean | null, limit: number): Promise<Array<{ id: number; subject: string; recordedAt: string; recordedBy: string; caseId: number | null; withdrawnAt: string | null; withdrawnBy: string | null }>> {
    return m.query(
      `SELECT id::int AS id, encode(pseudonym, 'hex') AS subject, ${TS('recorded_at')} AS "recordedAt", recorded_by AS "recordedBy",
              case_id::int AS "caseId", ${TS('withdrawn_at')} AS "withdrawnAt", withdrawn_by AS "withdrawnBy"
       FROM opt_out ${active === null ? '' : active ? 'WHERE withdrawn_at IS NULL' : 'WHERE withdrawn_at IS NOT NULL'}
       ORDER BY id DESC LIMIT $1`,
      [limit],
    );
  }

  /** `lawfulBasisIds` are those of the case the opt-out was recorded on (none once that case is purged). */
  async withdrawOptOut(m: EntityManager, id: number, by: string): Promise<{ subject: string; lawfulBasisIds: string[] } | 'missing' | 'withdrawn'> {
    const rows: Array<{ subject: string; withdrawn: boolean; lawfulBasisIds: string[] | null }> = await m.query(
      `SELECT encode(o.pseudonym, 'hex') AS subject, o.withdrawn_at IS NOT NULL AS withdrawn, CASE WHEN c.id IS NOT NULL THEN ${LAWFUL_BASES_SQL} END AS "lawfulBasisIds"
         FROM opt_out o LEFT JOIN cases c ON c.id = o.case_id WHERE o.id = $1 FOR UPDATE OF o`,
      [id],
    );
    if (rows.length === 0) return 'missing';
    if (rows[0].withdrawn) return 'withdrawn';
    await m.query(`UPDATE opt_out SET withdrawn_at = now(), withdrawn_by = $2 WHERE id = $1`, [id, by]);
    return { subject: rows[0].subject, lawfulBasisIds: rows[0].lawfulBasisIds ?? [] };
  }
}
