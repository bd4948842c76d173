import { DomainError } from '@tiltas/common';
import { appRoleSignsIn, migrate, migrationStatus, revertLastMigration } from '@tiltas/database';
import { MIGRATIONS } from '@tiltas/migrations';
import { preflight } from '@tiltas/config';
import { Command } from 'commander';
import { CliIo, cliConfig } from '../cli-context';

export function registerDbCommands(program: Command, io: CliIo): void {
  const db = program.command('db').description('database schema');

  db.command('migrate')
    .description('bring the database (DATABASE_URL) to the current schema, creating the application role')
    .option('--set-app-password', "set the application role's password to APP_DATABASE_URL's even if the role exists (a rotation; roles are server-wide, so every database sharing the role is affected)")
    .action(async (options: { setAppPassword?: boolean }) => {
      const config = cliConfig();
      await preflight(config, { redis: false });
      const result = await migrate(config, MIGRATIONS, { setAppPassword: options.setAppPassword === true });
      io.out(result.ran.length === 0 ? 'database is up to date' : `applied ${result.ran.length} migration(s): ${result.ran.join(', ')}`);
      const role = config.database.appRole;
      io.out(result.appPassword === 'set' ? `application role ${role}: password set from configuration` : `application role ${role}: exists already, password left as it was`);
      const signIn = await appRoleSignsIn(config);
      if (!signIn.ok) {
        throw DomainError.validation(
          `the application role ${role} cannot sign in with the configured password (${signIn.reason}). The role is shared by every database on this server; if this deployment's password is the right one, run \`db migrate --set-app-password\``,
        );
      }
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
