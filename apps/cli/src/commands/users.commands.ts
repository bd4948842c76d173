import { ROLES, SERVICE_ACCOUNT_ROLES, UsersService } from '@tiltas/access';
import { Command, Option } from 'commander';
import { CliIo, withApp } from '../cli-context';

function pad(text: string, width: number): string {
  return text.length >= width ? `${text} ` : text.padEnd(width);
}

export function registerUsersCommands(program: Command, io: CliIo): void {
  const users = program.command('users').description('users who sign in to Tiltas');

  users
    .command('add')
    .description('add a user; without --password one is generated and printed once')
    .requiredOption('--username <username>', 'sign-in name (letters, digits, . _ @ : -)')
    .addOption(new Option('--role <role>', 'what they may do').choices([...ROLES]).makeOptionMandatory())
    .option('--municipality <code>', 'ISO 3166-2:LT code (LT-01…LT-60); required for WORKER and COORDINATOR, omit for national')
    .option('--display-name <name>', 'name shown in pages (defaults to the username)')
    .option('--password <password>', 'initial password (at least 12 characters); prefer the generated one')
    .addOption(new Option('--language <lang>', 'language of their pages').choices(['lt', 'en']).default('lt'))
    .option('--caseload-limit <n>', 'cases a worker may hold (default 40)', (v) => Number(v))
    .action(async (o: { username: string; role: string; municipality?: string; displayName?: string; password?: string; language: string; caseloadLimit?: number }) => {
      const created = await withApp((app) =>
        app.get(UsersService).addUser({
          username: o.username,
          role: o.role,
          municipality: o.municipality ?? null,
          displayName: o.displayName,
          password: o.password,
          language: o.language,
          caseloadLimit: o.caseloadLimit,
        }),
      );
      const u = created.user;
      io.out(`added ${u.username} (${u.role}, ${u.municipality ?? 'national'}) id ${u.id}`);
      if (created.generatedPassword) io.out(`password: ${created.generatedPassword}   (shown once: hand it over now)`);
    });

  users
    .command('list')
    .description('list users')
    .action(async () => {
      const list = await withApp((app) => app.get(UsersService).listUsers());
      // A service account's SIGN-IN reads "none": only its tokens use it.
      io.out(`${pad('USERNAME', 28)}${pad('ROLE', 12)}${pad('MUNICIPALITY', 13)}${pad('SIGN-IN', 9)}${pad('STATUS', 10)}ID`);
      for (const u of list) {
        io.out(`${pad(u.username, 28)}${pad(u.role, 12)}${pad(u.municipality ?? 'national', 13)}${pad(u.signIn, 9)}${pad(u.disabledAt ? 'disabled' : 'active', 10)}${u.id}`);
      }
      io.out(`${list.length} user(s)`);
    });

  users
    .command('disable')
    .description('disable a user: they cannot sign in, their sessions and tokens stop working')
    .argument('<username>')
    .action(async (username: string) => {
      const u = await withApp((app) => app.get(UsersService).disableUser(username));
      io.out(`disabled ${u.username} at ${u.disabledAt}`);
    });

  users
    .command('unlock')
    .description('lift a sign-in lockout now instead of when it runs out (the address limit is left as it is)')
    .argument('<username>')
    .action(async (username: string) => {
      const { user, wasLocked } = await withApp((app) => app.get(UsersService).unlockSignIn(username));
      io.out(wasLocked ? `unlocked ${user.username}: they may sign in again` : `${user.username} was not locked out; their failed sign-ins are forgotten`);
    });

  users
    .command('demo')
    .description('create the demo users (one per role in LT-57 and LT-15, national auditor and admin) with fresh passwords and print their sign-ins')
    .action(async () => {
      const signIns = await withApp((app) => app.get(UsersService).ensureDemoUsers());
      io.out(`${pad('USERNAME', 28)}${pad('ROLE', 12)}${pad('MUNICIPALITY', 13)}PASSWORD`);
      for (const s of signIns) io.out(`${pad(s.username, 28)}${pad(s.role, 12)}${pad(s.municipality ?? 'national', 13)}${s.password}`);
    });

  const accounts = program.command('service-accounts').description('accounts for machine clients: no sign-in, only API tokens, never cases or contacts');

  accounts
    .command('add')
    .description('add a service account; then `tokens create --user <username>` gives its machine client a token')
    .requiredOption('--username <username>', 'its name (letters, digits, . _ @ : -), e.g. stats-export')
    .addOption(new Option('--role <role>', 'what it may do').choices([...SERVICE_ACCOUNT_ROLES]).makeOptionMandatory())
    .option('--municipality <code>', 'ISO 3166-2:LT code (LT-01…LT-60); omit for national')
    .option('--display-name <name>', 'name shown in pages (defaults to the username)')
    .action(async (o: { username: string; role: string; municipality?: string; displayName?: string }) => {
      const u = await withApp((app) =>
        app.get(UsersService).addServiceAccount({ username: o.username, role: o.role, municipality: o.municipality ?? null, displayName: o.displayName }),
      );
      io.out(`added service account ${u.username} (${u.role}, ${u.municipality ?? 'national'}) id ${u.id}`);
    });
}
