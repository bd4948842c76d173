import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An upload's files are shredded as soon as its ingest is final (accepted, rejected, already loaded or
 * failed), or by retention once it is stuck for UPLOAD_STUCK_HOURS; `purged_at` records that they are
 * gone, so retention looks only at uploads whose files may still be on disk (the partial index).
 */
export class AddUploadPurge1764000010000 implements MigrationInterface {
  name = 'AddUploadPurge1764000010000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE extract_upload ADD COLUMN purged_at timestamptz;
      CREATE INDEX extract_upload_unpurged ON extract_upload (created_at) WHERE purged_at IS NULL;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP INDEX extract_upload_unpurged;
      ALTER TABLE extract_upload DROP COLUMN purged_at;
    `);
  }
}
