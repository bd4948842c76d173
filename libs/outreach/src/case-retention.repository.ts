import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

export interface PurgeableBatch {
  readonly municipality: string;
  readonly caseIds: number[];
}

export interface PurgedCases {
  readonly count: number;
  readonly outcomes: Record<string, number>;
  readonly closedFrom: string | null;
  readonly closedTo: string | null;
}

/**
 * Closed cases past their retention period, and their deletion. Attempts, referrals, events, reveals,
 * reasons and outgoing messages cascade with their case (CreateOutreach, CreateMessages), so one DELETE
 * takes the whole history. Opt-outs are not touched: they stand until the person withdraws them.
 */
@Injectable()
export class CaseRetentionRepository {
  /** Ids of cases closed before `closedBefore`, per municipality, in batches of at most `batch`. */
  async purgeable(m: EntityManager, closedBefore: Date, batch: number): Promise<PurgeableBatch[]> {
    const rows: Array<{ municipality: string; ids: string[] }> = await m.query(
      `SELECT municipality, array_agg(id ORDER BY id) AS ids
       FROM (SELECT municipality, id, (row_number() OVER (PARTITION BY municipality ORDER BY id) - 1) / $2 AS chunk
             FROM cases WHERE status = 'CLOSED' AND closed_at < $1) AS c
       GROUP BY municipality, chunk
       ORDER BY municipality, chunk`,
      [closedBefore, batch],
    );
    return rows.map((r) => ({ municipality: r.municipality, caseIds: r.ids.map(Number) }));
  }

  /**
   * Deletes those of `caseIds` that are still closed before `closedBefore` (a case cannot reopen, but the
   * condition keeps a stale batch from deleting anything else), with what they were, for the log.
   */
  async delete(m: EntityManager, municipality: string, caseIds: readonly number[], closedBefore: Date): Promise<PurgedCases> {
    const rows: Array<{ count: number; outcomes: Record<string, number> | null; closed_from: string | null; closed_to: string | null }> = await m.query(
      `WITH gone AS (
         DELETE FROM cases
         WHERE id = ANY($1::bigint[]) AND municipality = $2 AND status = 'CLOSED' AND closed_at < $3
         RETURNING outcome, closed_at
       ),
       by_outcome AS (SELECT outcome, count(*)::int AS n FROM gone GROUP BY outcome)
       SELECT (SELECT count(*)::int FROM gone) AS count,
              (SELECT jsonb_object_agg(outcome, n ORDER BY outcome) FROM by_outcome) AS outcomes,
              (SELECT to_char(min(closed_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD') FROM gone) AS closed_from,
              (SELECT to_char(max(closed_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD') FROM gone) AS closed_to`,
      [caseIds, municipality, closedBefore],
    );
    const r = rows[0];
    return { count: r.count, outcomes: r.outcomes ?? {}, closedFrom: r.closed_from, closedTo: r.closed_to };
  }
}
