import { Injectable } from '@nestjs/common';
import { DomainError } from '@tiltas/common';
import { DatabaseService } from '@tiltas/database';
import { JobName, JobProducer } from '@tiltas/queue';
import { IngestOutcome } from './ingest-outcome';

export type UploadStatus = 'QUEUED' | 'RUNNING' | 'DONE' | 'FAILED';

export interface UploadView {
  readonly id: string;
  readonly register: string;
  readonly status: UploadStatus;
  readonly csvBytes: number;
  readonly outcome: IngestOutcome | { readonly error: string } | null;
  readonly extractId: number | null;
  readonly createdAt: string;
  readonly finishedAt: string | null;
  /** When the upload's files were shredded (right after a final ingest, or by retention); null while kept. */
  readonly purgedAt: string | null;
}

export interface StoredUpload {
  readonly id: string;
  /** The register the files are named after (from the manifest; `unknown` when it could not be read). */
  readonly register: string;
  readonly csvPath: string;
  readonly manifestPath: string;
  readonly csvBytes: number;
  readonly uploadedBy: string;
}

const VIEW = `id, register, status, csv_bytes::float8 AS "csvBytes", outcome, extract_id AS "extractId",
  to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS "createdAt",
  to_char(finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS "finishedAt",
  to_char(purged_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS "purgedAt"`;

export const uploadJobId = (uploadId: string): string => `ingest-upload-${uploadId}`;

/** Uploads through the API: a stored file pair, queued for the worker, whose status can be polled. */
@Injectable()
export class UploadsService {
  constructor(
    private readonly db: DatabaseService,
    private readonly producer: JobProducer,
  ) {}

  /** Records the stored files and enqueues their ingest (one job per upload, by the upload's id). */
  async enqueue(upload: StoredUpload): Promise<UploadView> {
    await this.db.dataSource.query(
      `INSERT INTO extract_upload (id, register, status, csv_path, manifest_path, csv_bytes, uploaded_by)
       VALUES ($1, $2, 'QUEUED', $3, $4, $5, $6)`,
      [upload.id, upload.register, upload.csvPath, upload.manifestPath, upload.csvBytes, upload.uploadedBy],
    );
    await this.producer.enqueue(JobName.INGEST_UPLOAD, { uploadId: upload.id }, { jobId: uploadJobId(upload.id) });
    return this.get(upload.id);
  }

  async get(id: string): Promise<UploadView> {
    if (!/^[0-9a-f-]{36}$/.test(id)) throw DomainError.notFound('upload');
    const rows = (await this.db.dataSource.query(`SELECT ${VIEW} FROM extract_upload WHERE id = $1`, [id])) as UploadView[];
    if (!rows[0]) throw DomainError.notFound('upload');
    return rows[0];
  }

  async list(limit = 100): Promise<UploadView[]> {
    return (await this.db.dataSource.query(`SELECT ${VIEW} FROM extract_upload ORDER BY created_at DESC LIMIT $1`, [limit])) as UploadView[];
  }

  /** The stored upload for the worker, or null when it is unknown or already finished. */
  async claim(id: string): Promise<StoredUpload | null> {
    const rows = (await this.db.dataSource.query(
      `UPDATE extract_upload SET status = 'RUNNING' WHERE id = $1 AND status IN ('QUEUED', 'RUNNING')
       RETURNING id, register, csv_path AS "csvPath", manifest_path AS "manifestPath", csv_bytes::float8 AS "csvBytes", uploaded_by AS "uploadedBy"`,
      [id],
    )) as [StoredUpload[], number] | StoredUpload[];
    const list = (Array.isArray(rows[0]) ? rows[0] : rows) as StoredUpload[];
    return list[0] ?? null;
  }

  async finish(id: string, outcome: IngestOutcome): Promise<void> {
    await this.db.dataSource.query(
      `UPDATE extract_upload SET status = 'DONE', outcome = $2, extract_id = $3, finished_at = now() WHERE id = $1`,
      [id, JSON.stringify(outcome), outcome.extractId ?? null],
    );
  }

  async fail(id: string, error: string): Promise<void> {
    await this.db.dataSource.query(
      `UPDATE extract_upload SET status = 'FAILED', outcome = $2, finished_at = now() WHERE id = $1 AND status <> 'DONE'`,
      [id, JSON.stringify({ error: error.slice(0, 500) })],
    );
  }
}
