import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

export interface NotEligibleRow {
  readonly criterionId: string;
  readonly version: number;
  /** A register code, NONE, or null for a closing that named none. */
  readonly register: string | null;
  readonly n: number;
}

export interface LapsedRow {
  readonly criterionId: string;
  readonly version: number;
  readonly reason: string;
  readonly n: number;
}

export interface ListedVersionRow {
  readonly criterionId: string;
  readonly version: number;
}

/**
 * What workers found and later runs saw, counted per criterion version: NOT_ELIGIBLE closings by the
 * register they name, and lapsed reasons. A case listed by two cohorts counts once under each. Read in
 * the viewer's scoped transaction; `municipality` narrows a national viewer's.
 */
@Injectable()
export class FindingsRepository {
  async criterionExists(m: EntityManager, id: string): Promise<boolean> {
    return (await m.query(`SELECT 1 FROM criterion WHERE id = $1`, [id])).length > 0;
  }

  async notEligible(m: EntityManager, criterionId: string | null, municipality: string | null): Promise<NotEligibleRow[]> {
    return m.query(
      `SELECT r.criterion_id AS "criterionId", r.criterion_version AS version, c.not_eligible_register AS register, count(*)::int AS n
       FROM cases c JOIN case_reason r ON r.case_id = c.id
       WHERE c.outcome = 'NOT_ELIGIBLE' AND ($1::text IS NULL OR r.criterion_id = $1) AND ($2::text IS NULL OR c.municipality = $2)
       GROUP BY 1, 2, 3 ORDER BY 1, 2, 3 NULLS LAST`,
      [criterionId, municipality],
    );
  }

  /** Lapsed reasons as identification wrote them: `lapsed_reason.changed` holds one text per cohort. */
  async lapsed(m: EntityManager, criterionId: string, municipality: string | null): Promise<LapsedRow[]> {
    return m.query(
      `SELECT r.criterion_id AS "criterionId", r.criterion_version AS version, x.value AS reason, count(*)::int AS n
       FROM cases c
       JOIN case_reason r ON r.case_id = c.id
       CROSS JOIN LATERAL jsonb_each_text(coalesce(c.lapsed_reason -> 'changed', '{}'::jsonb)) AS x(key, value)
       WHERE c.lapsed_reason IS NOT NULL AND x.key = r.criterion_id AND r.criterion_id = $1 AND ($2::text IS NULL OR c.municipality = $2)
       GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`,
      [criterionId, municipality],
    );
  }

  /** Every criterion version that listed someone in scope: the columns of the data-quality export. */
  async listedVersions(m: EntityManager, municipality: string | null): Promise<ListedVersionRow[]> {
    return m.query(
      `SELECT DISTINCT r.criterion_id AS "criterionId", r.criterion_version AS version FROM case_reason r
       WHERE ($1::text IS NULL OR r.municipality = $1) ORDER BY 1, 2`,
      [municipality],
    );
  }
}
