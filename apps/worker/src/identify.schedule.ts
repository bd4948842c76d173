import { Inject, Injectable, Logger, OnApplicationBootstrap, Optional } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { Clock } from '@tiltas/common';
import { APP_CONFIG, AppConfig } from '@tiltas/config';
import { JobName } from '@tiltas/queue';
// The cron engine @nestjs/schedule runs on, used directly because IDENTIFY_CRON comes from configuration.
import { CronJob } from 'cron';
import { SchedulesService } from './schedules.service';

/**
 * Ticks identification on IDENTIFY_CRON (UTC, daily by default) for D = the tick's UTC date. The tick
 * only enqueues, with D in the job id, so however many worker replicas tick, D runs once; the run itself
 * takes an advisory lock and a repeat for the same versions and extracts changes nothing.
 */
@Injectable()
export class IdentifySchedule implements OnApplicationBootstrap {
  private readonly logger = new Logger('IdentifySchedule');

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
      cronTime: this.config.identification.cron,
      timeZone: 'UTC',
      start: true,
      onTick: () => {
        this.tick().catch((err: unknown) => this.logger.error({ err }, 'identification tick failed'));
      },
    });
    this.registry.addCronJob('identify', job as never);
  }

  async tick(at: Date = this.clock.now()): Promise<string> {
    const asOf = at.toISOString().slice(0, 10);
    return this.schedules.tick(JobName.IDENTIFY, asOf, { asOf, trigger: 'schedule' });
  }
}
