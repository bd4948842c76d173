import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { Clock, vilniusDate } from '@tiltas/common';
import { APP_CONFIG, AppConfig } from '@tiltas/config';
import { IdentificationService } from '@tiltas/identification';
import { deltaJobId, JobName, JobProducer } from '@tiltas/queue';
import { SchedulesService } from './schedules.service';

/**
 * Ticks identification on IDENTIFY_CRON (read in SCHEDULE_TIME_ZONE, daily by default) for D = the tick's
 * date there. The tick
 * only enqueues, with D in the job id, so however many worker replicas tick, D runs once; the run itself
 * takes an advisory lock and a repeat for the same versions and extracts changes nothing. The tick also
 * queues again any accepted delta still waiting for its same-day run (see catchUpDeltas).
 */
@Injectable()
export class IdentifySchedule implements OnApplicationBootstrap {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly schedules: SchedulesService,
    private readonly clock: Clock,
    private readonly identification: IdentificationService,
    private readonly producer: JobProducer,
  ) {}

  onApplicationBootstrap(): void {
    this.schedules.every('identify', this.config.identification.cron, () => this.tick());
  }

  async tick(at: Date = this.clock.now()): Promise<string> {
    const asOf = this.schedules.localDate(at);
    const jobId = await this.schedules.tick(JobName.IDENTIFY, asOf, { asOf, trigger: 'schedule' });
    await this.catchUpDeltas(at);
    return jobId;
  }

  /**
   * An accepted delta whose same-day job never reached Redis (it was down at the time) is queued again
   * here, under the job id that names it, so a delta is still identified, and once, at the next tick.
   */
  async catchUpDeltas(at: Date = this.clock.now()): Promise<number[]> {
    const pending = await this.identification.unidentifiedDeltas(at);
    for (const extractId of pending) {
      await this.producer.enqueue(JobName.IDENTIFY_DELTA, { extractId, asOf: vilniusDate(at) }, { jobId: deltaJobId(extractId) });
    }
    return pending;
  }
}
