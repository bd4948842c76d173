import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { Clock } from '@tiltas/common';
import { APP_CONFIG, AppConfig } from '@tiltas/config';
import { JobName } from '@tiltas/queue';
import { SchedulesService } from './schedules.service';

/**
 * Ticks retention on RETENTION_CRON (read in SCHEDULE_TIME_ZONE, daily by default). The tick only enqueues,
 * with the local date as the period in the job id, so any number of worker replicas run retention once a day.
 */
@Injectable()
export class RetentionSchedule implements OnApplicationBootstrap {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly schedules: SchedulesService,
    private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    this.schedules.every('retention', this.config.retention.cron, () => this.tick());
  }

  async tick(at: Date = this.clock.now()): Promise<string> {
    const period = this.schedules.localDate(at);
    return this.schedules.tick(JobName.RETENTION, period, { period });
  }
}
