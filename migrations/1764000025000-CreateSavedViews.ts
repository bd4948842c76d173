import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Saved views of the work lists (issue 14): a user names a filter and sort of the queue, the case list or
 * the caseload and applies it again later. A view is the user's own: row-level security shows and lets
 * change only the rows of the transaction's actor, so one user never reads another's views. A view holds
 * a filter definition (cohort, status, dates, holder, sort), never personal data, so it is not audited.
 */
export class CreateSavedViews1764000025000 implements MigrationInterface {
  name = 'CreateSavedViews1764000025000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE saved_view (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        page text NOT NULL CHECK (page IN ('queue', 'cases', 'caseload')),
        name text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 80),
        filter jsonb NOT NULL CHECK (jsonb_typeof(filter) = 'object' AND length(filter::text) <= 2000),
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (user_id, page, name)
      );
      ALTER TABLE saved_view ENABLE ROW LEVEL SECURITY;
      ALTER TABLE saved_view FORCE ROW LEVEL SECURITY;
      CREATE POLICY saved_view_own ON saved_view
        USING (user_id::text = current_setting('tiltas.actor', true))
        WITH CHECK (user_id::text = current_setting('tiltas.actor', true));
      SELECT tiltas_grant_app('SELECT, INSERT, DELETE', 'saved_view');
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE saved_view`);
  }
}
