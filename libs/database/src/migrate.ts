import { AppConfig } from '@tiltas/config';
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

export async function runMigrations(config: AppConfig, migrations: MigrationClass[]): Promise<string[]> {
  const ds = ownerDataSource(config, migrations);
  await ds.initialize();
  try {
    const ran = await ds.runMigrations({ transaction: 'each' });
    // The role exists after the first migration; its password follows configuration on every migrate,
    // so a rotated APP_DATABASE_URL password takes effect with the next deploy.
    const role = config.database.appRole;
    await ds.query(`ALTER ROLE ${quoteIdent(role)} WITH LOGIN PASSWORD ${quoteLiteral(config.database.appPassword)}`);
    return ran.map((m) => m.name);
  } finally {
    await ds.destroy();
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
