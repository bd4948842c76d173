import { AppConfig, DEV_APP_PASSWORD } from '@tiltas/config';
import { Client } from 'pg';
import { DataSource, MigrationInterface } from 'typeorm';

export type MigrationClass = new () => MigrationInterface;

export interface MigrationStatus {
  readonly applied: string[];
  readonly pending: string[];
}

/**
 * Migrations run as the owner (DATABASE_URL). They read the application role's name from the session
 * setting `tiltas.app_role`, so grants and policies name the role this deployment configured.
 */
function ownerDataSource(config: AppConfig, migrations: MigrationClass[]): DataSource {
  return new DataSource({
    type: 'postgres',
    url: config.database.ownerUrl,
    migrations,
    migrationsTableName: 'schema_migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: false,
    extra: { max: 1, options: `-c tiltas.app_role=${config.database.appRole}`, application_name: 'tiltas-migrate' },
  });
}

export interface MigrateOptions {
  /**
   * Set the application role's password to the configured one even though the role can already sign in
   * (`db migrate --set-app-password`): a rotation. Roles are server-wide, so this changes it for every
   * database on the server that shares the role.
   */
  readonly setAppPassword?: boolean;
}

export interface MigrateResult {
  readonly ran: string[];
  /** What became of the application role's password: `set` (new role, or asked to) or `kept`. */
  readonly appPassword: 'set' | 'kept';
}

/** Bring the database to the current schema; see MigrateOptions for the application role's password. */
export async function runMigrations(config: AppConfig, migrations: MigrationClass[], options: MigrateOptions = {}): Promise<string[]> {
  return (await migrate(config, migrations, options)).ran;
}

export async function migrate(config: AppConfig, migrations: MigrationClass[], options: MigrateOptions = {}): Promise<MigrateResult> {
  const ds = ownerDataSource(config, migrations);
  await ds.initialize();
  try {
    const ran = await ds.runMigrations({ transaction: 'each' });
    // The first migration creates the role NOLOGIN; it gets its password (and LOGIN) here, once. After that
    // the password is left alone: the role is shared by every Tiltas database of this server, and a second
    // deployment's migrate (or a developer's, on the demo password) must not lock the first one out.
    const role = config.database.appRole;
    const [state] = (await ds.query(`SELECT rolcanlogin AS "canLogin" FROM pg_roles WHERE rolname = $1`, [role])) as Array<{ canLogin: boolean }>;
    if (!state) throw new Error(`the application role ${role} does not exist after migrating; the first migration creates it`);
    const set = !state.canLogin || options.setAppPassword === true;
    if (set) {
      if (config.env === 'production' && config.database.appPassword === DEV_APP_PASSWORD) {
        throw new Error(`refusing to give the application role ${role} the development password in production; set APP_DATABASE_URL`);
      }
      await ds.query(`ALTER ROLE ${quoteIdent(role)} WITH LOGIN PASSWORD ${quoteLiteral(config.database.appPassword)}`);
    }
    return { ran: ran.map((m) => m.name), appPassword: set ? 'set' : 'kept' };
  } finally {
    await ds.destroy();
  }
}

/**
 * Whether the application role signs in with the configured password: after a migrate that kept an
 * existing role's password, a deployment configured with another one would otherwise find out at boot.
 */
export async function appRoleSignsIn(config: AppConfig): Promise<{ ok: true } | { ok: false; reason: string }> {
  const client = new Client({ connectionString: config.database.appUrl, connectionTimeoutMillis: 5_000, application_name: 'tiltas-migrate' });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return { ok: true };
  } catch (err) {
    return { ok: false, reason: err instanceof Error ? err.message : String(err) };
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function revertLastMigration(config: AppConfig, migrations: MigrationClass[]): Promise<void> {
  const ds = ownerDataSource(config, migrations);
  await ds.initialize();
  try {
    await ds.undoLastMigration({ transaction: 'each' });
  } finally {
    await ds.destroy();
  }
}

export async function migrationStatus(config: AppConfig, migrations: MigrationClass[]): Promise<MigrationStatus> {
  const ds = ownerDataSource(config, migrations);
  await ds.initialize();
  try {
    const exists: Array<{ t: string | null }> = await ds.query(`SELECT to_regclass('schema_migrations')::text AS t`);
    const applied = exists[0].t
      ? ((await ds.query('SELECT name FROM schema_migrations ORDER BY id')) as Array<{ name: string }>).map((r) => r.name)
      : [];
    const all = ds.migrations.map((m) => m.name ?? m.constructor.name);
    return { applied, pending: all.filter((name) => !applied.includes(name)) };
  } finally {
    await ds.destroy();
  }
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
