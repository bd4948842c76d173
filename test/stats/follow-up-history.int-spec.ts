import { INestApplicationContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { AuditModule } from '@tiltas/audit';
import { ClockModule, FixedClock } from '@tiltas/common';
import { ConfigModule } from '@tiltas/config';
import { DatabaseModule } from '@tiltas/database';
import { LawfulBasesModule } from '@tiltas/lawful-bases';
import { QueueModule } from '@tiltas/queue';
import { IngestService, RegistersModule, RetentionService } from '@tiltas/registers';
import { ComparisonReport, ComparisonService, HIDDEN, SMALL, StatsActor, StatsModule, wilson, newcombe } from '@tiltas/stats';
import { insertCase, insertUser, pseudonymOf } from '../outreach/outreach-factory';
import { csvOf, freshDir, lawfulBasisInsert, writeDelivery } from '../ingest/ingest-fixtures';
import { createTestDatabase, TestDatabase } from '../support/test-database';
import { insertAttempt } from './stats-factory';

jest.setTimeout(120_000);
const ACTOR = { userId: 'system:test', role: 'SYSTEM', municipality: null, scope: 'national' as const };
const D = '2026-01-05';
const D180 = '2026-07-04';
const D365 = '2027-01-05';

const HEADERS = {
  employment: 'pseudonym,employer,kind,employed_from,employed_to',
  education: 'pseudonym,level,institution,enrolled_from,enrolled_to,outcome',
  social_services: 'pseudonym,service,municipality,service_from,service_to',
  prison: 'pseudonym,institution,custody_from,released_on,expected_release_on,release_municipality',
} as const;
type Reg = keyof typeof HEADERS;

const p = (label: string) => pseudonymOf(label);
/**
 * Three deliveries of four registers, as each register knew its people on the day. The planted
 * transitions: P1 into work on 15 April; P2 into school in February, out on 31 August (known only to the
 * last delivery); P3, released, back in custody from 1 May; P4 received a social service March–May; P5's
 * job from 1 June reaches the register late (only the last delivery has it); P6 into work in December; P8
 * into school in September; P9, listed in March, into work in April.
 */
const DELIVERIES: Record<string, Record<Reg, string[]>> = {
  [D]: { employment: [], education: [], social_services: [], prison: [`${p('P3')},K1,2024-01-10,2025-12-20,,LT-57`] },
  [D180]: {
    employment: [`${p('P1')},E1,EMPLOYEE,2026-04-15,`, `${p('P9')},E2,EMPLOYEE,2026-04-01,`],
    education: [`${p('P2')},3,I1,2026-02-01,,`],
    social_services: [`${p('P4')},S1,LT-57,2026-03-01,2026-05-31`],
    prison: [`${p('P3')},K1,2024-01-10,2025-12-20,,LT-57`, `${p('P3')},K1,2026-05-01,,2027-05-01,LT-57`],
  },
  [D365]: {
    employment: [`${p('P1')},E1,EMPLOYEE,2026-04-15,`, `${p('P9')},E2,EMPLOYEE,2026-04-01,`, `${p('P5')},E3,EMPLOYEE,2026-06-01,`, `${p('P6')},E4,APPRENTICE,2026-12-01,`],
    education: [`${p('P2')},3,I1,2026-02-01,2026-08-31,DROPPED_OUT`, `${p('P8')},4,I2,2026-09-01,,`],
    social_services: [`${p('P4')},S1,LT-57,2026-03-01,2026-05-31`],
    prison: [`${p('P3')},K1,2024-01-10,2025-12-20,,LT-57`, `${p('P3')},K1,2026-05-01,,2027-05-01,LT-57`],
  },
};

/**
 * The follow-up at fixed horizons over a synthetic history: every fact, every comparison figure against a
 * hand count, the first delivery reaching a horizon deciding it, and the facts surviving retention.
 */
describe('follow-up over three deliveries', () => {
  let db: TestDatabase;
  let app: INestApplicationContext;
  const clock = new FixedClock(new Date('2027-01-20T10:00:00Z'));
  const admin: StatsActor = { userId: '00000000-0000-4000-8000-0000000000ad', role: 'ADMIN', municipality: null, scope: 'national' };
  let coordinator: StatsActor;
  const id: Record<string, number> = {};
  const extracts: Record<string, Record<string, number>> = {};
  const query = { from: '2026-01', to: '2026-03' };

  beforeAll(async () => {
    db = await createTestDatabase({ RETENTION_SUPERSEDED_EXTRACT_DAYS: '30' });
    const basis = lawfulBasisInsert({ id: 'LB-TEST', registers: ['employment', 'education', 'social_services', 'prison'], purposes: ['outreach', 'evaluation'], validFrom: '2025-01-01' });
    await db.query(basis.sql, basis.params);
    const moduleRef = await Test.createTestingModule({
      imports: [
        ConfigModule.forRoot(db.config),
        ClockModule.forRoot(clock),
        DatabaseModule.forRoot({ owner: true }),
        QueueModule,
        AuditModule,
        LawfulBasesModule,
        RegistersModule.forRoot({ ingest: true }),
        StatsModule,
      ],
    }).compile();
    app = await moduleRef.init();
    coordinator = { userId: await insertUser(db, 'c57', 'COORDINATOR', 'LT-57'), role: 'COORDINATOR', municipality: 'LT-57', scope: 'municipal' };
    const worker = await insertUser(db, 'w57', 'WORKER', 'LT-57');
    const held = { status: 'ASSIGNED' as const, assignedTo: worker };
    const listedD = '2026-01-05T09:00:00Z';
    for (const label of ['P1', 'P2', 'P4', 'P5', 'P6']) id[label] = await insertCase(db, label, { createdAt: listedD, ...held });
    id.P3 = await insertCase(db, 'P3', { createdAt: listedD, cohorts: ['recent-release'], ...held });
    id.P7 = await insertCase(db, 'P7', { createdAt: listedD });
    id.P8 = await insertCase(db, 'P8', { createdAt: listedD });
    id.P9 = await insertCase(db, 'P9', { createdAt: '2026-03-01T09:00:00Z', ...held });
    for (const label of ['P1', 'P2', 'P3', 'P9']) await insertAttempt(db, id[label], 'REACHED');
    for (const label of ['P4', 'P5']) await insertAttempt(db, id[label], 'NO_ANSWER');

    const ingest = app.get(IngestService);
    for (const [asOf, registers] of Object.entries(DELIVERIES)) {
      extracts[asOf] = {};
      const dir = await freshDir('follow');
      for (const [register, rows] of Object.entries(registers)) await writeDelivery(dir, register, csvOf(HEADERS[register as Reg], rows), { asOf });
      for (const outcome of await ingest.loadDirectory(dir, ACTOR)) {
        expect([outcome.register, outcome.status, outcome.reason]).toEqual([outcome.register, 'ACCEPTED', undefined]);
        extracts[asOf][outcome.register] = outcome.extractId!;
      }
    }
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  const facts = () =>
    db.query<{ label: string; horizon: number; register: string; status: string; extract_id: number }>(
      `SELECT c.label, f.horizon, f.register, f.status, f.extract_id::int AS extract_id
       FROM follow_up_fact f JOIN (VALUES ${Object.keys(id).map((_, i) => `($${2 * i + 1}::bigint, $${2 * i + 2})`).join(', ')}) AS c(id, label) ON c.id = f.case_id
       ORDER BY c.label, f.horizon, f.register`,
      Object.entries(id).flatMap(([label, caseId]) => [caseId, label]),
    );

  it('keeps one fact per case, horizon and register, from the first delivery reaching the horizon', async () => {
    const all = await facts();
    // Outcome registers: P1–P9 at 90 days, P1–P9 at 180, P1–P8 at 365 (P9's is not reached yet); prison for P3 only.
    expect(all.filter((f) => f.register !== 'prison')).toHaveLength(3 * (9 + 9 + 8));
    expect(all.filter((f) => f.register === 'prison').map((f) => [f.label, f.horizon, f.status])).toEqual([
      ['P3', 90, 'NOT_ACTIVE'],
      ['P3', 180, 'ACTIVE'],
      ['P3', 365, 'ACTIVE'],
    ]);
    expect(all.filter((f) => f.status === 'ACTIVE' && f.register !== 'prison').map((f) => `${f.label}@${f.horizon}:${f.register}`)).toEqual([
      'P1@180:employment',
      'P1@365:employment',
      'P2@90:education',
      'P2@180:education',
      'P4@90:social_services',
      'P5@365:employment',
      'P6@365:employment',
      'P8@365:education',
      'P9@90:employment',
      'P9@180:employment',
    ]);
    // P5's job from 1 June reached the register only with the last delivery: the D+180 delivery decided 180 days.
    expect(all.find((f) => f.label === 'P5' && f.horizon === 180 && f.register === 'employment')).toMatchObject({ status: 'NOT_ACTIVE', extract_id: extracts[D180].employment });
    // The D delivery reached no horizon; P9's 180 days (28 August) were reached by the last delivery only.
    expect(all.some((f) => Object.values(extracts[D]).includes(f.extract_id))).toBe(false);
    expect(all.find((f) => f.label === 'P9' && f.horizon === 180 && f.register === 'employment')!.extract_id).toBe(extracts[D365].employment);
    const audit = await db.query<{ object_id: string; purpose: string; lawful_basis_id: string; facts: number }>(
      `SELECT object_id, purpose, lawful_basis_id, (details->>'facts')::int AS facts FROM audit_log WHERE action = 'follow_up.computed'`,
    );
    expect(audit).toHaveLength(12);
    expect(audit.every((a) => a.purpose === 'evaluation' && a.lawful_basis_id === 'LB-TEST')).toBe(true);
    expect(audit.reduce((s, a) => s + a.facts, 0)).toBe(all.length);
    expect(audit.find((a) => a.object_id === String(extracts[D180].employment))!.facts).toBe(9 + 8);
  });

  /** The hand count: group → [followed, in work/education/services] at 90, 180 and 365 days. */
  const HAND: Record<number, Record<string, [number, number]>> = {
    90: { reached: [4, 2], contacted_not_reached: [2, 1], not_contacted: [1, 0], never_assigned: [2, 0] },
    180: { reached: [4, 3], contacted_not_reached: [2, 0], not_contacted: [1, 0], never_assigned: [2, 0] },
    365: { reached: [3, 1], contacted_not_reached: [2, 1], not_contacted: [1, 1], never_assigned: [2, 1] },
  };

  function expectHandCount(report: ComparisonReport): void {
    if (!report.available) throw new Error(report.problems.join('; '));
    expect(report.design).toBe('observational');
    for (const slice of report.headline) {
      const hand = HAND[slice.horizon];
      const [rn, rx] = hand.reached;
      for (const g of slice.groups) {
        const [n, x] = hand[g.group];
        expect([g.group, slice.horizon, g.followed, g.positive]).toEqual([g.group, slice.horizon, n, x]);
        expect(g.share).toEqual(wilson(x, n));
        expect(g.differenceFromReached).toEqual(g.group === 'reached' ? null : newcombe(x, n, rx, rn));
      }
      const reached = slice.groups.find((g) => g.group === 'reached')!;
      expect([reached.custodyFollowed, reached.custody]).toEqual(slice.horizon === 90 ? [1, 0] : [1, 1]);
    }
    // January alone, the LT-57 slice: P9 (March) is not in January's.
    const january180 = report.slices.find((s) => s.month === '2026-01' && s.cohort === null && s.horizon === 180)!;
    expect(january180.groups.find((g) => g.group === 'reached')).toMatchObject({ followed: 3, positive: 2 });
    const lt57 = report.slices.find((s) => s.municipality === 'LT-57' && s.cohort === null && s.horizon === 365)!;
    expect(lt57.groups.map((g) => [g.followed, g.positive])).toEqual([[3, 1], [2, 1], [1, 1], [2, 1]]);
  }

  it('compares the reached with the listed-but-not-reached from the facts, as counted by hand', async () => {
    expectHandCount(await app.get(ComparisonService).comparison(admin, query));
    const [entry] = await db.query<{ purpose: string; lawful_basis_id: string }>(`SELECT purpose, lawful_basis_id FROM audit_log WHERE action = 'statistics.compared'`);
    expect(entry).toEqual({ purpose: 'evaluation', lawful_basis_id: 'LB-TEST' });
  });

  it('suppresses the comparison for a coordinator: 1–4 is "<5", 0 stays 0, a share over a small count is hidden', async () => {
    const report = await app.get(ComparisonService).comparison(coordinator, query);
    if (!report.available) throw new Error('unavailable');
    const at90 = report.headline.find((s) => s.horizon === 90)!;
    expect(at90.groups.map((g) => [g.followed, g.positive, g.share === HIDDEN])).toEqual([
      [SMALL, SMALL, true],
      [SMALL, SMALL, true],
      // 0 of 1 and 0 of 2 would tell that one or two people were in none: hidden too.
      [SMALL, 0, true],
      [SMALL, 0, true],
    ]);
    expect(at90.groups[2].differenceFromReached).toBe(HIDDEN);
    const csv = (await app.get(ComparisonService).csv(coordinator, query)).csv;
    expect(csv.split('\n')[0]).toContain('difference_from_reached');
    expect(csv).not.toMatch(/,[1-4],/);
  });

  it('keeps the facts, and the same comparison, when retention drops the superseded extracts', async () => {
    const before = await facts();
    const superseded = [...Object.values(extracts[D]), ...Object.values(extracts[D180])];
    await db.query(`UPDATE extract SET superseded_at = now() - interval '400 days' WHERE id = ANY ($1::bigint[])`, [superseded]);
    const purged = await app.get(RetentionService).purgeSupersededExtracts();
    expect(purged.map((x) => x.id).sort((a, b) => a - b)).toEqual([...superseded].sort((a, b) => a - b));
    expect(await db.query(`SELECT count(*)::int AS n FROM reg_employment WHERE extract_id = $1`, [extracts[D180].employment])).toEqual([{ n: 0 }]);
    expect(await facts()).toEqual(before);
    expectHandCount(await app.get(ComparisonService).comparison(admin, query));
  });
});
