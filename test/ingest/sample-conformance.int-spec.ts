import { INestApplicationContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ClockModule } from '@tiltas/common';
import { ConfigModule } from '@tiltas/config';
import { DatabaseModule } from '@tiltas/database';
import { LawfulBasesModule, LawfulBasisService } from '@tiltas/lawful-bases';
import { QueueModule } from '@tiltas/queue';
import { formatOutcomeLine, IngestOutcome, IngestService, REGISTER_CODES, RegistersModule } from '@tiltas/registers';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTestDatabase, TestDatabase } from '../support/test-database';
import { SAMPLE_DIR as SAMPLE } from '../fixtures';

const ACTOR = { userId: 'system:test', role: 'SYSTEM', municipality: null, scope: 'national' as const };

interface Expected {
  rows: Record<string, number>;
  quarantined: Record<string, number>;
}

jest.setTimeout(60_000);

describe('the conformance sample', () => {
  let db: TestDatabase;
  let app: INestApplicationContext;
  let outcomes: IngestOutcome[];
  const expected = JSON.parse(readFileSync(join(SAMPLE, 'expected.json'), 'utf8')) as Expected;

  beforeAll(async () => {
    db = await createTestDatabase();
    const moduleRef = await Test.createTestingModule({
      imports: [ConfigModule.forRoot(db.config), ClockModule.forRoot(), DatabaseModule.forRoot({ owner: true }), QueueModule, LawfulBasesModule, RegistersModule.forRoot({ ingest: true })],
    }).compile();
    app = await moduleRef.init();
    const file = JSON.parse(readFileSync(join(SAMPLE, 'lawful-basis.json'), 'utf8')) as unknown;
    await app.get(LawfulBasisService).add(undefined, file, { userId: 'system:test', role: 'ADMIN', municipality: null, scope: 'national' });
    outcomes = await app.get(IngestService).loadDirectory(SAMPLE, ACTOR);
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('loads every register, population first, ignoring the answer files beside them', () => {
    expect(outcomes.map((o) => o.register)).toEqual([...REGISTER_CODES]);
  });

  it('accepts every extract with exactly the expected rows and quarantined rows', () => {
    const got = Object.fromEntries(outcomes.map((o) => [o.register, formatOutcomeLine(o)]));
    const want = Object.fromEntries(
      REGISTER_CODES.map((r) => [r, `${r} 2026-10-01 ACCEPTED rows=${expected.rows[r]} quarantined=${expected.quarantined[r]}`]),
    );
    expect(got).toEqual(want);
  });

  it('makes exactly the unquarantined rows visible and keeps a quarantine entry per quarantined row', async () => {
    for (const register of REGISTER_CODES) {
      const [visible] = await db.query<{ n: string }>(
        `SELECT count(*) AS n FROM reg_${register} r JOIN extract e ON e.id = r.extract_id AND e.status = 'ACTIVE'`,
      );
      const [quarantined] = await db.query<{ n: string }>(
        `SELECT count(*) AS n FROM extract_quarantine q JOIN extract e ON e.id = q.extract_id AND e.status = 'ACTIVE' WHERE e.register = $1`,
        [register],
      );
      expect({ register, visible: Number(visible.n), quarantined: Number(quarantined.n) }).toEqual({
        register,
        visible: expected.rows[register] - expected.quarantined[register],
        quarantined: expected.quarantined[register],
      });
    }
  });

  it('quarantines the second row of a person in population with the line of the first', async () => {
    const rows = await db.query<{ reason: string }>(
      `SELECT q.reason FROM extract_quarantine q JOIN extract e ON e.id = q.extract_id WHERE e.register = 'population' AND q.column_name = 'pseudonym'`,
    );
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) expect(r.reason).toMatch(/^second row for this person, first at line \d+$/);
  });
});
