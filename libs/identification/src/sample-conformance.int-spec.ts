import { INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { systemActor } from '@tiltas/audit';
import { ClockModule, FixedClock } from '@tiltas/common';
import { ConfigModule } from '@tiltas/config';
import { DatabaseModule } from '@tiltas/database';
import { QueueModule } from '@tiltas/queue';
import { LawfulBasesModule, LawfulBasisService } from '@tiltas/lawful-bases';
import { IngestService, RegistersModule } from '@tiltas/registers';
import { STANDARD_CRITERION_IDS } from '@tiltas/targeting';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-database';
import { CaseExportService } from './cases/case-export.service';
import { CriteriaService } from './criteria/criteria.service';
import { systemIdentificationActor } from './identification-actor';
import { IdentificationModule } from './identification.module';
import { IdentificationService } from './runs/identification.service';
import { SAMPLE_DIR as SAMPLE } from '../../../test/fixtures';

/**
 * The outside reference, end to end: register the sample's lawful basis, load its extracts through the
 * real ingest, activate the five standard cohorts, run at 2026-10-01 and export. The export must equal
 * expected-cases.csv person by person (pseudonym, municipality, cohorts).
 */
const ACTOR = systemIdentificationActor('test');

describe('the conformance sample, from extracts to the case export', () => {
  let db: TestDatabase;
  let app: INestApplicationContext;

  beforeAll(async () => {
    db = await createTestDatabase();
    @Module({
      imports: [
        ConfigModule.forRoot(db.config),
        ClockModule.forRoot(new FixedClock(new Date('2026-10-02T06:00:00Z'))),
        DatabaseModule.forRoot({ owner: true }),
        QueueModule,
        RegistersModule.forRoot({ ingest: true }),
        LawfulBasesModule,
        IdentificationModule,
      ],
    })
    class SampleModule {}
    app = await NestFactory.createApplicationContext(SampleModule, { logger: false, abortOnError: false });
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('opens exactly the cases of expected-cases.csv, and a second run opens none', async () => {
    await app.get(LawfulBasisService).add(undefined, JSON.parse(readFileSync(join(SAMPLE, 'lawful-basis.json'), 'utf8')), systemActor('test'));
    const outcomes = await app.get(IngestService).loadDirectory(SAMPLE, systemActor('test'));
    expect(outcomes.filter((o) => o.status === 'REJECTED')).toEqual([]);
    const criteria = app.get(CriteriaService);
    for (const id of STANDARD_CRITERION_IDS) await criteria.activate(id, 'LB-SAMPLE', ACTOR);

    const { run } = await app.get(IdentificationService).run({ asOf: '2026-10-01', trigger: 'test', actor: ACTOR });
    const expected = JSON.parse(readFileSync(join(SAMPLE, 'expected.json'), 'utf8')) as { cases: number };
    expect(run.casesCreated).toBe(expected.cases);

    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    await app.get(CaseExportService).exportCsv(out, {}, ACTOR);
    const [header, ...rows] = Buffer.concat(chunks).toString('utf8').trim().split('\n');
    expect(header).toBe('case_id,pseudonym,municipality,cohorts,status,created_at');
    const found = rows.map((r) => r.split(',').slice(1, 4).join(',')).sort();
    const [, ...answer] = readFileSync(join(SAMPLE, 'expected-cases.csv'), 'utf8').split(/\r?\n/).filter(Boolean);
    expect(found).toEqual(answer.sort());

    const again = await app.get(IdentificationService).run({ asOf: '2026-10-01', trigger: 'test', actor: ACTOR });
    expect(again.repeated).toBe(true);
    const count = await db.query<{ n: string }>('SELECT count(*) AS n FROM cases');
    expect(Number(count[0].n)).toBe(expected.cases);
  });
});
