import { migrationStatus, revertLastMigration, runMigrations } from '@tiltas/database';
import { MIGRATIONS } from '@tiltas/migrations';
import { preflight } from '@tiltas/config';
import { Command } from 'commander';
import { CliIo, cliConfig } from '../cli-context';

export function registerDbCommands(program: Command, io: CliIo): void {
  const db = program.command('db').description('database schema');

  db.command('migrate')
    .description('bring the database (DATABASE_URL) to the current schema, creating the application role')
    .action(async () => {
      const config = cliConfig();
      await preflight(config, { redis: false });
      const ran = await runMigrations(config, MIGRATIONS);
      io.out(ran.length === 0 ? 'database is up to date' : `applied ${ran.length} migration(s): ${ran.join(', ')}`);
    });

  db.command('status')
    .description('list applied and pending migrations')
    .action(async () => {
      const config = cliConfig();
      await preflight(config, { redis: false });
      const status = await migrationStatus(config, MIGRATIONS);
      for (const name of status.applied) io.out(`applied  ${name}`);
      for (const name of status.pending) io.out(`pending  ${name}`);
      io.out(`${status.applied.length} applied, ${status.pending.length} pending`);
    });

  db.command('revert')
    .description('revert the last applied migration (runs its down)')
    .action(async () => {
      const config = cliConfig();
      await preflight(config, { redis: false });
      await revertLastMigration(config, MIGRATIONS);
      io.out('reverted the last migration');
    });
}
