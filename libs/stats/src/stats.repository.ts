import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

/** What every figure is counted over: the cases listed in the period, of one municipality or all, of one cohort or all. */
export interface ListedFilter {
  /** First and last month, YYYY-MM, inclusive, as calendar months in Europe/Vilnius. */
  readonly from: string;
  readonly to: string;
  /** Null: every municipality the transaction's scope shows. */
  readonly municipality: string | null;
  readonly cohort: string | null;
}

/**
 * One row of a figure family. `month` null: all months; `cohort` null: all cohorts (each case once).
 * `key` names the figure within the family where the family has many (an outcome, a referral status).
 */
export interface CountRow {
  readonly month: string | null;
  readonly cohort: string | null;
  readonly key: string;
  readonly n: number;
}

export interface FunnelRow {
  readonly month: string | null;
  readonly cohort: string | null;
  readonly listed: number;
  readonly assigned: number;
  readonly contacted: number;
  readonly reached: number;
}

export interface FollowUpRow {
  readonly month: string | null;
  readonly cohort: string | null;
  readonly listed: number;
  readonly employment: number;
  readonly education: number;
  readonly jobseekers: number;
  readonly social_services: number;
  readonly any: number;
}

export interface ActiveExtract {
  readonly register: string;
  readonly extractId: number;
  readonly asOf: string;
}

export const FOLLOW_UP_REGISTERS = ['employment', 'education', 'jobseekers', 'social_services'] as const;
export type FollowUpRegister = (typeof FOLLOW_UP_REGISTERS)[number];

/** Each register's period columns (the register extract contract (spec/extracts.md)), for "active at the extract's asOf". */
const PERIODS: Record<FollowUpRegister, readonly [string, string]> = {
  employment: ['employed_from', 'employed_to'],
  education: ['enrolled_from', 'enrolled_to'],
  jobseekers: ['registered_from', 'registered_to'],
  social_services: ['service_from', 'service_to'],
};

/**
 * The cases listed (created) in the period: months are Europe/Vilnius calendar months, so a case created
 * at 00:30 on 1 November in Vilnius is November's. Parameters $1 from, $2 to, $3 municipality, $4 cohort.
 * A handed-over case counts where it now lives, as a case opened there. A closing of another system kept
 * as history (`cases import-outcomes`, no run made it) was never listed by Tiltas and is left out.
 */
const LISTED = `
  SELECT c.id, c.pseudonym, c.cohorts, c.assigned_at, c.outcome,
         to_char(c.created_at AT TIME ZONE 'Europe/Vilnius', 'YYYY-MM') AS month,
         (c.created_at AT TIME ZONE 'Europe/Vilnius')::date AS listed_on
  FROM cases c
  WHERE c.created_at >= (($1::text || '-01')::timestamp AT TIME ZONE 'Europe/Vilnius')
    AND c.created_at < ((($2::text || '-01')::date + interval '1 month')::timestamp AT TIME ZONE 'Europe/Vilnius')
    AND ($3::text IS NULL OR c.municipality = $3)
    AND ($4::text IS NULL OR $4 = ANY (c.cohorts))
    AND NOT (c.outcome_import_id IS NOT NULL AND c.created_run_id IS NULL)`;

/**
 * Each listed row once per cohort it counts under (only the asked cohort when one is) and once more with
 * cohort NULL, the all-cohorts column, so that one GROUP BY gives the cells and both margins:
 * (month, cohort) the cells and each month's total, (cohort) each cohort's total and the grand total.
 */
const BREAKDOWN = (alias: string) => `
  CROSS JOIN LATERAL (SELECT k FROM unnest(${alias}.cohorts) AS k WHERE $4::text IS NULL OR k = $4 UNION ALL SELECT NULL::text) AS b(cohort)`;

const GROUPS = (extra = '') => `GROUP BY GROUPING SETS ((${extra}month, b.cohort), (${extra}b.cohort))`;

const params = (f: ListedFilter): unknown[] => [f.from, f.to, f.municipality, f.cohort];

/**
 * The statistics in SQL: one set-based query per figure family, in the caller's scoped transaction, so
 * row-level security has narrowed `cases`, attempts and referrals to what the viewer may see whatever
 * the municipality filter says.
 */
@Injectable()
export class StatsRepository {
  /**
   * Listed, assigned (ever given to someone), contacted (at least one attempt), reached (at least one attempt
   * REACHED). Attempts carried over with a hand-over happened under the other municipality's case and
   * count there, not again here.
   */
  async funnel(m: EntityManager, f: ListedFilter): Promise<FunnelRow[]> {
    return m.query(
      `WITH listed AS (${LISTED}),
       facts AS (
         SELECT l.month, l.cohorts, l.assigned_at IS NOT NULL AS assigned,
                EXISTS (SELECT 1 FROM case_attempt a WHERE a.case_id = l.id AND a.carried_from_case IS NULL) AS contacted,
                EXISTS (SELECT 1 FROM case_attempt a WHERE a.case_id = l.id AND a.carried_from_case IS NULL AND a.result = 'REACHED') AS reached
         FROM listed l
       )
       SELECT month, b.cohort, count(*)::int AS listed, count(*) FILTER (WHERE assigned)::int AS assigned,
              count(*) FILTER (WHERE contacted)::int AS contacted, count(*) FILTER (WHERE reached)::int AS reached
       FROM facts f ${BREAKDOWN('f')}
       ${GROUPS()}`,
      params(f),
    );
  }

  /** Closed listed cases by closing outcome. */
  async outcomes(m: EntityManager, f: ListedFilter): Promise<CountRow[]> {
    return m.query(
      `WITH listed AS (${LISTED})
       SELECT l.outcome AS key, month, b.cohort, count(*)::int AS n
       FROM listed l ${BREAKDOWN('l')}
       WHERE l.outcome IS NOT NULL
       ${GROUPS('l.outcome, ')}`,
      params(f),
    );
  }

  /** Referrals made for listed cases, by their status now. */
  async referrals(m: EntityManager, f: ListedFilter): Promise<CountRow[]> {
    return m.query(
      `WITH listed AS (${LISTED}),
       made AS (SELECT l.month, l.cohorts, r.status FROM listed l JOIN referral r ON r.case_id = l.id)
       SELECT r.status AS key, month, b.cohort, count(*)::int AS n
       FROM made r ${BREAKDOWN('r')}
       ${GROUPS('r.status, ')}`,
      params(f),
    );
  }

  /** The ACTIVE extract of each follow-up register (a register not yet delivered has none). */
  async activeFollowUpExtracts(m: EntityManager): Promise<ActiveExtract[]> {
    return m.query(
      `SELECT register, id AS "extractId", to_char(as_of, 'YYYY-MM-DD') AS "asOf" FROM extract
       WHERE status = 'ACTIVE' AND register = ANY ($1::text[]) ORDER BY register`,
      [[...FOLLOW_UP_REGISTERS]],
    );
  }

  /**
   * Of the listed people, how many each follow-up register's ACTIVE extract shows active (a period holding
   * the extract's asOf, the register extract contract (spec/extracts.md)) on an asOf after the day their case was listed; `any`:
   * in at least one of them. Register data is read by pseudonym inside the query and never leaves it.
   */
  async followUp(m: EntityManager, f: ListedFilter): Promise<FollowUpRow[]> {
    const activeIn = (register: FollowUpRegister) => {
      const [from, to] = PERIODS[register];
      return `EXISTS (SELECT 1 FROM reg_${register} r
                       WHERE r.extract_id = (SELECT id FROM active WHERE register = '${register}')
                         AND r.pseudonym = l.pseudonym
                         AND (SELECT as_of FROM active WHERE register = '${register}') > l.listed_on
                         AND r.${from} <= (SELECT as_of FROM active WHERE register = '${register}')
                         AND (r.${to} IS NULL OR r.${to} >= (SELECT as_of FROM active WHERE register = '${register}')))`;
    };
    return m.query(
      `WITH active AS (SELECT register, id, as_of FROM extract WHERE status = 'ACTIVE' AND register = ANY ($5::text[])),
       listed AS (${LISTED}),
       facts AS (
         SELECT l.month, l.cohorts, ${FOLLOW_UP_REGISTERS.map((r) => `${activeIn(r)} AS ${r}`).join(', ')}
         FROM listed l
       )
       SELECT month, b.cohort, count(*)::int AS listed, ${FOLLOW_UP_REGISTERS.map((r) => `count(*) FILTER (WHERE ${r})::int AS ${r}`).join(', ')},
              count(*) FILTER (WHERE ${FOLLOW_UP_REGISTERS.join(' OR ')})::int AS "any"
       FROM facts f ${BREAKDOWN('f')}
       ${GROUPS()}`,
      [...params(f), [...FOLLOW_UP_REGISTERS]],
    );
  }

  /** Every cohort that ever listed a case the viewer may see: the filter form's choices. */
  async cohorts(m: EntityManager, municipality: string | null): Promise<string[]> {
    const rows: Array<{ cohort: string }> = await m.query(
      `SELECT DISTINCT k AS cohort FROM cases c CROSS JOIN LATERAL unnest(c.cohorts) AS k WHERE $1::text IS NULL OR c.municipality = $1 ORDER BY 1`,
      [municipality],
    );
    return rows.map((r) => r.cohort);
  }
}
