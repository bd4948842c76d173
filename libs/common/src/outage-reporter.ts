/** The part of a logger an OutageReporter needs (Nest's Logger and pino both fit). */
export interface OutageLogger {
  warn(message: unknown, ...rest: unknown[]): unknown;
  log?(message: unknown, ...rest: unknown[]): unknown;
  info?(message: unknown, ...rest: unknown[]): unknown;
}

/**
 * One line when a connection is lost and one when it is back, however often the client retries in
 * between: ioredis emits an `error` on every reconnect attempt (several a second), and an unhandled one
 * floods stderr, while logging each would bury everything else in the log.
 */
export class OutageReporter {
  private downSince: number | null = null;
  private suppressed = 0;

  constructor(
    private readonly logger: OutageLogger,
    /** What is lost, for the log line: `Redis (sessions) at 127.0.0.1:6379`. */
    private readonly what: string,
    private readonly now: () => number = Date.now,
  ) {}

  get down(): boolean {
    return this.downSince !== null;
  }

  failed(err: unknown): void {
    if (this.downSince !== null) {
      this.suppressed++;
      return;
    }
    this.downSince = this.now();
    this.suppressed = 0;
    const reason = err instanceof Error ? err.message : String(err);
    // One argument: Nest's Logger would take a second one for its context; pino reads `msg` from the object.
    this.logger.warn({ msg: `${this.what} unreachable: ${reason}; retrying quietly until it is back`, dependency: this.what, reason });
  }

  recovered(): void {
    if (this.downSince === null) return;
    const seconds = Math.round((this.now() - this.downSince) / 100) / 10;
    const line = { msg: `${this.what} reachable again after ${seconds} s`, dependency: this.what, downSeconds: seconds, suppressedErrors: this.suppressed };
    if (this.logger.log) this.logger.log(line);
    else if (this.logger.info) this.logger.info(line);
    else this.logger.warn(line);
    this.downSince = null;
    this.suppressed = 0;
  }
}
