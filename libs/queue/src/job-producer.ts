import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { dependencyUnavailable, isDependencyFailure } from '@tiltas/common';
import { APP_CONFIG, AppConfig } from '@tiltas/config';
import { Job, JobsOptions, Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { ALL_JOB_NAMES, DEFAULT_JOB_OPTIONS, JOB_QUEUE, JobName, JobPayloads, QueueName } from './job-catalogue';
import { REDIS_COMMAND_TIMEOUT_MS, REDIS_CONNECT_TIMEOUT_MS, createRedis } from './redis';

/** The one way anything enqueues work. Typed by the catalogue; one BullMQ Queue per QueueName. */
@Injectable()
export class JobProducer implements OnApplicationShutdown {
  private readonly logger = new Logger('JobProducer');
  private readonly connection: Redis;
  private readonly queues = new Map<QueueName, Queue>();

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.connection = createRedis(config, 'queue');
  }

  queue(name: QueueName): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue(name, { connection: this.connection, prefix: this.config.redis.prefix, defaultJobOptions: DEFAULT_JOB_OPTIONS });
      // A Queue re-emits its connection's errors; without a listener BullMQ prints each to stderr. The
      // connection's own listener (createRedis) already logs the outage once.
      queue.on('error', (err) => {
        if (!isDependencyFailure(err)) this.logger.error({ err, queue: name }, 'queue error');
      });
      this.queues.set(name, queue);
    }
    return queue;
  }

  async enqueue<N extends JobName>(name: N, payload: JobPayloads[N], options: JobsOptions = {}): Promise<Job> {
    return bounded(this.queue(JOB_QUEUE[name]).add(name, payload, options));
  }

  /** Counts per queue, for /metrics and the status page. */
  async counts(): Promise<Record<QueueName, Record<string, number>>> {
    const entries = await Promise.all(
      Object.values(QueueName).map(async (q) => [q, await bounded(this.queue(q).getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed'))] as const),
    );
    return Object.fromEntries(entries) as Record<QueueName, Record<string, number>>;
  }

  get jobNames(): readonly JobName[] {
    return ALL_JOB_NAMES;
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    this.connection.disconnect();
  }
}

/**
 * A Queue first used while Redis is down waits for its connection to become ready, which no command
 * timeout ends: the caller gets DEPENDENCY_UNAVAILABLE after a bounded wait instead of hanging.
 */
const ENQUEUE_TIMEOUT_MS = REDIS_CONNECT_TIMEOUT_MS + REDIS_COMMAND_TIMEOUT_MS;

async function bounded<T>(work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(dependencyUnavailable('Redis')), ENQUEUE_TIMEOUT_MS);
  });
  try {
    return await Promise.race([work, timeout]);
  } catch (err) {
    throw isDependencyFailure(err) ? dependencyUnavailable('Redis') : err;
  } finally {
    clearTimeout(timer);
  }
}
