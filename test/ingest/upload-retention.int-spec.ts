import { INestApplicationContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ClockModule } from '@tiltas/common';
import { ConfigModule } from '@tiltas/config';
import { DatabaseModule } from '@tiltas/database';
import { QueueModule } from '@tiltas/queue';
import { RegistersModule, UploadPurgeService, UploadStorage } from '@tiltas/registers';
import { randomUUID } from 'node:crypto';
import { readdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createTestDatabase, TestDatabase } from '../support/test-database';

jest.setTimeout(60_000);

const HOURS = 24;
const hoursAgo = (h: number) => new Date(Date.now() - h * 3_600_000);

describe('retention of uploads stuck on disk', () => {
  let db: TestDatabase;
  let app: INestApplicationContext;
  let storage: UploadStorage;

  beforeAll(async () => {
    db = await createTestDatabase({ UPLOAD_STUCK_HOURS: String(HOURS) });
    const moduleRef = await Test.createTestingModule({
      imports: [ConfigModule.forRoot(db.config), ClockModule.forRoot(), DatabaseModule.forRoot({ owner: true }), QueueModule, RegistersModule.forRoot({ ingest: true })],
    }).compile();
    app = await moduleRef.init();
    storage = app.get(UploadStorage);
    storage.prepare();
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  /** An upload row of `status`, created `age` hours ago, with its pair on disk. */
  async function storedUpload(status: string, age: number): Promise<string> {
    const id = randomUUID();
    const dir = await storage.createUploadDir(id);
    await writeFile(join(dir, 'contacts.csv'), 'pseudonym,given_name\nabc,Synthetic\n', { mode: 0o600 });
    await writeFile(join(dir, 'contacts.manifest.json'), '{}', { mode: 0o600 });
    await db.query(
      `INSERT INTO extract_upload (id, register, status, csv_path, manifest_path, csv_bytes, uploaded_by, created_at, finished_at)
       VALUES ($1, 'contacts', $2, $3, $4, 33, 'user-1', $5, CASE WHEN $2 IN ('DONE', 'FAILED') THEN $5::timestamptz END)`,
      [id, status, join(dir, 'contacts.csv'), join(dir, 'contacts.manifest.json'), hoursAgo(age).toISOString()],
    );
    return id;
  }

  async function stray(path: string, age: number, folder = false): Promise<void> {
    if (folder) {
      await writeFile(join(path, 'population.csv'), 'x\n', { mode: 0o600 });
    } else {
      await writeFile(path, 'pseudonym,given_name\nab', { mode: 0o600 });
    }
    await utimes(path, hoursAgo(age), hoursAgo(age));
  }

  it('shreds what is stuck past UPLOAD_STUCK_HOURS, logs each purge, keeps what is fresh, and does nothing more when run again', async () => {
    const stuck = await storedUpload('QUEUED', HOURS + 1);
    const stuckRunning = await storedUpload('RUNNING', HOURS + 3);
    const fresh = await storedUpload('QUEUED', HOURS - 1);
    // Finished but not shredded (a crash between the outcome and the shredding): gone whatever its age.
    const leftover = await storedUpload('DONE', 1);
    await stray(join(storage.incoming, 'a'.repeat(32)), HOURS + 2);
    await stray(join(storage.incoming, 'b'.repeat(32)), 1);
    const orphan = randomUUID();
    await storage.createUploadDir(orphan);
    await stray(storage.uploadDir(orphan), HOURS + 5, true);
    const youngOrphan = randomUUID();
    await storage.createUploadDir(youngOrphan);
    await stray(storage.uploadDir(youngOrphan), 2, true);

    const report = await app.get(UploadPurgeService).purgeStuck();
    expect(report.uploads).toEqual([
      { id: stuckRunning, reason: 'stuck' },
      { id: stuck, reason: 'stuck' },
      { id: leftover, reason: 'ingested' },
    ]);
    expect(report.strays).toBe(2);

    expect((await readdir(storage.root)).sort()).toEqual([fresh, 'incoming', youngOrphan].sort());
    expect(await readdir(storage.incoming)).toEqual(['b'.repeat(32)]);
    const rows = await db.query<{ id: string; status: string; outcome: { error?: string } | null; purged: boolean }>(
      `SELECT id, status, outcome, purged_at IS NOT NULL AS purged FROM extract_upload ORDER BY created_at`,
    );
    const error = { error: `not ingested within ${HOURS} hours (UPLOAD_STUCK_HOURS): its files were deleted` };
    expect(rows).toEqual([
      { id: stuckRunning, status: 'FAILED', outcome: error, purged: true },
      { id: stuck, status: 'FAILED', outcome: error, purged: true },
      { id: fresh, status: 'QUEUED', outcome: null, purged: false },
      { id: leftover, status: 'DONE', outcome: null, purged: true },
    ]);

    const audit = await db.query<{ actor: string; object_type: string; object_id: string; details: Record<string, unknown> }>(
      `SELECT actor, object_type, object_id, details FROM audit_log WHERE action = 'upload.purged' ORDER BY seq`,
    );
    expect(audit).toEqual([
      { actor: 'system:retention', object_type: 'upload', object_id: stuckRunning, details: { register: 'contacts', reason: 'stuck', outcome: 'FAILED', files: 2, bytes: 37, uploadStuckHours: HOURS } },
      { actor: 'system:retention', object_type: 'upload', object_id: stuck, details: { register: 'contacts', reason: 'stuck', outcome: 'FAILED', files: 2, bytes: 37, uploadStuckHours: HOURS } },
      { actor: 'system:retention', object_type: 'upload', object_id: leftover, details: { register: 'contacts', reason: 'ingested', outcome: null, files: 2, bytes: 37 } },
      {
        actor: 'system:retention',
        object_type: 'upload_part',
        object_id: 'a'.repeat(32),
        details: { reason: 'unfinished', files: 1, bytes: 23, modifiedAt: expect.any(String), uploadStuckHours: HOURS },
      },
      { actor: 'system:retention', object_type: 'upload', object_id: orphan, details: { reason: 'orphaned', files: 1, bytes: 2, modifiedAt: expect.any(String), uploadStuckHours: HOURS } },
    ]);

    expect(await app.get(UploadPurgeService).purgeStuck()).toEqual({ uploads: [], strays: 0, uploadStuckHours: HOURS });
    expect(Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM audit_log WHERE action = 'upload.purged'`))[0].n)).toBe(5);
  });
});
