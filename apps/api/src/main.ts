import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { PinoNestLogger, createLogger, stopOnSignals } from '@tiltas/common';
import { ConfigError, loadConfig, preflight } from '@tiltas/config';
import { ApiModule } from './api.module';
import { configureApp } from './configure-app';

async function bootstrap(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger({ level: config.log.level, name: 'tiltas-api' });
  await preflight(config);
  const app = await NestFactory.create<NestExpressApplication>(ApiModule.forRoot({ config }), {
    logger: new PinoNestLogger(logger),
    bodyParser: true,
  });
  configureApp(app);
  stopOnSignals(app, logger);
  await app.listen(config.http.port, config.http.host);
  logger.info({ url: config.http.publicUrl, secretsFromDemo: config.secrets.demo }, 'api listening');
}

bootstrap().catch((err: unknown) => {
  if (err instanceof ConfigError || (err instanceof Error && err.name === 'PreflightError')) {
    process.stderr.write(`${err.message}\n`);
  } else {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  }
  process.exit(1);
});
