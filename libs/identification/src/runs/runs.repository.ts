import { Injectable } from '@nestjs/common';
import { REGISTER_CODES } from '@tiltas/registers';
import { bindParams, compileCriterion } from '@tiltas/targeting';
import type { EntityManager } from 'typeorm';
import type { ActiveExtract, PlannedCriterion, RunPlan } from './run-plan';

export interface CohortCounts {
  readonly cohort: string;
  readonly version: number;
  /** Rows the criterion found (a person once per case municipality). */
  readonly matched: number;
  /** … that opened a new case. */
  readonly new: number;
  /** … that an open case gained as a new cohort. */
  readonly added: number;
  /** … held back: by rule 1, or by the latest closed case there (spec "Re-listing after a case closed"). */
  readonly suppressed: number;
  /** … already listed by an open case for this cohort. */
  readonly unchanged: number;
}

export type RunStatus = 'RUNNING' | 'COMPLETED' | 'REFUSED' | 'FAILED';
/** `ingest`: the same-day run an accepted delta delivery started. */
export type RunTrigger = 'schedule' | 'cli' | 'api' | 'test' | 'ingest';
/** `full`: everyone; `delta`: the persons of one delta delivery (spec "Delta deliveries"). */
export type RunKind = 'full' | 'delta';

export interface RunRecord {
  readonly id: number;
  readonly kind: RunKind;
  /** The delta whose persons a `delta` run identified; null for a full run. */
  readonly deltaExtractId: number | null;
  readonly asOf: string;
  readonly criteria: ReadonlyArray<{ id: string; version: number; lawfulBasisId: string }>;
  readonly extracts: ReadonlyArray<{ register: string; id: number; asOf: string; deltaIds?: number[] }>;
  readonly pseudonymKeyId: string | null;
  readonly status: RunStatus;
  readonly refusal: string | null;
  readonly counts: readonly CohortCounts[];
  readonly casesCreated: number;
  readonly casesUpdated: number;
  readonly casesLapsed: number;
  /** People held back wholly, per closing outcome (OPTED_OUT, DECEASED, and the periods of rule 2). */
  readonly suppressed: Readonly<Record<string, number>>;
  /** People listed with fewer cohorts: a NOT_ELIGIBLE closing still holds back the cohorts it listed. */
  readonly cohortsHeld: number;
  readonly startedBy: string;
  readonly trigger: RunTrigger;
  readonly startedAt: string;
  readonly finishedAt: string | null;
  readonly durationMs: number | null;
}

export interface RunSuppression {
  readonly byOutcome: Record<string, number>;
  readonly cohortsHeld: number;
}

export interface WrittenCases {
  readonly created: number;
  readonly updated: number;
  /** Ids of the created cases as inclusive [from, to] ranges (identity values of one statement are dense). */
  readonly createdRanges: Array<[number, number]>;
}

const RUN_COLUMNS = `
  id, kind, delta_extract_id AS "deltaExtractId", to_char(as_of, 'YYYY-MM-DD') AS "asOf", criteria, extracts, pseudonym_key_id AS "pseudonymKeyId", status, refusal,
  -- A run still RUNNING, or REFUSED, keeps the column's default '{}': it has counted no cohort yet.
  CASE WHEN jsonb_typeof(counts) = 'array' THEN counts ELSE '[]'::jsonb END AS counts, cases_created AS "casesCreated", cases_updated AS "casesUpdated", cases_lapsed AS "casesLapsed",
  suppressed, cohorts_held AS "cohortsHeld", started_by AS "startedBy", trigger,
  to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "startedAt",
  to_char(finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "finishedAt",
  duration_ms AS "durationMs"`;

/**
 * The identification SQL: one INSERT … SELECT per criterion into a transaction-local table of what was
 * found, then set-based classification, one INSERT … SELECT … ON CONFLICT for the cases and their reasons,
 * and set-based updates for lapsed reasons. Nothing here loops over people.
 */
@Injectable()
export class RunsRepository {
  async activeExtracts(m: EntityManager): Promise<ActiveExtract[]> {
    return m.query(
      `SELECT e.id, e.register, to_char(e.as_of, 'YYYY-MM-DD') AS "asOf", e.pseudonym_key_id AS "pseudonymKeyId",
              ARRAY(SELECT d.id FROM extract d WHERE d.applied_to = e.id AND d.status = 'APPLIED' ORDER BY d.id) AS "deltaIds"
       FROM extract e WHERE e.status = 'ACTIVE' ORDER BY e.register`,
    );
  }

  /** An extract as a delta's run needs it: its kind, register, status and the full extract it was applied to. */
  async delta(m: EntityManager, extractId: number): Promise<{ id: number; register: string; delivery: string; status: string; appliedTo: number | null } | null> {
    const rows: Array<{ id: number; register: string; delivery: string; status: string; appliedTo: number | null }> = await m.query(
      `SELECT id, register, delivery, status, applied_to AS "appliedTo" FROM extract WHERE id = $1`,
      [extractId],
    );
    return rows[0] ?? null;
  }

  /**
   * The delta's persons whose rows it still provides: those of its rows in the full extract's partition (a
   * later delta that replaced someone again identifies them itself).
   */
  async deltaPeople(m: EntityManager, register: string, fullId: number, deltaId: number): Promise<Buffer[]> {
    const rows: Array<{ pseudonym: Buffer }> = await m.query(
      `SELECT DISTINCT pseudonym FROM reg_${assertRegisterTable(register)} WHERE extract_id = $1 AND delta_extract_id = $2 ORDER BY pseudonym`,
      [fullId, deltaId],
    );
    return rows.map((r) => r.pseudonym);
  }

  /**
   * APPLIED deltas accepted since `since` that no run has identified yet (their job was never queued, say
   * Redis was down at the time), oldest first.
   */
  async unidentifiedDeltas(m: EntityManager, since: Date): Promise<number[]> {
    const rows: Array<{ id: number }> = await m.query(
      `SELECT e.id FROM extract e
        WHERE e.status = 'APPLIED' AND e.activated_at >= $1
          AND NOT EXISTS (SELECT 1 FROM identification_run r WHERE r.delta_extract_id = e.id AND r.status IN ('COMPLETED', 'REFUSED'))
        ORDER BY e.id`,
      [since.toISOString()],
    );
    return rows.map((r) => r.id);
  }

  /** The COMPLETED run of a delta, if it ran: a delta is identified once. */
  async deltaRun(m: EntityManager, deltaId: number): Promise<RunRecord | null> {
    const rows: RunRecord[] = await m.query(
      `SELECT ${RUN_COLUMNS} FROM identification_run WHERE delta_extract_id = $1 AND status = 'COMPLETED' ORDER BY id LIMIT 1`,
      [deltaId],
    );
    return rows[0] ?? null;
  }

  async completed(m: EntityManager, asOf: string, runKey: string): Promise<RunRecord | null> {
    const rows: RunRecord[] = await m.query(
      `SELECT ${RUN_COLUMNS} FROM identification_run WHERE as_of = $1 AND run_key = $2 AND status = 'COMPLETED'`,
      [asOf, runKey],
    );
    return rows[0] ?? null;
  }

  async find(m: EntityManager, id: number): Promise<RunRecord | null> {
    const rows: RunRecord[] = await m.query(`SELECT ${RUN_COLUMNS} FROM identification_run WHERE id = $1`, [id]);
    return rows[0] ?? null;
  }

  async recent(m: EntityManager, limit: number): Promise<RunRecord[]> {
    return m.query(`SELECT ${RUN_COLUMNS} FROM identification_run ORDER BY id DESC LIMIT $1`, [limit]);
  }

  async start(m: EntityManager, plan: RunPlan, startedBy: string, trigger: RunTrigger): Promise<number> {
    const rows: Array<{ id: number }> = await m.query(
      `INSERT INTO identification_run (as_of, criteria, extracts, run_key, pseudonym_key_id, status, started_by, trigger, kind, delta_extract_id)
       VALUES ($1, $2, $3, $4, $5, 'RUNNING', $6, $7, $8, $9) RETURNING id`,
      [
        plan.asOf,
        JSON.stringify(plan.criteria.map((c) => ({ id: c.id, version: c.version, lawfulBasisId: c.lawfulBasisId }))),
        JSON.stringify(plan.extracts.map(extractRef)),
        plan.runKey,
        plan.pseudonymKeyId,
        startedBy,
        trigger,
        plan.delta ? 'delta' : 'full',
        plan.delta?.extractId ?? null,
      ],
    );
    return rows[0].id;
  }

  async refuse(
    m: EntityManager,
    request: { asOf: string; criteria: ReadonlyArray<{ id: string; version: number; lawfulBasisId: string }>; extracts: readonly ActiveExtract[] },
    refusal: string,
    startedBy: string,
    trigger: RunTrigger,
    deltaExtractId: number | null = null,
  ): Promise<number> {
    const rows: Array<{ id: number }> = await m.query(
      `INSERT INTO identification_run (as_of, criteria, extracts, run_key, status, refusal, started_by, trigger, finished_at, duration_ms, kind, delta_extract_id)
       VALUES ($1, $2, $3, '', 'REFUSED', $4, $5, $6, now(), 0, $7, $8) RETURNING id`,
      [
        request.asOf,
        JSON.stringify(request.criteria),
        JSON.stringify(request.extracts.map((e) => ({ ...extractRef(e), pseudonymKeyId: e.pseudonymKeyId }))),
        refusal,
        startedBy,
        trigger,
        deltaExtractId === null ? 'full' : 'delta',
        deltaExtractId,
      ],
    );
    return rows[0].id;
  }

  async finish(m: EntityManager, id: number, counts: readonly CohortCounts[], suppression: RunSuppression, written: WrittenCases, lapsed: number, durationMs: number): Promise<void> {
    await m.query(
      `UPDATE identification_run SET status = 'COMPLETED', counts = $2, cases_created = $3, cases_updated = $4, cases_lapsed = $5,
         finished_at = now(), duration_ms = $6, suppressed = $7, cohorts_held = $8 WHERE id = $1`,
      [id, JSON.stringify(counts), written.created, written.updated, lapsed, durationMs, JSON.stringify(suppression.byOutcome), suppression.cohortsHeld],
    );
  }

  /** Transaction-local tables of what this run found: gone at commit, never seen by another session. */
  async prepareFound(m: EntityManager): Promise<void> {
    await m.query(`
      CREATE TEMP TABLE run_found (
        criterion_id text NOT NULL,
        criterion_version integer NOT NULL,
        pseudonym bytea NOT NULL,
        municipality text NOT NULL,
        priority integer NOT NULL,
        window_date date,
        reason jsonb NOT NULL
      ) ON COMMIT DROP`);
  }

  /** One set-based query for the criterion, its rows straight into run_found. Returns how many it found. */
  async findInto(m: EntityManager, plan: RunPlan, criterion: PlannedCriterion): Promise<number> {
    // A delta's run asks the very same query, restricted to the delta's persons.
    const compiled = compileCriterion(criterion.definition, { people: plan.binding.people !== undefined });
    const params = bindParams(compiled, plan.binding);
    const n = params.length;
    const leftOut = criterion.leftToCopies.length > 0 ? `WHERE q.municipality <> ALL($${n + 3}::text[])` : '';
    return exec(
      m,
      `INSERT INTO run_found (criterion_id, criterion_version, pseudonym, municipality, priority, window_date, reason)
       SELECT $${n + 1}::text, $${n + 2}::int, q.pseudonym, q.municipality, q.priority, q.window_date, q.reason
       FROM (${compiled.sql}) AS q ${leftOut}`,
      [...params, criterion.id, criterion.version, ...(leftOut ? [criterion.leftToCopies] : [])],
    );
  }

  /**
   * One row per person and case municipality with every cohort that found them, and what happens to it,
   * by spec/extracts.md "Re-listing after a case closed": an open case there (which may gain cohorts), or,
   * without one, the person held against what is known of them. Rule 1: an active opt-out, or a case
   * closed DECEASED in any municipality. Rule 2: only the latest closed case there (latest closed_on, the
   * closing's date in Europe/Vilnius; on a tie the highest id) counts, and holds while D − closed_on is
   * less than its outcome's period, or always when it is dated after D. A NOT_ELIGIBLE closing holds back
   * its own cohorts only (`held_cohorts`): the other cohorts still make a case, listing only them.
   * `found_cohorts` is everything found; `cohorts`, `priority` and `window_date` are what is written.
   */
  async classify(m: EntityManager, asOf: string, relistAfterDays: Readonly<Record<string, number>>): Promise<void> {
    await m.query(`CREATE INDEX ON run_found (pseudonym, municipality)`);
    await m.query(`ANALYZE run_found`);
    await m.query(
      `CREATE TEMP TABLE run_case ON COMMIT DROP AS
       WITH g AS (
         SELECT pseudonym, municipality, array_agg(criterion_id ORDER BY criterion_id) AS found_cohorts
         FROM run_found GROUP BY pseudonym, municipality
       ),
       d AS (
         SELECT g.pseudonym, g.municipality, g.found_cohorts, o.id AS open_id, o.cohorts AS open_cohorts,
                CASE WHEN EXISTS (SELECT 1 FROM opt_out x WHERE x.pseudonym = g.pseudonym AND x.withdrawn_at IS NULL) THEN 'OPTED_OUT'
                     WHEN o.id IS NOT NULL THEN NULL
                     WHEN EXISTS (SELECT 1 FROM cases x WHERE x.pseudonym = g.pseudonym AND x.outcome = 'DECEASED') THEN 'DECEASED'
                     WHEN NOT coalesce(last.holds, false) THEN NULL
                     WHEN last.outcome = 'NOT_ELIGIBLE' AND NOT g.found_cohorts <@ last.cohorts THEN NULL
                     ELSE last.outcome
                END AS suppressed,
                CASE WHEN o.id IS NULL AND last.holds AND last.outcome = 'NOT_ELIGIBLE' THEN last.cohorts ELSE '{}'::text[] END AS held_cohorts
         FROM g
         LEFT JOIN cases o ON o.pseudonym = g.pseudonym AND o.municipality = g.municipality AND o.status <> 'CLOSED'
         LEFT JOIN LATERAL (
           SELECT l.outcome, l.cohorts,
                  (l.closed_on > $1::date OR $1::date - l.closed_on < ($2::jsonb ->> l.outcome)::int) AS holds
           FROM (
             SELECT c.outcome, c.cohorts, c.closed_on FROM cases c
             WHERE c.pseudonym = g.pseudonym AND c.municipality = g.municipality AND c.status = 'CLOSED'
             ORDER BY c.closed_on DESC, c.id DESC LIMIT 1
           ) AS l
         ) AS last ON o.id IS NULL
       )
       SELECT d.pseudonym, d.municipality, d.found_cohorts, d.open_id, d.open_cohorts, d.suppressed, d.held_cohorts,
              w.cohorts, w.priority, w.window_date
       FROM d
       CROSS JOIN LATERAL (
         SELECT array_agg(f.criterion_id ORDER BY f.criterion_id) AS cohorts,
                min(f.priority) AS priority,
                (array_agg(f.window_date ORDER BY f.priority, f.window_date))[1] AS window_date
         FROM run_found f
         WHERE f.pseudonym = d.pseudonym AND f.municipality = d.municipality AND NOT f.criterion_id = ANY(d.held_cohorts)
       ) AS w`,
      [asOf, JSON.stringify(relistAfterDays)],
    );
    await m.query(`CREATE INDEX ON run_case (pseudonym, municipality)`);
    await m.query(`ANALYZE run_case`);
  }

  /**
   * People (per case municipality) held back wholly, per outcome, and those listed with fewer cohorts
   * because a NOT_ELIGIBLE closing still holds some of theirs back.
   */
  async suppression(m: EntityManager): Promise<RunSuppression> {
    const rows: Array<{ outcome: string | null; n: string; held: string }> = await m.query(
      `SELECT suppressed AS outcome, count(*) AS n,
              count(*) FILTER (WHERE suppressed IS NULL AND cardinality(held_cohorts) > 0 AND found_cohorts && held_cohorts) AS held
       FROM run_case GROUP BY suppressed`,
    );
    const byOutcome: Record<string, number> = {};
    let cohortsHeld = 0;
    for (const r of rows) {
      if (r.outcome !== null) byOutcome[r.outcome] = Number(r.n);
      else cohortsHeld = Number(r.held);
    }
    return { byOutcome, cohortsHeld };
  }

  async counts(m: EntityManager, plan: RunPlan): Promise<CohortCounts[]> {
    const rows: Array<{ cohort: string; matched: string; new: string; added: string; suppressed: string; unchanged: string }> = await m.query(
      `SELECT f.criterion_id AS cohort,
              count(*) AS matched,
              count(*) FILTER (WHERE c.suppressed IS NULL AND c.open_id IS NULL AND NOT f.criterion_id = ANY(c.held_cohorts)) AS new,
              count(*) FILTER (WHERE c.suppressed IS NULL AND c.open_id IS NOT NULL AND NOT f.criterion_id = ANY(c.open_cohorts)) AS added,
              count(*) FILTER (WHERE c.suppressed IS NOT NULL OR f.criterion_id = ANY(c.held_cohorts)) AS suppressed,
              count(*) FILTER (WHERE c.suppressed IS NULL AND c.open_id IS NOT NULL AND f.criterion_id = ANY(c.open_cohorts)) AS unchanged
       FROM run_found f JOIN run_case c ON c.pseudonym = f.pseudonym AND c.municipality = f.municipality
       GROUP BY f.criterion_id`,
    );
    const byCohort = new Map(rows.map((r) => [r.cohort, r]));
    return plan.criteria.map((c) => {
      const r = byCohort.get(c.id);
      return {
        cohort: c.id,
        version: c.version,
        matched: Number(r?.matched ?? 0),
        new: Number(r?.new ?? 0),
        added: Number(r?.added ?? 0),
        suppressed: Number(r?.suppressed ?? 0),
        unchanged: Number(r?.unchanged ?? 0),
      };
    });
  }

  /**
   * The case write: one INSERT … SELECT … ON CONFLICT over the classified rows. A new person and
   * municipality opens a case; an open case there gains the cohorts it lacks (the partial unique index
   * makes "one open case per person and municipality" the database's rule, not this query's). The same
   * statement writes why each cohort listed the person; a cohort already listed keeps its first reason.
   */
  async writeCases(m: EntityManager, runId: number, asOf: string): Promise<WrittenCases> {
    const rows: Array<{ created: string; updated: string; ranges: Array<[number, number]> | null }> = await m.query(
      `WITH written AS (
         INSERT INTO cases (pseudonym, municipality, cohorts, priority, window_date, created_run_id)
         SELECT pseudonym, municipality, cohorts, priority, window_date, $1
         FROM run_case
         WHERE suppressed IS NULL AND cohorts IS NOT NULL AND (open_id IS NULL OR NOT open_cohorts @> cohorts)
         ORDER BY municipality, priority, pseudonym
         ON CONFLICT (pseudonym, municipality) WHERE status <> 'CLOSED' DO UPDATE
           SET cohorts = ARRAY(SELECT DISTINCT unnest(cases.cohorts || EXCLUDED.cohorts) ORDER BY 1),
               priority = LEAST(cases.priority, EXCLUDED.priority),
               window_date = CASE WHEN EXCLUDED.priority < cases.priority THEN EXCLUDED.window_date ELSE cases.window_date END,
               updated_at = now(),
               version = cases.version + 1
           WHERE NOT cases.cohorts @> EXCLUDED.cohorts
         RETURNING id, pseudonym, municipality, (xmax = 0) AS created
       ),
       reasons AS (
         INSERT INTO case_reason (case_id, municipality, criterion_id, criterion_version, run_id, as_of, window_date, reason)
         SELECT w.id, w.municipality, f.criterion_id, f.criterion_version, $1, $2::date, f.window_date, f.reason
         FROM written w JOIN run_found f ON f.pseudonym = w.pseudonym AND f.municipality = w.municipality
         JOIN run_case c ON c.pseudonym = w.pseudonym AND c.municipality = w.municipality AND NOT f.criterion_id = ANY(c.held_cohorts)
         ON CONFLICT (case_id, criterion_id) DO NOTHING
         RETURNING 1
       ),
       islands AS (
         SELECT id, id - row_number() OVER (ORDER BY id) AS island FROM written WHERE created
       )
       SELECT (SELECT count(*) FROM written WHERE created) AS created,
              (SELECT count(*) FROM written WHERE NOT created) AS updated,
              (SELECT count(*) FROM reasons) AS reasons,
              (SELECT json_agg(json_build_array(lo, hi) ORDER BY lo)
                 FROM (SELECT min(id) AS lo, max(id) AS hi FROM islands GROUP BY island) AS r) AS ranges`,
      [runId, asOf],
    );
    const r = rows[0];
    return { created: Number(r.created), updated: Number(r.updated), createdRanges: (r.ranges ?? []).map(([lo, hi]) => [Number(lo), Number(hi)]) };
  }

  /** An open case whose person is found again by one of its cohorts is no longer lapsed. */
  async clearLapsed(m: EntityManager): Promise<number> {
    return exec(
      m,
      `UPDATE cases c SET lapsed_on = NULL, lapsed_reason = NULL, updated_at = now(), version = c.version + 1
       FROM run_case r
       WHERE r.pseudonym = c.pseudonym AND r.municipality = c.municipality AND r.suppressed IS NULL
         AND c.status <> 'CLOSED' AND c.lapsed_on IS NOT NULL AND c.cohorts && r.found_cohorts`,
    );
  }

  /**
   * Open cases whose every cohort this run evaluated and none of which found the person there any more:
   * marked (not closed) with D and the run; the caller adds what changed. Returns them for that.
   */
  async markLapsed(m: EntityManager, runId: number, plan: RunPlan): Promise<Array<{ id: number; pseudonym: Buffer; cohorts: string[] }>> {
    const ids = plan.criteria.map((c) => c.id);
    // A delta's run evaluated only the delta's persons: nobody else's case can have lapsed in it.
    const people = plan.binding.people;
    const result = await m.queryRunner!.query(
      `UPDATE cases c
       SET lapsed_on = $2::date,
           lapsed_reason = jsonb_build_object('runId', $1::int, 'asOf', $2::text, 'cohorts', to_jsonb(c.cohorts)),
           updated_at = now(), version = c.version + 1
       WHERE c.status <> 'CLOSED' AND c.lapsed_on IS NULL AND c.cohorts <@ $3::text[]
         AND NOT EXISTS (SELECT 1 FROM run_case r WHERE r.pseudonym = c.pseudonym AND r.municipality = c.municipality AND r.found_cohorts && c.cohorts)
         -- A handed-over case is not lapsed because the registers still place the person where they moved
         -- from: the hand-over is what is known of where they live (spec: "the case lives on, open").
         AND NOT (c.handed_over_from IS NOT NULL AND EXISTS (
           SELECT 1 FROM run_case r WHERE r.pseudonym = c.pseudonym AND r.municipality = c.handed_over_from AND r.found_cohorts && c.cohorts))
         ${people ? 'AND c.pseudonym = ANY($4::bytea[])' : ''}
       RETURNING c.id, c.pseudonym, c.cohorts`,
      people ? [runId, plan.asOf, ids, people] : [runId, plan.asOf, ids],
      true,
    );
    return (result.records as Array<{ id: string; pseudonym: Buffer; cohorts: string[] }>).map((r) => ({ ...r, id: Number(r.id) }));
  }

  /** Records, per lapsed case, what changed: per cohort the first condition the person no longer meets. */
  async describeLapsed(m: EntityManager, changes: ReadonlyArray<{ id: number; changed: Record<string, string> }>, extracts: readonly ActiveExtract[]): Promise<void> {
    if (changes.length === 0) return;
    const basis = Object.fromEntries(extracts.map((e) => [e.register, e.asOf]));
    await m.query(
      `UPDATE cases c SET lapsed_reason = c.lapsed_reason || jsonb_build_object('changed', x.changed, 'extractsAsOf', $3::jsonb)
       FROM unnest($1::bigint[], $2::jsonb[]) AS x(id, changed)
       WHERE c.id = x.id`,
      [changes.map((c) => c.id), changes.map((c) => JSON.stringify(c.changed)), JSON.stringify(basis)],
    );
  }
}

/** How a run records an extract it read: its register, id and asOf, and the deltas applied to it if any. */
function extractRef(e: ActiveExtract): { register: string; id: number; asOf: string; deltaIds?: number[] } {
  return { register: e.register, id: e.id, asOf: e.asOf, ...(e.deltaIds && e.deltaIds.length > 0 ? { deltaIds: [...e.deltaIds] } : {}) };
}

/** Register codes become table names only after this check (the code comes from an extract row). */
function assertRegisterTable(register: string): string {
  if (!(REGISTER_CODES as readonly string[]).includes(register)) throw new Error(`not a register: ${register}`);
  return register;
}

/** Runs a statement in the caller's transaction and returns how many rows it wrote. */
async function exec(m: EntityManager, sql: string, params: unknown[] = []): Promise<number> {
  const result = await m.queryRunner!.query(sql, params, true);
  return result.affected ?? 0;
}
