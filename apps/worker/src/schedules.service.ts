import { Injectable, Logger, Optional } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { Clock } from '@tiltas/common';
import { JobName, JobPayloads, JobProducer, periodJobId } from '@tiltas/queue';
// The cron engine @nestjs/schedule runs on, used directly because the expressions come from
// configuration, which the @Cron decorator cannot read.
import { CronJob } from 'cron';

/**
 * Schedules only enqueue. The job id names the period, so however many worker replicas tick, BullMQ holds
 * one job for it, and the runner's job_run row makes a late duplicate a no-op.
 */
@Injectable()
export class SchedulesService {
  private readonly logger = new Logger('Schedules');

  constructor(
    private readonly producer: JobProducer,
    private readonly clock: Clock,
    // Absent when the worker runs with schedules off (tests tick by hand).
    @Optional() private readonly registry?: SchedulerRegistry,
  ) {}

  /** Calls `tick` on `cronTime` (UTC); a failed tick is logged and the next one comes as usual. */
  every(name: string, cronTime: string, tick: () => Promise<unknown>): void {
    if (!this.registry) return;
    const job = CronJob.from({
      cronTime,
      timeZone: 'UTC',
      start: true,
      onTick: () => {
        tick().catch((err: unknown) => this.logger.error({ err, schedule: name }, 'schedule tick failed'));
      },
    });
    this.registry.addCronJob(name, job as never);
  }

  async tick<N extends JobName>(name: N, period: string, payload: JobPayloads[N]): Promise<string> {
    const jobId = periodJobId(name, period);
    await this.producer.enqueue(name, payload, { jobId });
    this.logger.log({ job: name, jobId }, 'schedule ticked');
    return jobId;
  }

  today(): string {
    return this.clock.today();
  }
}
