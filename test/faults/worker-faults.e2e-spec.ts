import { UsersService } from '@tiltas/access';
import { DEFAULT_JOB_OPTIONS, JobName, QueueName } from '@tiltas/queue';
import { Queue } from 'bullmq';
import { randomBytes, randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { csvOf, freshDir, lawfulBasisInsert, POPULATION_HEADER, populationRows, writeDelivery } from '../ingest/ingest-fixtures';
import { startApp } from '../access/access-test-app';
import { AppProcess, ensureBuilt } from '../support/app-process';
import { TcpProxy, targetOf } from '../support/tcp-proxy';
import { TEST_REDIS_URL, TestDatabase, createTestDatabase } from '../support/test-database';

jest.setTimeout(120_000);

const ROWS = 5_000;

async function eventually<T>(probe: () => Promise<T | null | undefined | false>, ms = 40_000, what = 'condition'): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > until) throw new Error(`${what} not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

/**
 * The built worker as its own process, killed and stopped while it ingests an uploaded extract, with
 * Redis made unreachable through a proxy the test owns and its database connections terminated. After
 * recovery each job is done exactly once (its job_run row), the extract is loaded once and was never
 * half visible, and every audit entry is there once.
 *
 * "Mid-ingest" is made exact rather than raced: the test holds an EXCLUSIVE lock on audit_log, so the
 * worker stops inside the transaction that would activate the extract (after the COPY and the indexes),
 * waiting for the lock, and the test acts on the process there.
 */
describe('the worker under faults', () => {
  let db: TestDatabase;
  let redisProxy: TcpProxy;
  let queue: Queue;
  let storage: string;
  let uploader: string;
  let worker: AppProcess | null = null;
  let holder: Client | null = null;
  const demoFile = join(tmpdir(), `tiltas-faults-${randomBytes(4).toString('hex')}.json`);

  const env = (redisUrl = redisProxy.url(TEST_REDIS_URL)): NodeJS.ProcessEnv => ({
    NODE_ENV: 'test',
    DATABASE_URL: db.url,
    REDIS_URL: redisUrl,
    REDIS_PREFIX: db.config.redis.prefix,
    SESSION_SECRET: randomBytes(32).toString('hex'),
    CONTACTS_KEY: db.config.secrets.contactsKey.toString('hex'),
    DEMO_SECRETS_FILE: demoFile,
    STORAGE_DIR: storage,
    LOG_LEVEL: 'info',
    DB_POOL_SIZE: '4',
    JOB_LOCK_SECONDS: '2',
  });

  async function startWorker(): Promise<AppProcess> {
    worker = AppProcess.start('worker', env());
    await worker.waitFor(/"msg":"worker started"/);
    return worker;
  }

  /** Holds audit_log so that the next ingest waits inside its activating transaction. */
  async function holdAuditLog(): Promise<void> {
    holder = new Client({ connectionString: db.url, application_name: 'faults-test-holder' });
    await holder.connect();
    await holder.query('BEGIN');
    await holder.query('LOCK TABLE audit_log IN EXCLUSIVE MODE');
  }

  async function releaseAuditLog(): Promise<void> {
    await holder?.query('COMMIT');
    await holder?.end();
    holder = null;
  }

  /** Until the ingest has its LOADING extract and a worker backend of this database waits for the lock the test holds (other jobs, such as the sealer, may wait on it too). */
  async function workerWaitsOnAuditLog(): Promise<void> {
    await eventually(async () => {
      const rows = await db.query<{ n: string }>(
        `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND application_name <> 'faults-test-holder'
           AND EXISTS (SELECT 1 FROM extract WHERE status = 'LOADING')`,
      );
      return Number(rows[0].n) > 0;
    }, 40_000, 'the worker waiting on audit_log');
  }

  let deliveries = 0;
  /** An uploaded extract as the api leaves it (files in STORAGE_DIR, a QUEUED row) and its job. */
  async function upload(): Promise<{ uploadId: string; jobId: string; asOf: string }> {
    deliveries++;
    const asOf = `2026-10-${String(deliveries).padStart(2, '0')}`;
    const dir = await writeDelivery(join(storage, `delivery-${deliveries}`), 'population', csvOf(POPULATION_HEADER, populationRows(deliveries * 100_000, deliveries * 100_000 + ROWS)), { asOf });
    // As the api leaves an upload: its folder 0700 and its files 0600 (the worker refuses a storage folder others can open).
    await chmod(dir, 0o700);
    for (const file of ['population.csv', 'population.manifest.json']) await chmod(join(dir, file), 0o600);
    const uploadId = randomUUID();
    await db.query(
      `INSERT INTO extract_upload (id, register, status, csv_path, manifest_path, csv_bytes, uploaded_by) VALUES ($1, 'population', 'QUEUED', $2, $3, 1, $4)`,
      [uploadId, join(dir, 'population.csv'), join(dir, 'population.manifest.json'), uploader],
    );
    const jobId = `ingest-upload-${uploadId}`;
    await queue.add(JobName.INGEST_UPLOAD, { uploadId }, { ...DEFAULT_JOB_OPTIONS, backoff: { type: 'fixed', delay: 1_000 }, jobId });
    return { uploadId, jobId, asOf };
  }

  async function uploadDone(uploadId: string): Promise<void> {
    await eventually(async () => (await db.query<{ status: string }>(`SELECT status FROM extract_upload WHERE id = $1`, [uploadId]))[0]?.status === 'DONE', 60_000, `upload ${uploadId} DONE`);
  }

  /** What the delivery of `asOf` left: its extract rows, rows visible through the parent, audit entries, the job's ledger row. */
  async function outcome(asOf: string, jobId: string) {
    const extracts = await db.query<{ id: number; status: string }>(`SELECT id, status FROM extract WHERE register = 'population' AND as_of = $1`, [asOf]);
    const visible = await db.query<{ n: string }>(`SELECT count(*) AS n FROM reg_population r JOIN extract e ON e.id = r.extract_id WHERE e.as_of = $1`, [asOf]);
    const audit = await db.query<{ action: string; n: string }>(
      `SELECT action, count(*) AS n FROM audit_log WHERE action LIKE 'extract.%' AND details->>'asOf' = $1 GROUP BY action ORDER BY action`,
      [asOf],
    );
    const ledger = await db.query<{ status: string; attempts: number }>(`SELECT status, attempts FROM job_run WHERE job_id = $1`, [jobId]);
    return {
      extracts: extracts.map((e) => e.status),
      visibleRows: Number(visible[0].n),
      audit: Object.fromEntries(audit.map((a) => [a.action, Number(a.n)])),
      ledger: ledger.map((l) => l.status),
      attempts: ledger[0]?.attempts ?? 0,
    };
  }

  async function strayPartitions(): Promise<string[]> {
    const rows = await db.query<{ relname: string }>(
      `SELECT c.relname FROM pg_class c WHERE c.relkind = 'r' AND c.relname LIKE 'reg\\_population\\_e%' AND NOT c.relispartition`,
    );
    return rows.map((r) => r.relname);
  }

  beforeAll(async () => {
    ensureBuilt('worker');
    storage = await freshDir('faults-storage');
    db = await createTestDatabase();
    const basis = lawfulBasisInsert({ id: 'LB-TEST', registers: ['population'] });
    await db.query(basis.sql, basis.params);
    // Extracts are a national matter: the uploads come from a national administrator's delivery account.
    const setup = await startApp(db.config);
    try {
      uploader = (await setup.get(UsersService).addServiceAccount({ username: 'register-delivery', role: 'ADMIN', municipality: null })).id;
    } finally {
      await setup.close();
    }
    redisProxy = await TcpProxy.start(targetOf(TEST_REDIS_URL, 6379));
    queue = new Queue(QueueName.INGEST, { connection: { url: TEST_REDIS_URL } as never, prefix: db.config.redis.prefix });
  });

  afterEach(async () => {
    redisProxy.set('forward');
    await releaseAuditLog().catch(() => undefined);
    await worker?.stop();
    if (process.env.FAULTS_LOG_DIR && worker) writeFileSync(join(process.env.FAULTS_LOG_DIR, `${expect.getState().currentTestName}.log`.replace(/[^\w.-]+/g, '_')), worker.log);
    worker = null;
  });

  afterAll(async () => {
    await queue?.close();
    await redisProxy?.close();
    await db?.drop();
  });

  it('kill -9 mid-ingest: the next worker takes the job over and loads the extract once', async () => {
    await startWorker();
    await holdAuditLog();
    const { uploadId, jobId, asOf } = await upload();
    await workerWaitsOnAuditLog();
    worker!.kill('SIGKILL');
    await worker!.exited;
    await releaseAuditLog();
    // Killed inside the activating transaction: a LOADING row, nothing visible, nothing logged.
    expect(await outcome(asOf, jobId)).toMatchObject({ extracts: ['LOADING'], visibleRows: 0, audit: {}, ledger: ['RUNNING'] });

    await startWorker();
    await uploadDone(uploadId);
    const after = await outcome(asOf, jobId);
    expect(after).toEqual({ extracts: ['ACTIVE'], visibleRows: ROWS, audit: { 'extract.accepted': 1 }, ledger: ['COMPLETED'], attempts: 2 });
    expect(await strayPartitions()).toEqual([]);
  });

  it('SIGTERM mid-ingest: the worker finishes the job, then exits cleanly', async () => {
    await startWorker();
    await holdAuditLog();
    const { uploadId, jobId, asOf } = await upload();
    await workerWaitsOnAuditLog();
    worker!.kill('SIGTERM');
    await worker!.waitFor(/"msg":"stopping"/);
    await new Promise((r) => setTimeout(r, 500));
    await releaseAuditLog();
    expect(await worker!.exited).toEqual({ code: 0, signal: null });
    expect(await outcome(asOf, jobId)).toEqual({ extracts: ['ACTIVE'], visibleRows: ROWS, audit: { 'extract.accepted': 1 }, ledger: ['COMPLETED'], attempts: 1 });
    await uploadDone(uploadId);
  });

  it('Redis unreachable while a job finishes: the job is not run twice, and the worker logs the outage once per connection', async () => {
    const w = await startWorker();
    await holdAuditLog();
    const { uploadId, jobId, asOf } = await upload();
    await workerWaitsOnAuditLog();
    redisProxy.set('refuse');
    await releaseAuditLog();
    // The database work commits while BullMQ cannot record it; the ledger says so.
    await eventually(async () => (await outcome(asOf, jobId)).ledger[0] === 'COMPLETED', 30_000, 'the ledger row COMPLETED');
    await new Promise((r) => setTimeout(r, 3_000));
    redisProxy.set('forward');
    await uploadDone(uploadId);
    // Whatever BullMQ redelivers after the outage finds the job completed in the ledger and changes nothing.
    await new Promise((r) => setTimeout(r, 5_000));
    expect(await outcome(asOf, jobId)).toEqual({ extracts: ['ACTIVE'], visibleRows: ROWS, audit: { 'extract.accepted': 1 }, ledger: ['COMPLETED'], attempts: expect.any(Number) });
    // Nothing printed outside the structured log: no unhandled error events, no raw stacks.
    expect(w.log.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('{'))).toEqual([]);
    const lost = w.lines(/unreachable/);
    // One line per connection that noticed (queue workers, their blocking twins, the producer, health), not one per retry.
    expect(lost.length).toBeGreaterThan(0);
    expect(lost.length).toBeLessThanOrEqual(12);
    expect(w.lines(/reachable again/).length).toBeGreaterThan(0);
  });

  it('Redis unreachable at idle: the worker stays up, logs it once per connection, and takes work again after', async () => {
    const w = await startWorker();
    redisProxy.set('refuse');
    await new Promise((r) => setTimeout(r, 5_000));
    expect(w.pid).toBeGreaterThan(0);
    redisProxy.set('forward');
    const { uploadId, jobId, asOf } = await upload();
    await uploadDone(uploadId);
    expect(await outcome(asOf, jobId)).toMatchObject({ extracts: ['ACTIVE'], visibleRows: ROWS, audit: { 'extract.accepted': 1 }, ledger: ['COMPLETED'], attempts: 1 });
    expect(w.log.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('{'))).toEqual([]);
    expect(w.lines(/unreachable/).length).toBeGreaterThan(0);
    expect(w.lines(/unreachable/).length).toBeLessThanOrEqual(12);
  });

  it('its database connections terminated mid-ingest (pg_terminate_backend): the job retries and loads once', async () => {
    const w = await startWorker();
    await holdAuditLog();
    const { uploadId, jobId, asOf } = await upload();
    await workerWaitsOnAuditLog();
    const killed = await db.query<{ n: string }>(
      `SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) AS n FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name <> 'faults-test-holder'`,
    );
    expect(Number(killed[0].n)).toBeGreaterThan(0);
    await releaseAuditLog();
    await uploadDone(uploadId);
    const after = await outcome(asOf, jobId);
    expect(after).toMatchObject({ extracts: ['ACTIVE'], visibleRows: ROWS, audit: { 'extract.accepted': 1 }, ledger: ['COMPLETED'] });
    expect(after.attempts).toBeGreaterThanOrEqual(2);
    expect(await strayPartitions()).toEqual([]);
    expect(w.pid).toBeGreaterThan(0);
    expect(w.log).not.toMatch(/Unhandled|uncaught/i);
  });
});
