import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { OutcomeRow } from './outcome-rows';

/** What each row of an import came to, by outcome. */
export interface ImportTally {
  readonly outcome: string;
  readonly closed: number;
  readonly recorded: number;
  readonly skipped: number;
}

export interface ClosedForHandOver {
  readonly caseId: number;
  readonly toMunicipality: string;
}

/**
 * The import's SQL, set-based over a transaction-local table of the checked rows: one statement classifies
 * every row (skipped, closes the open case, history), one closes, one records, one writes their events. A
 * national import of a previous system's history is a single pass, not a loop over people.
 */
@Injectable()
export class OutcomeImportRepository {
  /** Criterion ids a case may list: every criterion the system knows (national ones and copies). */
  async criterionIds(m: EntityManager): Promise<string[]> {
    const rows: Array<{ id: string }> = await m.query(`SELECT id FROM criterion`);
    return rows.map((r) => r.id);
  }

  /**
   * Loads the rows and decides each one. A row equal to a closing already recorded (same person,
   * municipality, outcome, closing date and hand-over), or to an earlier line of the file, is skipped. Of
   * the others, the first line per person and municipality with an open case there closes it; every other
   * row becomes a closed case of history.
   */
  async stage(m: EntityManager, rows: readonly OutcomeRow[]): Promise<void> {
    await m.query(`
      CREATE TEMP TABLE import_row (
        line integer NOT NULL, pseudonym bytea NOT NULL, municipality text NOT NULL, outcome text NOT NULL,
        closed_on date NOT NULL, to_municipality text, cohorts text[] NOT NULL, reason text,
        action text, open_id bigint
      ) ON COMMIT DROP`);
    await m.query(
      `INSERT INTO import_row (line, pseudonym, municipality, outcome, closed_on, to_municipality, cohorts, reason)
       SELECT x.line, decode(x.pseudonym, 'hex'), x.municipality, x.outcome, x.closed_on, x.to_municipality,
              CASE WHEN x.cohorts = '' THEN '{}'::text[] ELSE string_to_array(x.cohorts, '|') END, x.reason
       FROM unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::date[], $6::text[], $7::text[], $8::text[])
         AS x(line, pseudonym, municipality, outcome, closed_on, to_municipality, cohorts, reason)`,
      [
        rows.map((r) => r.line),
        rows.map((r) => r.pseudonym),
        rows.map((r) => r.municipality),
        rows.map((r) => r.outcome),
        rows.map((r) => r.closedOn),
        rows.map((r) => r.toMunicipality),
        rows.map((r) => r.cohorts.join('|')),
        rows.map((r) => r.reason),
      ],
    );
    await m.query(`CREATE INDEX ON import_row (pseudonym, municipality)`);
    await m.query(`ANALYZE import_row`);
    await m.query(`
      UPDATE import_row r SET action = 'skip'
      WHERE EXISTS (
              SELECT 1 FROM cases c
              WHERE c.pseudonym = r.pseudonym AND c.municipality = r.municipality AND c.status = 'CLOSED'
                AND c.outcome = r.outcome AND c.closed_on = r.closed_on AND c.handed_over_to IS NOT DISTINCT FROM r.to_municipality)
         OR EXISTS (
              SELECT 1 FROM import_row e
              WHERE e.pseudonym = r.pseudonym AND e.municipality = r.municipality AND e.outcome = r.outcome
                AND e.closed_on = r.closed_on AND e.to_municipality IS NOT DISTINCT FROM r.to_municipality AND e.line < r.line)`);
    await m.query(`
      UPDATE import_row r SET action = 'close', open_id = o.id
      FROM (
        SELECT DISTINCT ON (r.pseudonym, r.municipality) r.line, c.id
        FROM import_row r JOIN cases c ON c.pseudonym = r.pseudonym AND c.municipality = r.municipality AND c.status <> 'CLOSED'
        WHERE r.action IS NULL
        ORDER BY r.pseudonym, r.municipality, r.line
      ) AS o
      WHERE r.line = o.line`);
    await m.query(`UPDATE import_row SET action = 'record' WHERE action IS NULL`);
  }

  async tally(m: EntityManager): Promise<ImportTally[]> {
    const rows: Array<{ outcome: string; closed: string; recorded: string; skipped: string }> = await m.query(`
      SELECT outcome, count(*) FILTER (WHERE action = 'close') AS closed, count(*) FILTER (WHERE action = 'record') AS recorded,
             count(*) FILTER (WHERE action = 'skip') AS skipped
      FROM import_row GROUP BY outcome ORDER BY outcome`);
    return rows.map((r) => ({ outcome: r.outcome, closed: Number(r.closed), recorded: Number(r.recorded), skipped: Number(r.skipped) }));
  }

  async recordImport(
    m: EntityManager,
    file: { sha256: string; fileName: string | null; rows: number; closed: number; recorded: number; skipped: number; outcomes: Record<string, unknown> },
    by: string,
  ): Promise<number> {
    const rows: Array<{ id: number }> = await m.query(
      `INSERT INTO outcome_import (sha256, file_name, rows, closed, recorded, skipped, outcomes, imported_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id::int AS id`,
      [file.sha256, file.fileName, file.rows, file.closed, file.recorded, file.skipped, JSON.stringify(file.outcomes), by],
    );
    return rows[0].id;
  }

  /**
   * Closes the open cases the rows name, whatever their status (the attempt and referral rules of live
   * work do not apply to history), dated the start of closed_on in Vilnius so that closed_on reads back as
   * written. Returns the MOVED_AWAY closings that name where the person went, for their hand-over.
   */
  async closeOpen(m: EntityManager, importId: number, actor: string): Promise<ClosedForHandOver[]> {
    const rows: Array<{ caseId: number; toMunicipality: string | null }> = await m.query(
      `WITH closed AS (
         UPDATE cases c SET status = 'CLOSED', outcome = r.outcome, outcome_note = r.reason, handed_over_to = r.to_municipality,
                closed_at = (r.closed_on::timestamp AT TIME ZONE 'Europe/Vilnius'), next_attempt_on = NULL,
                outcome_import_id = $1, updated_at = now(), version = c.version + 1
         FROM import_row r
         WHERE r.action = 'close' AND c.id = r.open_id
         RETURNING c.id, c.municipality, c.outcome, c.handed_over_to
       ),
       events AS (
         INSERT INTO case_event (case_id, municipality, actor, kind, details)
         SELECT id, municipality, $2, 'CLOSED', jsonb_strip_nulls(jsonb_build_object('outcome', outcome, 'toMunicipality', handed_over_to, 'imported', true, 'importId', $1::bigint))
         FROM closed
       )
       SELECT id::int AS "caseId", handed_over_to AS "toMunicipality" FROM closed ORDER BY id`,
      [importId, actor],
    );
    return rows.filter((r): r is ClosedForHandOver => r.toMunicipality !== null);
  }

  /** Keeps every remaining row as a closed case of history: never in a queue, counted by the re-listing rules. */
  async recordHistory(m: EntityManager, importId: number, actor: string): Promise<number> {
    const rows: Array<{ n: string }> = await m.query(
      `WITH recorded AS (
         INSERT INTO cases (pseudonym, municipality, status, outcome, outcome_note, cohorts, handed_over_to, closed_at, outcome_import_id)
         SELECT pseudonym, municipality, 'CLOSED', outcome, reason, cohorts, to_municipality,
                (closed_on::timestamp AT TIME ZONE 'Europe/Vilnius'), $1
         FROM import_row WHERE action = 'record' ORDER BY line
         RETURNING id, municipality, outcome
       ),
       events AS (
         INSERT INTO case_event (case_id, municipality, actor, kind, details)
         SELECT id, municipality, $2, 'RECORDED', jsonb_build_object('outcome', outcome, 'imported', true, 'importId', $1::bigint) FROM recorded
       )
       SELECT count(*) AS n FROM recorded`,
      [importId, actor],
    );
    return Number(rows[0].n);
  }

  /**
   * OPTED_OUT rows also record the person's opt-out (once per person, none when one is active), and close
   * the person's other open cases as a worker's opt-out does: nobody anywhere keeps contacting them.
   */
  async optOuts(m: EntityManager, actor: string, at: Date): Promise<{ recorded: number; otherCasesClosed: number }> {
    const recorded: Array<{ n: string }> = await m.query(
      `WITH people AS (
         SELECT DISTINCT ON (r.pseudonym) r.pseudonym, coalesce(r.open_id, c.id) AS case_id
         FROM import_row r
         LEFT JOIN cases c ON c.pseudonym = r.pseudonym AND c.municipality = r.municipality AND c.outcome_import_id IS NOT NULL
                          AND c.outcome = 'OPTED_OUT' AND c.closed_on = r.closed_on AND r.action = 'record'
         WHERE r.outcome = 'OPTED_OUT' AND r.action <> 'skip'
         ORDER BY r.pseudonym, r.closed_on DESC, r.line
       ),
       inserted AS (
         INSERT INTO opt_out (pseudonym, recorded_by, case_id)
         SELECT pseudonym, $1, case_id FROM people
         ON CONFLICT (pseudonym) WHERE withdrawn_at IS NULL DO NOTHING
         RETURNING 1
       )
       SELECT count(*) AS n FROM inserted`,
      [actor],
    );
    const closed: Array<{ n: string }> = await m.query(
      `WITH closed AS (
         UPDATE cases c SET status = 'CLOSED', outcome = 'OPTED_OUT', closed_at = $2, next_attempt_on = NULL, updated_at = now(), version = c.version + 1
         WHERE c.status <> 'CLOSED' AND c.pseudonym IN (SELECT pseudonym FROM import_row WHERE outcome = 'OPTED_OUT' AND action <> 'skip')
         RETURNING c.id, c.municipality
       ),
       events AS (
         INSERT INTO case_event (case_id, municipality, actor, kind, details)
         SELECT id, municipality, $1, 'CLOSED', jsonb_build_object('outcome', 'OPTED_OUT', 'optOutImported', true) FROM closed
       )
       SELECT count(*) AS n FROM closed`,
      [actor, at],
    );
    return { recorded: Number(recorded[0].n), otherCasesClosed: Number(closed[0].n) };
  }
}
