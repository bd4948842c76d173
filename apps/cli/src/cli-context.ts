import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { createLogger, PinoNestLogger } from '@tiltas/common';
import { AppConfig, loadConfig, preflight } from '@tiltas/config';
import { CliModule } from './cli.module';

/** Output a command prints for people and scripts: stdout for results, stderr for messages. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

export const processIo: CliIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/** Thrown by a command to end with a message and an exit code, without a stack trace. */
export class CliExit extends Error {
  constructor(
    readonly exitCode: number,
    message = '',
  ) {
    super(message);
  }
}

let cachedConfig: AppConfig | null = null;
export function cliConfig(): AppConfig {
  cachedConfig ??= loadConfig();
  return cachedConfig;
}

/** Boots the application context (quietly: logs go to stderr at warn), runs `work`, closes it. */
export async function withApp<T>(work: (app: INestApplicationContext, config: AppConfig) => Promise<T>, options: { redis?: boolean } = {}): Promise<T> {
  const config = cliConfig();
  await preflight(config, { redis: options.redis !== false });
  const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'warn', name: 'tiltas-cli' }, process.stderr as never);
  const app = await NestFactory.createApplicationContext(CliModule.forRoot(config), { logger: new PinoNestLogger(logger), abortOnError: false });
  try {
    return await work(app, config);
  } finally {
    await app.close();
  }
}
