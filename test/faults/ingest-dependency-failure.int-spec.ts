import { INestApplicationContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { AuditService } from '@tiltas/audit';
import { ClockModule, DomainError, ErrorCode, dependencyUnavailable } from '@tiltas/common';
import { ConfigModule } from '@tiltas/config';
import { DatabaseModule } from '@tiltas/database';
import { LawfulBasisService } from '@tiltas/lawful-bases';
import { QueueModule } from '@tiltas/queue';
import { IngestService, RegistersModule } from '@tiltas/registers';
import { csvOf, freshDir, lawfulBasisInsert, POPULATION_HEADER, populationRows, writeDelivery } from '../ingest/ingest-fixtures';
import { createTestDatabase, TestDatabase } from '../support/test-database';

const ACTOR = { userId: 'system:test', role: 'SYSTEM', municipality: null, scope: 'national' as const };

jest.setTimeout(60_000);

/**
 * Only the contract's reasons reject an extract for good. A dependency that fails on the way (here the
 * lawful-basis registry, or the audit write in the activating transaction, answering as a repository
 * does when PostgreSQL is down) must make the load throw, so the job retries, and the retry must load
 * the extract once.
 */
describe('ingest when a dependency fails on the way', () => {
  let db: TestDatabase;
  let app: INestApplicationContext;
  let ingest: IngestService;

  beforeAll(async () => {
    db = await createTestDatabase();
    const basis = lawfulBasisInsert({ id: 'LB-TEST', registers: ['population', 'employment'] });
    await db.query(basis.sql, basis.params);
    const moduleRef = await Test.createTestingModule({
      imports: [ConfigModule.forRoot(db.config), ClockModule.forRoot(), DatabaseModule.forRoot({ owner: true }), QueueModule, RegistersModule.forRoot({ ingest: true })],
    }).compile();
    app = await moduleRef.init();
    ingest = app.get(IngestService);
  });

  afterEach(() => jest.restoreAllMocks());

  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  async function state(asOf: string) {
    const extracts = await db.query<{ id: number; status: string }>(`SELECT id, status FROM extract WHERE register = 'population' AND as_of = $1 ORDER BY id`, [asOf]);
    const audit = await db.query<{ action: string }>(
      `SELECT action FROM audit_log WHERE action LIKE 'extract.%' AND details->>'asOf' = $1 ORDER BY seq`,
      [asOf],
    );
    const attached = await db.query<{ n: string }>(
      `SELECT count(*) AS n FROM reg_population r JOIN extract e ON e.id = r.extract_id WHERE e.as_of = $1`,
      [asOf],
    );
    return { statuses: extracts.map((e) => e.status), actions: audit.map((a) => a.action), rowsVisible: Number(attached[0].n) };
  }

  it('throws instead of rejecting when the lawful-basis check meets a dependency down, and the retry accepts once', async () => {
    const dir = await writeDelivery(await freshDir('dep-basis'), 'population', csvOf(POPULATION_HEADER, populationRows(0, 300)), { asOf: '2026-10-01' });
    const pairs = { name: 'population', csvPath: `${dir}/population.csv`, manifestPath: `${dir}/population.manifest.json`, source: 'cli' as const, actor: ACTOR };
    jest.spyOn(app.get(LawfulBasisService), 'checkCoverage').mockRejectedValueOnce(dependencyUnavailable('PostgreSQL'));

    await expect(ingest.ingest(pairs)).rejects.toMatchObject({ code: ErrorCode.DEPENDENCY_UNAVAILABLE });
    expect(await state('2026-10-01')).toEqual({ statuses: [], actions: [], rowsVisible: 0 });

    const retry = await ingest.ingest(pairs);
    expect(retry).toMatchObject({ status: 'ACCEPTED', rows: 300, quarantined: 0 });
    expect(await state('2026-10-01')).toEqual({ statuses: ['ACTIVE'], actions: ['extract.accepted'], rowsVisible: 300 });
  });

  it('throws when the activating transaction fails that way after the COPY, leaves nothing visible, and the retry takes the load over', async () => {
    const dir = await writeDelivery(await freshDir('dep-activate'), 'population', csvOf(POPULATION_HEADER, populationRows(1000, 1400)), { asOf: '2026-10-02' });
    const pairs = { name: 'population', csvPath: `${dir}/population.csv`, manifestPath: `${dir}/population.manifest.json`, source: 'cli' as const, actor: ACTOR };
    const audit = app.get(AuditService);
    const record = audit.record.bind(audit);
    jest.spyOn(audit, 'record').mockImplementationOnce(async () => {
      throw new DomainError(ErrorCode.DEPENDENCY_UNAVAILABLE, 'the audit log cannot be written now', { dependency: 'PostgreSQL' });
    });

    await expect(ingest.ingest(pairs)).rejects.toMatchObject({ code: ErrorCode.DEPENDENCY_UNAVAILABLE });
    // The LOADING row stays for the retry to take over; nothing of it is visible, nothing is logged as rejected.
    expect(await state('2026-10-02')).toEqual({ statuses: ['LOADING'], actions: [], rowsVisible: 0 });
    const partitions = await db.query<{ relname: string }>(`SELECT relname FROM pg_class WHERE relkind = 'r' AND relname LIKE 'reg\\_population\\_e%'`);
    expect(partitions.map((p) => p.relname)).not.toContain(`reg_population_e${(await db.query<{ id: number }>(`SELECT id FROM extract WHERE status = 'LOADING'`))[0].id}`);

    jest.spyOn(audit, 'record').mockImplementation(record);
    const retry = await ingest.ingest(pairs);
    expect(retry).toMatchObject({ status: 'ACCEPTED', rows: 400 });
    expect(await state('2026-10-02')).toEqual({ statuses: ['ACTIVE'], actions: ['extract.accepted'], rowsVisible: 400 });
  });

  it('still rejects for good what the contract rejects (a wrong checksum), once', async () => {
    const dir = await writeDelivery(await freshDir('dep-contract'), 'population', csvOf(POPULATION_HEADER, populationRows(2000, 2010)), {
      asOf: '2026-10-03',
      manifest: { sha256: '0'.repeat(64) },
    });
    const [outcome] = await ingest.loadDirectory(dir, ACTOR);
    expect(outcome).toMatchObject({ status: 'REJECTED', reason: expect.stringMatching(/sha256/) });
    expect(await state('2026-10-03')).toEqual({ statuses: ['REJECTED'], actions: ['extract.rejected'], rowsVisible: 0 });
  });
});
