import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The application connects as its own role, which owns no table: grants decide what it may do, and
 * row-level security applies to it. The role's name comes from the session setting `tiltas.app_role`
 * (set by `db migrate` from APP_DB_ROLE / APP_DATABASE_URL); its password is set by `db migrate` too.
 * Roles are cluster-wide, so `down` revokes this database's grants and leaves the role to other databases.
 */
export class CreateAppRole1764000000000 implements MigrationInterface {
  name = 'CreateAppRole1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION tiltas_app_role() RETURNS text LANGUAGE sql STABLE AS $$
        SELECT coalesce(nullif(current_setting('tiltas.app_role', true), ''), 'tiltas_app')
      $$;

      -- Grants every later migration makes go through here, so each names the configured role.
      CREATE FUNCTION tiltas_grant_app(privileges text, object_name text) RETURNS void LANGUAGE plpgsql AS $$
      BEGIN
        EXECUTE format('GRANT %s ON %s TO %I', privileges, object_name, tiltas_app_role());
      END $$;

      DO $$
      BEGIN
        EXECUTE format('CREATE ROLE %I NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT', tiltas_app_role());
      EXCEPTION WHEN duplicate_object OR unique_violation THEN
        NULL; -- another database of this cluster created it already
      END $$;

      DO $$
      BEGIN
        EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), tiltas_app_role());
        EXECUTE format('GRANT USAGE ON SCHEMA public TO %I', tiltas_app_role());
      END $$;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DO $$
      BEGIN
        EXECUTE format('REVOKE USAGE ON SCHEMA public FROM %I', tiltas_app_role());
        EXECUTE format('REVOKE CONNECT ON DATABASE %I FROM %I', current_database(), tiltas_app_role());
      END $$;
      DROP FUNCTION tiltas_grant_app(text, text);
      DROP FUNCTION tiltas_app_role();
    `);
  }
}
