import { INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { systemActor } from '@tiltas/audit';
import { ClockModule, FixedClock, addDays } from '@tiltas/common';
import { ConfigModule } from '@tiltas/config';
import { DatabaseModule } from '@tiltas/database';
import { CriteriaService, IdentificationModule, IdentificationService, systemIdentificationActor } from '@tiltas/identification';
import { LawfulBasesModule, LawfulBasisService } from '@tiltas/lawful-bases';
import { CaseWorkService, OutreachModule, type OutreachActor } from '@tiltas/outreach';
// Test-only loader of register rows (not part of the identification lib's door): the same one its own tests use.
import { TEST_LAWFUL_BASIS, loadRegisters, testPseudonym, type Rows } from '../../libs/identification/src/testing/register-loader';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { insertUser } from './outreach-factory';

jest.setTimeout(120_000);

const D = '2026-10-01';
const RUNNER = systemIdentificationActor('test');

/** Three young people in LT-57 with nothing on record: neet-youth lists each of them. */
function nation(): Rows {
  return {
    population: ['declines', 'opts-out', 'supported'].map((label, i) => ({
      pseudonym: testPseudonym(label),
      birth_date: `2005-0${i + 3}-10`,
      sex: 'F',
      municipality: 'LT-57',
      registered_since: '2000-01-01',
      deceased_on: null,
      emigrated_on: null,
    })),
  };
}

describe('outcomes that keep a person out of the next identification run', () => {
  let db: TestDatabase;
  let app: INestApplicationContext;
  let identification: IdentificationService;
  let work: CaseWorkService;
  const clock = new FixedClock(new Date(`${D}T09:00:00Z`));
  let worker: OutreachActor;
  const admin: OutreachActor = { userId: 'admin-test', role: 'ADMIN', municipality: null, scope: 'national' };

  async function openCases(): Promise<string[]> {
    const rows = await db.query<{ pseudonym: string }>(`SELECT encode(pseudonym, 'hex') AS pseudonym FROM cases WHERE status <> 'CLOSED' ORDER BY 1`);
    const labels = ['declines', 'opts-out', 'supported'];
    return rows.map((r) => labels.find((l) => testPseudonym(l) === r.pseudonym) ?? r.pseudonym).sort();
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    @Module({ imports: [ConfigModule.forRoot(db.config), ClockModule.forRoot(clock), DatabaseModule.forRoot(), LawfulBasesModule, IdentificationModule, OutreachModule] })
    class TestModule {}
    app = await NestFactory.createApplicationContext(TestModule, { logger: false });
    identification = app.get(IdentificationService);
    work = app.get(CaseWorkService);
    await app.get(LawfulBasisService).add(undefined, TEST_LAWFUL_BASIS, systemActor('test'));
    await app.get(CriteriaService).activate('neet-youth', 'LB-TEST', RUNNER);
    worker = { userId: await insertUser(db, 'suppression-worker', 'WORKER', 'LT-57'), role: 'WORKER', municipality: 'LT-57', scope: 'municipal' };
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('lists nobody again who declined, opted out or is already supported, and a withdrawn opt-out lists the person again', async () => {
    await loadRegisters(db.url, nation(), { asOf: D });
    await identification.run({ asOf: D, criteria: ['neet-youth'], trigger: 'test', actor: RUNNER });
    expect(await openCases()).toEqual(['declines', 'opts-out', 'supported']);

    const byLabel = new Map<string, number>();
    for (let i = 0; i < 3; i++) {
      const claimed = await work.claimNext(worker);
      const row = await db.query<{ pseudonym: string }>(`SELECT encode(pseudonym, 'hex') AS pseudonym FROM cases WHERE id = $1`, [claimed.caseId]);
      byLabel.set(['declines', 'opts-out', 'supported'].find((l) => testPseudonym(l) === row[0].pseudonym)!, claimed.caseId);
    }
    await work.recordAttempt(worker, byLabel.get('declines')!, { channel: 'PHONE', result: 'REACHED' });
    await work.close(worker, byLabel.get('declines')!, { outcome: 'DECLINED' });
    await work.recordAttempt(worker, byLabel.get('opts-out')!, { channel: 'PHONE', result: 'REACHED' });
    await work.optOut(worker, byLabel.get('opts-out')!);
    await work.close(worker, byLabel.get('supported')!, { outcome: 'ALREADY_SUPPORTED' });
    expect(await openCases()).toEqual([]);

    // A week later, fresh extracts with the same people: each is held back by their own outcome.
    const week = addDays(D, 7);
    clock.set(`${week}T09:00:00Z`);
    await loadRegisters(db.url, nation(), { asOf: week });
    const { run } = await identification.run({ asOf: week, criteria: ['neet-youth'], trigger: 'test', actor: RUNNER });
    expect(run.counts.find((c) => c.cohort === 'neet-youth')).toMatchObject({ matched: 3, new: 0, suppressed: 3 });
    expect(run.suppressed).toEqual({ DECLINED: 1, OPTED_OUT: 1, ALREADY_SUPPORTED: 1 });
    expect(await openCases()).toEqual([]);

    // The opt-out ends only when an administrator records its withdrawal (an OPTED_OUT closing has no period
    // of its own); the decline's and the support's periods still hold.
    const [optOut] = await work.listOptOuts(admin, true);
    expect(optOut.subject).toBe(testPseudonym('opts-out'));
    await work.withdrawOptOut(admin, optOut.id);
    const fortnight = addDays(D, 14);
    clock.set(`${fortnight}T09:00:00Z`);
    await loadRegisters(db.url, nation(), { asOf: fortnight });
    const second = await identification.run({ asOf: fortnight, criteria: ['neet-youth'], trigger: 'test', actor: RUNNER });
    expect(second.run.counts.find((c) => c.cohort === 'neet-youth')).toMatchObject({ matched: 3, new: 1, suppressed: 2 });
    expect(second.run.suppressed).toEqual({ DECLINED: 1, ALREADY_SUPPORTED: 1 });
    expect(await openCases()).toEqual(['opts-out']);
  });
});
