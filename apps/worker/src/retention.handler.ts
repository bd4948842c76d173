import { Injectable } from '@nestjs/common';
import { CaseRetentionService } from '@tiltas/outreach';
import { JobHandler, JobName, JobPayloads } from '@tiltas/queue';
import { RetentionService, UploadPurgeService } from '@tiltas/registers';

/**
 * The daily retention run: superseded extracts past their period are detached and dropped, closed cases
 * past theirs are deleted with their history, uploads stuck past UPLOAD_STUCK_HOURS are shredded; each
 * purge is logged. Safe to run twice: what is purged is
 * no longer a candidate.
 */
@Injectable()
export class RetentionHandler {
  constructor(
    private readonly extracts: RetentionService,
    private readonly cases: CaseRetentionService,
    private readonly uploads: UploadPurgeService,
  ) {}

  @JobHandler(JobName.RETENTION)
  async handle(
    payload: JobPayloads[JobName.RETENTION],
  ): Promise<{ period: string; purgedExtracts: number[]; purgedCases: number; purgedUploads: string[]; purgedStrays: number }> {
    const purged = await this.extracts.purgeSupersededExtracts();
    const cases = await this.cases.purgeClosedCases();
    const uploads = await this.uploads.purgeStuck();
    return {
      period: payload.period,
      purgedExtracts: purged.map((p) => p.id),
      purgedCases: cases.purged,
      purgedUploads: uploads.uploads.map((u) => u.id),
      purgedStrays: uploads.strays,
    };
  }
}
