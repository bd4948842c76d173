import { INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { systemActor } from '@tiltas/audit';
import { ClockModule, FixedClock } from '@tiltas/common';
import { ConfigModule } from '@tiltas/config';
import { DatabaseModule } from '@tiltas/database';
import { CriteriaService, IdentificationModule, IdentificationService, systemIdentificationActor } from '@tiltas/identification';
import { LawfulBasesModule, LawfulBasisService } from '@tiltas/lawful-bases';
import { CaseWorkService, OutcomeImportService, OutreachModule, type OutreachActor } from '@tiltas/outreach';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliExit } from '../../apps/cli/src/cli-context';
// Test-only loader of register rows, the one the identification lib's own tests use.
import { TEST_LAWFUL_BASIS, loadRegisters, testPseudonym, type Rows } from '../../libs/identification/src/testing/register-loader';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { insertCase, insertUser, pseudonymOf } from './outreach-factory';

jest.setTimeout(180_000);

const HEADER = 'pseudonym,municipality,outcome,closed_on,to_municipality,cohorts,reason';
const RUNNER = systemIdentificationActor('test');
const ADMIN: OutreachActor = { userId: 'admin-test', role: 'ADMIN', municipality: null, scope: 'national' };

/** Young people with nothing on record, registered where `at` says: neet-youth lists each of them. */
function nation(at: Record<string, string>): Rows {
  return {
    population: Object.entries(at).map(([label, municipality], i) => ({
      pseudonym: testPseudonym(label),
      birth_date: `2005-0${(i % 9) + 1}-10`,
      sex: 'F',
      municipality,
      registered_since: '2000-01-01',
      deceased_on: null,
      emigrated_on: null,
    })),
  };
}

async function openApp(db: TestDatabase, clock: FixedClock): Promise<INestApplicationContext> {
  @Module({ imports: [ConfigModule.forRoot(db.config), ClockModule.forRoot(clock), DatabaseModule.forRoot(), LawfulBasesModule, IdentificationModule, OutreachModule] })
  class ImportTestModule {}
  const app = await NestFactory.createApplicationContext(ImportTestModule, { logger: false });
  await app.get(LawfulBasisService).add(undefined, TEST_LAWFUL_BASIS, systemActor('test'));
  await app.get(CriteriaService).activate('neet-youth', 'LB-TEST', RUNNER);
  return app;
}

async function openCases(db: TestDatabase): Promise<Array<{ p: string; m: string; status: string; lapsed: string | null }>> {
  return db.query(`SELECT encode(pseudonym, 'hex') AS p, municipality AS m, status, lapsed_on AS lapsed FROM cases WHERE status <> 'CLOSED' ORDER BY 1, 2`);
}

describe('tiltas cases import-outcomes', () => {
  let db: TestDatabase;
  const saved = { ...process.env };
  const dir = mkdtempSync(join(tmpdir(), 'tiltas-outcomes-'));
  const P = (label: string): string => pseudonymOf(label);

  function file(name: string, lines: string[]): string {
    const path = join(dir, name);
    writeFileSync(path, `${lines.join('\n')}\n`);
    return path;
  }

  async function run(...args: string[]): Promise<{ out: string[]; err: string[]; code: number }> {
    const out: string[] = [];
    const err: string[] = [];
    const { buildProgram } = await import('../../apps/cli/src/program');
    try {
      await buildProgram({ out: (l) => out.push(l), err: (l) => err.push(l) }).parseAsync(['node', 'tiltas', ...args]);
      return { out, err, code: 0 };
    } catch (e) {
      if (!(e instanceof CliExit)) throw e;
      if (e.message) err.push(e.message);
      return { out, err, code: e.exitCode };
    }
  }

  /** Everything an import could change, to show that a refused one changed none of it. */
  async function state(): Promise<unknown> {
    return db.query(`
      SELECT (SELECT count(*) FROM cases) AS cases, (SELECT coalesce(sum(version), 0) FROM cases) AS versions,
             (SELECT count(*) FROM opt_out) AS opt_outs, (SELECT count(*) FROM outcome_import) AS imports,
             (SELECT count(*) FROM case_event) AS events,
             (SELECT count(*) FROM audit_log WHERE action = 'cases.outcomes_imported') AS entries`);
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    Object.assign(process.env, {
      NODE_ENV: 'test',
      DATABASE_URL: db.url,
      REDIS_URL: new URL(db.config.redis.url).toString(),
      REDIS_PREFIX: db.config.redis.prefix,
      SESSION_SECRET: db.config.secrets.sessionSecret,
      CONTACTS_KEY: db.config.secrets.contactsKey.toString('hex'),
      LOG_LEVEL: 'silent',
    });
  });

  afterAll(async () => {
    process.env = saved;
    await db?.drop();
  });

  it('refuses a file with bad rows whole: exit 1, one line per bad row naming line, column and reason, nothing changed', async () => {
    await insertCase(db, 'kept-open', { municipality: 'LT-57' });
    const before = await state();
    const path = file('bad.csv', [
      HEADER,
      `${P('kept-open')},LT-57,DECLINED,2026-05-01,,,`,
      `${P('a').toUpperCase()},LT-57,DECLINED,2026-05-01,,,`,
      `${P('b')},LT-75,DECLINED,2026-05-01,,,`,
      `${P('c')},LT-57,REFUSED,2026-05-01,,,`,
      `${P('d')},LT-57,DECLINED,2027-02-30,,,`,
      `${P('e')},LT-57,DECLINED,2099-01-01,,,`,
      `${P('f')},LT-57,DECLINED,2026-05-01,LT-15,,`,
      `${P('g')},LT-57,MOVED_AWAY,2026-05-01,LT-57,,`,
      `${P('h')},LT-57,NOT_ELIGIBLE,2026-05-01,,,works abroad`,
      `${P('i')},LT-57,NOT_ELIGIBLE,2026-05-01,,neet-youth,`,
      `${P('j')},LT-57,DECLINED,2026-05-01,,no-such-cohort,`,
      `${P('k')},LT-57,DECLINED,2026-05-01,,`,
    ]);
    const result = await run('cases', 'import-outcomes', '--file', path);
    expect(result.code).toBe(1);
    expect(result.out).toEqual([]);
    expect(result.err).toEqual([
      'line 3: column pseudonym: must be 64 lowercase hex characters',
      'line 4: column municipality: "LT-75" is not a municipality code (LT-01…LT-60)',
      expect.stringMatching(/^line 5: column outcome: "REFUSED" is not a closing outcome/),
      'line 6: column closed_on: "2027-02-30" is not a real date (YYYY-MM-DD)',
      expect.stringMatching(/^line 7: column closed_on: 2099-01-01 is after today \(\d{4}-\d{2}-\d{2}\)$/),
      'line 8: column to_municipality: only a MOVED_AWAY row names one; this row is DECLINED',
      'line 9: column to_municipality: must be another municipality than LT-57',
      expect.stringMatching(/^line 10: column cohorts: required with NOT_ELIGIBLE/),
      expect.stringMatching(/^line 11: column reason: required with NOT_ELIGIBLE/),
      'line 12: column cohorts: not a known criterion: "no-such-cohort"',
      'line 13: 6 field(s), the header has 7',
      `refused ${path}: 11 problem(s); nothing was changed`,
    ]);
    expect(await state()).toEqual(before);
  });

  it('refuses a wrong header, broken CSV and a missing file, naming the cause', async () => {
    const before = await state();
    const header = await run('cases', 'import-outcomes', '--file', file('header.csv', ['pseudonym,municipality,outcome,closed_on,cohorts,reason,name']));
    expect(header.code).toBe(1);
    expect(header.err.slice(0, 2)).toEqual([
      'line 1, column name: not a column of outcomes.csv (expected pseudonym,municipality,outcome,closed_on,to_municipality,cohorts,reason)',
      'line 1, column to_municipality: missing from the header',
    ]);
    const broken = await run('cases', 'import-outcomes', '--file', file('broken.csv', [HEADER, `${P('x')},LT-57,DECLINED,2026-05-01,,,"open quote`]));
    expect(broken.code).toBe(1);
    expect(broken.err[0]).toMatch(/^line 2: /);
    const missing = await run('cases', 'import-outcomes', '--file', join(dir, 'absent.csv'));
    expect(missing).toMatchObject({ code: 2, err: [expect.stringContaining('absent.csv: ENOENT')] });
    expect(await state()).toEqual(before);
  });

  it('closes open cases (NEW included), records history and opt-outs, and a re-import changes nothing and says so', async () => {
    const elsewhere = await insertCase(db, 'opts-out', { municipality: 'LT-15' });
    const here = await insertCase(db, 'opts-out', { municipality: 'LT-57' });
    const lines = [
      HEADER,
      `${P('kept-open')},LT-57,NOT_ELIGIBLE,2026-05-01,,neet-youth,"studies, abroad"`,
      `${P('opts-out')},LT-57,OPTED_OUT,2026-05-02,,,`,
      `${P('history-1')},LT-57,DECLINED,2026-04-01,,neet-youth,`,
      `${P('history-1')},LT-57,DECLINED,2026-04-01,,neet-youth,`,
      `${P('history-2')},LT-33,MOVED_AWAY,2026-03-01,LT-15,,`,
    ];
    const path = file('good.csv', lines);
    const sha256 = createHash('sha256').update(`${lines.join('\n')}\n`).digest('hex');
    const first = await run('cases', 'import-outcomes', '--file', path);
    expect(first).toEqual({ code: 0, out: ['imported 5: closed 2 open case(s), recorded 2 closed case(s), skipped 1'], err: [] });

    const closed = await db.query<{ id: string; status: string; outcome: string; closed_on: string; note: string | null; imported: boolean }>(
      `SELECT id, status, outcome, to_char(closed_on, 'YYYY-MM-DD') AS closed_on, outcome_note AS note, outcome_import_id IS NOT NULL AS imported
       FROM cases WHERE pseudonym IN (decode($1, 'hex'), decode($2, 'hex')) ORDER BY id`,
      [P('kept-open'), P('opts-out')],
    );
    expect(closed.map((c) => ({ ...c, id: Number(c.id) }))).toEqual([
      expect.objectContaining({ status: 'CLOSED', outcome: 'NOT_ELIGIBLE', closed_on: '2026-05-01', note: 'studies, abroad', imported: true }),
      // The opt-out closes the person's case elsewhere too, as a worker's opt-out does.
      { id: elsewhere, status: 'CLOSED', outcome: 'OPTED_OUT', closed_on: expect.any(String), note: null, imported: false },
      { id: here, status: 'CLOSED', outcome: 'OPTED_OUT', closed_on: '2026-05-02', note: null, imported: true },
    ]);
    expect(await db.query(`SELECT case_id::int AS case_id FROM opt_out WHERE pseudonym = decode($1, 'hex') AND withdrawn_at IS NULL`, [P('opts-out')])).toEqual([{ case_id: here }]);
    const history = await db.query(
      `SELECT municipality, status, outcome, to_char(closed_on, 'YYYY-MM-DD') AS closed_on, cohorts, handed_over_to FROM cases
       WHERE pseudonym IN (decode($1, 'hex'), decode($2, 'hex')) ORDER BY municipality`,
      [P('history-1'), P('history-2')],
    );
    expect(history).toEqual([
      { municipality: 'LT-33', status: 'CLOSED', outcome: 'MOVED_AWAY', closed_on: '2026-03-01', cohorts: [], handed_over_to: 'LT-15' },
      { municipality: 'LT-57', status: 'CLOSED', outcome: 'DECLINED', closed_on: '2026-04-01', cohorts: ['neet-youth'], handed_over_to: null },
    ]);
    // History only: never in a queue, and no open case in LT-15 for a move recorded without one.
    expect((await openCases(db)).filter((c) => c.p === P('history-2'))).toEqual([]);

    const before = await state();
    const again = await run('cases', 'import-outcomes', '--file', path);
    expect(again).toEqual({ code: 0, out: ['imported 5: closed 0 open case(s), recorded 0 closed case(s), skipped 5'], err: ['nothing changed: every row equals a closing already recorded'] });
    const after = (await state()) as Array<Record<string, string>>;
    expect({ ...after[0], entries: undefined }).toEqual({ ...(before as Array<Record<string, string>>)[0], entries: undefined });

    const entries = await db.query<{ actor: string; details: Record<string, unknown> }>(
      `SELECT actor, details FROM audit_log WHERE action = 'cases.outcomes_imported' ORDER BY seq`,
    );
    expect(entries).toHaveLength(2);
    expect(entries[0].details).toMatchObject({
      sha256,
      rows: 5,
      closed: 2,
      recorded: 2,
      skipped: 1,
      outcomes: { DECLINED: { closed: 0, recorded: 1, skipped: 1 }, MOVED_AWAY: { closed: 0, recorded: 1, skipped: 0 }, NOT_ELIGIBLE: { closed: 1, recorded: 0, skipped: 0 }, OPTED_OUT: { closed: 1, recorded: 0, skipped: 0 } },
      otherCasesClosed: 1,
      changedNothing: false,
    });
    expect(entries[1].details).toMatchObject({ sha256, rows: 5, skipped: 5, changedNothing: true });
    expect(entries[0].actor).toBe('system:cli');
  });
});

describe('a hand-over that holds, and closing dates in Vilnius', () => {
  let db: TestDatabase;
  let app: INestApplicationContext;
  const D = '2026-10-01';
  const clock = new FixedClock(new Date(`${D}T06:00:00Z`));

  beforeAll(async () => {
    db = await createTestDatabase();
    app = await openApp(db, clock);
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  async function runAt(asOf: string, at: Record<string, string>) {
    clock.set(`${asOf}T06:00:00Z`);
    await loadRegisters(db.url, nation(at), { asOf });
    return (await app.get(IdentificationService).run({ asOf, criteria: ['neet-youth'], trigger: 'test', actor: RUNNER })).run;
  }

  it('keeps the handed-over case open where the person went, and the old municipality does not list them while MOVED_AWAY holds', async () => {
    const work = app.get(CaseWorkService);
    const at = { mover: 'LT-57', evening: 'LT-57' };
    await runAt(D, at);
    const [moving] = await db.query<{ id: string; version: number }>(`SELECT id, version FROM cases WHERE pseudonym = decode($1, 'hex')`, [testPseudonym('mover')]);
    const coordinator: OutreachActor = { userId: await insertUser(db, 'coord-57', 'COORDINATOR', 'LT-57'), role: 'COORDINATOR', municipality: 'LT-57', scope: 'municipal' };
    const handed = await work.handOver(coordinator, Number(moving.id), 'LT-15', moving.version);
    expect(handed.handedOver?.municipality).toBe('LT-15');

    // The population register still has the old address a month later, and still after 364 days.
    for (const later of ['2026-11-01', '2027-09-30']) {
      const run = await runAt(later, at);
      expect(run.suppressed.MOVED_AWAY).toBe(1);
      expect((await openCases(db)).filter((c) => c.p === testPseudonym('mover'))).toEqual([{ p: testPseudonym('mover'), m: 'LT-15', status: 'NEW', lapsed: null }]);
    }
    // 365 days after the closing the old municipality may list the person again; the new one keeps its case.
    const yearOn = await runAt('2027-10-01', at);
    expect(yearOn.suppressed.MOVED_AWAY ?? 0).toBe(0);
    expect((await openCases(db)).filter((c) => c.p === testPseudonym('mover')).map((c) => c.m)).toEqual(['LT-15', 'LT-57']);
    const reasons = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM case_reason r JOIN cases c ON c.id = r.case_id WHERE c.municipality = 'LT-15' AND c.pseudonym = decode($1, 'hex')`,
      [testPseudonym('mover')],
    );
    expect(reasons[0].n).toBe(1);
  });

  it('dates a closing by its day in Vilnius: closed at 21:30 UTC counts from the next day', async () => {
    const work = app.get(CaseWorkService);
    const worker: OutreachActor = { userId: await insertUser(db, 'worker-57', 'WORKER', 'LT-57', 100), role: 'WORKER', municipality: 'LT-57', scope: 'municipal' };
    const [c] = await db.query<{ id: string }>(`SELECT id FROM cases WHERE pseudonym = decode($1, 'hex') AND status <> 'CLOSED'`, [testPseudonym('evening')]);
    clock.set('2027-10-01T21:30:00Z');
    await work.claim(worker, Number(c.id), (await db.query<{ version: number }>(`SELECT version FROM cases WHERE id = $1`, [c.id]))[0].version);
    await work.close(worker, Number(c.id), { outcome: 'DECLINED' });
    expect(await db.query(`SELECT to_char(closed_on, 'YYYY-MM-DD') AS d FROM cases WHERE id = $1`, [c.id])).toEqual([{ d: '2027-10-02' }]);
    const at = { mover: 'LT-57', evening: 'LT-57' };
    // 179 days after 2027-10-02 (180 after the UTC date): still held.
    expect((await runAt('2028-03-29', at)).suppressed.DECLINED).toBe(1);
    expect((await runAt('2028-03-30', at)).suppressed.DECLINED ?? 0).toBe(0);
    expect((await openCases(db)).filter((o) => o.p === testPseudonym('evening')).map((o) => o.m)).toEqual(['LT-57']);
  });
});

describe('a closing dated after D with a period of 0 days', () => {
  let db: TestDatabase;
  let app: INestApplicationContext;
  const clock = new FixedClock(new Date('2026-10-06T06:00:00Z'));

  beforeAll(async () => {
    db = await createTestDatabase({ RELIST_AFTER_UNREACHABLE_DAYS: '0' });
    app = await openApp(db, clock);
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('still holds the person back, while one dated on D does not', async () => {
    const imported = await app.get(OutcomeImportService).importFile(
      ADMIN,
      Buffer.from(`${HEADER}\n${testPseudonym('after-d')},LT-57,UNREACHABLE,2026-10-05,,,\n${testPseudonym('on-d')},LT-57,UNREACHABLE,2026-10-01,,,\n`),
    );
    expect(imported).toMatchObject({ kind: 'imported', summary: 'imported 2: closed 0 open case(s), recorded 2 closed case(s), skipped 0' });
    await loadRegisters(db.url, nation({ 'after-d': 'LT-57', 'on-d': 'LT-57' }), { asOf: '2026-10-01' });
    const { run } = await app.get(IdentificationService).run({ asOf: '2026-10-01', criteria: ['neet-youth'], trigger: 'test', actor: RUNNER });
    expect(run.suppressed).toEqual({ UNREACHABLE: 1 });
    expect((await openCases(db)).map((c) => c.p)).toEqual([testPseudonym('on-d')]);
  });
});
