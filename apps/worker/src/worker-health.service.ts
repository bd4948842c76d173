import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@tiltas/config';
import { DatabaseService } from '@tiltas/database';
import { createRedis } from '@tiltas/queue';
import { Redis } from 'ioredis';
import { JobRunnerService } from './job-runner.service';

export const WORKER_HEARTBEAT_SECONDS = 10;

/**
 * The worker has no HTTP port, so its readiness lives in Redis: every few seconds it checks PostgreSQL and
 * Redis and, when both answer, refreshes `<prefix>:workers:<id>` with a short TTL. `tiltas health` and the
 * api's readiness report read these keys.
 */
@Injectable()
export class WorkerHealthService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('WorkerHealth');
  private readonly redis: Redis;
  private timer?: NodeJS.Timeout;
  private ready = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly db: DatabaseService,
    private readonly runner: JobRunnerService,
  ) {
    this.redis = createRedis(config, 'app');
  }

  get key(): string {
    return `${this.config.redis.prefix}:workers:${this.runner.workerId}`;
  }

  async check(): Promise<{ postgres: boolean; redis: boolean }> {
    const postgres = await this.db.dataSource.query('SELECT 1').then(() => true, () => false);
    const redis = await this.redis.ping().then((r) => r === 'PONG', () => false);
    return { postgres, redis };
  }

  async beat(): Promise<void> {
    const status = await this.check();
    const nowReady = status.postgres && status.redis;
    if (nowReady) {
      await this.redis.set(this.key, JSON.stringify({ ...status, at: new Date().toISOString() }), 'EX', WORKER_HEARTBEAT_SECONDS * 3);
    }
    if (nowReady !== this.ready) this.logger.log({ ...status }, nowReady ? 'worker ready' : 'worker not ready');
    this.ready = nowReady;
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.beat();
    this.timer = setInterval(() => void this.beat().catch(() => undefined), WORKER_HEARTBEAT_SECONDS * 1000);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.redis.del(this.key).catch(() => undefined);
    this.redis.disconnect();
  }
}
