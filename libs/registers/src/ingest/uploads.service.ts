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

/** Who is looking at uploads: a municipal viewer sees only the uploads of their municipality's users. */
export interface UploadViewer {
  readonly scope: 'national' | 'municipal';
  readonly municipality: string | null;
}

/** Who stores an upload: only a national actor receives register extracts. */
export interface Uploader extends UploadViewer {
  readonly userId: string;
}

/**
 * Uploads carry no municipality of their own (an extract is national); a municipal viewer sees the ones
 * their municipality's users sent, which is what they answer for. A null parameter means every upload.
 */
const UPLOADED_IN_SCOPE = (param: string): string =>
  `(${param}::text IS NULL OR uploaded_by IN (SELECT id::text FROM users WHERE municipality = ${param}::text))`;

function viewerMunicipality(viewer: UploadViewer): string | null {
  if (viewer.scope === 'national') return null;
  if (!viewer.municipality) throw DomainError.forbidden('A municipal viewer needs a municipality');
  return viewer.municipality;
}

const NATIONAL_VIEWER: UploadViewer = { scope: 'national', municipality: null };

export const uploadJobId = (uploadId: string): string => `ingest-upload-${uploadId}`;

/** Uploads through the API: a stored file pair, queued for the worker, whose status can be polled. */
@Injectable()
export class UploadsService {
  constructor(
    private readonly db: DatabaseService,
    private readonly producer: JobProducer,
  ) {}

  /**
   * Refuses an uploader who may not deliver extracts; the API asks before it stores any file, and
   * enqueue asks again, so no path queues a municipal actor's extract.
   */
  assertMayUpload(uploader: Uploader): void {
    if (uploader.scope !== 'national') {
      throw DomainError.forbidden(`Receiving register extracts is a national matter: only a national administrator may do it (you act for ${uploader.municipality ?? 'one municipality'}).`);
    }
  }

  /** Records the stored files and enqueues their ingest (one job per upload, by the upload's id). */
  async enqueue(upload: StoredUpload, uploader: Uploader): Promise<UploadView> {
    this.assertMayUpload(uploader);
    if (uploader.userId !== upload.uploadedBy) throw DomainError.validation('an upload is recorded under the actor who stores it');
    await this.db.dataSource.query(
      `INSERT INTO extract_upload (id, register, status, csv_path, manifest_path, csv_bytes, uploaded_by)
       VALUES ($1, $2, 'QUEUED', $3, $4, $5, $6)`,
      [upload.id, upload.register, upload.csvPath, upload.manifestPath, upload.csvBytes, upload.uploadedBy],
    );
    await this.producer.enqueue(JobName.INGEST_UPLOAD, { uploadId: upload.id }, { jobId: uploadJobId(upload.id) });
    return this.get(upload.id);
  }

  /** One upload; a municipal viewer is told an upload of another municipality does not exist. */
  async get(id: string, viewer: UploadViewer = NATIONAL_VIEWER): Promise<UploadView> {
    if (!/^[0-9a-f-]{36}$/.test(id)) throw DomainError.notFound('upload');
    const rows = (await this.db.dataSource.query(`SELECT ${VIEW} FROM extract_upload WHERE id = $1 AND ${UPLOADED_IN_SCOPE('$2')}`, [id, viewerMunicipality(viewer)])) as UploadView[];
    if (!rows[0]) throw DomainError.notFound('upload');
    return rows[0];
  }

  async list(limit = 100, viewer: UploadViewer = NATIONAL_VIEWER): Promise<UploadView[]> {
    return (await this.db.dataSource.query(`SELECT ${VIEW} FROM extract_upload WHERE ${UPLOADED_IN_SCOPE('$2')} ORDER BY created_at DESC LIMIT $1`, [
      limit,
      viewerMunicipality(viewer),
    ])) as UploadView[];
  }

  /**
   * The stored upload for the worker, or null when it is unknown or already finished. `uploaderNational`
   * says whether its uploader is (still) a national user: an upload queued by a municipal administrator
   * before extracts were kept national must not be ingested on their word.
   */
  async claim(id: string): Promise<(StoredUpload & { readonly uploaderNational: boolean }) | null> {
    const rows = (await this.db.dataSource.query(
      `UPDATE extract_upload u SET status = 'RUNNING' WHERE id = $1 AND status IN ('QUEUED', 'RUNNING')
       RETURNING id, register, csv_path AS "csvPath", manifest_path AS "manifestPath", csv_bytes::float8 AS "csvBytes", uploaded_by AS "uploadedBy",
         EXISTS (SELECT 1 FROM users WHERE users.id::text = u.uploaded_by AND users.municipality IS NULL) AS "uploaderNational"`,
      [id],
    )) as [Array<StoredUpload & { uploaderNational: boolean }>, number] | Array<StoredUpload & { uploaderNational: boolean }>;
    const list = (Array.isArray(rows[0]) ? rows[0] : rows) as Array<StoredUpload & { uploaderNational: boolean }>;
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
