import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';

export interface RevealVolumeRow {
  readonly userId: string;
  readonly username: string | null;
  readonly municipality: string;
  readonly reveals: number;
  readonly cases: number;
  readonly notFound: number;
  readonly peakHour: string | null;
  readonly peakHourReveals: number;
  readonly lastAt: string;
}

/** The reveal log: one row per reveal, in the case's municipality, read by auditors as volumes. */
@Injectable()
export class RevealsRepository {
  async insert(m: EntityManager, caseId: number, municipality: string, by: string, purpose: string, found: boolean): Promise<number> {
    const rows: Array<{ id: number }> = await m.query(`INSERT INTO contact_reveal (case_id, municipality, revealed_by, purpose, found) VALUES ($1, $2, $3, $4, $5) RETURNING id::int AS id`, [
      caseId,
      municipality,
      by,
      purpose,
      found,
    ]);
    return rows[0].id;
  }

  /**
   * The worker's own latest reveal of a case in the last `minutes` (by the database's clock, which stamps
   * the rows), that found details and was not made for `except` (a printed letter).
   */
  async latestOwn(m: EntityManager, caseId: number, by: string, minutes: number, except: string): Promise<{ id: number; revealedAt: Date } | null> {
    const rows: Array<{ id: number; revealedAt: Date }> = await m.query(
      `SELECT id::int AS id, revealed_at AS "revealedAt" FROM contact_reveal
       WHERE case_id = $1 AND revealed_by = $2 AND found AND purpose <> $4 AND revealed_at >= now() - make_interval(mins => $3::int)
       ORDER BY revealed_at DESC, id DESC LIMIT 1`,
      [caseId, by, minutes, except],
    );
    return rows[0] ?? null;
  }

  /** Per worker and municipality between two dates (inclusive, UTC days), busiest first. */
  async volume(m: EntityManager, from: string, to: string): Promise<RevealVolumeRow[]> {
    const rows: Array<Omit<RevealVolumeRow, 'reveals' | 'cases' | 'notFound' | 'peakHourReveals'> & { reveals: string; cases: string; notFound: string; peakHourReveals: string | null }> = await m.query(
      `WITH r AS (
         SELECT * FROM contact_reveal
         WHERE revealed_at >= $1::date AT TIME ZONE 'UTC' AND revealed_at < ($2::date + 1) AT TIME ZONE 'UTC'
       ),
       hours AS (
         SELECT revealed_by, municipality, date_trunc('hour', revealed_at AT TIME ZONE 'UTC') AS hour, count(*) AS n,
                row_number() OVER (PARTITION BY revealed_by, municipality ORDER BY count(*) DESC, date_trunc('hour', revealed_at AT TIME ZONE 'UTC')) AS rank
         FROM r GROUP BY 1, 2, 3
       )
       SELECT r.revealed_by AS "userId", u.username, r.municipality, count(*) AS reveals, count(DISTINCT r.case_id) AS cases,
              count(*) FILTER (WHERE NOT r.found) AS "notFound",
              to_char(h.hour, 'YYYY-MM-DD"T"HH24":00Z"') AS "peakHour", h.n AS "peakHourReveals",
              to_char(max(r.revealed_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "lastAt"
       FROM r
       LEFT JOIN users u ON u.id::text = r.revealed_by
       LEFT JOIN hours h ON h.revealed_by = r.revealed_by AND h.municipality = r.municipality AND h.rank = 1
       GROUP BY r.revealed_by, u.username, r.municipality, h.hour, h.n
       ORDER BY count(*) DESC, r.revealed_by`,
      [from, to],
    );
    return rows.map((r) => ({ ...r, reveals: Number(r.reveals), cases: Number(r.cases), notFound: Number(r.notFound), peakHourReveals: Number(r.peakHourReveals ?? 0) }));
  }
}
