import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '@tiltas/config';
import { DatabaseService } from '@tiltas/database';
import { isDependencyFailure, OutageReporter } from '@tiltas/common';
import { ALL_JOB_NAMES, DEFAULT_JOB_OPTIONS, JOB_QUEUE, JobName, QUEUE_CONCURRENCY, QueueName, createRedis, redisWhere, watchOutages } from '@tiltas/queue';
import { Job, Worker } from 'bullmq';
import { hostname } from 'node:os';
import { Counter, Histogram, Registry } from 'prom-client';
import { JobHandlerRegistry } from './job-handler-registry';

export const WORKER_METRICS = Symbol('WORKER_METRICS');

/**
 * One BullMQ Worker per queue, dispatching by job name. Each job runs under a session advisory lock named
 * by its id and leaves a `job_run` row: a completed job id is never run again, so a duplicate delivery
 * (two schedulers, a retry after a crash that happened after commit) changes nothing.
 */
@Injectable()
export class JobRunnerService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('JobRunner');
  private readonly workers: Worker[] = [];
  readonly workerId = `${hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`;
  private readonly jobsTotal: Counter;
  private readonly jobSeconds: Histogram;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly registry: JobHandlerRegistry,
    private readonly db: DatabaseService,
    @Inject(WORKER_METRICS) metrics: Registry,
  ) {
    this.jobsTotal = new Counter({ name: 'tiltas_jobs_total', help: 'Jobs finished, by name and outcome', labelNames: ['name', 'outcome'], registers: [metrics] });
    this.jobSeconds = new Histogram({ name: 'tiltas_job_seconds', help: 'Job duration', labelNames: ['name'], registers: [metrics], buckets: [0.05, 0.2, 1, 5, 20, 60, 300] });
  }

  onApplicationBootstrap(): void {
    const queues = new Set(ALL_JOB_NAMES.map((n) => JOB_QUEUE[n]));
    const lockMs = this.config.queue.jobLockSeconds * 1000;
    for (const queue of queues) {
      const connection = createRedis(this.config, 'worker');
      // BullMQ re-emits every reconnect failure of its connections here: one line per outage, not per retry.
      const outage = watchOutages(connection, new OutageReporter(this.logger, `Redis (queue ${queue}) at ${redisWhere(this.config.redis)}`));
      const worker = new Worker(queue, (job) => this.process(job), {
        connection,
        prefix: this.config.redis.prefix,
        concurrency: QUEUE_CONCURRENCY[queue as QueueName],
        autorun: true,
        // A worker that dies (kill -9, a lost machine) stops renewing its job's lock; another worker takes
        // the job over within about two lock periods. Each such take-over counts as an attempt.
        lockDuration: lockMs,
        stalledInterval: lockMs,
        maxStalledCount: DEFAULT_JOB_OPTIONS.attempts,
      });
      worker.on('error', (err) => {
        if (isDependencyFailure(err) || outage.down) outage.failed(err);
        else if (/^Missing lock for job/.test(err.message)) {
          // The lock lapsed while Redis was away or the process stalled: BullMQ delivers the job again and
          // its job_run row makes the repeat a no-op, so this is worth a line, not an alarm.
          this.logger.warn({ queue, reason: err.message }, 'a job lost its lock; it will be delivered again and not run twice');
        } else this.logger.error({ err, queue }, 'queue worker error');
      });
      this.workers.push(worker);
    }
    this.logger.log({ queues: [...queues], worker: this.workerId }, 'job runner started');
  }

  async process(job: Job): Promise<unknown> {
    const name = job.name as JobName;
    const jobId = job.id ?? `${name}:${job.timestamp}`;
    const handler = this.registry.handler(name);
    const started = Date.now();
    const runner = this.db.dataSource.createQueryRunner();
    await runner.connect();
    try {
      const [{ locked }] = (await runner.query('SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS locked', [`job:${jobId}`])) as Array<{ locked: boolean }>;
      if (!locked) {
        // Another worker holds this very job: let BullMQ retry later rather than run it twice.
        throw new Error(`job ${jobId} is running elsewhere`);
      }
      try {
        const done = (await runner.query(`SELECT status, result FROM job_run WHERE job_id = $1`, [jobId])) as Array<{ status: string; result: unknown }>;
        if (done[0]?.status === 'COMPLETED') {
          this.logger.log({ job: name, jobId }, 'job already completed; nothing to do');
          return done[0].result;
        }
        await runner.query(
          `INSERT INTO job_run (job_id, name, status, worker) VALUES ($1, $2, 'RUNNING', $3)
           ON CONFLICT (job_id) DO UPDATE SET status = 'RUNNING', attempts = job_run.attempts + 1,
             worker = EXCLUDED.worker, started_at = now(), finished_at = NULL, error = NULL`,
          [jobId, name, this.workerId],
        );
        this.logger.log({ job: name, jobId, attempt: job.attemptsMade + 1 }, 'job started');
        try {
          const result = await handler(job.data, {
            jobId,
            attempt: job.attemptsMade + 1,
            progress: (value) => job.updateProgress(value),
          });
          await runner.query(`UPDATE job_run SET status = 'COMPLETED', finished_at = now(), result = $2 WHERE job_id = $1`, [jobId, JSON.stringify(result ?? null)]);
          this.jobsTotal.inc({ name, outcome: 'completed' });
          this.logger.log({ job: name, jobId, ms: Date.now() - started }, 'job completed');
          return result;
        } catch (err) {
          const message = err instanceof Error ? err.message : String(err);
          await runner.query(`UPDATE job_run SET status = 'FAILED', finished_at = now(), error = $2 WHERE job_id = $1`, [jobId, message.slice(0, 2000)]);
          this.jobsTotal.inc({ name, outcome: 'failed' });
          this.logger.error({ job: name, jobId, err }, 'job failed; it will be retried if attempts remain');
          throw err;
        }
      } finally {
        await runner.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [`job:${jobId}`]);
      }
    } finally {
      this.jobSeconds.observe({ name }, (Date.now() - started) / 1000);
      await runner.release();
    }
  }

  /** In-flight jobs finish; waiting ones stay in Redis for the next worker. */
  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.close()));
    this.logger.log({ worker: this.workerId }, 'job runner stopped');
  }
}
