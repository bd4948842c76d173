import { Injectable, OnModuleInit } from '@nestjs/common';
import { JobHandler, JobName, JobPayloads } from '@tiltas/queue';
import { IngestOutcome, UploadIngestService, UploadStorage } from '@tiltas/registers';
import { JobContext } from './job-handler-registry';

/**
 * Ingests an uploaded extract. A rejection completes the job (the upload says why); an unexpected error
 * throws for BullMQ to retry, and on the last attempt the upload is marked FAILED so a poller stops waiting.
 * The worker reads uploads from STORAGE_DIR, so it refuses to start when that folder is open to others.
 */
@Injectable()
export class IngestUploadHandler implements OnModuleInit {
  /** Must match DEFAULT_JOB_OPTIONS.attempts. */
  static readonly ATTEMPTS = 5;

  constructor(
    private readonly uploads: UploadIngestService,
    private readonly storage: UploadStorage,
  ) {}

  onModuleInit(): void {
    this.storage.prepare();
  }

  @JobHandler(JobName.INGEST_UPLOAD)
  async handle(payload: JobPayloads[JobName.INGEST_UPLOAD], context: JobContext): Promise<IngestOutcome | null> {
    try {
      return await this.uploads.run(payload.uploadId);
    } catch (err) {
      if (context.attempt >= IngestUploadHandler.ATTEMPTS) {
        await this.uploads.giveUp(payload.uploadId, err instanceof Error ? err.message : String(err));
      }
      throw err;
    }
  }
}
