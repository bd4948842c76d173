import { Injectable } from '@nestjs/common';
import { DatabaseService, SYSTEM_SCOPE } from '@tiltas/database';
import { JobHandler, JobName, JobPayloads } from '@tiltas/queue';
import { JobContext } from './job-handler-registry';

/** The round trip api → Redis → worker → PostgreSQL, used by the status page and the tests. */
@Injectable()
export class PingHandler {
  constructor(private readonly db: DatabaseService) {}

  @JobHandler(JobName.PING)
  async handle(payload: JobPayloads[JobName.PING], context: JobContext): Promise<{ token: string; jobId: string }> {
    await this.db.transaction(SYSTEM_SCOPE('ping'), (m) =>
      m.query(`INSERT INTO system_ping (token, processed_by) VALUES ($1, $2) ON CONFLICT (token) DO NOTHING`, [payload.token, context.jobId]),
    );
    return { token: payload.token, jobId: context.jobId };
  }
}
