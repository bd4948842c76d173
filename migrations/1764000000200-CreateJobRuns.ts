import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What every background job did, keyed by its job id. A job id names its period (`identify:2026-10-01`),
 * so a completed row makes a repeated delivery of the same job a no-op, however many workers run.
 * `system_ping` is the round trip that proves api → Redis → worker → PostgreSQL.
 */
export class CreateJobRuns1764000000200 implements MigrationInterface {
  name = 'CreateJobRuns1764000000200';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE job_run (
        job_id text PRIMARY KEY,
        name text NOT NULL,
        status text NOT NULL CHECK (status IN ('RUNNING', 'COMPLETED', 'FAILED')),
        attempts integer NOT NULL DEFAULT 1,
        worker text NOT NULL,
        started_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz,
        result jsonb,
        error text
      );
      CREATE INDEX job_run_name_started ON job_run (name, started_at DESC);

      CREATE TABLE system_ping (
        token text PRIMARY KEY,
        processed_by text NOT NULL,
        processed_at timestamptz NOT NULL DEFAULT now()
      );

      SELECT tiltas_grant_app('SELECT, INSERT, UPDATE', 'job_run');
      SELECT tiltas_grant_app('SELECT, INSERT', 'system_ping');
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE system_ping; DROP TABLE job_run;');
  }
}
