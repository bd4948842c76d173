import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { Clock } from '@tiltas/common';
import { APP_CONFIG, AppConfig } from '@tiltas/config';
import { JobName, JobPayloads, JobProducer, periodJobId } from '@tiltas/queue';
// The cron engine @nestjs/schedule runs on, used directly because the expressions come from
// configuration, which the @Cron decorator cannot read.
import { CronJob, CronTime } from 'cron';

/**
 * Schedules only enqueue. The job id names the period, so however many worker replicas tick, BullMQ holds
 * one job for it, and the runner's job_run row makes a late duplicate a no-op.
 *
 * Cron expressions are read in SCHEDULE_TIME_ZONE (Europe/Vilnius by default), the way the people who set
 * them think of the day: `0 3 * * *` is 03:00 there in winter and in summer. Across a DST change the engine
 * fires a time the clocks skip at the first minute after the gap, and a time they repeat once; a daily
 * period is the local date (`localDate`), so even a second tick on that day would name the same job.
 */
@Injectable()
export class SchedulesService {
  private readonly logger = new Logger('Schedules');
  private readonly dateFormat: Intl.DateTimeFormat;

  constructor(
    private readonly producer: JobProducer,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    // Absent when the worker runs with schedules off (tests tick by hand).
    @Optional() private readonly registry?: SchedulerRegistry,
  ) {
    this.dateFormat = new Intl.DateTimeFormat('en-CA', { timeZone: config.schedules.timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
  }

  /** Calls `tick` on `cronTime` (read in SCHEDULE_TIME_ZONE); a failed tick is logged and the next one comes as usual. */
  every(name: string, cronTime: string, tick: () => Promise<unknown>): void {
    if (!this.registry) return;
    const job = CronJob.from({
      cronTime,
      timeZone: this.config.schedules.timeZone,
      start: true,
      onTick: () => {
        tick().catch((err: unknown) => this.logger.error({ err, schedule: name }, 'schedule tick failed'));
      },
    });
    this.registry.addCronJob(name, job as never);
  }

  /**
   * The instants in [from, to) at which `every` fires `cronTime`, computed by the same engine: what a clock
   * running through that span would see (tests drive replicas through months with it).
   */
  fireTimes(cronTime: string, from: Date, to: Date): Date[] {
    const time = new CronTime(cronTime, this.config.schedules.timeZone);
    const out: Date[] = [];
    let at = from.getTime() - 1;
    for (;;) {
      const next = time.getNextDateFrom(new Date(at), this.config.schedules.timeZone).toJSDate();
      if (next.getTime() >= to.getTime()) return out;
      out.push(next);
      at = next.getTime();
    }
  }

  async tick<N extends JobName>(name: N, period: string, payload: JobPayloads[N]): Promise<string> {
    const jobId = periodJobId(name, period);
    await this.producer.enqueue(name, payload, { jobId });
    this.logger.log({ job: name, jobId }, 'schedule ticked');
    return jobId;
  }

  /** The calendar date (YYYY-MM-DD) of `at` in SCHEDULE_TIME_ZONE: the period of a daily schedule. */
  localDate(at: Date = this.clock.now()): string {
    return this.dateFormat.format(at);
  }

  /** Today in SCHEDULE_TIME_ZONE. */
  today(): string {
    return this.localDate();
  }
}
