import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { PinoNestLogger, createLogger, stopOnSignals } from '@tiltas/common';
import { ConfigError, loadConfig, preflight } from '@tiltas/config';
import { WorkerModule } from './worker.module';

async function bootstrap(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ level: config.log.level, name: 'tiltas-worker' });
  const { warnings } = await preflight(config, { queues: true });
  for (const warning of warnings) logger.warn(warning);
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot({ config }), {
    logger: new PinoNestLogger(logger),
  });
  stopOnSignals(app, logger);
  logger.info({ secretsFromDemo: config.secrets.demo }, 'worker started');
}

bootstrap().catch((err: unknown) => {
  if (err instanceof ConfigError || (err instanceof Error && err.name === 'PreflightError')) {
    process.stderr.write(`${err.message}\n`);
  } else {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  }
  process.exit(1);
});
