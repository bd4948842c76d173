import { MigrationInterface, QueryRunner } from 'typeorm';

const REGISTERS = `('population', 'contacts', 'education', 'employment', 'jobseekers', 'social_services', 'prison', 'care', 'military', 'parental_leave', 'disability')`;
const REJECT_REASONS = `('NOT_IN_TARGET_GROUP', 'NO_CAPACITY', 'DID_NOT_ATTEND', 'PERSON_DECLINED', 'REFERRED_ELSEWHERE', 'OTHER')`;
const REFERRAL_STATUSES = `('SENT', 'ACCEPTED', 'STARTED', 'COMPLETED', 'REJECTED')`;

/**
 * Referrals followed to the end, and workers' findings fed back to criteria and registers.
 *
 * - The service directory also holds national services (municipality NULL) that every municipality may
 *   refer to, names the cohorts each service serves, and keeps retired services for the referrals made
 *   to them. Everyone in scope reads national rows; only a national scope writes them.
 * - Each referral status move is kept as a row of `referral_step` (who, through what: case work, the
 *   partner's signed link or its API token), and a REJECTED referral carries a reason code.
 * - `service_token`: API tokens of a partner organisation, each scoped to one service's referrals.
 * - A NOT_ELIGIBLE closing names the register whose data the worker's finding contradicts, so the
 *   register holders' data-quality export can count per register.
 */
export class AddReferralTracking1764000017000 implements MigrationInterface {
  name = 'AddReferralTracking1764000017000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE outreach_service
        ALTER COLUMN municipality DROP NOT NULL,
        -- Criterion ids; empty means the service takes people of any cohort.
        ADD COLUMN cohorts text[] NOT NULL DEFAULT '{}',
        ADD COLUMN retired_at timestamptz,
        ADD COLUMN retired_by text;
      UPDATE outreach_service SET retired_at = updated_at, retired_by = created_by WHERE NOT active;
      ALTER TABLE outreach_service ADD CHECK ((retired_at IS NULL) = active);
      DROP INDEX outreach_service_name;
      -- NULLS NOT DISTINCT: two national services cannot share a name either.
      CREATE UNIQUE INDEX outreach_service_name ON outreach_service (municipality, lower(name)) NULLS NOT DISTINCT;
      DROP POLICY outreach_service_municipality_scope ON outreach_service;
      CREATE POLICY outreach_service_read ON outreach_service FOR SELECT USING (municipality IS NULL OR tiltas_in_scope(municipality));
      -- tiltas_in_scope(NULL) holds only for a national scope: a municipal coordinator cannot write a national service.
      CREATE POLICY outreach_service_insert ON outreach_service FOR INSERT WITH CHECK (tiltas_in_scope(municipality));
      CREATE POLICY outreach_service_update ON outreach_service FOR UPDATE USING (tiltas_in_scope(municipality)) WITH CHECK (tiltas_in_scope(municipality));

      ALTER TABLE referral ADD COLUMN reject_reason text CHECK (reject_reason IN ${REJECT_REASONS});
      -- Rejections recorded before reasons were asked for.
      UPDATE referral SET reject_reason = 'OTHER' WHERE status = 'REJECTED';
      ALTER TABLE referral ADD CHECK ((status = 'REJECTED') = (reject_reason IS NOT NULL));

      CREATE TABLE referral_step (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        referral_id bigint NOT NULL REFERENCES referral (id) ON DELETE CASCADE,
        municipality text NOT NULL,
        -- NULL for the referral being made.
        from_status text CHECK (from_status IN ${REFERRAL_STATUSES}),
        to_status text NOT NULL CHECK (to_status IN ${REFERRAL_STATUSES}),
        reject_reason text CHECK (reject_reason IN ${REJECT_REASONS}),
        note text CHECK (length(note) <= 500),
        via text NOT NULL CHECK (via IN ('CASE_WORK', 'PARTNER_LINK', 'PARTNER_TOKEN')),
        actor text NOT NULL,
        at timestamptz NOT NULL DEFAULT now(),
        CHECK ((to_status = 'REJECTED') = (reject_reason IS NOT NULL))
      );
      CREATE INDEX referral_step_referral ON referral_step (referral_id, id);
      -- Existing referrals get their history from what case work recorded: the step that made them, then
      -- each status move from the case's REFERRAL_STATUS events.
      INSERT INTO referral_step (referral_id, municipality, from_status, to_status, reject_reason, via, actor, at)
        SELECT id, municipality, NULL, 'SENT', NULL, 'CASE_WORK', created_by, created_at FROM referral
        UNION ALL
        SELECT r.id, r.municipality, e.details->>'from', e.details->>'to', CASE WHEN e.details->>'to' = 'REJECTED' THEN 'OTHER' END, 'CASE_WORK', e.actor, e.at
        FROM case_event e JOIN referral r ON r.id = (e.details->>'referralId')::bigint AND r.case_id = e.case_id
        WHERE e.kind = 'REFERRAL_STATUS'
        ORDER BY 8, 1;

      CREATE TABLE service_token (
        id uuid PRIMARY KEY,
        service_id bigint NOT NULL REFERENCES outreach_service (id),
        -- The service's municipality (NULL for a national service), for row-level security.
        municipality text,
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        secret_sha256 text NOT NULL CHECK (secret_sha256 ~ '^[0-9a-f]{64}$'),
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        revoked_at timestamptz,
        last_used_at timestamptz
      );
      CREATE INDEX service_token_service ON service_token (service_id);

      ALTER TABLE cases
        -- The register the worker's finding contradicts, or NONE: the registers were right and the criterion missed something.
        ADD COLUMN not_eligible_register text CHECK (not_eligible_register IN ${REGISTERS} OR not_eligible_register = 'NONE'),
        -- IS NOT DISTINCT FROM: an open case (outcome NULL) must not pass the check either.
        ADD CHECK (not_eligible_register IS NULL OR outcome IS NOT DISTINCT FROM 'NOT_ELIGIBLE');
      CREATE INDEX cases_not_eligible ON cases (municipality, not_eligible_register) WHERE outcome = 'NOT_ELIGIBLE';

      SELECT tiltas_enable_municipality_scope('referral_step');
      SELECT tiltas_enable_municipality_scope('service_token');
      SELECT tiltas_grant_app('SELECT, INSERT', 'referral_step');
      SELECT tiltas_grant_app('SELECT, INSERT, UPDATE', 'service_token');
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP INDEX cases_not_eligible;
      ALTER TABLE cases DROP COLUMN not_eligible_register;
      DROP TABLE service_token;
      DROP TABLE referral_step;
      ALTER TABLE referral DROP COLUMN reject_reason;
      DROP POLICY outreach_service_update ON outreach_service;
      DROP POLICY outreach_service_insert ON outreach_service;
      DROP POLICY outreach_service_read ON outreach_service;
      -- National services cannot return to a table whose rows all belong to a municipality.
      DELETE FROM outreach_service WHERE municipality IS NULL;
      CREATE POLICY outreach_service_municipality_scope ON outreach_service USING (tiltas_in_scope(municipality)) WITH CHECK (tiltas_in_scope(municipality));
      DROP INDEX outreach_service_name;
      CREATE UNIQUE INDEX outreach_service_name ON outreach_service (municipality, lower(name));
      ALTER TABLE outreach_service DROP COLUMN retired_by, DROP COLUMN retired_at, DROP COLUMN cohorts, ALTER COLUMN municipality SET NOT NULL;
    `);
  }
}
