import { Injectable, Logger } from '@nestjs/common';
import { IngestOutcome } from './ingest-outcome';
import { IngestService } from './ingest.service';
import { UploadPurgeService } from './upload-purge.service';
import { UploadsService } from './uploads.service';

/**
 * The worker's side of an upload: ingest the stored pair and record the outcome on the upload. A
 * rejection is an expected outcome (the job completes and says why); an unexpected error throws so the
 * queue retries, and the ingest takes over its own half-done load. Once the outcome is recorded the
 * upload's files are shredded: whatever the outcome, nothing more is to be read from them.
 */
@Injectable()
export class UploadIngestService {
  private readonly logger = new Logger('UploadIngest');

  constructor(
    private readonly uploads: UploadsService,
    private readonly ingest: IngestService,
    private readonly purge: UploadPurgeService,
  ) {}

  async run(uploadId: string): Promise<IngestOutcome | null> {
    const upload = await this.uploads.claim(uploadId);
    if (!upload) {
      // A retry after a crash between the outcome and the shredding finishes the shredding.
      const purged = await this.purge.purgeFinished(uploadId);
      this.logger.warn({ uploadId, purged }, 'upload unknown or already finished; nothing to ingest');
      return null;
    }
    if (!upload.uploaderNational) {
      await this.uploads.fail(uploadId, 'refused: receiving register extracts is a national matter, and this upload was sent by a municipal user');
      // A refusal is final too: its files are shredded like any other finished upload's.
      await this.purge.purgeFinished(uploadId);
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
    await this.purge.purgeFinished(uploadId);
    return outcome;
  }

  /** After the last retry: the upload says it failed, so whoever polls is not left waiting. */
  async giveUp(uploadId: string, error: string): Promise<void> {
    await this.uploads.fail(uploadId, error);
    await this.purge.purgeFinished(uploadId);
  }
}
