import { Injectable } from '@nestjs/common';
import { JobHandler, JobName, JobPayloads } from '@tiltas/queue';
import { AnchorResult, AuditService } from './audit.service';

/**
 * The audit log's two scheduled jobs. Provided by the worker module only, so exactly one handler exists.
 *
 * - Seals (audit.seal, every few seconds): links committed entries into the chain. Safe to run twice and
 *   from several workers at once: the sealer takes an advisory lock and continues from the last link.
 * - Anchors (audit.anchor, AUDIT_ANCHOR_CRON): seals, then records the last link in audit_anchor.
 *   Anchoring an already-anchored link is a no-op.
 */
@Injectable()
export class AuditAnchorHandler {
  constructor(private readonly audit: AuditService) {}

  @JobHandler(JobName.AUDIT_ANCHOR)
  async handle(payload: JobPayloads[JobName.AUDIT_ANCHOR]): Promise<{ period: string; status: AnchorResult['status']; seq: number | null }> {
    const result = await this.audit.anchor(`system:${JobName.AUDIT_ANCHOR}`);
    return { period: payload.period, status: result.status, seq: result.anchor?.seq ?? null };
  }

  @JobHandler(JobName.AUDIT_SEAL)
  async seal(payload: JobPayloads[JobName.AUDIT_SEAL]): Promise<{ period: string; sealed: number; gaps: number; head: number; waitingAt: number | null }> {
    const run = await this.audit.seal();
    return { period: payload.period, sealed: run.sealed, gaps: run.gaps, head: run.head.seq, waitingAt: run.waitingAt };
  }
}
