import { INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AuditService, systemActor } from '@tiltas/audit';
import { ClockModule, FixedClock } from '@tiltas/common';
import { ConfigModule } from '@tiltas/config';
import { DatabaseModule } from '@tiltas/database';
import {
  CriteriaService,
  IdentificationModule,
  IdentificationService,
  IdentifyHandler,
  systemIdentificationActor,
  type IdentificationActor,
} from '@tiltas/identification';
import { LawfulBasesModule, LawfulBasisService } from '@tiltas/lawful-bases';
import { OutreachModule } from '@tiltas/outreach';
import { makePersonalCode, pseudonymFor } from '@tiltas/registers';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEST_LAWFUL_BASIS, loadRegisters, type Rows } from '../../libs/identification/src/testing/register-loader';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { insertUser } from './outreach-factory';

jest.setTimeout(120_000);

const D = '2026-10-01';
const KEY_HEX = randomBytes(32).toString('hex');
const KEY_FILE = join(mkdtempSync(join(tmpdir(), 'tiltas-run-actor-')), 'pseudonym-key.json');
writeFileSync(KEY_FILE, JSON.stringify({ keyId: 'k-test', keyHex: KEY_HEX }));
const CODES = { vilnius: makePersonalCode('2004-03-10', 'F', 11), kaunas: makePersonalCode('2004-05-10', 'M', 12) };
const pseudonym = (code: string): string => pseudonymFor(Buffer.from(KEY_HEX, 'hex'), code);

function nation(): Rows {
  return {
    population: [
      { code: CODES.vilnius, municipality: 'LT-57' },
      { code: CODES.kaunas, municipality: 'LT-15' },
    ].map((p) => ({ pseudonym: pseudonym(p.code), birth_date: '2004-03-10', sex: 'F', municipality: p.municipality, registered_since: '2000-01-01', deceased_on: null, emigrated_on: null })),
  };
}

describe('who started a run, and who may', () => {
  let db: TestDatabase;
  let app: INestApplicationContext;
  let identification: IdentificationService;
  let coordinator: IdentificationActor;

  beforeAll(async () => {
    db = await createTestDatabase({ PSEUDONYM_KEY_FILE: KEY_FILE });
    @Module({
      imports: [ConfigModule.forRoot(db.config), ClockModule.forRoot(new FixedClock(new Date(`${D}T06:00:00Z`))), DatabaseModule.forRoot(), LawfulBasesModule, IdentificationModule, OutreachModule],
      providers: [IdentifyHandler],
    })
    class RunActorModule {}
    app = await NestFactory.createApplicationContext(RunActorModule, { logger: false });
    identification = app.get(IdentificationService);
    const admin = systemIdentificationActor('test');
    await app.get(LawfulBasisService).add(undefined, TEST_LAWFUL_BASIS, systemActor('test'));
    const criteria = app.get(CriteriaService);
    await criteria.activate('neet-youth', 'LB-TEST', admin);
    await criteria.copyForMunicipality('neet-youth', 'LT-57', 'neet-youth-lt57', admin);
    await criteria.activate('neet-youth-lt57', 'LB-TEST', admin);
    await criteria.copyForMunicipality('neet-youth', 'LT-15', 'neet-youth-lt15', admin);
    await criteria.activate('neet-youth-lt15', 'LB-TEST', admin);
    coordinator = { userId: await insertUser(db, 'coord-vilnius', 'COORDINATOR', 'LT-57'), role: 'COORDINATOR', municipality: 'LT-57', scope: 'municipal' };
    await loadRegisters(db.url, nation(), { asOf: D });
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it("refuses a coordinator a national criterion or another municipality's copy, before anything is enqueued and when the run starts", async () => {
    await expect(identification.checkStart(coordinator, ['neet-youth'])).rejects.toThrow(/a coordinator of LT-57 runs only LT-57's own criteria copies, not neet-youth$/);
    await expect(identification.checkStart(coordinator, ['neet-youth-lt15'])).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(identification.run({ asOf: D, criteria: ['neet-youth-lt57', 'neet-youth-lt15'], trigger: 'api', actor: coordinator })).rejects.toThrow(/not neet-youth-lt15/);
    const worker: IdentificationActor = { userId: 'w', role: 'WORKER', municipality: 'LT-57', scope: 'municipal' };
    await expect(identification.checkStart(worker)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(identification.checkStart(coordinator)).resolves.toBeUndefined();
    expect(await db.query(`SELECT count(*)::int AS n FROM identification_run`)).toEqual([{ n: 0 }]);
  });

  it('logs a run started from a page as the coordinator who started it, with only their copies and their cases', async () => {
    const result = await app.get(IdentifyHandler).handle({
      asOf: D,
      trigger: 'api',
      startedBy: { userId: coordinator.userId, role: 'COORDINATOR', municipality: 'LT-57', scope: 'municipal' },
    });
    expect(result).toMatchObject({ created: 1 });
    const [run] = await db.query<{ started_by: string; criteria: Array<{ id: string }> }>(`SELECT started_by, criteria FROM identification_run`);
    expect(run.started_by).toBe(coordinator.userId);
    expect(run.criteria.map((c) => c.id)).toEqual(['neet-youth-lt57']);
    expect(await db.query(`SELECT municipality FROM cases`)).toEqual([{ municipality: 'LT-57' }]);
    const entries = await db.query<{ action: string; actor: string; role: string; municipality: string | null }>(
      `SELECT action, actor, role, municipality FROM audit_log WHERE action IN ('identification.run', 'case.created') ORDER BY seq`,
    );
    expect(entries).toEqual([
      { action: 'identification.run', actor: coordinator.userId, role: 'COORDINATOR', municipality: 'LT-57' },
      { action: 'case.created', actor: coordinator.userId, role: 'COORDINATOR', municipality: 'LT-57' },
    ]);
  });

  it("finds a case's creation in the auditor's subject lookup, by the person's case ids in the run's bulk entry", async () => {
    const admin = systemIdentificationActor('test');
    await identification.run({ asOf: '2026-10-02', trigger: 'cli', actor: admin });
    const audit = app.get(AuditService);
    const auditor = { userId: 'auditor-1', role: 'AUDITOR', municipality: null, scope: 'national' as const };
    const kaunas = await audit.subjectLookup(CODES.kaunas, auditor);
    const created = kaunas.entries.filter((e) => e.action === 'case.created');
    expect(created).toHaveLength(1);
    expect(created[0].actor).toBe('system:test');
    const [kaunasCase] = await db.query<{ id: string }>(`SELECT id FROM cases WHERE pseudonym = decode($1, 'hex')`, [pseudonym(CODES.kaunas)]);
    const [[lo, hi]] = created[0].details.caseIdRanges as number[][];
    expect(Number(kaunasCase.id)).toBeGreaterThanOrEqual(lo);
    expect(Number(kaunasCase.id)).toBeLessThanOrEqual(hi);
    // The Vilnius person's case came from the coordinator's run, not from the later national one.
    const vilnius = await audit.subjectLookup(CODES.vilnius, auditor);
    expect(vilnius.entries.filter((e) => e.action === 'case.created').map((e) => e.actor)).toEqual([coordinator.userId]);
  });
});
