import { INestApplicationContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ClockModule } from '@tiltas/common';
import { ConfigModule } from '@tiltas/config';
import { DatabaseModule } from '@tiltas/database';
import { QueueModule } from '@tiltas/queue';
import { IngestService, RegistersModule, RetentionService } from '@tiltas/registers';
import { createTestDatabase, TestDatabase } from '../support/test-database';
import { csvOf, freshDir, lawfulBasisInsert, POPULATION_HEADER, populationRows, writeDelivery } from './ingest-fixtures';

jest.setTimeout(60_000);
const ACTOR = { userId: 'system:test', role: 'SYSTEM', municipality: null, scope: 'national' as const };

describe('retention of superseded extracts', () => {
  let db: TestDatabase;
  let app: INestApplicationContext;

  beforeAll(async () => {
    db = await createTestDatabase({ RETENTION_SUPERSEDED_EXTRACT_DAYS: '30' });
    const basis = lawfulBasisInsert({ id: 'LB-TEST', registers: ['population'] });
    await db.query(basis.sql, basis.params);
    const moduleRef = await Test.createTestingModule({
      imports: [ConfigModule.forRoot(db.config), ClockModule.forRoot(), DatabaseModule.forRoot({ owner: true }), QueueModule, RegistersModule.forRoot({ ingest: true })],
    }).compile();
    app = await moduleRef.init();
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('detaches and drops a partition superseded longer ago than the period, logs it, and leaves the rest', async () => {
    const ingest = app.get(IngestService);
    const ids: number[] = [];
    for (const [asOf, from] of [['2026-07-01', 0], ['2026-08-01', 100], ['2026-09-01', 200]] as const) {
      const dir = await writeDelivery(await freshDir('ret'), 'population', csvOf(POPULATION_HEADER, populationRows(from, from + 10)), { asOf });
      const [outcome] = await ingest.loadDirectory(dir, ACTOR);
      ids.push(outcome.extractId!);
    }
    // The first was superseded 31 days ago, the second 29 days ago.
    await db.query(`UPDATE extract SET superseded_at = now() - interval '31 days' WHERE id = $1`, [ids[0]]);
    await db.query(`UPDATE extract SET superseded_at = now() - interval '29 days' WHERE id = $1`, [ids[1]]);

    const purged = await app.get(RetentionService).purgeSupersededExtracts();
    expect(purged).toEqual([{ id: ids[0], register: 'population', asOf: '2026-07-01' }]);
    const statuses = await db.query<{ id: number; status: string }>(`SELECT id, status FROM extract ORDER BY id`);
    expect(statuses).toEqual([
      { id: ids[0], status: 'PURGED' },
      { id: ids[1], status: 'SUPERSEDED' },
      { id: ids[2], status: 'ACTIVE' },
    ]);
    const tables = await db.query<{ relname: string }>(`SELECT relname FROM pg_class WHERE relkind = 'r' AND relname LIKE 'reg\\_population\\_e%' ORDER BY relname`);
    expect(tables.map((t) => t.relname).sort()).toEqual([`reg_population_e${ids[1]}`, `reg_population_e${ids[2]}`].sort());
    const perExtract = await db.query<{ extract_id: number; n: string }>(`SELECT extract_id, count(*) AS n FROM reg_population GROUP BY 1 ORDER BY 1`);
    expect(perExtract).toEqual([{ extract_id: ids[1], n: '10' }, { extract_id: ids[2], n: '10' }]);
    const audit = await db.query<{ action: string; object_id: string }>(`SELECT action, object_id FROM audit_log WHERE action = 'retention.purged'`);
    expect(audit).toEqual([{ action: 'retention.purged', object_id: String(ids[0]) }]);

    expect(await app.get(RetentionService).purgeSupersededExtracts()).toEqual([]);
  });
});
