import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Holds every number in `audit_log.details` to what the log's canonical form can write the same way in
 * every language (docs/audit-log.md, "Entry fields"): a whole number within ±(2^53 − 1), written without a
 * fraction or exponent.
 *
 * The hash is computed from `details` as PostgreSQL gives it back. A jsonb number keeps its scale (`1.0`
 * stays `1.0`) and any precision (`12345678901234567890`), while JavaScript reads both as a double
 * (`1`, `12345678901234567000`) and Python reads the first as a float (`1.0`): the same row would hash
 * differently in the sealer, in an auditor's script and in the next verifier. The application refuses such
 * numbers before it writes (entry-validation.ts); this constraint makes the database refuse them from
 * anyone, the owner included, so what is hashed is what is stored.
 */
export class CheckAuditDetailNumbers1764000015000 implements MigrationInterface {
  name = 'CheckAuditDetailNumbers1764000015000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION audit_details_numbers_safe(details jsonb) RETURNS boolean LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
        SELECT NOT EXISTS (
          SELECT 1 FROM jsonb_path_query(details, 'strict $.** ? (@.type() == "number")') AS n(value)
           WHERE scale(n.value::text::numeric) <> 0 OR abs(n.value::text::numeric) > 9007199254740991
        )
      $$;

      DO $$
      DECLARE
        bad text;
      BEGIN
        SELECT string_agg(seq::text, ', ' ORDER BY seq) INTO bad
          FROM (SELECT seq FROM audit_log WHERE NOT audit_details_numbers_safe(details) ORDER BY seq LIMIT 20) b;
        IF bad IS NOT NULL THEN
          RAISE EXCEPTION 'audit_log entries % hold details numbers that are not whole numbers within ±(2^53 - 1); their hashes cannot be reproduced the same way everywhere', bad;
        END IF;
      END $$;

      ALTER TABLE audit_log ADD CONSTRAINT audit_log_details_safe_numbers CHECK (audit_details_numbers_safe(details));
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE audit_log DROP CONSTRAINT audit_log_details_safe_numbers;
      DROP FUNCTION audit_details_numbers_safe(jsonb);
    `);
  }
}
