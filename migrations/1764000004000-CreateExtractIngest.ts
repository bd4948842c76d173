import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What ingest needs beyond the register tables.
 *
 * - A rejected extract keeps its `extract` row (status REJECTED, with the reason) so an upload's status
 *   and the operator can say why; its partition table is dropped and its quarantine rows deleted, so
 *   nothing of its data stays. The natural key (register, as_of, sha256) now ignores rejected rows: the
 *   same file may come back once its lawful basis is registered. Readers of register data select ACTIVE
 *   (or NOT_ACTIVATED) extracts by status, so a REJECTED row is never read as data.
 * - `extract_upload` tracks a file an administrator uploaded through the API: stored, queued, ingested.
 */
export class CreateExtractIngest1764000004000 implements MigrationInterface {
  name = 'CreateExtractIngest1764000004000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE extract DROP CONSTRAINT extract_status_check;
      ALTER TABLE extract ADD CONSTRAINT extract_status_check
        CHECK (status IN ('LOADING', 'ACTIVE', 'SUPERSEDED', 'NOT_ACTIVATED', 'PURGED', 'REJECTED'));
      ALTER TABLE extract ADD COLUMN reason text;
      ALTER TABLE extract ADD COLUMN rejected_at timestamptz;
      DROP INDEX extract_natural_key;
      CREATE UNIQUE INDEX extract_natural_key ON extract (register, as_of, sha256) WHERE status <> 'REJECTED';
      CREATE INDEX extract_superseded ON extract (superseded_at) WHERE status = 'SUPERSEDED';

      CREATE TABLE extract_upload (
        id uuid PRIMARY KEY,
        register text NOT NULL,
        -- QUEUED: stored and waiting for a worker. RUNNING: being ingested. DONE: ingested, see outcome.
        -- FAILED: the worker gave up after its retries (an unexpected error; the outcome says which).
        status text NOT NULL CHECK (status IN ('QUEUED', 'RUNNING', 'DONE', 'FAILED')),
        csv_path text NOT NULL,
        manifest_path text NOT NULL,
        csv_bytes bigint NOT NULL,
        outcome jsonb,
        extract_id integer REFERENCES extract (id),
        uploaded_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz
      );
      CREATE INDEX extract_upload_created ON extract_upload (created_at DESC);

      SELECT tiltas_grant_app('SELECT, INSERT, UPDATE', 'extract_upload');
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE extract_upload;
      DROP INDEX extract_superseded;
      DROP INDEX extract_natural_key;
      DELETE FROM extract WHERE status = 'REJECTED';
      CREATE UNIQUE INDEX extract_natural_key ON extract (register, as_of, sha256);
      ALTER TABLE extract DROP COLUMN rejected_at;
      ALTER TABLE extract DROP COLUMN reason;
      ALTER TABLE extract DROP CONSTRAINT extract_status_check;
      ALTER TABLE extract ADD CONSTRAINT extract_status_check
        CHECK (status IN ('LOADING', 'ACTIVE', 'SUPERSEDED', 'NOT_ACTIVATED', 'PURGED'));
    `);
  }
}
