import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClockModule, ErrorCode, FixedClock, addDays } from '@tiltas/common';
import { ConfigModule } from '@tiltas/config';
import { DatabaseModule } from '@tiltas/database';
import { systemActor } from '@tiltas/audit';
import { LawfulBasesModule, LawfulBasisService } from '@tiltas/lawful-bases';
import { Module } from '@nestjs/common';
import { PassThrough } from 'node:stream';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/test-database';
import { CaseExportService } from '../cases/case-export.service';
import { CriteriaService } from '../criteria/criteria.service';
import { systemIdentificationActor } from '../identification-actor';
import { IdentificationModule } from '../identification.module';
import { PreviewService } from '../preview/preview.service';
import { TEST_LAWFUL_BASIS, loadRegisters, testPseudonym, type Row, type Rows } from '../testing/register-loader';
import { IdentificationService } from './identification.service';

const D = '2026-10-01';
const ACTOR = systemIdentificationActor('test');
const ALL = ['neet-youth', 'recent-release', 'pre-release', 'care-leaver', 'disability-unserved'];

interface Person {
  birth: string;
  municipality: string;
  rows?: Partial<Record<keyof Rows, Row[]>>;
}

/** A nation from labelled people: a person's pseudonym is derived from the label. */
function nation(people: Record<string, Person>): Rows {
  const rows: Record<string, Row[]> = { population: [] };
  for (const [label, p] of Object.entries(people)) {
    const pseudonym = testPseudonym(label);
    rows.population.push({ pseudonym, birth_date: p.birth, sex: 'F', municipality: p.municipality, registered_since: '2000-01-01', deceased_on: null, emigrated_on: null });
    for (const [register, list] of Object.entries(p.rows ?? {})) {
      rows[register] = [...(rows[register] ?? []), ...(list ?? []).map((r) => ({ ...r, pseudonym }))];
    }
  }
  return rows as Rows;
}

const released = (on: string, municipality: string | null): Row => ({
  institution: 'P1', custody_from: '2024-01-01', released_on: on, expected_release_on: null, release_municipality: municipality,
});

describe('identification runs', () => {
  let db: TestDatabase;
  let app: INestApplicationContext;
  let criteria: CriteriaService;
  let identification: IdentificationService;

  const people: Record<string, Person> = {
    neet: { birth: '2006-05-05', municipality: 'LT-01' },
    // Released to LT-02 while living in LT-01: neet-youth finds them in LT-01, recent-release in LT-02.
    twoPlaces: { birth: '2005-03-03', municipality: 'LT-01', rows: { prison: [released(addDays(D, -10), 'LT-02')] } },
    // Released with no release municipality: both cohorts find them at home, in one case.
    twoCohorts: { birth: '2005-04-04', municipality: 'LT-03', rows: { prison: [released(addDays(D, -20), null)] } },
    declined179: { birth: '2006-06-06', municipality: 'LT-04' },
    declined181: { birth: '2006-07-07', municipality: 'LT-04' },
    optedOut: { birth: '2006-08-08', municipality: 'LT-05' },
    employed: { birth: '1990-01-01', municipality: 'LT-06', rows: { employment: [{ employer: 'E1', kind: 'EMPLOYEE', employed_from: '2020-01-01', employed_to: null }] } },
  };

  async function cases(): Promise<Array<{ pseudonym: string; municipality: string; cohorts: string; status: string; lapsed_on: string | null; lapsed_reason: Record<string, unknown> | null }>> {
    return db.query(
      `SELECT encode(pseudonym, 'hex') AS pseudonym, municipality, array_to_string(cohorts, '|') AS cohorts, status,
              to_char(lapsed_on, 'YYYY-MM-DD') AS lapsed_on, lapsed_reason FROM cases ORDER BY municipality, pseudonym`,
    );
  }

  function who(pseudonym: string): string {
    return Object.keys(people).find((label) => testPseudonym(label) === pseudonym) ?? pseudonym;
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    @Module({
      imports: [ConfigModule.forRoot(db.config), ClockModule.forRoot(new FixedClock(new Date('2026-11-02T08:00:00Z'))), DatabaseModule.forRoot(), IdentificationModule, LawfulBasesModule],
    })
    class TestModule {}
    app = await NestFactory.createApplicationContext(TestModule, { logger: false });
    criteria = app.get(CriteriaService);
    identification = app.get(IdentificationService);
    const bases = app.get(LawfulBasisService);
    await bases.add(undefined, TEST_LAWFUL_BASIS, systemActor('test'));
    await bases.add(undefined, { ...TEST_LAWFUL_BASIS, id: 'LB-NO-PRISON', registers: TEST_LAWFUL_BASIS.registers.filter((r) => r !== 'prison'), article10Authorisation: null }, systemActor('test'));
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('refuses to activate a criterion under a lawful basis that does not cover a register it reads, naming it', async () => {
    await expect(criteria.activate('neet-youth', 'LB-NO-PRISON', ACTOR)).rejects.toMatchObject({ code: ErrorCode.LAWFUL_BASIS_MISSING, message: expect.stringContaining('prison') });
    await expect(criteria.activate('neet-youth', 'LB-UNKNOWN', ACTOR)).rejects.toMatchObject({ code: ErrorCode.LAWFUL_BASIS_MISSING });
    const list = await criteria.list(ACTOR);
    expect(list.filter((v) => v.status === 'ACTIVE')).toEqual([]);
    const refused = await db.query<{ n: string }>(`SELECT count(*) AS n FROM audit_log WHERE action = 'criterion.activation_refused'`);
    expect(Number(refused[0].n)).toBe(2);
  });

  it('refuses a run when no criterion is active', async () => {
    await expect(identification.run({ asOf: D, trigger: 'test', actor: ACTOR })).rejects.toMatchObject({ message: expect.stringContaining('no ACTIVE criterion') });
  });

  it('activates the five standard cohorts under a basis that covers them, and logs each activation', async () => {
    for (const id of ALL) await criteria.activate(id, 'LB-TEST', ACTOR);
    const active = (await criteria.list(ACTOR)).filter((v) => v.status === 'ACTIVE').map((v) => `${v.criterionId}@${v.version}:${v.lawfulBasisId}`);
    expect(active.sort()).toEqual(ALL.map((id) => `${id}@1:LB-TEST`).sort());
    const logged = await db.query<{ object_id: string }>(`SELECT object_id FROM audit_log WHERE action = 'criterion.activated' ORDER BY seq`);
    expect(logged.map((r) => r.object_id)).toEqual(ALL);
  });

  it('refuses a run when a register a criterion reads has no active extract', async () => {
    await loadRegisters(db.url, nation(people), { asOf: D, without: ['military'] });
    await expect(identification.run({ asOf: D, trigger: 'test', actor: ACTOR })).rejects.toMatchObject({
      code: ErrorCode.CONFLICT,
      message: expect.stringContaining('register military has no ACTIVE extract (read by neet-youth)'),
    });
    expect(await cases()).toEqual([]);
  });

  it('refuses a run when the active extracts were pseudonymised under different key ids', async () => {
    await loadRegisters(db.url, nation(people), { asOf: D, keyIds: { prison: 'k-other' } });
    await expect(identification.run({ asOf: D, trigger: 'test', actor: ACTOR })).rejects.toMatchObject({
      message: expect.stringMatching(/different key ids.*k-other \(prison\)/),
    });
    const refused = await db.query<{ status: string }>(`SELECT status FROM identification_run ORDER BY id`);
    expect(refused.map((r) => r.status)).toEqual(['REFUSED', 'REFUSED', 'REFUSED']);
  });

  it('opens one case per person and municipality, listing every cohort that found them there', async () => {
    await loadRegisters(db.url, nation(people), { asOf: D });
    // An earlier DECLINED case 179 and 181 days before D, and an opt-out.
    await db.query(
      `INSERT INTO cases (pseudonym, municipality, cohorts, status, outcome, closed_at) VALUES
         (decode($1, 'hex'), 'LT-04', '{neet-youth}', 'CLOSED', 'DECLINED', ($3::date - 179)::timestamptz + interval '10 hours'),
         (decode($2, 'hex'), 'LT-04', '{neet-youth}', 'CLOSED', 'DECLINED', ($3::date - 181)::timestamptz + interval '10 hours')`,
      [testPseudonym('declined179'), testPseudonym('declined181'), D],
    );
    await db.query(`INSERT INTO opt_out (pseudonym, recorded_by) VALUES (decode($1, 'hex'), 'test')`, [testPseudonym('optedOut')]);

    const { run, repeated } = await identification.run({ asOf: D, criteria: ['neet-youth'], trigger: 'test', actor: ACTOR });
    expect(repeated).toBe(false);
    expect(run.counts).toEqual([{ cohort: 'neet-youth', version: 1, matched: 6, new: 4, added: 0, suppressed: 2, unchanged: 0 }]);
    const open = (await cases()).filter((c) => c.status === 'NEW').map((c) => `${who(c.pseudonym)} ${c.municipality} ${c.cohorts}`);
    expect(open.sort()).toEqual(['declined181 LT-04 neet-youth', 'neet LT-01 neet-youth', 'twoCohorts LT-03 neet-youth', 'twoPlaces LT-01 neet-youth']);
  });

  it('adds a new cohort to the open case, and opens a second case where another cohort puts the same person', async () => {
    const { run } = await identification.run({ asOf: D, trigger: 'test', actor: ACTOR });
    const byCohort = Object.fromEntries(run.counts.map((c) => [c.cohort, c]));
    expect(byCohort['recent-release']).toMatchObject({ matched: 2, new: 1, added: 1, suppressed: 0 });
    expect(byCohort['neet-youth']).toMatchObject({ matched: 6, new: 0, added: 0, suppressed: 2, unchanged: 4 });
    const open = (await cases()).filter((c) => c.status === 'NEW').map((c) => `${who(c.pseudonym)} ${c.municipality} ${c.cohorts}`);
    expect(open.sort()).toEqual([
      'declined181 LT-04 neet-youth',
      'neet LT-01 neet-youth',
      'twoCohorts LT-03 neet-youth|recent-release',
      'twoPlaces LT-01 neet-youth',
      'twoPlaces LT-02 recent-release',
    ]);
    const reasons = await db.query<{ criterion_id: string; reason: { release: { released_on: string } } }>(
      `SELECT r.criterion_id, r.reason FROM case_reason r JOIN cases c ON c.id = r.case_id WHERE c.pseudonym = decode($1, 'hex') ORDER BY 1`,
      [testPseudonym('twoCohorts')],
    );
    expect(reasons.map((r) => r.criterion_id)).toEqual(['neet-youth', 'recent-release']);
    expect(reasons[1].reason.release.released_on).toBe(addDays(D, -20));
    const logged = await db.query<{ action: string; details: { count?: number } }>(`SELECT action, details FROM audit_log WHERE object_id = $1 ORDER BY seq`, [String(run.id)]);
    expect(logged.map((l) => l.action)).toEqual(['identification.run', 'case.created']);
    expect(logged[1].details.count).toBe(1);
  });

  it('changes nothing when the same criteria run again for the same date', async () => {
    const before = await cases();
    const runsBefore = await db.query(`SELECT id FROM identification_run WHERE status = 'COMPLETED'`);
    const { repeated, counts } = await identification.run({ asOf: D, trigger: 'test', actor: ACTOR });
    expect(repeated).toBe(true);
    expect(counts.map((c) => c.new + c.added)).toEqual([0, 0, 0, 0, 0]);
    expect(await cases()).toEqual(before);
    expect(await db.query(`SELECT id FROM identification_run WHERE status = 'COMPLETED'`)).toEqual(runsBefore);
  });

  it('makes one run of two started at the same moment', async () => {
    const next = addDays(D, 1);
    const outcomes = await Promise.all([0, 1].map(() => identification.run({ asOf: next, trigger: 'test', actor: ACTOR })));
    expect(outcomes.map((o) => o.repeated).sort()).toEqual([false, true]);
    expect(outcomes[0].run.id).toBe(outcomes[1].run.id);
    const runs = await db.query(`SELECT id FROM identification_run WHERE as_of = $1`, [next]);
    expect(runs).toHaveLength(1);
  });

  it('marks an open case lapsed, with what changed, when its person no longer matches its cohorts', async () => {
    const later = { ...people, neet: { ...people.neet, rows: { employment: [{ employer: 'E2', kind: 'EMPLOYEE', employed_from: addDays(D, 5), employed_to: null }] } } };
    await loadRegisters(db.url, nation(later), { asOf: addDays(D, 10) });
    const { run } = await identification.run({ asOf: addDays(D, 10), trigger: 'test', actor: ACTOR });
    expect(run.casesLapsed).toBe(1);
    const lapsed = (await cases()).filter((c) => c.lapsed_on !== null);
    expect(lapsed.map((c) => `${who(c.pseudonym)} ${c.status} ${c.lapsed_on}`)).toEqual([`neet NEW ${addDays(D, 10)}`]);
    expect(lapsed[0].lapsed_reason).toMatchObject({ runId: run.id, changed: { 'neet-youth': 'no longer: not in employment at D' } });
  });

  it('exports cases as CSV with sorted cohorts and 64-hex pseudonyms, filtered by municipality', async () => {
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    await app.get(CaseExportService).exportCsv(out, { municipality: 'LT-03', status: 'OPEN' }, ACTOR);
    const lines = Buffer.concat(chunks).toString('utf8').trim().split('\n');
    expect(lines[0]).toBe('case_id,pseudonym,municipality,cohorts,status,created_at');
    expect(lines.slice(1).map((l) => l.split(',').slice(1, 5).join(','))).toEqual([`${testPseudonym('twoCohorts')},LT-03,neet-youth|recent-release,NEW`]);
  });

  it('previews a draft against the active version: total, per municipality, funnel and the difference', async () => {
    const active = await criteria.version('neet-youth', ACTOR);
    await criteria.saveDraft('neet-youth', { ...active.definition, conditions: active.definition.conditions.map((c) => (c.kind === 'age' ? { ...c, max: 29 } : c)) }, ACTOR);
    const preview = await app.get(PreviewService).preview({ criterionId: 'neet-youth', asOf: addDays(D, 10) }, ACTOR);
    expect(preview.version).toBe(2);
    expect(preview.diff).toEqual({ criterionId: 'neet-youth', activeVersion: 1, adds: 0, drops: 0 });
    expect(preview.total).toBe(5);
    expect(preview.funnel[0]).toEqual({ label: 'in the population extract', remaining: 7 });
    expect(preview.funnel.at(-1)!.remaining).toBe(5);
    expect(preview.byMunicipality.map((m) => `${m.municipality}=${m.found}`)).toEqual(['LT-01=1', 'LT-03=1', 'LT-04=2', 'LT-05=1']);
  });
});
