import type { Logger } from 'pino';

/**
 * On SIGTERM or SIGINT: close the application (the api stops taking requests and finishes those in flight;
 * the worker's BullMQ workers let running jobs finish and leave waiting ones in Redis), log it, and exit 0.
 * A second signal, or a close that takes longer than `graceMs`, exits 1 at once.
 */
export function stopOnSignals(app: { close(): Promise<void> }, logger: Logger, graceMs = 30_000): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'stopping');
    const timer = setTimeout(() => {
      logger.error({ graceMs }, 'did not stop in time: exiting');
      process.exit(1);
    }, graceMs);
    timer.unref();
    app.close().then(
      () => {
        logger.info('stopped');
        logger.flush();
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
