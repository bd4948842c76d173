import { Injectable, Logger } from '@nestjs/common';
import { IngestOutcome } from './ingest-outcome';
import { IngestService } from './ingest.service';
import { UploadsService } from './uploads.service';

/**
 * The worker's side of an upload: ingest the stored pair and record the outcome on the upload. A
 * rejection is an expected outcome (the job completes and says why); an unexpected error throws so the
 * queue retries, and the ingest takes over its own half-done load.
 */
@Injectable()
export class UploadIngestService {
  private readonly logger = new Logger('UploadIngest');

  constructor(
    private readonly uploads: UploadsService,
    private readonly ingest: IngestService,
  ) {}

  async run(uploadId: string): Promise<IngestOutcome | null> {
    const upload = await this.uploads.claim(uploadId);
    if (!upload) {
      this.logger.warn({ uploadId }, 'upload unknown or already finished; nothing to do');
      return null;
    }
    if (!upload.uploaderNational) {
      await this.uploads.fail(uploadId, 'refused: receiving register extracts is a national matter, and this upload was sent by a municipal user');
      this.logger.warn({ uploadId }, 'upload by a municipal user refused; nothing ingested');
      return null;
    }
    const outcome = await this.ingest.ingest({
      name: upload.register,
      csvPath: upload.csvPath,
      manifestPath: upload.manifestPath,
      source: 'upload',
      actor: { userId: upload.uploadedBy, role: 'ADMIN', municipality: null, scope: 'national' },
    });
    await this.uploads.finish(uploadId, outcome);
    return outcome;
  }

  /** After the last retry: the upload says it failed, so whoever polls is not left waiting. */
  async giveUp(uploadId: string, error: string): Promise<void> {
    await this.uploads.fail(uploadId, error);
  }
}
