import { INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { systemActor } from '@tiltas/audit';
import { ClockModule, FixedClock, daysBetween } from '@tiltas/common';
import { ConfigModule } from '@tiltas/config';
import { DatabaseModule } from '@tiltas/database';
import { CriteriaService, IdentificationModule, IdentificationService, systemIdentificationActor } from '@tiltas/identification';
import { LawfulBasesModule, LawfulBasisService } from '@tiltas/lawful-bases';
import { CaseWorkService, OutcomeImportService, OutreachModule, type OutcomeImportDone, type OutreachActor } from '@tiltas/outreach';
import { QueueModule } from '@tiltas/queue';
import { IngestService, RegistersModule } from '@tiltas/registers';
import { STANDARD_CRITERION_IDS } from '@tiltas/targeting';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
// Test-only: the cohorts straight from the CSVs in DuckDB, sharing no code with Tiltas (what is found at D+19).
import { oracleCases } from '../../libs/targeting/src/testing/duckdb-oracle';
import { SAMPLE_DIR as SAMPLE } from '../fixtures';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { insertUser } from './outreach-factory';

jest.setTimeout(300_000);

/**
 * Cases over time on the conformance sample: history imported before the first run, a run at D, closings
 * by file and by the service calls the pages make, a run at D+19. After each run the open cases must equal
 * spec/extracts.md "Re-listing after a case closed" applied by hand below (plain TypeScript over the
 * sample's expected cases, the outside oracle's cohorts at D+19, and the closings as recorded), person by
 * person.
 */

const D = '2026-10-01';
const LATER = '2026-10-20';
const RUNNER = systemIdentificationActor('test');
const ADMIN: OutreachActor = { userId: 'admin-test', role: 'ADMIN', municipality: null, scope: 'national' };
const HEADER = 'pseudonym,municipality,outcome,closed_on,to_municipality,cohorts,reason';

/** The spec's default periods, written out here rather than read from the product's configuration. */
const PERIODS: Record<string, number> = {
  SUPPORT_ACCEPTED: 365,
  ALREADY_SUPPORTED: 365,
  MOVED_AWAY: 365,
  NOT_ELIGIBLE: 365,
  DECLINED: 180,
  UNREACHABLE: 90,
};

interface Found {
  readonly pseudonym: string;
  readonly municipality: string;
  readonly cohorts: string[];
}

interface Closing {
  readonly id: number;
  readonly pseudonym: string;
  readonly municipality: string;
  readonly outcome: string;
  readonly closedOn: string;
  readonly cohorts: string[];
}

const key = (p: string, m: string): string => `${p}|${m}`;
const vilnius = (instant: string): string =>
  new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Vilnius', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(instant));

/** The re-listing rules, by hand: what the open cases are after a run at `d` that found `found`. */
function applyRules(d: string, found: readonly Found[], open: Map<string, string[]>, closings: readonly Closing[], optedOut: ReadonlySet<string>): Map<string, string[]> {
  const next = new Map([...open].map(([k, v]) => [k, [...v]]));
  for (const f of found) {
    const k = key(f.pseudonym, f.municipality);
    if (optedOut.has(f.pseudonym)) continue;
    if (next.has(k)) {
      next.set(k, [...new Set([...next.get(k)!, ...f.cohorts])].sort());
      continue;
    }
    if (closings.some((c) => c.pseudonym === f.pseudonym && c.outcome === 'DECEASED')) continue;
    const there = closings.filter((c) => c.pseudonym === f.pseudonym && c.municipality === f.municipality);
    there.sort((a, b) => (a.closedOn === b.closedOn ? b.id - a.id : a.closedOn < b.closedOn ? 1 : -1));
    const latest = there[0];
    const period = latest ? PERIODS[latest.outcome] : undefined;
    const holds = latest !== undefined && period !== undefined && (latest.closedOn > d || daysBetween(latest.closedOn, d) < period);
    if (holds && latest.outcome !== 'NOT_ELIGIBLE') continue;
    const cohorts = holds ? f.cohorts.filter((c) => !latest.cohorts.includes(c)) : f.cohorts;
    if (cohorts.length > 0) next.set(k, [...cohorts].sort());
  }
  return next;
}

describe('cases over time on the conformance sample: history, closings and re-listing', () => {
  let db: TestDatabase;
  let app: INestApplicationContext;
  let identification: IdentificationService;
  let work: CaseWorkService;
  let imports: OutcomeImportService;
  const clock = new FixedClock(new Date('2026-10-02T06:00:00Z'));

  async function openCases(): Promise<Map<string, string[]>> {
    const rows = await db.query<{ p: string; m: string; cohorts: string[] }>(
      `SELECT encode(pseudonym, 'hex') AS p, municipality AS m, cohorts FROM cases WHERE status <> 'CLOSED'`,
    );
    return new Map(rows.map((r) => [key(r.p, r.m), [...r.cohorts].sort()]));
  }

  async function closings(): Promise<Closing[]> {
    const rows = await db.query<{ id: string; p: string; m: string; outcome: string; closed_at: Date; cohorts: string[] }>(
      `SELECT id, encode(pseudonym, 'hex') AS p, municipality AS m, outcome, closed_at, cohorts FROM cases WHERE status = 'CLOSED'`,
    );
    return rows.map((r) => ({ id: Number(r.id), pseudonym: r.p, municipality: r.m, outcome: r.outcome, closedOn: vilnius(r.closed_at.toISOString()), cohorts: r.cohorts }));
  }

  async function optedOut(): Promise<Set<string>> {
    const rows = await db.query<{ p: string }>(`SELECT encode(pseudonym, 'hex') AS p FROM opt_out WHERE withdrawn_at IS NULL`);
    return new Set(rows.map((r) => r.p));
  }

  const sorted = (m: Map<string, string[]>): string[] => [...m].map(([k, v]) => `${k}|${v.join('+')}`).sort();

  async function importText(lines: string[]): Promise<OutcomeImportDone> {
    const result = await imports.importFile(ADMIN, Buffer.from(`${[HEADER, ...lines].join('\n')}\n`));
    if (result.kind === 'refused') throw new Error(result.problems.join('\n'));
    return result;
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    @Module({
      imports: [
        ConfigModule.forRoot(db.config),
        ClockModule.forRoot(clock),
        DatabaseModule.forRoot({ owner: true }),
        QueueModule,
        RegistersModule.forRoot({ ingest: true }),
        LawfulBasesModule,
        IdentificationModule,
        OutreachModule,
      ],
    })
    class RelistingModule {}
    app = await NestFactory.createApplicationContext(RelistingModule, { logger: false, abortOnError: false });
    identification = app.get(IdentificationService);
    work = app.get(CaseWorkService);
    imports = app.get(OutcomeImportService);
    await app.get(LawfulBasisService).add(undefined, JSON.parse(readFileSync(join(SAMPLE, 'lawful-basis.json'), 'utf8')), systemActor('test'));
    const loaded = await app.get(IngestService).loadDirectory(SAMPLE, systemActor('test'));
    expect(loaded.filter((o) => o.status === 'REJECTED')).toEqual([]);
    for (const id of STANDARD_CRITERION_IDS) await app.get(CriteriaService).activate(id, 'LB-SAMPLE', RUNNER);
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('opens, holds back and re-lists exactly as the rules say, at D and at D+19, and a re-run writes nothing', async () => {
    const [, ...answer] = readFileSync(join(SAMPLE, 'expected-cases.csv'), 'utf8').split(/\r?\n/).filter(Boolean);
    const atD: Found[] = answer.map((line) => {
      const [pseudonym, municipality, cohorts] = line.split(',');
      return { pseudonym, municipality, cohorts: cohorts.split('|') };
    });
    const atLater: Found[] = await oracleCases(SAMPLE, LATER);
    const laterKeys = new Map(atLater.map((f) => [key(f.pseudonym, f.municipality), f.cohorts.join('|')]));
    const perPerson = new Map<string, number>();
    for (const f of atD) perPerson.set(f.pseudonym, (perPerson.get(f.pseudonym) ?? 0) + 1);
    // People found the same way at D and at D+19, in one municipality only: the outcome alone decides.
    const steady = atD.filter((f) => perPerson.get(f.pseudonym) === 1 && laterKeys.get(key(f.pseudonym, f.municipality)) === f.cohorts.join('|'));
    const single = steady.filter((f) => f.cohorts.length === 1);
    const double = steady.filter((f) => f.cohorts.length === 2 && f.cohorts.includes('neet-youth'));
    const twice = atD.filter((f) => perPerson.get(f.pseudonym) === 2);
    expect(single.length).toBeGreaterThan(30);
    expect(double.length).toBeGreaterThanOrEqual(3);
    expect(twice.length).toBeGreaterThanOrEqual(2);
    let next = 0;
    const pick = (): Found => single[next++];
    const other = (m: string): string => (m === 'LT-01' ? 'LT-02' : 'LT-01');

    // --- history from a previous system, before the first run (today is 2026-10-02 in Vilnius) ----------
    const h = {
      supportAccepted: pick(), // held at D and D+19
      alreadySupported366: pick(), // 366 days before D: listed at D
      declined180: pick(), // exactly 180 days before D: listed at D
      declined179: pick(), // 179 days: held at D, listed at D+19
      unreachable: pick(), // 83 days at D, 102 at D+19
      movedAway: pick(), // held at both
      optedOut: pick(), // rule 1
      deceasedElsewhere: pick(), // rule 1, from another municipality
      afterD: pick(), // dated after D: within every period
      notEligibleAll: pick(), // NOT_ELIGIBLE for the only cohort: held
      split: double[0], // NOT_ELIGIBLE for neet-youth only: the other cohort still makes a case
      tie: double[1], // two closings on one day: the later line (higher id) counts
    };
    const rest = (f: Found): string => f.cohorts.find((c) => c !== 'neet-youth')!;
    const history = [
      `${h.supportAccepted.pseudonym},${h.supportAccepted.municipality},SUPPORT_ACCEPTED,2026-01-10,,${h.supportAccepted.cohorts[0]},`,
      `${h.alreadySupported366.pseudonym},${h.alreadySupported366.municipality},ALREADY_SUPPORTED,2025-09-30,,,`,
      `${h.declined180.pseudonym},${h.declined180.municipality},DECLINED,2026-04-04,,,`,
      `${h.declined179.pseudonym},${h.declined179.municipality},DECLINED,2026-04-05,,,`,
      `${h.unreachable.pseudonym},${h.unreachable.municipality},UNREACHABLE,2026-07-10,,,`,
      `${h.movedAway.pseudonym},${h.movedAway.municipality},MOVED_AWAY,2026-02-01,${other(h.movedAway.municipality)},,`,
      `${h.optedOut.pseudonym},${h.optedOut.municipality},OPTED_OUT,2025-01-01,,,`,
      `${h.deceasedElsewhere.pseudonym},${other(h.deceasedElsewhere.municipality)},DECEASED,2026-03-03,,,`,
      `${h.afterD.pseudonym},${h.afterD.municipality},DECLINED,2026-10-02,,,`,
      `${h.notEligibleAll.pseudonym},${h.notEligibleAll.municipality},NOT_ELIGIBLE,2026-06-01,,${h.notEligibleAll.cohorts[0]},"works abroad, per the family"`,
      `${h.split.pseudonym},${h.split.municipality},NOT_ELIGIBLE,2026-06-01,,neet-youth,studies abroad`,
      `${h.tie.pseudonym},${h.tie.municipality},DECLINED,2026-08-01,,,`,
      `${h.tie.pseudonym},${h.tie.municipality},NOT_ELIGIBLE,2026-08-01,,neet-youth,in a programme abroad`,
    ];
    const first = await importText(history);
    expect(first.summary).toBe(`imported ${history.length}: closed 0 open case(s), recorded ${history.length} closed case(s), skipped 0`);

    // --- the run at D --------------------------------------------------------------------------------
    const atDRun = await identification.run({ asOf: D, trigger: 'test', actor: RUNNER });
    const expectedAtD = applyRules(D, atD, new Map(), await closings(), await optedOut());
    expect(sorted(await openCases())).toEqual(sorted(expectedAtD));
    // The history's people, one by one, as the table says.
    const open = await openCases();
    const has = (f: Found): boolean => open.has(key(f.pseudonym, f.municipality));
    expect([h.supportAccepted, h.declined179, h.unreachable, h.movedAway, h.optedOut, h.deceasedElsewhere, h.afterD, h.notEligibleAll].filter(has)).toEqual([]);
    expect([h.alreadySupported366, h.declined180].every(has)).toBe(true);
    expect(open.get(key(h.split.pseudonym, h.split.municipality))).toEqual([rest(h.split)]);
    expect(open.get(key(h.tie.pseudonym, h.tie.municipality))).toEqual([rest(h.tie)]);
    expect(atDRun.run.suppressed).toEqual({ SUPPORT_ACCEPTED: 1, DECLINED: 2, UNREACHABLE: 1, MOVED_AWAY: 1, OPTED_OUT: 1, DECEASED: 1, NOT_ELIGIBLE: 1 });
    expect(atDRun.run.cohortsHeld).toBe(2);

    // --- closings by the service calls the pages make (2026-10-05), and by a second file ----------------
    clock.set('2026-10-05T09:00:00Z');
    const municipalities = [...new Set(atD.map((f) => f.municipality))];
    const workers = new Map<string, OutreachActor>();
    const coordinators = new Map<string, OutreachActor>();
    for (const m of municipalities) {
      workers.set(m, { userId: await insertUser(db, `w-${m}`, 'WORKER', m, 1000), role: 'WORKER', municipality: m, scope: 'municipal' });
      coordinators.set(m, { userId: await insertUser(db, `c-${m}`, 'COORDINATOR', m), role: 'COORDINATOR', municipality: m, scope: 'municipal' });
    }
    const caseOf = async (f: Found): Promise<{ id: number; version: number }> => {
      const rows = await db.query<{ id: string; version: number }>(
        `SELECT id, version FROM cases WHERE pseudonym = decode($1, 'hex') AND municipality = $2 AND status <> 'CLOSED'`,
        [f.pseudonym, f.municipality],
      );
      return { id: Number(rows[0].id), version: rows[0].version };
    };
    const take = async (f: Found): Promise<number> => {
      const c = await caseOf(f);
      await work.assign(coordinators.get(f.municipality)!, c.id, workers.get(f.municipality)!.userId, c.version);
      return c.id;
    };
    const live = { declined: pick(), unreachable: pick(), notEligible: pick(), alreadySupported: pick(), optedOut: pick(), handedOver: pick(), lateEvening: pick() };
    const worker = (f: Found): OutreachActor => workers.get(f.municipality)!;
    await work.close(worker(live.declined), await take(live.declined), { outcome: 'DECLINED' });
    const unreachable = await take(live.unreachable);
    for (let i = 0; i < 3; i++) await work.recordAttempt(worker(live.unreachable), unreachable, { channel: 'PHONE', result: 'NO_ANSWER' });
    await work.close(worker(live.unreachable), unreachable, { outcome: 'UNREACHABLE' });
    await work.close(worker(live.notEligible), await take(live.notEligible), { outcome: 'NOT_ELIGIBLE', reason: 'already in a programme' });
    await work.close(worker(live.alreadySupported), await take(live.alreadySupported), { outcome: 'ALREADY_SUPPORTED' });
    await work.optOut(worker(live.optedOut), await take(live.optedOut));
    const moved = await caseOf(live.handedOver);
    const movedTo = other(live.handedOver.municipality);
    const handOver = await work.handOver(coordinators.get(live.handedOver.municipality)!, moved.id, movedTo, moved.version);
    // The person who died: one of their two cases closes DECEASED; the other stays open where it is (the
    // rules hold back only a person without an open case there), and no run lists them again where it closed.
    const [deadHere] = twice.filter((f) => f.pseudonym === twice[0].pseudonym);
    await work.close(worker(deadHere), await take(deadHere), { outcome: 'DECEASED' });
    // Late in the evening in UTC is already the next day in Vilnius: the closing is dated 2026-10-20.
    clock.set('2026-10-19T22:30:00Z');
    await work.close(worker(live.lateEvening), await take(live.lateEvening), { outcome: 'DECLINED' });
    const lateDay = await db.query<{ d: string }>(`SELECT to_char(closed_on, 'YYYY-MM-DD') AS d FROM cases WHERE id = (SELECT max(id) FROM cases WHERE outcome = 'DECLINED' AND closed_at = '2026-10-19T22:30:00Z')`);
    expect(lateDay[0].d).toBe('2026-10-20');

    const byFile = { supportAccepted: pick(), newCase: pick(), movedAway: pick() };
    const fileTo = other(byFile.movedAway.municipality);
    const second = await importText([
      `${byFile.supportAccepted.pseudonym},${byFile.supportAccepted.municipality},SUPPORT_ACCEPTED,2026-10-10,,,`,
      `${byFile.newCase.pseudonym},${byFile.newCase.municipality},DECLINED,2026-10-11,,,`,
      `${byFile.movedAway.pseudonym},${byFile.movedAway.municipality},MOVED_AWAY,2026-10-12,${fileTo},,`,
    ]);
    expect(second.summary).toBe('imported 3: closed 3 open case(s), recorded 0 closed case(s), skipped 0');
    expect(second.handedOver).toBe(1);

    // What the test did, kept by hand: closed cases leave the open set, a hand-over opens one where the person went.
    const expectedOpen = new Map(expectedAtD);
    for (const f of [live.declined, live.unreachable, live.notEligible, live.alreadySupported, live.optedOut, live.handedOver, live.lateEvening, deadHere, ...Object.values(byFile)]) {
      expectedOpen.delete(key(f.pseudonym, f.municipality));
    }
    for (const [k] of [...expectedOpen]) if (k.startsWith(`${live.optedOut.pseudonym}|`)) expectedOpen.delete(k);
    expectedOpen.set(key(live.handedOver.pseudonym, movedTo), [...live.handedOver.cohorts].sort());
    expectedOpen.set(key(byFile.movedAway.pseudonym, fileTo), [...byFile.movedAway.cohorts].sort());
    expect(sorted(await openCases())).toEqual(sorted(expectedOpen));
    expect(handOver.handedOver?.municipality).toBe(movedTo);

    // --- the run at D+19, over the same extracts -------------------------------------------------------
    const later = await identification.run({ asOf: LATER, trigger: 'test', actor: RUNNER });
    const expectedLater = applyRules(LATER, atLater, expectedOpen, await closings(), await optedOut());
    expect(sorted(await openCases())).toEqual(sorted(expectedLater));
    const now = await openCases();
    const hasNow = (f: Found): boolean => now.has(key(f.pseudonym, f.municipality));
    // The live and filed closings hold every one of these people back in the municipality that closed them.
    expect([...Object.values(live), deadHere, ...Object.values(byFile)].filter(hasNow)).toEqual([]);
    // The periods that ran out between D and D+19 list their people again.
    expect([h.declined179, h.unreachable].every(hasNow)).toBe(true);
    expect([h.supportAccepted, h.movedAway, h.optedOut, h.deceasedElsewhere, h.afterD, h.notEligibleAll].filter(hasNow)).toEqual([]);
    // A handed-over case lives on, open, where the person went, not lapsed by the registers' old address.
    const carried = await db.query<{ lapsed: string | null; status: string }>(
      `SELECT lapsed_on AS lapsed, status FROM cases WHERE pseudonym = decode($1, 'hex') AND municipality = $2 AND status <> 'CLOSED'`,
      [live.handedOver.pseudonym, movedTo],
    );
    expect(carried).toEqual([{ lapsed: null, status: 'NEW' }]);
    expect(later.run.suppressed.MOVED_AWAY).toBeGreaterThanOrEqual(3);

    // --- the same run again writes nothing; the same file again changes nothing -----------------------
    const before = await db.query<{ n: string; v: string }>(`SELECT count(*) AS n, sum(version) AS v FROM cases`);
    const again = await identification.run({ asOf: LATER, trigger: 'test', actor: RUNNER });
    expect(again.repeated).toBe(true);
    const again2 = await importText(history);
    expect(again2.summary).toBe(`imported ${history.length}: closed 0 open case(s), recorded 0 closed case(s), skipped ${history.length}`);
    expect(again2.importId).toBeNull();
    expect(await db.query<{ n: string; v: string }>(`SELECT count(*) AS n, sum(version) AS v FROM cases`)).toEqual(before);
  });
});
