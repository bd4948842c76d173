import { INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { systemActor } from '@tiltas/audit';
import { ClockModule } from '@tiltas/common';
import { ConfigModule } from '@tiltas/config';
import { DatabaseModule } from '@tiltas/database';
import { CriteriaService, IdentificationModule, systemIdentificationActor } from '@tiltas/identification';
import { LawfulBasesModule, LawfulBasisService } from '@tiltas/lawful-bases';
import { DEFAULT_JOB_OPTIONS, JobName, QueueName, periodJobId } from '@tiltas/queue';
import { Queue } from 'bullmq';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { TEST_LAWFUL_BASIS, loadRegisters, testPseudonym, type Rows } from '../../libs/identification/src/testing/register-loader';
import { AppProcess, ensureBuilt } from '../support/app-process';
import { TcpProxy, targetOf } from '../support/tcp-proxy';
import { TEST_REDIS_URL, TestDatabase, createTestDatabase } from '../support/test-database';

jest.setTimeout(120_000);

const PEOPLE = 40;

async function eventually(probe: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const until = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > until) throw new Error(`${what} not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

/**
 * The built worker killed -9, and stopped with SIGTERM, in the middle of an identification run: the
 * test holds audit_log, so the run waits inside its one transaction after writing the cases. After
 * recovery the run happened once: one COMPLETED run, each person's case once, its audit entry once,
 * the job's ledger row COMPLETED.
 */
describe('an identification run under faults', () => {
  let db: TestDatabase;
  let queue: Queue;
  let worker: AppProcess | null = null;
  let holder: Client | null = null;
  let redisProxy: TcpProxy;
  const demoFile = join(tmpdir(), `tiltas-faults-${randomBytes(4).toString('hex')}.json`);

  /** The worker reaches Redis through a proxy the test owns, so a test can make Redis unreachable to it alone. */
  function startWorker(): AppProcess {
    worker = AppProcess.start('worker', {
      NODE_ENV: 'test',
      DATABASE_URL: db.url,
      REDIS_URL: redisProxy.url(TEST_REDIS_URL),
      REDIS_PREFIX: db.config.redis.prefix,
      SESSION_SECRET: randomBytes(32).toString('hex'),
      CONTACTS_KEY: db.config.secrets.contactsKey.toString('hex'),
      DEMO_SECRETS_FILE: demoFile,
      LOG_LEVEL: 'info',
      DB_POOL_SIZE: '4',
      JOB_LOCK_SECONDS: '2',
    });
    return worker;
  }

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

  async function runWaitsOnAuditLog(): Promise<void> {
    await eventually(
      async () =>
        Number(
          (
            await db.query<{ n: string }>(
              `SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND application_name <> 'faults-test-holder'`,
            )
          )[0].n,
        ) > 0,
      40_000,
      'the run waiting on audit_log',
    );
  }

  async function enqueue(asOf: string): Promise<string> {
    const jobId = periodJobId(JobName.IDENTIFY, asOf);
    await queue.add(JobName.IDENTIFY, { asOf, trigger: 'api' }, { ...DEFAULT_JOB_OPTIONS, backoff: { type: 'fixed', delay: 1_000 }, jobId });
    return jobId;
  }

  async function state(asOf: string, jobId: string) {
    const runs = await db.query<{ status: string }>(`SELECT status FROM identification_run WHERE as_of = $1 ORDER BY id`, [asOf]);
    const cases = await db.query<{ n: string; people: string }>(`SELECT count(*) AS n, count(DISTINCT (pseudonym, municipality)) AS people FROM cases`);
    const audit = await db.query<{ n: string }>(`SELECT count(*) AS n FROM audit_log WHERE action = 'identification.run' AND details->>'asOf' = $1`, [asOf]);
    const ledger = await db.query<{ status: string }>(`SELECT status FROM job_run WHERE job_id = $1`, [jobId]);
    return { runs: runs.map((r) => r.status), cases: Number(cases[0].n), distinctCases: Number(cases[0].people), runAudit: Number(audit[0].n), ledger: ledger.map((l) => l.status) };
  }

  beforeAll(async () => {
    ensureBuilt('worker');
    db = await createTestDatabase();
    @Module({ imports: [ConfigModule.forRoot(db.config), ClockModule.forRoot(), DatabaseModule.forRoot(), IdentificationModule, LawfulBasesModule] })
    class SetupModule {}
    const setup: INestApplicationContext = await NestFactory.createApplicationContext(SetupModule, { logger: false });
    try {
      await setup.get(LawfulBasisService).add(undefined, TEST_LAWFUL_BASIS, systemActor('test'));
      await setup.get(CriteriaService).activate('neet-youth', 'LB-TEST', systemIdentificationActor('test'));
    } finally {
      await setup.close();
    }
    // Young people on no register but the population one: each is a neet-youth case in LT-57.
    const population = Array.from({ length: PEOPLE }, (_, i) => ({
      pseudonym: testPseudonym(`faults-${i}`), birth_date: '2006-05-05', sex: 'F', municipality: 'LT-57', registered_since: '2000-01-01', deceased_on: null, emigrated_on: null,
    }));
    await loadRegisters(db.url, { population } as Rows, { asOf: '2026-10-01' });
    redisProxy = await TcpProxy.start(targetOf(TEST_REDIS_URL, 6379));
    queue = new Queue(QueueName.IDENTIFY, { connection: { url: TEST_REDIS_URL } as never, prefix: db.config.redis.prefix });
  });

  afterEach(async () => {
    redisProxy.set('forward');
    await releaseAuditLog().catch(() => undefined);
    await worker?.stop();
    worker = null;
  });

  afterAll(async () => {
    await queue?.close();
    await redisProxy?.close();
    await db?.drop();
  });

  it('kill -9 mid-run: nothing of the run is visible, and the next worker runs it once', async () => {
    const w = startWorker();
    await w.waitFor(/"msg":"worker started"/);
    await holdAuditLog();
    const jobId = await enqueue('2026-10-01');
    await runWaitsOnAuditLog();
    w.kill('SIGKILL');
    await w.exited;
    await releaseAuditLog();
    expect(await state('2026-10-01', jobId)).toEqual({ runs: [], cases: 0, distinctCases: 0, runAudit: 0, ledger: ['RUNNING'] });

    await startWorker().waitFor(/"msg":"worker started"/);
    await eventually(async () => (await state('2026-10-01', jobId)).ledger[0] === 'COMPLETED', 40_000, 'the run job COMPLETED');
    expect(await state('2026-10-01', jobId)).toEqual({ runs: ['COMPLETED'], cases: PEOPLE, distinctCases: PEOPLE, runAudit: 1, ledger: ['COMPLETED'] });
  });

  it('SIGTERM mid-run: the run finishes before the worker exits cleanly, once', async () => {
    const w = startWorker();
    await w.waitFor(/"msg":"worker started"/);
    await holdAuditLog();
    const jobId = await enqueue('2026-10-02');
    await runWaitsOnAuditLog();
    w.kill('SIGTERM');
    await w.waitFor(/"msg":"stopping"/);
    await new Promise((r) => setTimeout(r, 500));
    await releaseAuditLog();
    expect(await w.exited).toEqual({ code: 0, signal: null });
    const after = await state('2026-10-02', jobId);
    expect(after).toMatchObject({ runs: ['COMPLETED'], runAudit: 1, ledger: ['COMPLETED'] });
    // Same people, same municipality: the second date updates their cases, it does not add any.
    expect(after.cases).toBe(PEOPLE);
    expect(after.distinctCases).toBe(PEOPLE);
  });

  it('Redis unreachable mid-run: the run commits once, its redelivery changes nothing, and the worker takes work again', async () => {
    const w = startWorker();
    await w.waitFor(/"msg":"worker started"/);
    await holdAuditLog();
    const jobId = await enqueue('2026-10-03');
    await runWaitsOnAuditLog();
    // Redis goes away while the run holds its transaction: BullMQ loses the job's lock and cannot record
    // the completion, but the database work commits, and the ledger says so.
    redisProxy.set('refuse');
    await releaseAuditLog();
    await eventually(async () => (await state('2026-10-03', jobId)).ledger[0] === 'COMPLETED', 30_000, 'the run job COMPLETED in the ledger');
    await new Promise((r) => setTimeout(r, 4_000));
    redisProxy.set('forward');
    // Whatever BullMQ redelivers after the outage (the lock expired after 2 s) finds the ledger row
    // COMPLETED and writes nothing.
    await new Promise((r) => setTimeout(r, 6_000));
    const after = await state('2026-10-03', jobId);
    expect(after).toMatchObject({ runs: ['COMPLETED'], runAudit: 1, ledger: ['COMPLETED'] });
    expect(after.cases).toBe(PEOPLE);
    expect(after.distinctCases).toBe(PEOPLE);
    // The worker is still up and takes the next run.
    const next = await enqueue('2026-10-04');
    await eventually(async () => (await state('2026-10-04', next)).ledger[0] === 'COMPLETED', 30_000, 'the next run COMPLETED');
    expect(await state('2026-10-04', next)).toMatchObject({ runs: ['COMPLETED'], runAudit: 1, ledger: ['COMPLETED'] });
    expect(w.log.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('{'))).toEqual([]);
    expect(w.lines(/unreachable/).length).toBeGreaterThan(0);
  });
});
