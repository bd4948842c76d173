import { ApiTokensService, DEFAULT_TOKEN_DAYS } from '@tiltas/access';
import { Command } from 'commander';
import { CliExit, CliIo, withApp } from '../cli-context';

export function registerTokensCommands(program: Command, io: CliIo): void {
  const tokens = program.command('tokens').description('API tokens for machine clients');

  tokens
    .command('create')
    .description(
      'create an API token for a service account (service-accounts add); printed once. A person creates their own token signed in, never here: nobody acts under another person\'s name',
    )
    .requiredOption('--user <username>', 'the service account the token acts as')
    .option('--expires-days <days>', `days until it expires (1–730, default ${DEFAULT_TOKEN_DAYS})`, (v) => Number(v))
    .option('--name <name>', 'what it is for, e.g. "statistics export"')
    .action(async (o: { user: string; expiresDays?: number; name?: string }) => {
      if (o.expiresDays !== undefined && !Number.isInteger(o.expiresDays)) throw new CliExit(2, '--expires-days must be a whole number');
      const created = await withApp((app) => app.get(ApiTokensService).create({ username: o.user, name: o.name, expiresDays: o.expiresDays }));
      io.err(`token ${created.id} for ${created.username}, expires ${created.expiresAt}; shown once, send it as "Authorization: Bearer <token>":`);
      io.out(created.token);
    });

  tokens
    .command('list')
    .description('list API tokens (never their secrets)')
    .action(async () => {
      const list = await withApp((app) => app.get(ApiTokensService).list());
      for (const t of list) {
        const state = t.revokedAt ? `revoked ${t.revokedAt}` : `expires ${t.expiresAt}`;
        io.out(`${t.id}  user ${t.userId}  ${state}  ${t.name}`);
      }
      io.out(`${list.length} token(s)`);
    });

  tokens
    .command('revoke')
    .description('revoke an API token at once')
    .argument('<id>', 'the token id (the part after tlt_)')
    .action(async (id: string) => {
      await withApp((app) => app.get(ApiTokensService).revoke(id));
      io.out(`revoked ${id}`);
    });
}
