import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { CaseStatus } from '../case-codes';
import { CASE_COLUMNS, QueueRow, URGENCY_ORDER, rowsOf } from '../cases.repository';
import { WorkListPage, WorkListSort } from './work-list-filter';

const REASONS_SQL = `
  coalesce((SELECT json_agg(json_build_object(
      'criterionId', r.criterion_id, 'criterionVersion', r.criterion_version, 'runId', r.run_id,
      'asOf', to_char(r.as_of, 'YYYY-MM-DD'), 'windowDate', to_char(r.window_date, 'YYYY-MM-DD'), 'reason', r.reason,
      'lawfulBasisId', (SELECT v.lawful_basis_id FROM criterion_version v WHERE v.criterion_id = r.criterion_id AND v.version = r.criterion_version))
    ORDER BY r.criterion_id) FROM case_reason r WHERE r.case_id = c.id), '[]'::json)`;

const BIRTH_SQL = `
  (SELECT to_char(p.birth_date, 'YYYY-MM-DD') FROM reg_population p
     JOIN extract e ON e.id = p.extract_id AND e.status = 'ACTIVE' AND e.register = 'population'
    WHERE p.pseudonym = c.pseudonym LIMIT 1)`;

/** Each whitelisted sort as SQL, ascending; `desc` flips every key. Ties always end on the id, so pages never overlap. */
const SORT_KEYS: Readonly<Record<WorkListSort, readonly string[]>> = {
  urgency: URGENCY_ORDER.split(', '),
  window: ['c.window_date', 'c.priority', 'c.id'],
  created: ['c.created_at', 'c.id'],
  attempts: ['c.attempts', 'c.priority', 'c.id'],
  next: ['c.next_attempt_on', 'c.priority', 'c.id'],
  id: ['c.id'],
};

function orderBy(sort: WorkListSort, dir: 'asc' | 'desc'): string {
  return SORT_KEYS[sort]
    .map((k) => {
      const col = k.replace(/ NULLS LAST$/, '');
      return `${col} ${dir === 'desc' ? 'DESC' : 'ASC'} NULLS LAST`;
    })
    .join(', ');
}

export interface WorkListQuery {
  readonly page: WorkListPage;
  readonly municipality: string | null;
  readonly status: CaseStatus | 'OPEN' | null;
  readonly cohort: string | null;
  readonly windowFrom: string | null;
  readonly windowTo: string | null;
  /** One holder's cases; with `unassigned`, none (both null: anyone's). */
  readonly assignedTo: string | null;
  readonly unassigned: boolean;
  /** The queue: only cases due by this date (never scheduled, or scheduled for it or earlier). */
  readonly dueBy: string | null;
  readonly sort: WorkListSort;
  readonly dir: 'asc' | 'desc';
  readonly limit: number;
  readonly offset: number;
}

export interface SavedViewRow {
  readonly id: number;
  readonly page: WorkListPage;
  readonly name: string;
  readonly filter: Record<string, unknown>;
  readonly createdAt: string;
}

export interface BulkCaseRow {
  readonly id: number;
  readonly status: CaseStatus;
  readonly assignedTo: string | null;
  readonly version: number;
  readonly cohorts: string[];
  readonly unanswered: number;
}

/**
 * The work lists' SQL: one filtered, sorted, paged read of cases (under the caller's scope, so row-level
 * security has narrowed it to the municipality already), and the user's own saved views.
 */
@Injectable()
export class WorkListsRepository {
  async page(m: EntityManager, q: WorkListQuery): Promise<{ rows: QueueRow[]; total: number }> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (q.municipality) where.push(`c.municipality = $${params.push(q.municipality)}`);
    if (q.status === 'OPEN') where.push(`c.status <> 'CLOSED'`);
    else if (q.status) where.push(`c.status = $${params.push(q.status)}`);
    if (q.cohort) where.push(`$${params.push(q.cohort)} = ANY (c.cohorts)`);
    if (q.windowFrom) where.push(`c.window_date >= $${params.push(q.windowFrom)}::date`);
    if (q.windowTo) where.push(`c.window_date <= $${params.push(q.windowTo)}::date`);
    if (q.assignedTo) where.push(`c.assigned_to = $${params.push(q.assignedTo)}`);
    else if (q.unassigned) where.push(`c.assigned_to IS NULL`);
    if (q.dueBy) where.push(`(c.next_attempt_on IS NULL OR c.next_attempt_on <= $${params.push(q.dueBy)}::date)`);
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const counted: Array<{ n: number }> = await m.query(`SELECT count(*)::int AS n FROM cases c ${clause}`, params);
    // The queue keeps the people who asked for help through a response link on top, whatever the sort.
    const first = q.page === 'queue' ? 'c.help_requested_at IS NULL, c.help_requested_at, ' : '';
    const rows: QueueRow[] = await m.query(
      `SELECT ${CASE_COLUMNS}, ${REASONS_SQL} AS reasons, ${BIRTH_SQL} AS "birthDate"
       FROM cases c ${clause}
       ORDER BY ${first}${orderBy(q.sort, q.dir)} LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, q.limit, q.offset],
    );
    return { rows, total: counted[0].n };
  }

  /** The selected cases as a bulk action decides on them, locked in id order (every bulk path locks so). */
  async forBulk(m: EntityManager, ids: readonly number[], lock: boolean): Promise<BulkCaseRow[]> {
    return m.query(
      `SELECT c.id::int AS id, c.status, c.assigned_to AS "assignedTo", c.version, c.cohorts,
              (SELECT count(*)::int FROM case_attempt a WHERE a.case_id = c.id AND a.result <> 'REACHED' AND a.carried_from_case IS NULL) AS unanswered
       FROM cases c WHERE c.id = ANY ($1::bigint[]) ORDER BY c.id ${lock ? 'FOR UPDATE OF c' : ''}`,
      [ids],
    );
  }

  /** Back to the unassigned backlog: the holder is cleared, the attempts and history stay with the case. */
  async unassign(m: EntityManager, id: number): Promise<void> {
    await rowsOf(m, `UPDATE cases c SET status = 'NEW', assigned_to = NULL, assigned_at = NULL, next_attempt_on = NULL, updated_at = now(), version = c.version + 1 WHERE c.id = $1`, [id]);
  }

  /** Enabled workers of the municipality with their open load: who a coordinator may give cases to. */
  async workers(m: EntityManager, municipality: string): Promise<Array<{ userId: string; username: string; displayName: string; caseloadLimit: number | null; open: number }>> {
    return m.query(
      `SELECT u.id AS "userId", u.username, u.display_name AS "displayName", u.caseload_limit AS "caseloadLimit",
              (SELECT count(*)::int FROM cases c WHERE c.assigned_to = u.id AND c.status IN ('ASSIGNED', 'IN_PROGRESS')) AS open
       FROM users u WHERE u.municipality = $1 AND u.role = 'WORKER' AND u.kind <> 'SERVICE' AND u.disabled_at IS NULL
       ORDER BY u.username`,
      [municipality],
    );
  }

  async views(m: EntityManager, page: WorkListPage | null): Promise<SavedViewRow[]> {
    return m.query(
      `SELECT id::int AS id, page, name, filter, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "createdAt"
       FROM saved_view WHERE ($1::text IS NULL OR page = $1) ORDER BY page, name`,
      [page],
    );
  }

  async view(m: EntityManager, id: number): Promise<SavedViewRow | null> {
    const rows: SavedViewRow[] = await m.query(`SELECT id::int AS id, page, name, filter, created_at::text AS "createdAt" FROM saved_view WHERE id = $1`, [id]);
    return rows[0] ?? null;
  }

  /** Saves (or replaces, by name) one of the actor's views; row-level security writes it for the actor only. */
  async saveView(m: EntityManager, userId: string, page: WorkListPage, name: string, filter: Record<string, unknown>): Promise<number> {
    const rows: Array<{ id: number }> = await m.query(
      `INSERT INTO saved_view (user_id, page, name, filter) VALUES ($1, $2, $3, $4)
       ON CONFLICT (user_id, page, name) DO NOTHING RETURNING id::int AS id`,
      [userId, page, name, JSON.stringify(filter)],
    );
    if (rows.length > 0) return rows[0].id;
    // Same name on the same page: the newer definition replaces the older (delete and insert; no UPDATE grant needed).
    await m.query(`DELETE FROM saved_view WHERE user_id = $1 AND page = $2 AND name = $3`, [userId, page, name]);
    const again: Array<{ id: number }> = await m.query(`INSERT INTO saved_view (user_id, page, name, filter) VALUES ($1, $2, $3, $4) RETURNING id::int AS id`, [
      userId,
      page,
      name,
      JSON.stringify(filter),
    ]);
    return again[0].id;
  }

  async deleteView(m: EntityManager, id: number): Promise<boolean> {
    const rows: Array<{ id: number }> = await m.query(`DELETE FROM saved_view WHERE id = $1 RETURNING id::int AS id`, [id]);
    return rows.length > 0;
  }
}
