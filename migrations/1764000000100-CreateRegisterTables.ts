import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Register data, one partitioned table per register (the contract's columns, typed), one partition per
 * extract: an extract is loaded with COPY into its own table, indexed, analysed, and only then attached,
 * so a rejected or half-loaded extract is never visible. Pseudonyms are stored as their 32 raw bytes.
 * `line` is the physical line in the delivered CSV, so a row can always be traced back to the file.
 * `contacts` is identifying: its rows are sealed (AES-256-GCM) in `reg_contacts`, never stored in clear.
 */
export class CreateRegisterTables1764000000100 implements MigrationInterface {
  name = 'CreateRegisterTables1764000000100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE extract (
        id serial PRIMARY KEY,
        register text NOT NULL,
        as_of date NOT NULL,
        extracted_at timestamptz NOT NULL,
        sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
        rows integer NOT NULL,
        quarantined integer NOT NULL DEFAULT 0,
        lawful_basis_id text NOT NULL,
        pseudonym_key_id text NOT NULL,
        -- LOADING: being written, invisible. ACTIVE: the one identification reads. SUPERSEDED: replaced by a
        -- newer asOf. NOT_ACTIVATED: accepted but older than the active one. PURGED: its rows are dropped.
        status text NOT NULL CHECK (status IN ('LOADING', 'ACTIVE', 'SUPERSEDED', 'NOT_ACTIVATED', 'PURGED')),
        source text NOT NULL DEFAULT 'cli',
        loaded_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        activated_at timestamptz,
        superseded_at timestamptz,
        purged_at timestamptz
      );
      CREATE UNIQUE INDEX extract_natural_key ON extract (register, as_of, sha256);
      CREATE UNIQUE INDEX extract_one_active ON extract (register) WHERE status = 'ACTIVE';

      CREATE TABLE extract_quarantine (
        extract_id integer NOT NULL REFERENCES extract (id) ON DELETE CASCADE,
        line integer NOT NULL,
        column_name text,
        reason text NOT NULL,
        PRIMARY KEY (extract_id, line)
      );

      CREATE TABLE reg_contacts (
        extract_id integer NOT NULL,
        line integer NOT NULL,
        pseudonym bytea NOT NULL,
        key_id text NOT NULL,
        -- nonce (12 bytes) || auth tag (16 bytes) || ciphertext of the row's JSON
        sealed bytea NOT NULL
      ) PARTITION BY LIST (extract_id);
      CREATE INDEX reg_contacts_pseudonym ON reg_contacts (pseudonym);
      CREATE TABLE reg_population (
        extract_id integer NOT NULL,
        line integer NOT NULL,
        pseudonym bytea NOT NULL,
        birth_date date NOT NULL,
        sex text NOT NULL,
        municipality text NOT NULL,
        registered_since date NOT NULL,
        deceased_on date,
        emigrated_on date
      ) PARTITION BY LIST (extract_id);
      CREATE INDEX reg_population_pseudonym ON reg_population (pseudonym);
      CREATE TABLE reg_education (
        extract_id integer NOT NULL,
        line integer NOT NULL,
        pseudonym bytea NOT NULL,
        level text NOT NULL,
        institution text NOT NULL,
        enrolled_from date NOT NULL,
        enrolled_to date,
        outcome text
      ) PARTITION BY LIST (extract_id);
      CREATE INDEX reg_education_period ON reg_education (pseudonym, enrolled_from, enrolled_to);
      CREATE TABLE reg_employment (
        extract_id integer NOT NULL,
        line integer NOT NULL,
        pseudonym bytea NOT NULL,
        employer text NOT NULL,
        kind text NOT NULL,
        employed_from date NOT NULL,
        employed_to date
      ) PARTITION BY LIST (extract_id);
      CREATE INDEX reg_employment_period ON reg_employment (pseudonym, employed_from, employed_to);
      CREATE TABLE reg_jobseekers (
        extract_id integer NOT NULL,
        line integer NOT NULL,
        pseudonym bytea NOT NULL,
        status text NOT NULL,
        registered_from date NOT NULL,
        registered_to date
      ) PARTITION BY LIST (extract_id);
      CREATE INDEX reg_jobseekers_period ON reg_jobseekers (pseudonym, registered_from, registered_to);
      CREATE TABLE reg_social_services (
        extract_id integer NOT NULL,
        line integer NOT NULL,
        pseudonym bytea NOT NULL,
        service text NOT NULL,
        municipality text NOT NULL,
        service_from date NOT NULL,
        service_to date
      ) PARTITION BY LIST (extract_id);
      CREATE INDEX reg_social_services_period ON reg_social_services (pseudonym, service_from, service_to);
      CREATE TABLE reg_prison (
        extract_id integer NOT NULL,
        line integer NOT NULL,
        pseudonym bytea NOT NULL,
        institution text NOT NULL,
        custody_from date NOT NULL,
        released_on date,
        expected_release_on date,
        release_municipality text
      ) PARTITION BY LIST (extract_id);
      CREATE INDEX reg_prison_period ON reg_prison (pseudonym, custody_from, released_on);
      CREATE TABLE reg_care (
        extract_id integer NOT NULL,
        line integer NOT NULL,
        pseudonym bytea NOT NULL,
        placement text NOT NULL,
        placed_from date NOT NULL,
        placed_to date
      ) PARTITION BY LIST (extract_id);
      CREATE INDEX reg_care_period ON reg_care (pseudonym, placed_from, placed_to);
      CREATE TABLE reg_military (
        extract_id integer NOT NULL,
        line integer NOT NULL,
        pseudonym bytea NOT NULL,
        service_from date NOT NULL,
        service_to date
      ) PARTITION BY LIST (extract_id);
      CREATE INDEX reg_military_period ON reg_military (pseudonym, service_from, service_to);
      CREATE TABLE reg_parental_leave (
        extract_id integer NOT NULL,
        line integer NOT NULL,
        pseudonym bytea NOT NULL,
        leave_from date NOT NULL,
        leave_to date
      ) PARTITION BY LIST (extract_id);
      CREATE INDEX reg_parental_leave_period ON reg_parental_leave (pseudonym, leave_from, leave_to);
      CREATE TABLE reg_disability (
        extract_id integer NOT NULL,
        line integer NOT NULL,
        pseudonym bytea NOT NULL,
        assessed_on date NOT NULL,
        valid_to date,
        work_capacity smallint NOT NULL
      ) PARTITION BY LIST (extract_id);
      CREATE INDEX reg_disability_period ON reg_disability (pseudonym, assessed_on, valid_to);

      SELECT tiltas_grant_app('SELECT', 'extract');
      SELECT tiltas_grant_app('SELECT', 'extract_quarantine');
      SELECT tiltas_grant_app('SELECT', 'reg_population, reg_contacts, reg_education, reg_employment, reg_jobseekers, reg_social_services, reg_prison, reg_care, reg_military, reg_parental_leave, reg_disability');
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE reg_population, reg_contacts, reg_education, reg_employment, reg_jobseekers, reg_social_services,
        reg_prison, reg_care, reg_military, reg_parental_leave, reg_disability;
      DROP TABLE extract_quarantine;
      DROP TABLE extract;
    `);
  }
}
