import { Inject, Injectable, Logger } from '@nestjs/common';
import { AuditService } from '@tiltas/audit';
import { Clock } from '@tiltas/common';
import { APP_CONFIG, AppConfig } from '@tiltas/config';
import { applyScope, DbScope, OWNER_DATA_SOURCE, SYSTEM_SCOPE } from '@tiltas/database';
import { basename } from 'node:path';
import { DataSource, EntityManager } from 'typeorm';
import { RemovedFiles, StrayEntry, UploadStorage } from './upload-storage';

/** Why an upload's files went: its ingest was final, it was stuck, or its parts never made an upload. */
export type UploadPurgeReason = 'ingested' | 'stuck' | 'unfinished' | 'orphaned';

export interface UploadPurgeReport {
  /** Upload ids whose files were deleted, with why. */
  readonly uploads: ReadonlyArray<{ readonly id: string; readonly reason: UploadPurgeReason }>;
  /** Parts or folders under STORAGE_DIR that belonged to no upload row, deleted. */
  readonly strays: number;
  readonly uploadStuckHours: number;
}

interface UnpurgedUpload {
  readonly id: string;
  readonly register: string;
  readonly status: 'QUEUED' | 'RUNNING' | 'DONE' | 'FAILED';
  readonly outcome: string | null;
}

const UNPURGED = `SELECT id, register, status, coalesce(outcome->>'status', CASE WHEN outcome ? 'error' THEN 'FAILED' END) AS outcome
  FROM extract_upload`;

/**
 * Deletes uploaded extracts from STORAGE_DIR once they are of no more use: an upload's pair as soon as
 * its ingest is final (whatever the outcome: the data that counts is in the register tables or the
 * vault, or was refused), and by the retention run anything stuck longer than UPLOAD_STUCK_HOURS: an
 * upload never ingested (marked FAILED, so nobody waits for it), parts of an upload that never finished
 * arriving, folders no upload accounts for. Every deletion is logged (`upload.purged`), in the
 * transaction that marks the upload purged.
 *
 * The files go first and the mark after: a crash between them leaves an upload marked unpurged with no
 * files, which the next run marks (and logs, with zero files), never files on disk marked gone.
 */
@Injectable()
export class UploadPurgeService {
  private readonly logger = new Logger('UploadPurge');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(OWNER_DATA_SOURCE) private readonly owner: DataSource,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly storage: UploadStorage,
  ) {}

  /** Deletes a finished upload's files; false when it is not finished or its files are gone already. */
  async purgeFinished(uploadId: string): Promise<boolean> {
    const rows = (await this.owner.query(`${UNPURGED} WHERE id = $1 AND purged_at IS NULL AND status IN ('DONE', 'FAILED')`, [uploadId])) as UnpurgedUpload[];
    if (!rows[0]) return false;
    return this.purge(rows[0], 'ingested', SYSTEM_SCOPE('ingest'));
  }

  /** The retention run's part: everything stuck longer than UPLOAD_STUCK_HOURS, and finished uploads a crash left behind. */
  async purgeStuck(): Promise<UploadPurgeReport> {
    const hours = this.config.ingest.uploadStuckHours;
    const cutoff = new Date(this.clock.now().getTime() - hours * 3_600_000);
    const scope = SYSTEM_SCOPE('retention');
    const uploads: Array<{ id: string; reason: UploadPurgeReason }> = [];
    const due = (await this.owner.query(
      `${UNPURGED} WHERE purged_at IS NULL AND (status IN ('DONE', 'FAILED') OR created_at <= $1) ORDER BY created_at, id`,
      [cutoff.toISOString()],
    )) as UnpurgedUpload[];
    for (const upload of due) {
      const reason = upload.status === 'DONE' || upload.status === 'FAILED' ? 'ingested' : 'stuck';
      if (await this.purge(upload, reason, scope)) uploads.push({ id: upload.id, reason });
    }

    let strays = 0;
    const found = await this.storage.strays(cutoff);
    const folders = found.filter((s) => !s.name.includes('/')).map((s) => s.name);
    const known = new Set(
      ((await this.owner.query(`SELECT id::text AS id FROM extract_upload WHERE id = ANY($1::uuid[]) AND purged_at IS NULL`, [folders])) as Array<{ id: string }>).map((r) => r.id),
    );
    for (const stray of found) {
      // A folder whose upload is still unpurged is not stuck yet (its row is younger than the cutoff).
      if (known.has(stray.name)) continue;
      const removed = await this.storage.removeStray(stray);
      await this.transaction(scope, (m) => this.recordStray(m, scope, stray, removed, hours));
      strays += 1;
    }
    this.logger.log({ uploads: uploads.length, strays, uploadStuckHours: hours }, 'retention of uploads finished');
    return { uploads, strays, uploadStuckHours: hours };
  }

  private async purge(upload: UnpurgedUpload, reason: 'ingested' | 'stuck', scope: DbScope): Promise<boolean> {
    const removed = await this.storage.removeUpload(upload.id);
    const hours = this.config.ingest.uploadStuckHours;
    const done = await this.transaction(scope, async (m) => {
      const marked = (await m.query(
        reason === 'stuck'
          ? `UPDATE extract_upload SET status = 'FAILED', outcome = $2, finished_at = now(), purged_at = now()
              WHERE id = $1 AND purged_at IS NULL AND status IN ('QUEUED', 'RUNNING') RETURNING id`
          : `UPDATE extract_upload SET purged_at = now() WHERE id = $1 AND purged_at IS NULL RETURNING id`,
        reason === 'stuck' ? [upload.id, JSON.stringify({ error: `not ingested within ${hours} hours (UPLOAD_STUCK_HOURS): its files were deleted` })] : [upload.id],
      )) as [unknown[], number] | unknown[];
      const rows = Array.isArray(marked[0]) ? (marked[0] as unknown[]) : (marked as unknown[]);
      if (rows.length === 0) return false;
      await this.audit.record(m, {
        actor: scope.actor,
        role: scope.role,
        municipality: null,
        action: 'upload.purged',
        objectType: 'upload',
        objectId: upload.id,
        details: {
          register: upload.register.slice(0, 64),
          reason,
          outcome: reason === 'stuck' ? 'FAILED' : upload.outcome,
          files: removed.files,
          bytes: removed.bytes,
          ...(reason === 'stuck' ? { uploadStuckHours: hours } : {}),
        },
      });
      return true;
    });
    if (done) this.logger.log({ uploadId: upload.id, reason, files: removed.files }, 'upload files shredded');
    return done;
  }

  private async recordStray(m: EntityManager, scope: DbScope, stray: StrayEntry, removed: RemovedFiles, hours: number): Promise<void> {
    const unfinished = stray.name.includes('/');
    await this.audit.record(m, {
      actor: scope.actor,
      role: scope.role,
      municipality: null,
      action: 'upload.purged',
      objectType: unfinished ? 'upload_part' : 'upload',
      objectId: basename(stray.name).slice(0, 128),
      details: {
        reason: unfinished ? 'unfinished' : 'orphaned',
        files: removed.files,
        bytes: removed.bytes,
        modifiedAt: stray.modifiedAt.toISOString(),
        uploadStuckHours: hours,
      },
    });
  }

  private transaction<T>(scope: DbScope, work: (m: EntityManager) => Promise<T>): Promise<T> {
    return this.owner.transaction(async (m) => {
      await applyScope(m, scope);
      return work(m);
    });
  }
}
