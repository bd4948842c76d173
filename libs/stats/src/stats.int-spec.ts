import { Test, TestingModule } from '@nestjs/testing';
import { AuditModule, AuditService, systemActor } from '@tiltas/audit';
import { ClockModule, ErrorCode, FixedClock } from '@tiltas/common';
import { ConfigModule } from '@tiltas/config';
import { DatabaseModule, DatabaseService } from '@tiltas/database';
import { LawfulBasesModule, LawfulBasisService } from '@tiltas/lawful-bases';
import { StatsModule, StatsService, StatsActor, StatsReport } from '@tiltas/stats';
import { insertCase, insertUser } from '../../../test/outreach/outreach-factory';
import { activeRegister, closeCase, insertAttempt, insertReferral } from '../../../test/stats/stats-factory';
import { TestDatabase, createTestDatabase } from '../../../test/support/test-database';
import { statsScope } from './stats-request';
import { StatsRepository } from './stats.repository';

const PERIOD = { from: '2026-09', to: '2026-11' } as const;
const SEPTEMBER = '2026-09-10T09:00:00Z';
const OCTOBER = '2026-10-10T09:00:00Z';

function basis(id: string, purposes: string[], registers: string[]) {
  return {
    id,
    title: `Follow-up of outreach (${id})`,
    legalReference: 'Law on Social Services, Art. 15-1',
    gdprArticle6: 'e',
    purposes,
    registers,
    validFrom: '2026-01-01',
    validTo: null,
    article9Condition: null,
    article10Authorisation: null,
  };
}

/**
 * The statistics over cases, attempts, referrals and closures built with the factories: each figure's
 * rows exactly, the Europe/Vilnius month boundary, suppression for a coordinator, municipality scope held
 * by row-level security, and the follow-up's lawful-basis refusal and audit entry.
 */
describe('the statistics', () => {
  let db: TestDatabase;
  let moduleRef: TestingModule;
  let stats: StatsService;
  let audit: AuditService;
  const clock = new FixedClock(new Date('2026-12-15T10:00:00Z'));
  let coordinator57: StatsActor;
  let coordinator15: StatsActor;
  const nationalAdmin: StatsActor = { userId: '00000000-0000-4000-8000-0000000000ad', role: 'ADMIN', municipality: null, scope: 'national' };
  const nationalAuditor: StatsActor = { userId: '00000000-0000-4000-8000-0000000000a1', role: 'AUDITOR', municipality: null, scope: 'national' };
  const worker57: StatsActor = { userId: '00000000-0000-4000-8000-000000000057', role: 'WORKER', municipality: 'LT-57', scope: 'municipal' };
  const id: Record<string, number> = {};

  beforeAll(async () => {
    db = await createTestDatabase();
    moduleRef = await Test.createTestingModule({
      imports: [ConfigModule.forRoot(db.config), ClockModule.forRoot(clock), DatabaseModule.forRoot(), AuditModule, LawfulBasesModule, StatsModule],
      providers: [StatsRepository],
    }).compile();
    await moduleRef.init();
    stats = moduleRef.get(StatsService);
    audit = moduleRef.get(AuditService);
    coordinator57 = { userId: await insertUser(db, 'c57', 'COORDINATOR', 'LT-57'), role: 'COORDINATOR', municipality: 'LT-57', scope: 'municipal' };
    coordinator15 = { userId: await insertUser(db, 'c15', 'COORDINATOR', 'LT-15'), role: 'COORDINATOR', municipality: 'LT-15', scope: 'municipal' };
    const worker = await insertUser(db, 'w57', 'WORKER', 'LT-57');
    const held = { status: 'ASSIGNED' as const, assignedTo: worker };

    // September in Vilnius: seven neet-youth cases, two recent-release, one listed by both.
    for (let i = 1; i <= 7; i++) id[`N${i}`] = await insertCase(db, `N${i}`, { createdAt: SEPTEMBER, ...(i <= 6 ? held : {}) });
    id.R1 = await insertCase(db, 'R1', { createdAt: SEPTEMBER, cohorts: ['recent-release'], ...held });
    id.R2 = await insertCase(db, 'R2', { createdAt: SEPTEMBER, cohorts: ['recent-release'] });
    id.B1 = await insertCase(db, 'B1', { createdAt: SEPTEMBER, cohorts: ['neet-youth', 'recent-release'], ...held });
    for (const n of ['N1', 'N2', 'N3', 'N4', 'N5']) await insertAttempt(db, id[n], 'NO_ANSWER');
    for (const n of ['N1', 'N2', 'N3', 'R1']) await insertAttempt(db, id[n], 'REACHED');
    await insertAttempt(db, id.B1, 'MESSAGE_LEFT');
    await insertReferral(db, id.N1, 'ACCEPTED');
    await insertReferral(db, id.R1, 'STARTED');
    await closeCase(db, id.N1, 'SUPPORT_ACCEPTED');
    await closeCase(db, id.R1, 'SUPPORT_ACCEPTED');
    await closeCase(db, id.N2, 'DECLINED');
    await closeCase(db, id.N7, 'NOT_ELIGIBLE');
    // October: five cases, one contacted; M2's only attempt was carried over from another municipality's case.
    for (let i = 1; i <= 5; i++) id[`M${i}`] = await insertCase(db, `M${i}`, { createdAt: OCTOBER, ...held });
    await insertAttempt(db, id.M1, 'NO_ANSWER');
    await insertAttempt(db, id.M2, 'REACHED', { carriedFromCase: 999 });
    // 00:30 on 1 November in Vilnius is November's, though still 31 October in UTC; 23:00 on 31 August is August's.
    id.Z1 = await insertCase(db, 'Z1', { createdAt: '2026-10-31T22:30:00Z' });
    id.A1 = await insertCase(db, 'A1', { createdAt: '2026-08-31T20:00:00Z', ...held });
    // A closing of another system kept as history in September: Tiltas never listed it, so no figure counts it.
    await db.query(`INSERT INTO outcome_import (sha256, rows, closed, recorded, skipped, outcomes, imported_by) VALUES (repeat('a', 64), 1, 0, 1, 0, '{}', 'test')`);
    await db.query(
      `INSERT INTO cases (pseudonym, municipality, status, outcome, cohorts, closed_at, created_at, outcome_import_id)
       VALUES (decode(repeat('b', 64), 'hex'), 'LT-57', 'CLOSED', 'DECLINED', '{neet-youth}', $1, $1, (SELECT max(id) FROM outcome_import))`,
      [SEPTEMBER],
    );
    // Kaunas city: six cases, all reached; none of it is Vilnius's.
    for (let i = 1; i <= 6; i++) {
      id[`K${i}`] = await insertCase(db, `K${i}`, { municipality: 'LT-15', createdAt: SEPTEMBER });
      await insertAttempt(db, id[`K${i}`], 'REACHED');
    }

    // Follow-up registers. Employment as of 1 December: N1 and M1 at work, N2's job ended in June.
    await activeRegister(db, 'employment', '2026-12-01', [
      { label: 'N1', from: '2026-11-01' },
      { label: 'N2', from: '2026-01-01', to: '2026-06-30' },
      { label: 'M1', from: '2026-10-20' },
      { label: 'K1', from: '2026-11-01' },
    ]);
    await activeRegister(db, 'education', '2026-12-01', [{ label: 'R1', from: '2026-11-01' }]);
    // Jobseekers as of 15 October: after September's and October's listings, before Z1's.
    await activeRegister(db, 'jobseekers', '2026-10-15', [
      { label: 'N3', from: '2026-01-01' },
      { label: 'Z1', from: '2026-01-01' },
    ]);
  });

  afterAll(async () => {
    await moduleRef?.close();
    await db?.drop();
  });

  describe('as counted (the national admin view)', () => {
    let report: StatsReport;

    beforeAll(async () => {
      report = await stats.report(nationalAdmin, { ...PERIOD, municipality: 'LT-57' });
    });

    it('covers the months asked, in Europe/Vilnius, with a column per cohort that listed a case', () => {
      expect(report).toMatchObject({ municipality: 'LT-57', from: '2026-09', to: '2026-11', cohort: null, timeZone: 'Europe/Vilnius', seesSmallCounts: true });
      expect(report.months).toEqual(['2026-09', '2026-10', '2026-11']);
      expect(report.cohorts).toEqual(['neet-youth', 'recent-release']);
      expect(report.cohortChoices).toEqual(['neet-youth', 'recent-release']);
    });

    it('counts listed, assigned, contacted and reached by month and cohort; a case of two cohorts once in the totals', () => {
      expect(report.funnel.listed).toEqual({
        total: 16,
        byMonth: { '2026-09': 10, '2026-10': 5, '2026-11': 1 },
        byCohort: { 'neet-youth': 14, 'recent-release': 3 },
        cells: { '2026-09': { 'neet-youth': 8, 'recent-release': 3 }, '2026-10': { 'neet-youth': 5, 'recent-release': 0 }, '2026-11': { 'neet-youth': 1, 'recent-release': 0 } },
      });
      expect(report.funnel.assigned).toEqual({
        total: 13,
        byMonth: { '2026-09': 8, '2026-10': 5, '2026-11': 0 },
        byCohort: { 'neet-youth': 12, 'recent-release': 2 },
        cells: { '2026-09': { 'neet-youth': 7, 'recent-release': 2 }, '2026-10': { 'neet-youth': 5, 'recent-release': 0 }, '2026-11': { 'neet-youth': 0, 'recent-release': 0 } },
      });
      expect(report.funnel.contacted).toEqual({
        total: 8,
        byMonth: { '2026-09': 7, '2026-10': 1, '2026-11': 0 },
        byCohort: { 'neet-youth': 7, 'recent-release': 2 },
        cells: { '2026-09': { 'neet-youth': 6, 'recent-release': 2 }, '2026-10': { 'neet-youth': 1, 'recent-release': 0 }, '2026-11': { 'neet-youth': 0, 'recent-release': 0 } },
      });
      expect(report.funnel.reached).toEqual({
        total: 4,
        byMonth: { '2026-09': 4, '2026-10': 0, '2026-11': 0 },
        byCohort: { 'neet-youth': 3, 'recent-release': 1 },
        cells: { '2026-09': { 'neet-youth': 3, 'recent-release': 1 }, '2026-10': { 'neet-youth': 0, 'recent-release': 0 }, '2026-11': { 'neet-youth': 0, 'recent-release': 0 } },
      });
      expect(report.rates.contact.total).toBe(50);
      expect(report.rates.reach.byMonth).toEqual({ '2026-09': 57, '2026-10': 0, '2026-11': null });
    });

    it('counts each closing outcome and each referral status by month and cohort', () => {
      const september = (neet: number, release: number, all: number) => ({
        total: all,
        byMonth: { '2026-09': all, '2026-10': 0, '2026-11': 0 },
        byCohort: { 'neet-youth': neet, 'recent-release': release },
        cells: { '2026-09': { 'neet-youth': neet, 'recent-release': release }, '2026-10': { 'neet-youth': 0, 'recent-release': 0 }, '2026-11': { 'neet-youth': 0, 'recent-release': 0 } },
      });
      expect(report.outcomes.SUPPORT_ACCEPTED).toEqual(september(1, 1, 2));
      expect(report.outcomes.DECLINED).toEqual(september(1, 0, 1));
      expect(report.outcomes.NOT_ELIGIBLE).toEqual(september(1, 0, 1));
      for (const none of ['ALREADY_SUPPORTED', 'OPTED_OUT', 'UNREACHABLE', 'MOVED_AWAY', 'DECEASED'] as const) expect(report.outcomes[none]).toEqual(september(0, 0, 0));
      expect(report.referrals.ACCEPTED).toEqual(september(1, 0, 1));
      expect(report.referrals.STARTED).toEqual(september(0, 1, 1));
      for (const none of ['SENT', 'COMPLETED', 'REJECTED'] as const) expect(report.referrals[none]).toEqual(september(0, 0, 0));
    });

    it('narrows every figure to one cohort, totals included', async () => {
      const release = await stats.report(nationalAdmin, { ...PERIOD, municipality: 'LT-57', cohort: 'recent-release' });
      expect(release.cohorts).toEqual(['recent-release']);
      expect(release.funnel.listed).toEqual({
        total: 3,
        byMonth: { '2026-09': 3, '2026-10': 0, '2026-11': 0 },
        byCohort: { 'recent-release': 3 },
        cells: { '2026-09': { 'recent-release': 3 }, '2026-10': { 'recent-release': 0 }, '2026-11': { 'recent-release': 0 } },
      });
      expect(release.funnel.reached.total).toBe(1);
    });

    it('reads the whole country for a national viewer who names no municipality', async () => {
      const national = await stats.report(nationalAdmin, PERIOD);
      expect(national.municipality).toBeNull();
      expect(national.funnel.listed.byMonth).toEqual({ '2026-09': 16, '2026-10': 5, '2026-11': 1 });
      expect(national.funnel.reached.total).toBe(10);
    });
  });

  describe('as a coordinator sees it', () => {
    it('shows counts under 5 as "<5" and hides the cells a total would give away', async () => {
      const report = await stats.report(coordinator57, PERIOD);
      expect(report.seesSmallCounts).toBe(false);
      expect(report.funnel.listed).toEqual({
        total: 16,
        byMonth: { '2026-09': 10, '2026-10': '*', '2026-11': '<5' },
        byCohort: { 'neet-youth': '*', 'recent-release': '<5' },
        cells: { '2026-09': { 'neet-youth': '*', 'recent-release': '<5' }, '2026-10': { 'neet-youth': '*', 'recent-release': 0 }, '2026-11': { 'neet-youth': '<5', 'recent-release': 0 } },
      });
      // 7 of 10 contacted in September; October's one contacted case is "<5", so its rate is hidden too.
      expect(report.rates.contact.byMonth).toEqual({ '2026-09': '*', '2026-10': '*', '2026-11': '*' });
      expect(report.outcomes.SUPPORT_ACCEPTED.total).toBe('<5');
    });

    it('refuses another municipality and a worker', async () => {
      await expect(stats.report(coordinator57, { ...PERIOD, municipality: 'LT-15' })).rejects.toMatchObject({ code: ErrorCode.FORBIDDEN });
      await expect(stats.report(worker57, PERIOD)).rejects.toMatchObject({ code: ErrorCode.FORBIDDEN });
      await expect(stats.report(coordinator57, { from: '2026-11', to: '2026-09' })).rejects.toMatchObject({ code: ErrorCode.VALIDATION_FAILED });
    });

    it('gives the LT-57 coordinator nothing of LT-15 even with the municipality filter removed from the queries', async () => {
      const repository = moduleRef.get(StatsRepository);
      const unfiltered = { ...PERIOD, municipality: null, cohort: null };
      const database = moduleRef.get(DatabaseService);
      const [funnel57, funnel15] = await Promise.all(
        [coordinator57, coordinator15].map((actor) => database.transaction(statsScope(actor), (m) => repository.funnel(m, unfiltered))),
      );
      const all = (rows: typeof funnel57) => rows.find((r) => r.month === null && r.cohort === null);
      expect(all(funnel57)).toEqual({ month: null, cohort: null, listed: 16, assigned: 13, contacted: 8, reached: 4 });
      expect(all(funnel15)).toEqual({ month: null, cohort: null, listed: 6, assigned: 0, contacted: 6, reached: 6 });
      const referrals15 = await database.transaction(statsScope(coordinator15), (m) => repository.referrals(m, unfiltered));
      expect(referrals15).toEqual([]);
    });
  });

  describe('the follow-up through later extracts', () => {
    const registry = () => moduleRef.get(LawfulBasisService);
    const followUps = async () => (await audit.search({ action: 'statistics.followed_up' })).entries;

    it('is unavailable, says why, and reads nothing while no lawful basis covers the purpose evaluation', async () => {
      const none = await stats.report(nationalAuditor, PERIOD);
      expect(none.followUp).toEqual({ available: false, problems: ['no registered lawful basis allows the purpose `evaluation`'] });
      await registry().add(undefined, basis('LB-OUTREACH', ['outreach'], ['population', 'employment', 'education', 'jobseekers', 'social_services']), systemActor('test'));
      await registry().add(undefined, basis('LB-EVAL-PART', ['evaluation'], ['population', 'employment', 'education']), systemActor('test'));
      const partial = await stats.report(coordinator57, PERIOD);
      expect(partial.followUp).toEqual({
        available: false,
        problems: ['`jobseekers` is not among the registers LB-EVAL-PART permits', '`social_services` is not among the registers LB-EVAL-PART permits'],
      });
      expect(await followUps()).toEqual([]);
    });

    it('counts the listed found active in each register at its asOf after their listing, with one audit entry naming the basis', async () => {
      await registry().add(undefined, basis('LB-EVAL', ['evaluation', 'statistics'], ['population', 'employment', 'education', 'jobseekers', 'social_services']), systemActor('test'));
      const report = await stats.report(nationalAdmin, { ...PERIOD, municipality: 'LT-57' });
      if (!report.followUp.available) throw new Error(`follow-up unavailable: ${report.followUp.problems.join('; ')}`);
      expect(report.followUp.lawfulBasisId).toBe('LB-EVAL');
      expect(report.followUp.extracts).toEqual([
        { register: 'education', asOf: '2026-12-01' },
        { register: 'employment', asOf: '2026-12-01' },
        { register: 'jobseekers', asOf: '2026-10-15' },
      ]);
      const f = report.followUp.figures;
      const months = (sep: number, oct: number) => ({ '2026-09': sep, '2026-10': oct, '2026-11': 0 });
      expect(f.employment).toMatchObject({ total: 2, byMonth: months(1, 1), byCohort: { 'neet-youth': 2, 'recent-release': 0 } });
      expect(f.education).toMatchObject({ total: 1, byMonth: months(1, 0), byCohort: { 'neet-youth': 0, 'recent-release': 1 } });
      expect(f.jobseekers).toMatchObject({ total: 1, byMonth: months(1, 0), byCohort: { 'neet-youth': 1, 'recent-release': 0 } });
      expect(f.social_services).toMatchObject({ total: 0, byMonth: months(0, 0) });
      expect(f.any).toEqual({
        total: 4,
        byMonth: months(3, 1),
        byCohort: { 'neet-youth': 3, 'recent-release': 1 },
        cells: { '2026-09': { 'neet-youth': 2, 'recent-release': 1 }, '2026-10': { 'neet-youth': 1, 'recent-release': 0 }, '2026-11': { 'neet-youth': 0, 'recent-release': 0 } },
      });
      expect(report.followUp.rates.any.total).toBe(25);

      const entries = await followUps();
      expect(entries).toHaveLength(1);
      const [entry] = entries;
      expect(entry).toMatchObject({
        actor: nationalAdmin.userId,
        role: 'ADMIN',
        municipality: 'LT-57',
        action: 'statistics.followed_up',
        objectType: 'statistics',
        purpose: 'evaluation',
        lawfulBasisId: 'LB-EVAL',
        subject: null,
      });
      expect(entry.details).toMatchObject({ from: '2026-09', to: '2026-11', cohort: null, scope: 'LT-57', people: 16, registers: ['employment', 'education', 'jobseekers', 'social_services'] });
    });

    it('writes the CSV download as export.downloaded, with the same numbers as the report', async () => {
      const { filename, csv, report } = await stats.csv(coordinator57, PERIOD);
      expect(filename).toBe('tiltas-statistics-LT-57-2026-09-2026-11.csv');
      const lines = csv.trim().split('\n');
      expect(lines[0]).toBe('municipality,figure,month,cohort,value');
      expect(lines).toEqual(expect.arrayContaining(['LT-57,funnel.listed,all,all,16', 'LT-57,funnel.listed,2026-10,all,*', 'LT-57,funnel.listed,2026-11,neet-youth,<5', 'LT-57,rate.contact,2026-09,all,*']));
      expect(report.funnel.listed.total).toBe(16);
      const [download] = (await audit.search({ action: 'export.downloaded' })).entries;
      expect(download).toMatchObject({ actor: coordinator57.userId, role: 'COORDINATOR', municipality: 'LT-57', objectType: 'statistics', purpose: 'statistics' });
      expect(download.details).toMatchObject({ format: 'csv', lines: lines.length - 1, from: '2026-09', to: '2026-11', followUp: true });
    });
  });
});
