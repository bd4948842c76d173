import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Users and API tokens, and the municipality scope every later table with a `municipality` uses.
 *
 * Scope is row-level security: `tiltas_in_scope(municipality)` reads the settings DatabaseService writes
 * into each transaction with set_config(..., true) (`tiltas.scope`, `tiltas.municipality`). Unset settings
 * (a query outside any scoped transaction) see nothing. A later migration protects a table with
 *   SELECT tiltas_enable_municipality_scope('cases');
 * which enables and forces row-level security and adds one policy for reads and writes alike.
 *
 * Users are not scoped by row-level security: sign-in must find a user before any scope exists. The
 * application role may read, add and update users and tokens, never delete them (a disabled user or a
 * revoked token stays on record for the audit log's actor ids).
 */
export class CreateUsers1764000002000 implements MigrationInterface {
  name = 'CreateUsers1764000002000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION tiltas_in_scope(municipality text) RETURNS boolean LANGUAGE sql STABLE PARALLEL SAFE AS $$
        SELECT coalesce(
          current_setting('tiltas.scope', true) = 'national'
          OR municipality = nullif(current_setting('tiltas.municipality', true), ''),
          false)
      $$;

      CREATE FUNCTION tiltas_enable_municipality_scope(table_name text, column_name text DEFAULT 'municipality') RETURNS void
      LANGUAGE plpgsql AS $$
      BEGIN
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', table_name);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', table_name);
        EXECUTE format('CREATE POLICY %I ON %I USING (tiltas_in_scope(%I)) WITH CHECK (tiltas_in_scope(%I))',
          table_name || '_municipality_scope', table_name, column_name, column_name);
      END $$;

      CREATE TABLE users (
        id uuid PRIMARY KEY,
        username text NOT NULL CHECK (username ~ '^[A-Za-z0-9._@:-]{3,128}$'),
        display_name text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 200),
        role text NOT NULL CHECK (role IN ('WORKER', 'COORDINATOR', 'AUDITOR', 'ADMIN')),
        municipality text CHECK (municipality ~ '^LT-(0[1-9]|[1-5][0-9]|60)$'),
        -- scrypt$ln=..,r=..,p=..$salt$hash; null for users who only sign in through OpenID Connect
        password_hash text CHECK (password_hash IS NULL OR password_hash LIKE 'scrypt$%'),
        oidc_issuer text,
        oidc_subject text,
        disabled_at timestamptz,
        language text NOT NULL DEFAULT 'lt' CHECK (language IN ('lt', 'en')),
        caseload_limit integer CHECK (caseload_limit BETWEEN 0 AND 100000),
        created_at timestamptz NOT NULL,
        last_signed_in_at timestamptz,
        CONSTRAINT users_municipal_roles CHECK (role NOT IN ('WORKER', 'COORDINATOR') OR municipality IS NOT NULL),
        CONSTRAINT users_worker_caseload CHECK (role <> 'WORKER' OR caseload_limit IS NOT NULL),
        CONSTRAINT users_oidc_pair CHECK ((oidc_issuer IS NULL) = (oidc_subject IS NULL))
      );
      CREATE UNIQUE INDEX users_username ON users (lower(username));
      CREATE UNIQUE INDEX users_oidc_identity ON users (oidc_issuer, oidc_subject) WHERE oidc_subject IS NOT NULL;

      CREATE TABLE api_token (
        id uuid PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES users (id),
        name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        -- SHA-256 (hex) of the secret part of tlt_<id>_<secret>; the token itself is shown once, never stored
        secret_sha256 text NOT NULL CHECK (secret_sha256 ~ '^[0-9a-f]{64}$'),
        created_by text NOT NULL,
        created_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        revoked_at timestamptz,
        last_used_at timestamptz,
        CHECK (expires_at > created_at)
      );
      CREATE INDEX api_token_user ON api_token (user_id);

      SELECT tiltas_grant_app('SELECT, INSERT, UPDATE', 'users');
      SELECT tiltas_grant_app('SELECT, INSERT, UPDATE', 'api_token');
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE api_token;
      DROP TABLE users;
      DROP FUNCTION tiltas_enable_municipality_scope(text, text);
      DROP FUNCTION tiltas_in_scope(text);
    `);
  }
}
