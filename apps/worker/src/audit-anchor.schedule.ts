import { Inject, Injectable, Logger, OnApplicationBootstrap, Optional } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { Clock } from '@tiltas/common';
import { APP_CONFIG, AppConfig } from '@tiltas/config';
import { JobName } from '@tiltas/queue';
// The cron engine @nestjs/schedule itself runs on; used directly because the expression comes from
// configuration (AUDIT_ANCHOR_CRON), which the @Cron decorator cannot read.
import { CronJob } from 'cron';
import { SchedulesService } from './schedules.service';

/** How often committed audit entries are linked into the hash chain: every 5 seconds. */
const SEAL_CRON = '*/5 * * * * *';

/**
 * Ticks the audit anchor on AUDIT_ANCHOR_CRON (UTC), and the audit sealer every 5 seconds. A tick only
 * enqueues, with the period in the job id (the UTC minute, or second), so any number of worker replicas
 * run each tick once.
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
    const seal = CronJob.from({
      cronTime: SEAL_CRON,
      timeZone: 'UTC',
      start: true,
      onTick: () => {
        this.sealTick().catch((err: unknown) => this.logger.error({ err }, 'audit seal tick failed'));
      },
    });
    this.registry.addCronJob('audit-seal', seal as never);
  }

  /** Enqueues the seal job for the second `at` falls in (`audit.seal@2026-10-01T021505`). */
  async sealTick(at: Date = this.clock.now()): Promise<string> {
    const period = at.toISOString().slice(0, 19).replace(/[:]/g, '');
    return this.schedules.tick(JobName.AUDIT_SEAL, period, { period });
  }

  /** Enqueues the anchor job for the minute `at` falls in (`audit.anchor@2026-10-01T0215`). */
  async tick(at: Date = this.clock.now()): Promise<string> {
    // BullMQ reserves `:` in custom job ids, so the minute is written without one.
    const period = at.toISOString().slice(0, 16).replace(':', '');
    return this.schedules.tick(JobName.AUDIT_ANCHOR, period, { period });
  }
}
