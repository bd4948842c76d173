import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Follow-up at fixed horizons (docs/statistics.md).
 *
 * `follow_up_fact`: where the person of a case stood 90, 180 and 365 days after the case was listed, in one
 * follow-up register (employment, education, jobseekers, social_services; prison for the people listed as
 * recently released), read from the first accepted extract of that register whose asOf reaches the
 * horizon, in the transaction that accepted it: retention may drop the extract afterwards, the fact stays.
 * One fact per (case, horizon, register); `status` is ACTIVE when the register showed a period holding the
 * horizon day. Only the fact is kept: no register column crosses into it.
 *
 * Row-level security follows the case: a fact is visible exactly when its case is (the case may have been
 * handed over since), so a municipal viewer cannot count another municipality's people through it.
 */
export class CreateFollowUpFacts1764000027000 implements MigrationInterface {
  name = 'CreateFollowUpFacts1764000027000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE follow_up_fact (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        case_id bigint NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
        horizon smallint NOT NULL CHECK (horizon IN (90, 180, 365)),
        register text NOT NULL CHECK (register IN ('employment', 'education', 'jobseekers', 'social_services', 'prison')),
        status text NOT NULL CHECK (status IN ('ACTIVE', 'NOT_ACTIVE')),
        -- The delivery that reached the horizon (a full extract or a delta applied to one).
        extract_id bigint NOT NULL REFERENCES extract (id),
        horizon_on date NOT NULL,
        extract_as_of date NOT NULL CHECK (extract_as_of >= horizon_on),
        lawful_basis_id text NOT NULL,
        computed_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (case_id, horizon, register)
      );
      CREATE INDEX follow_up_fact_extract ON follow_up_fact (extract_id);

      ALTER TABLE follow_up_fact ENABLE ROW LEVEL SECURITY;
      ALTER TABLE follow_up_fact FORCE ROW LEVEL SECURITY;
      CREATE POLICY follow_up_fact_read ON follow_up_fact FOR SELECT USING (EXISTS (SELECT 1 FROM cases c WHERE c.id = case_id));
      CREATE POLICY follow_up_fact_insert ON follow_up_fact FOR INSERT WITH CHECK (EXISTS (SELECT 1 FROM cases c WHERE c.id = case_id));
      SELECT tiltas_grant_app('SELECT', 'follow_up_fact');
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE follow_up_fact;`);
  }
}
