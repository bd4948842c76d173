import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { Clock } from '@tiltas/common';
import { APP_CONFIG, AppConfig } from '@tiltas/config';
import { JobName } from '@tiltas/queue';
import { SchedulesService } from './schedules.service';

/**
 * Ticks identification on IDENTIFY_CRON (read in SCHEDULE_TIME_ZONE, daily by default) for D = the tick's
 * date there. The tick
 * only enqueues, with D in the job id, so however many worker replicas tick, D runs once; the run itself
 * takes an advisory lock and a repeat for the same versions and extracts changes nothing.
 */
@Injectable()
export class IdentifySchedule implements OnApplicationBootstrap {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly schedules: SchedulesService,
    private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    this.schedules.every('identify', this.config.identification.cron, () => this.tick());
  }

  async tick(at: Date = this.clock.now()): Promise<string> {
    const asOf = this.schedules.localDate(at);
    return this.schedules.tick(JobName.IDENTIFY, asOf, { asOf, trigger: 'schedule' });
  }
}
