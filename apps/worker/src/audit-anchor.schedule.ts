import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { Clock } from '@tiltas/common';
import { APP_CONFIG, AppConfig } from '@tiltas/config';
import { JobName } from '@tiltas/queue';
import { SchedulesService } from './schedules.service';

/**
 * Ticks the audit anchor on AUDIT_ANCHOR_CRON (read in SCHEDULE_TIME_ZONE), and the audit sealer on AUDIT_SEAL_CRON (every minute
 * by default: verify, export and anchoring seal first themselves, so the chain an auditor sees is never
 * behind; this tick keeps the unsealed tail short). A tick only enqueues, with the UTC minute in the job
 * id (a local minute would repeat when the clocks go back), so any number of worker replicas run each tick once.
 */
@Injectable()
export class AuditAnchorSchedule implements OnApplicationBootstrap {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly schedules: SchedulesService,
    private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    this.schedules.every('audit-anchor', this.config.retention.auditAnchorCron, () => this.tick());
    this.schedules.every('audit-seal', this.config.retention.auditSealCron, () => this.sealTick());
  }

  /** Enqueues the seal job for the minute `at` falls in (`audit.seal@2026-10-01T0215`). */
  async sealTick(at: Date = this.clock.now()): Promise<string> {
    return this.schedules.tick(JobName.AUDIT_SEAL, minuteOf(at), { period: minuteOf(at) });
  }

  /** Enqueues the anchor job for the minute `at` falls in (`audit.anchor@2026-10-01T0215`). */
  async tick(at: Date = this.clock.now()): Promise<string> {
    return this.schedules.tick(JobName.AUDIT_ANCHOR, minuteOf(at), { period: minuteOf(at) });
  }
}

/** The UTC minute, without `:` (BullMQ reserves it in custom job ids). */
function minuteOf(at: Date): string {
  return at.toISOString().slice(0, 16).replace(':', '');
}
