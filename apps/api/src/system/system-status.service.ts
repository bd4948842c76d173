import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@tiltas/config';
import { DatabaseService } from '@tiltas/database';
import { JobProducer, QueueName, createRedis, redisWhere } from '@tiltas/queue';
import { Redis } from 'ioredis';

export interface ServiceCheck {
  name: string;
  state: 'up' | 'down';
  detail: string;
}

/** What the status page, /health/ready and `tiltas health` report. */
@Injectable()
export class SystemStatusService implements OnApplicationShutdown {
  readonly redis: Redis;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly db: DatabaseService,
    private readonly producer: JobProducer,
  ) {
    this.redis = createRedis(config, 'app');
  }

  /** host:port/database of the application's connection, never its password. */
  get postgresWhere(): string {
    const u = new URL(this.config.database.appUrl);
    return `${u.hostname}:${u.port || '5432'}${u.pathname}`;
  }

  get redisWhere(): string {
    return redisWhere(this.config.redis);
  }

  async pingPostgres(): Promise<{ version: string }> {
    const [row] = (await this.db.dataSource.query(`SELECT current_setting('server_version') AS version`)) as Array<{ version: string }>;
    return { version: row.version };
  }

  async pingRedis(): Promise<void> {
    const pong = await this.redis.ping();
    if (pong !== 'PONG') throw new Error(`unexpected reply ${pong}`);
  }

  async workers(): Promise<string[]> {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await this.redis.scan(cursor, 'MATCH', `${this.config.redis.prefix}:workers:*`, 'COUNT', 100);
      keys.push(...batch);
      cursor = next;
    } while (cursor !== '0');
    return keys.map((k) => k.slice(`${this.config.redis.prefix}:workers:`.length));
  }

  async checks(): Promise<ServiceCheck[]> {
    const pg = await this.pingPostgres().then(
      (r) => ({ name: 'PostgreSQL', state: 'up' as const, detail: `version ${r.version}` }),
      (e: Error) => ({ name: 'PostgreSQL', state: 'down' as const, detail: e.message }),
    );
    const redis = await this.pingRedis().then(
      () => ({ name: 'Redis', state: 'up' as const, detail: 'answers PING' }),
      (e: Error) => ({ name: 'Redis', state: 'down' as const, detail: e.message }),
    );
    const workers = await this.workers().then(
      (w) => ({ name: 'Workers', state: w.length > 0 ? ('up' as const) : ('down' as const), detail: w.length > 0 ? `${w.length} ready` : 'no worker has reported ready in the last 30 s' }),
      (e: Error) => ({ name: 'Workers', state: 'down' as const, detail: e.message }),
    );
    return [pg, redis, workers];
  }

  async queues(): Promise<Array<{ name: QueueName; waiting: number; active: number; delayed: number; failed: number }>> {
    const counts = await this.producer.counts();
    return Object.entries(counts).map(([name, c]) => ({ name: name as QueueName, waiting: c.waiting ?? 0, active: c.active ?? 0, delayed: c.delayed ?? 0, failed: c.failed ?? 0 }));
  }

  get demoSecrets(): readonly string[] {
    return this.config.secrets.demo;
  }

  onApplicationShutdown(): void {
    this.redis.disconnect();
  }
}
