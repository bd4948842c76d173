import { Injectable } from '@nestjs/common';
import { JobHandler, JobName, JobPayloads } from '@tiltas/queue';
import { AnchorResult, AuditService } from './audit.service';

/**
 * Anchors the log's head on the schedule (AUDIT_ANCHOR_CRON). Safe to run twice: anchoring an
 * already-anchored head is a no-op. Provided by the worker module only, so exactly one handler exists.
 */
@Injectable()
export class AuditAnchorHandler {
  constructor(private readonly audit: AuditService) {}

  @JobHandler(JobName.AUDIT_ANCHOR)
  async handle(payload: JobPayloads[JobName.AUDIT_ANCHOR]): Promise<{ period: string; status: AnchorResult['status']; seq: number | null }> {
    const result = await this.audit.anchor(`system:${JobName.AUDIT_ANCHOR}`);
    return { period: payload.period, status: result.status, seq: result.anchor?.seq ?? null };
  }
}
