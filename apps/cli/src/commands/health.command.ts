import { AppConfig, preflight } from '@tiltas/config';
import { createRedis } from '@tiltas/queue';
import { Command } from 'commander';
import { Client } from 'pg';
import { CliExit, CliIo, cliConfig } from '../cli-context';

async function workersReady(config: AppConfig): Promise<number> {
  const redis = createRedis(config, 'app');
  try {
    const keys = await redis.keys(`${config.redis.prefix}:workers:*`);
    return keys.length;
  } finally {
    redis.disconnect();
  }
}

export function registerHealthCommand(program: Command, io: CliIo): void {
  program
    .command('health')
    .description('check PostgreSQL, Redis, the application role and the workers')
    .option('--require-worker', 'fail unless at least one worker reports ready')
    .action(async (options: { requireWorker?: boolean }) => {
      const config = cliConfig();
      await preflight(config);
      io.out(`postgres  up  ${new URL(config.database.ownerUrl).host}`);
      io.out(`redis     up  ${new URL(config.redis.url).host}`);
      const app = new Client({ connectionString: config.database.appUrl, connectionTimeoutMillis: 3000 });
      try {
        await app.connect();
        await app.query('SELECT 1');
        io.out(`app role  up  ${config.database.appRole}`);
      } catch (err) {
        io.out(`app role  down  ${config.database.appRole}: ${(err as Error).message} (run: npm run cli -- db migrate)`);
        throw new CliExit(1);
      } finally {
        await app.end().catch(() => undefined);
      }
      const workers = await workersReady(config);
      io.out(`workers   ${workers > 0 ? 'up' : 'none'}  ${workers} ready`);
      if (options.requireWorker && workers === 0) throw new CliExit(1);
    });
}
