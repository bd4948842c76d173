import { Injectable } from '@nestjs/common';
import { JobHandler, JobName, JobPayloads } from '@tiltas/queue';
import { AnchorExporter } from './anchor-exporter';
import { AnchorResult, AuditService } from './audit.service';

/**
 * The audit log's two scheduled jobs. Provided by the worker module only, so exactly one handler exists.
 *
 * - Seals (audit.seal, every few seconds): links committed entries into the chain. Safe to run twice and
 *   from several workers at once: the sealer takes an advisory lock and continues from the last link.
 * - Anchors (audit.anchor, AUDIT_ANCHOR_CRON): seals, then records the last link in audit_anchor, and
 *   keeps the last anchor outside the database too (AUDIT_ANCHOR_DIR, AUDIT_ANCHOR_URL). Anchoring an
 *   already-anchored link writes no row; the export is repeated, so a run whose export failed after the
 *   row was written is made good by the next one.
 */
@Injectable()
export class AuditAnchorHandler {
  constructor(
    private readonly audit: AuditService,
    private readonly exporter: AnchorExporter,
  ) {}

  @JobHandler(JobName.AUDIT_ANCHOR)
  async handle(
    payload: JobPayloads[JobName.AUDIT_ANCHOR],
  ): Promise<{ period: string; status: AnchorResult['status']; seq: number | null; exportedTo: string | null; appended: boolean }> {
    const result = await this.audit.anchorDocument(`system:${JobName.AUDIT_ANCHOR}`);
    const exported = result.document && this.exporter.configured ? await this.exporter.export(result.document) : null;
    return { period: payload.period, status: result.status, seq: result.document?.seq ?? null, exportedTo: exported?.file ?? exported?.postedTo ?? null, appended: exported?.appended ?? false };
  }

  @JobHandler(JobName.AUDIT_SEAL)
  async seal(payload: JobPayloads[JobName.AUDIT_SEAL]): Promise<{ period: string; sealed: number; gaps: number; head: number; waitingAt: number | null }> {
    const run = await this.audit.seal();
    return { period: payload.period, sealed: run.sealed, gaps: run.gaps, head: run.head.seq, waitingAt: run.waitingAt };
  }
}
