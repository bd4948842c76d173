import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Targeting criteria with their version history, and identification runs.
 *
 * - `criterion` is a cohort's identity: national (municipality null) or a municipality's tuned copy of a
 *   national one (`based_on`), which then replaces the national one for that municipality's cases.
 * - `criterion_version` keeps every version ever written. Editing writes the one DRAFT; activation turns it
 *   ACTIVE (naming the lawful basis that covered it) and retires the previous ACTIVE one. A version is never
 *   deleted or changed once ACTIVE or RETIRED (the trigger), because runs and case reasons cite it.
 * - `identification_run` records what a run used (criterion versions, extracts with their asOf, the
 *   pseudonym key id) and what it found per cohort. One COMPLETED run per date, set of versions and set of
 *   extracts: a repeat finds it and changes nothing.
 */
export class CreateCriteriaAndRuns1764000005000 implements MigrationInterface {
  name = 'CreateCriteriaAndRuns1764000005000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE criterion (
        id text PRIMARY KEY CHECK (id ~ '^[a-z][a-z0-9]*(-[a-z0-9]+)*$' AND length(id) <= 80),
        municipality text CHECK (municipality ~ '^LT-(0[1-9]|[1-5][0-9]|60)$'),
        based_on text REFERENCES criterion (id),
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        -- A municipality's copy tunes a national criterion; national criteria are copies of nothing.
        CHECK ((municipality IS NULL) = (based_on IS NULL))
      );
      CREATE UNIQUE INDEX criterion_one_copy_per_municipality ON criterion (based_on, municipality) WHERE based_on IS NOT NULL;

      CREATE TABLE criterion_version (
        criterion_id text NOT NULL REFERENCES criterion (id),
        version integer NOT NULL CHECK (version > 0),
        definition jsonb NOT NULL CHECK (jsonb_typeof(definition) = 'object'),
        status text NOT NULL CHECK (status IN ('DRAFT', 'ACTIVE', 'RETIRED')),
        lawful_basis_id text,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        activated_by text,
        activated_at timestamptz,
        retired_at timestamptz,
        PRIMARY KEY (criterion_id, version),
        CHECK (definition ->> 'id' = criterion_id),
        CHECK (status = 'DRAFT' OR (lawful_basis_id IS NOT NULL AND activated_by IS NOT NULL AND activated_at IS NOT NULL)),
        CHECK ((status = 'RETIRED') = (retired_at IS NOT NULL))
      );
      CREATE UNIQUE INDEX criterion_version_one_active ON criterion_version (criterion_id) WHERE status = 'ACTIVE';
      CREATE UNIQUE INDEX criterion_version_one_draft ON criterion_version (criterion_id) WHERE status = 'DRAFT';

      CREATE FUNCTION criterion_version_guard() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' THEN
          RAISE EXCEPTION 'criterion versions are history and never deleted (% v%)', OLD.criterion_id, OLD.version
            USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF OLD.status <> 'DRAFT' AND (NEW.definition IS DISTINCT FROM OLD.definition
            OR NEW.lawful_basis_id IS DISTINCT FROM OLD.lawful_basis_id
            OR NEW.activated_by IS DISTINCT FROM OLD.activated_by
            OR NEW.activated_at IS DISTINCT FROM OLD.activated_at) THEN
          RAISE EXCEPTION 'criterion % v% is % and never edited: edit a new draft', OLD.criterion_id, OLD.version, OLD.status
            USING ERRCODE = 'insufficient_privilege';
        END IF;
        IF (OLD.status, NEW.status) IN (('ACTIVE', 'DRAFT'), ('RETIRED', 'DRAFT'), ('RETIRED', 'ACTIVE')) THEN
          RAISE EXCEPTION 'criterion % v% cannot go from % to %', OLD.criterion_id, OLD.version, OLD.status, NEW.status
            USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER criterion_version_history BEFORE UPDATE OR DELETE ON criterion_version
        FOR EACH ROW EXECUTE FUNCTION criterion_version_guard();

      CREATE TABLE identification_run (
        id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        as_of date NOT NULL,
        -- [{ "id": "neet-youth", "version": 1, "lawfulBasisId": "LB-…" }, …] sorted by id
        criteria jsonb NOT NULL CHECK (jsonb_typeof(criteria) = 'array'),
        -- [{ "register": "population", "id": 3, "asOf": "2026-09-30" }, …] sorted by register
        extracts jsonb NOT NULL CHECK (jsonb_typeof(extracts) = 'array'),
        -- "neet-youth@1,…|population#3,…": what makes two runs the same run
        run_key text NOT NULL,
        pseudonym_key_id text,
        status text NOT NULL CHECK (status IN ('RUNNING', 'COMPLETED', 'REFUSED', 'FAILED')),
        refusal text,
        -- { "neet-youth": { "matched": n, "new": n, "added": n, "suppressed": n, "unchanged": n }, … }
        counts jsonb NOT NULL DEFAULT '{}'::jsonb,
        cases_created integer NOT NULL DEFAULT 0,
        cases_updated integer NOT NULL DEFAULT 0,
        cases_lapsed integer NOT NULL DEFAULT 0,
        started_by text NOT NULL,
        trigger text NOT NULL CHECK (trigger IN ('schedule', 'cli', 'api', 'test')),
        started_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz,
        duration_ms integer,
        CHECK ((status = 'REFUSED') = (refusal IS NOT NULL))
      );
      CREATE UNIQUE INDEX identification_run_once ON identification_run (as_of, run_key) WHERE status = 'COMPLETED';
      CREATE INDEX identification_run_recent ON identification_run (started_at DESC);

      ALTER TABLE cases ADD CONSTRAINT cases_created_run FOREIGN KEY (created_run_id) REFERENCES identification_run (id);
      ALTER TABLE case_reason ADD CONSTRAINT case_reason_run FOREIGN KEY (run_id) REFERENCES identification_run (id);
      ALTER TABLE case_reason ADD CONSTRAINT case_reason_version
        FOREIGN KEY (criterion_id, criterion_version) REFERENCES criterion_version (criterion_id, version);
      CREATE INDEX cases_lapsed ON cases (municipality, lapsed_on) WHERE lapsed_on IS NOT NULL AND status <> 'CLOSED';
      CREATE INDEX cases_last_closed ON cases (pseudonym, municipality, closed_at DESC) WHERE status = 'CLOSED';

      SELECT tiltas_grant_app('SELECT, INSERT', 'criterion');
      SELECT tiltas_grant_app('SELECT, INSERT, UPDATE', 'criterion_version');
      SELECT tiltas_grant_app('SELECT, INSERT, UPDATE', 'identification_run');
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP INDEX cases_last_closed;
      DROP INDEX cases_lapsed;
      ALTER TABLE case_reason DROP CONSTRAINT case_reason_version;
      ALTER TABLE case_reason DROP CONSTRAINT case_reason_run;
      ALTER TABLE cases DROP CONSTRAINT cases_created_run;
      DROP TABLE identification_run;
      DROP TRIGGER criterion_version_history ON criterion_version;
      DROP FUNCTION criterion_version_guard();
      DROP TABLE criterion_version;
      DROP TABLE criterion;
    `);
  }
}
