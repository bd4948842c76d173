import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What re-listing after a closed case needs (spec/extracts.md "Re-listing after a case closed" and
 * "Outcomes from another system"):
 *
 * - `cases.closed_on`: the closing's date in Europe/Vilnius, the date the rules count whole days from.
 *   Generated from `closed_at`, so a live closing and an imported one (stored as the start of its day in
 *   Vilnius) can never disagree with it.
 * - `cases_latest_closing` serves "the latest closed case of that person in M (latest closed_on; on a tie,
 *   the highest case id)" as one index probe; it replaces `cases_last_closed`, which ordered by the
 *   instant and so broke a same-day tie the wrong way. `cases_deceased` serves rule 1 across
 *   municipalities.
 * - `outcome_import`: one row per import that changed something, with the file's sha256 and its counts;
 *   cases closed or recorded by it point at it, so a case says that its closing was imported.
 * - `identification_run.suppressed`: people held back per outcome, and `cohorts_held`: people listed with
 *   fewer cohorts because a NOT_ELIGIBLE closing still holds some back.
 */
export class TrackRelisting1764000016000 implements MigrationInterface {
  name = 'TrackRelisting1764000016000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE outcome_import (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
        file_name text,
        rows integer NOT NULL,
        closed integer NOT NULL,
        recorded integer NOT NULL,
        skipped integer NOT NULL,
        -- { "DECLINED": n, ... }: rows per outcome in the file
        outcomes jsonb NOT NULL,
        imported_by text NOT NULL,
        imported_at timestamptz NOT NULL DEFAULT now()
      );

      ALTER TABLE cases
        ADD COLUMN closed_on date GENERATED ALWAYS AS ((closed_at AT TIME ZONE 'Europe/Vilnius')::date) STORED,
        ADD COLUMN outcome_import_id bigint REFERENCES outcome_import (id);
      DROP INDEX cases_last_closed;
      CREATE INDEX cases_latest_closing ON cases (pseudonym, municipality, closed_on DESC, id DESC) WHERE status = 'CLOSED';
      CREATE INDEX cases_deceased ON cases (pseudonym) WHERE outcome = 'DECEASED';

      ALTER TABLE identification_run
        ADD COLUMN suppressed jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(suppressed) = 'object'),
        ADD COLUMN cohorts_held integer NOT NULL DEFAULT 0;

      SELECT tiltas_grant_app('SELECT, INSERT', 'outcome_import');
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE identification_run DROP COLUMN cohorts_held, DROP COLUMN suppressed;
      DROP INDEX cases_deceased;
      DROP INDEX cases_latest_closing;
      ALTER TABLE cases DROP COLUMN outcome_import_id, DROP COLUMN closed_on;
      CREATE INDEX cases_last_closed ON cases (pseudonym, municipality, closed_at DESC) WHERE status = 'CLOSED';
      DROP TABLE outcome_import;
    `);
  }
}
