import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { ListedFilter } from './stats.repository';

/** What happened to a listed case, the comparison's groups (docs/statistics.md). */
export const COMPARISON_GROUPS = ['reached', 'contacted_not_reached', 'not_contacted', 'never_assigned'] as const;
export type ComparisonGroup = (typeof COMPARISON_GROUPS)[number];

export const HORIZONS = [90, 180, 365] as const;

/** The registers whose ACTIVE status at a horizon counts as "in work, education or services". */
export const OUTCOME_REGISTERS = ['employment', 'education', 'social_services'] as const;

export interface ComparisonRow {
  /** Null: every municipality of the filter together. */
  readonly municipality: string | null;
  readonly month: string | null;
  readonly cohort: string | null;
  readonly grp: ComparisonGroup;
  readonly horizon: number;
  /** Cases with a fact at the horizon in each of the outcome registers. */
  readonly followed: number;
  /** Of them, ACTIVE in at least one. */
  readonly positive: number;
  readonly employment: number;
  readonly education: number;
  readonly social_services: number;
  /** Recently released people with a custody fact at the horizon, and of them those back in custody. */
  readonly custody_followed: number;
  readonly custody: number;
}

/**
 * The comparison read from the kept follow-up facts alone (no register partition is touched): each listed
 * case in its group, and at each horizon whether it was followed up in all outcome registers and found in
 * one. Groups by (month, cohort), (cohort) and (municipality, cohort), each cohort once more as NULL (all).
 */
@Injectable()
export class ComparisonRepository {
  async rows(m: EntityManager, f: ListedFilter): Promise<ComparisonRow[]> {
    return m.query(
      `WITH listed AS (
         SELECT c.id, c.municipality, c.cohorts,
                to_char(c.created_at AT TIME ZONE 'Europe/Vilnius', 'YYYY-MM') AS month,
                CASE WHEN EXISTS (SELECT 1 FROM case_attempt a WHERE a.case_id = c.id AND a.carried_from_case IS NULL AND a.result = 'REACHED') THEN 'reached'
                     WHEN EXISTS (SELECT 1 FROM case_attempt a WHERE a.case_id = c.id AND a.carried_from_case IS NULL) THEN 'contacted_not_reached'
                     WHEN c.assigned_at IS NOT NULL THEN 'not_contacted'
                     ELSE 'never_assigned' END AS grp
         FROM cases c
         WHERE c.created_at >= (($1::text || '-01')::timestamp AT TIME ZONE 'Europe/Vilnius')
           AND c.created_at < ((($2::text || '-01')::date + interval '1 month')::timestamp AT TIME ZONE 'Europe/Vilnius')
           AND ($3::text IS NULL OR c.municipality = $3)
           AND ($4::text IS NULL OR $4 = ANY (c.cohorts))
           AND NOT (c.outcome_import_id IS NOT NULL AND c.created_run_id IS NULL)
       ),
       per AS (
         SELECT l.id, l.municipality, l.cohorts, l.month, l.grp, f.horizon,
                count(*) FILTER (WHERE f.register = ANY ($5::text[])) = cardinality($5::text[]) AS followed,
                bool_or(f.status = 'ACTIVE' AND f.register = ANY ($5::text[])) AS positive,
                bool_or(f.status = 'ACTIVE' AND f.register = 'employment') AS employment,
                bool_or(f.status = 'ACTIVE' AND f.register = 'education') AS education,
                bool_or(f.status = 'ACTIVE' AND f.register = 'social_services') AS social_services,
                bool_or(f.register = 'prison') AS custody_followed,
                bool_or(f.register = 'prison' AND f.status = 'ACTIVE') AS custody
         FROM listed l JOIN follow_up_fact f ON f.case_id = l.id
         GROUP BY l.id, l.municipality, l.cohorts, l.month, l.grp, f.horizon
       )
       SELECT CASE WHEN GROUPING(p.municipality) = 0 THEN p.municipality END AS municipality,
              CASE WHEN GROUPING(p.month) = 0 THEN p.month END AS month,
              b.cohort, p.grp, p.horizon::int AS horizon,
              count(*) FILTER (WHERE followed)::int AS followed,
              count(*) FILTER (WHERE followed AND positive)::int AS positive,
              count(*) FILTER (WHERE followed AND employment)::int AS employment,
              count(*) FILTER (WHERE followed AND education)::int AS education,
              count(*) FILTER (WHERE followed AND social_services)::int AS social_services,
              count(*) FILTER (WHERE custody_followed)::int AS custody_followed,
              count(*) FILTER (WHERE custody)::int AS custody
       FROM per p
       CROSS JOIN LATERAL (SELECT k FROM unnest(p.cohorts) AS k WHERE $4::text IS NULL OR k = $4 UNION ALL SELECT NULL::text) AS b(cohort)
       GROUP BY GROUPING SETS ((p.grp, p.horizon, p.month, b.cohort), (p.grp, p.horizon, b.cohort), (p.grp, p.horizon, p.municipality, b.cohort))
       ORDER BY 1 NULLS FIRST, 2 NULLS FIRST, 3 NULLS FIRST, 4, 5`,
      [f.from, f.to, f.municipality, f.cohort, [...OUTCOME_REGISTERS]],
    );
  }
}
