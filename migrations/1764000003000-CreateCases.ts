import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Cases: one open case per person and municipality (DESIGN.md "Case life"), the reasons each cohort listed
 * the person for (why listed), and national opt-outs that keep a person out of every later run.
 *
 * `cases` and `case_reason` carry the municipality and are protected by row-level security
 * (tiltas_enable_municipality_scope), so a worker's transaction cannot read another municipality's rows
 * even through a query that forgot to filter. `version` lets a reassignment and a claim race cleanly.
 */
export class CreateCases1764000003000 implements MigrationInterface {
  name = 'CreateCases1764000003000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE cases (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        pseudonym bytea NOT NULL CHECK (length(pseudonym) = 32),
        municipality text NOT NULL CHECK (municipality ~ '^LT-(0[1-9]|[1-5][0-9]|60)$'),
        status text NOT NULL DEFAULT 'NEW' CHECK (status IN ('NEW', 'ASSIGNED', 'IN_PROGRESS', 'CLOSED')),
        outcome text CHECK (outcome IN ('SUPPORT_ACCEPTED', 'ALREADY_SUPPORTED', 'DECLINED', 'OPTED_OUT', 'UNREACHABLE',
                                        'MOVED_AWAY', 'DECEASED', 'NOT_ELIGIBLE')),
        outcome_note text,
        -- Every cohort that listed the person, sorted: the export's "cohorts" column.
        cohorts text[] NOT NULL,
        -- Smaller is more urgent; the daily queue and automatic assignment order by it.
        priority integer NOT NULL DEFAULT 1000,
        window_date date,
        assigned_to uuid REFERENCES users (id),
        assigned_at timestamptz,
        next_attempt_on date,
        attempts integer NOT NULL DEFAULT 0,
        created_run_id integer,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        closed_at timestamptz,
        -- Set when a later run finds the person no longer matches any cohort of the case: what changed, since when.
        lapsed_on date,
        lapsed_reason jsonb,
        version integer NOT NULL DEFAULT 1,
        CHECK ((status = 'CLOSED') = (outcome IS NOT NULL)),
        CHECK ((status = 'CLOSED') = (closed_at IS NOT NULL)),
        CHECK (status = 'NEW' OR status = 'CLOSED' OR assigned_to IS NOT NULL)
      );
      CREATE UNIQUE INDEX cases_one_open_per_person ON cases (pseudonym, municipality) WHERE status <> 'CLOSED';
      CREATE INDEX cases_person ON cases (pseudonym);
      CREATE INDEX cases_backlog ON cases (municipality, status, priority, id) WHERE status <> 'CLOSED';
      CREATE INDEX cases_worker_queue ON cases (assigned_to, next_attempt_on, priority) WHERE status IN ('ASSIGNED', 'IN_PROGRESS');

      CREATE TABLE case_reason (
        case_id bigint NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
        municipality text NOT NULL,
        criterion_id text NOT NULL,
        criterion_version integer NOT NULL,
        run_id integer NOT NULL,
        as_of date NOT NULL,
        window_date date,
        -- The dates and values that put the person on the list, and the extracts they came from.
        reason jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (case_id, criterion_id)
      );

      CREATE TABLE opt_out (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        pseudonym bytea NOT NULL CHECK (length(pseudonym) = 32),
        recorded_at timestamptz NOT NULL DEFAULT now(),
        recorded_by text NOT NULL,
        case_id bigint,
        withdrawn_at timestamptz,
        withdrawn_by text
      );
      CREATE UNIQUE INDEX opt_out_active ON opt_out (pseudonym) WHERE withdrawn_at IS NULL;

      SELECT tiltas_enable_municipality_scope('cases');
      SELECT tiltas_enable_municipality_scope('case_reason');
      SELECT tiltas_grant_app('SELECT, INSERT, UPDATE', 'cases');
      SELECT tiltas_grant_app('SELECT, INSERT, UPDATE', 'case_reason');
      SELECT tiltas_grant_app('SELECT, INSERT, UPDATE', 'opt_out');
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE opt_out; DROP TABLE case_reason; DROP TABLE cases;');
  }
}
