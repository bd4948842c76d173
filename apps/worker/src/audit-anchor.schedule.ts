import { Inject, Injectable, Logger, OnApplicationBootstrap, Optional } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { Clock } from '@tiltas/common';
import { APP_CONFIG, AppConfig } from '@tiltas/config';
import { JobName } from '@tiltas/queue';
// The cron engine @nestjs/schedule itself runs on; used directly because the expression comes from
// configuration (AUDIT_ANCHOR_CRON), which the @Cron decorator cannot read.
import { CronJob } from 'cron';
import { SchedulesService } from './schedules.service';

/**
 * Ticks the audit anchor on AUDIT_ANCHOR_CRON (UTC). The tick only enqueues, with the UTC minute as the
 * period in the job id, so any number of worker replicas anchor once per tick.
 */
@Injectable()
export class AuditAnchorSchedule implements OnApplicationBootstrap {
  private readonly logger = new Logger('AuditAnchorSchedule');

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
      cronTime: this.config.retention.auditAnchorCron,
      timeZone: 'UTC',
      start: true,
      onTick: () => {
        this.tick().catch((err: unknown) => this.logger.error({ err }, 'audit anchor tick failed'));
      },
    });
    this.registry.addCronJob('audit-anchor', job as never);
  }

  /** Enqueues the anchor job for the minute `at` falls in (`audit.anchor@2026-10-01T0215`). */
  async tick(at: Date = this.clock.now()): Promise<string> {
    // BullMQ reserves `:` in custom job ids, so the minute is written without one.
    const period = at.toISOString().slice(0, 16).replace(':', '');
    return this.schedules.tick(JobName.AUDIT_ANCHOR, period, { period });
  }
}
