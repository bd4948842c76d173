import { Injectable } from '@nestjs/common';
import { JobHandler, JobName, JobPayloads } from '@tiltas/queue';
import { RetentionService } from '@tiltas/registers';

/** The daily retention run: superseded extracts past their period are detached, dropped and logged. */
@Injectable()
export class RetentionHandler {
  constructor(private readonly retention: RetentionService) {}

  @JobHandler(JobName.RETENTION)
  async handle(payload: JobPayloads[JobName.RETENTION]): Promise<{ period: string; purgedExtracts: number[] }> {
    const purged = await this.retention.purgeSupersededExtracts();
    return { period: payload.period, purgedExtracts: purged.map((p) => p.id) };
  }
}
