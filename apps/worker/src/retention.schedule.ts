import { Inject, Injectable, Logger, OnApplicationBootstrap, Optional } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { Clock } from '@tiltas/common';
import { APP_CONFIG, AppConfig } from '@tiltas/config';
import { JobName } from '@tiltas/queue';
// The cron engine @nestjs/schedule runs on, used directly because RETENTION_CRON comes from configuration.
import { CronJob } from 'cron';
import { SchedulesService } from './schedules.service';

/**
 * Ticks retention on RETENTION_CRON (UTC, daily by default). The tick only enqueues, with the UTC date as
 * the period in the job id, so any number of worker replicas run retention once a day.
 */
@Injectable()
export class RetentionSchedule implements OnApplicationBootstrap {
  private readonly logger = new Logger('RetentionSchedule');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly schedules: SchedulesService,
    private readonly clock: Clock,
    // Absent when the worker runs with schedules off (tests tick by hand).
    @Optional() private readonly registry?: SchedulerRegistry,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.registry) return;
    const job = CronJob.from({
      cronTime: this.config.retention.cron,
      timeZone: 'UTC',
      start: true,
      onTick: () => {
        this.tick().catch((err: unknown) => this.logger.error({ err }, 'retention tick failed'));
      },
    });
    this.registry.addCronJob('retention', job as never);
  }

  async tick(at: Date = this.clock.now()): Promise<string> {
    const period = at.toISOString().slice(0, 10);
    return this.schedules.tick(JobName.RETENTION, period, { period });
  }
}
