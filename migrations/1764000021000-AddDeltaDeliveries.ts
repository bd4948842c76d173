import { MigrationInterface, QueryRunner } from 'typeorm';

const REGISTER_TABLES = [
  'reg_population',
  'reg_contacts',
  'reg_education',
  'reg_employment',
  'reg_jobseekers',
  'reg_social_services',
  'reg_prison',
  'reg_care',
  'reg_military',
  'reg_parental_leave',
  'reg_disability',
];

/**
 * Delta deliveries (spec/extracts.md "Delta deliveries"), stored so that reading a register stays one
 * partition scan by extract id, as identification has always read it:
 *
 * - A delta is validated and quarantined in a table of its own, like a full extract, and then applied
 *   INTO the ACTIVE full extract's partition in one transaction: that partition's rows of the delta's
 *   persons are deleted and the delta's rows inserted there. `delta_extract_id` on those rows names the
 *   delta (their provenance; null for the partition's own rows), so "why listed" can say which delivery a
 *   fact came from. The delta's own table is dropped once applied: its rows live on in the partition.
 * - `extract.delivery` says which kind a delivery was; a delta accepted is APPLIED (never ACTIVE: one
 *   ACTIVE extract per register stays the rule) with `applied_to` naming the full extract it changed. A
 *   later full delivery supersedes that full extract and its APPLIED deltas together; retention purges
 *   them as any superseded extract (a delta has no partition left to drop).
 * - `identification_run.kind` is `delta` for the same-day run over a delta's persons, naming the delta;
 *   its trigger is `ingest` (the accepted delta started it).
 */
export class AddDeltaDeliveries1764000021000 implements MigrationInterface {
  name = 'AddDeltaDeliveries1764000021000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE extract DROP CONSTRAINT extract_status_check;
      ALTER TABLE extract ADD CONSTRAINT extract_status_check
        CHECK (status IN ('LOADING', 'ACTIVE', 'APPLIED', 'SUPERSEDED', 'NOT_ACTIVATED', 'PURGED', 'REJECTED'));
      ALTER TABLE extract
        ADD COLUMN delivery text NOT NULL DEFAULT 'full' CHECK (delivery IN ('full', 'delta')),
        ADD COLUMN applied_to integer REFERENCES extract (id),
        ADD CONSTRAINT extract_delta_applied CHECK (status <> 'APPLIED' OR (delivery = 'delta' AND applied_to IS NOT NULL));
      CREATE INDEX extract_applied_to ON extract (applied_to) WHERE applied_to IS NOT NULL;

      ${REGISTER_TABLES.map((t) => `ALTER TABLE ${t} ADD COLUMN delta_extract_id integer;`).join('\n      ')}

      ALTER TABLE identification_run
        ADD COLUMN kind text NOT NULL DEFAULT 'full' CHECK (kind IN ('full', 'delta')),
        ADD COLUMN delta_extract_id integer REFERENCES extract (id),
        ADD CONSTRAINT identification_run_delta CHECK ((kind = 'delta') = (delta_extract_id IS NOT NULL));
      CREATE INDEX identification_run_delta_extract ON identification_run (delta_extract_id) WHERE delta_extract_id IS NOT NULL;
      -- ingest: the same-day run an accepted delta started
      ALTER TABLE identification_run DROP CONSTRAINT identification_run_trigger_check;
      ALTER TABLE identification_run ADD CONSTRAINT identification_run_trigger_check CHECK (trigger IN ('schedule', 'cli', 'api', 'test', 'ingest'));
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      UPDATE identification_run SET trigger = 'schedule' WHERE trigger = 'ingest';
      ALTER TABLE identification_run DROP CONSTRAINT identification_run_trigger_check;
      ALTER TABLE identification_run ADD CONSTRAINT identification_run_trigger_check CHECK (trigger IN ('schedule', 'cli', 'api', 'test'));
      DROP INDEX identification_run_delta_extract;
      ALTER TABLE identification_run DROP CONSTRAINT identification_run_delta, DROP COLUMN delta_extract_id, DROP COLUMN kind;
      ${REGISTER_TABLES.map((t) => `ALTER TABLE ${t} DROP COLUMN delta_extract_id;`).join('\n      ')}
      DROP INDEX extract_applied_to;
      UPDATE extract SET status = 'SUPERSEDED', superseded_at = coalesce(superseded_at, now()) WHERE status = 'APPLIED';
      ALTER TABLE extract DROP CONSTRAINT extract_delta_applied, DROP COLUMN applied_to, DROP COLUMN delivery;
      ALTER TABLE extract DROP CONSTRAINT extract_status_check;
      ALTER TABLE extract ADD CONSTRAINT extract_status_check
        CHECK (status IN ('LOADING', 'ACTIVE', 'SUPERSEDED', 'NOT_ACTIVATED', 'PURGED', 'REJECTED'));
    `);
  }
}
