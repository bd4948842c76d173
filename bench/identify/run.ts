/**
 * Identification benchmark on a synthetic nation (libs/synth; the national 2.9M by default), printing in
 * one run: the hand-written NOT EXISTS SQL for neet-youth (the anchor), DuckDB over the same CSVs,
 * Tiltas's compiled neet-youth, all five compiled cohorts, a full run with case writing, and its re-run,
 * and the coordinator's preview (total, per municipality, funnel, added and dropped against the active
 * version) of a neet-youth draft at ages 16–29, of Vilnius's copy tuned the same way, and of the national
 * draft again once that copy is active (Vilnius left out, as a run leaves it), with the ratios to
 * the targets (compiled ≤ 1.5× hand-written; five ≤ 12 s; run ≤ 20 s; re-run ≤ 10 s writing nothing;
 * a preview ≤ 5 s), and `cases import-outcomes` of an outcomes file (100,000 rows by default: a closing for
 * every open case the run made, up to half the file, the rest history; target ≤ 15 s) and its re-import,
 * and last a delta delivery of the prison register (`--delta-rows`, 1,000 by default: residents taken into
 * custody, to be released within 60 days) accepted through the real ingest and identified the same day,
 * up to its new cases counted, printed beside the full run (target ≤ 2 s).
 *
 *   npm run bench:identify -- [--people 2900000] [--as-of 2026-10-01] [--dir /tmp/tiltas-bench-identify] [--outcome-rows 100000]
 *
 * It creates (and drops) its own database on DATABASE_URL's server; the nation's CSVs are kept in --dir
 * and reused when they are there already.
 */
import 'reflect-metadata';
import { INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DuckDBInstance } from '@duckdb/node-api';
import { systemActor } from '@tiltas/audit';
import { ClockModule, FixedClock, addDays } from '@tiltas/common';
import { ConfigModule, loadConfig } from '@tiltas/config';
import { DatabaseModule, runMigrations } from '@tiltas/database';
import { CriteriaService, IdentificationModule, IdentificationService, PreviewService, systemIdentificationActor, type Preview } from '@tiltas/identification';
import { LawfulBasesModule, LawfulBasisService } from '@tiltas/lawful-bases';
import { MIGRATIONS } from '@tiltas/migrations';
import { OutcomeImportService, OutreachModule, systemOutreachActor } from '@tiltas/outreach';
import { QueueModule } from '@tiltas/queue';
import { IngestService, RegistersModule } from '@tiltas/registers';
import { generateNation } from '@tiltas/synth';
import { STANDARD_CRITERIA, STANDARD_CRITERION_IDS, bindParams, compileCriterion, type CriterionDefinition, type RunBinding } from '@tiltas/targeting';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

const PEOPLE = Number(arg('people', '2900000'));
const AS_OF = arg('as-of', '2026-10-01');
const DIR = arg('dir', `/tmp/tiltas-bench-identify-${PEOPLE}`);
const ACTOR = systemIdentificationActor('bench');
const OUTCOME_ROWS = Number(arg('outcome-rows', '100000'));
const DELTA_ROWS = Number(arg('delta-rows', '1000'));
const OUTCOMES_HEADER = 'pseudonym,municipality,outcome,closed_on,to_municipality,cohorts,reason';
/** Outcomes a history row may carry without further columns, in turn. */
const HISTORY_OUTCOMES = ['DECLINED', 'UNREACHABLE', 'ALREADY_SUPPORTED', 'SUPPORT_ACCEPTED'];

/**
 * An outcomes file as a municipality's previous system would write it: closings for open cases (as many
 * as the run opened, up to half the file) and, for the rest, history of people without a case, dated in the
 * year before D. Deterministic, so two runs of the bench import the same bytes.
 */
function outcomesFile(open: ReadonlyArray<{ pseudonym: string; municipality: string; cohorts: string[] }>, rows: number): Buffer {
  const lines = [OUTCOMES_HEADER];
  const closing = open.slice(0, Math.floor(rows / 2));
  closing.forEach((c, i) => {
    const outcome = i % 10 === 0 ? 'NOT_ELIGIBLE' : HISTORY_OUTCOMES[i % HISTORY_OUTCOMES.length];
    lines.push(`${c.pseudonym},${c.municipality},${outcome},${AS_OF},,${outcome === 'NOT_ELIGIBLE' ? c.cohorts.join('|') : ''},${outcome === 'NOT_ELIGIBLE' ? 'not eligible (bench)' : ''}`);
  });
  const start = Date.parse(`${AS_OF}T00:00:00Z`) - 365 * 86_400_000;
  for (let i = closing.length; i < rows; i++) {
    const pseudonym = createHash('sha256').update(`bench-outcome-${i}`).digest('hex');
    const closedOn = new Date(start + (i % 365) * 86_400_000).toISOString().slice(0, 10);
    lines.push(`${pseudonym},LT-${String((i % 60) + 1).padStart(2, '0')},${HISTORY_OUTCOMES[i % HISTORY_OUTCOMES.length]},${closedOn},,,`);
  }
  return Buffer.from(`${lines.join('\n')}\n`);
}

/** The anchor: neet-youth written by hand, as a reviewer would, with NOT EXISTS over the period indexes. */
const HAND_WRITTEN_NEET = `
SELECT count(*) AS n FROM reg_population p
WHERE p.extract_id = $2
  AND (p.deceased_on IS NULL OR p.deceased_on > $1::date) AND (p.emigrated_on IS NULL OR p.emigrated_on > $1::date)
  AND p.birth_date <= $1::date - interval '16 years' AND p.birth_date > $1::date - interval '27 years'
  AND NOT EXISTS (SELECT 1 FROM reg_education r WHERE r.extract_id = $3 AND r.pseudonym = p.pseudonym AND r.enrolled_from <= $1::date AND (r.enrolled_to IS NULL OR r.enrolled_to >= $1::date))
  AND NOT EXISTS (SELECT 1 FROM reg_employment r WHERE r.extract_id = $4 AND r.pseudonym = p.pseudonym AND r.employed_from <= $1::date AND (r.employed_to IS NULL OR r.employed_to >= $1::date))
  AND NOT EXISTS (SELECT 1 FROM reg_jobseekers r WHERE r.extract_id = $5 AND r.pseudonym = p.pseudonym AND r.registered_from <= $1::date AND (r.registered_to IS NULL OR r.registered_to >= $1::date))
  AND NOT EXISTS (SELECT 1 FROM reg_military r WHERE r.extract_id = $6 AND r.pseudonym = p.pseudonym AND r.service_from <= $1::date AND (r.service_to IS NULL OR r.service_to >= $1::date))
  AND NOT EXISTS (SELECT 1 FROM reg_parental_leave r WHERE r.extract_id = $7 AND r.pseudonym = p.pseudonym AND r.leave_from <= $1::date AND (r.leave_to IS NULL OR r.leave_to >= $1::date))
  AND NOT EXISTS (SELECT 1 FROM reg_care r WHERE r.extract_id = $8 AND r.pseudonym = p.pseudonym AND r.placed_from <= $1::date AND (r.placed_to IS NULL OR r.placed_to >= $1::date))
  AND NOT EXISTS (SELECT 1 FROM reg_social_services r WHERE r.extract_id = $9 AND r.pseudonym = p.pseudonym AND r.service_from <= $1::date AND (r.service_to IS NULL OR r.service_to >= $1::date))
  AND NOT EXISTS (SELECT 1 FROM reg_prison r WHERE r.extract_id = $10 AND r.pseudonym = p.pseudonym AND r.custody_from <= $1::date AND (r.released_on IS NULL OR r.released_on > $1::date))`;

/** The same neet-youth in DuckDB, straight over the CSVs (parsing included: that is DuckDB's way in). */
function duckNeet(dir: string): string {
  const csv = (r: string) => `read_csv('${join(dir, `${r}.csv`)}', header = true, auto_detect = true)`;
  const period = (r: string, from: string, to: string, exclusive = false) =>
    `NOT EXISTS (SELECT 1 FROM ${csv(r)} r WHERE r.pseudonym = p.pseudonym AND r.${from} <= DATE '${AS_OF}' AND (r.${to} IS NULL OR r.${to} ${exclusive ? '>' : '>='} DATE '${AS_OF}'))`;
  return `SELECT count(*) AS n FROM ${csv('population')} p
    WHERE (p.deceased_on IS NULL OR p.deceased_on > DATE '${AS_OF}') AND (p.emigrated_on IS NULL OR p.emigrated_on > DATE '${AS_OF}')
      AND p.birth_date <= DATE '${AS_OF}' - INTERVAL 16 YEAR AND p.birth_date > DATE '${AS_OF}' - INTERVAL 27 YEAR
      AND ${period('education', 'enrolled_from', 'enrolled_to')} AND ${period('employment', 'employed_from', 'employed_to')}
      AND ${period('jobseekers', 'registered_from', 'registered_to')} AND ${period('military', 'service_from', 'service_to')}
      AND ${period('parental_leave', 'leave_from', 'leave_to')} AND ${period('care', 'placed_from', 'placed_to')}
      AND ${period('social_services', 'service_from', 'service_to')} AND ${period('prison', 'custody_from', 'released_on', true)}`;
}

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = process.hrtime.bigint();
  const value = await work();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, value };
}

const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** The municipality whose tuned copy is previewed: Vilnius city, the largest. */
const COPY_MUNICIPALITY = 'LT-57';
const PREVIEW_ROUNDS = 3;

function withMaxAge(definition: CriterionDefinition, max: number): CriterionDefinition {
  return { ...definition, conditions: definition.conditions.map((c) => (c.kind === 'age' ? { ...c, max } : c)) };
}

/** The median of a few previews, each a whole PreviewService.preview as the page and the API call it. */
async function timedPreview(work: () => Promise<Preview>): Promise<{ ms: number; value: Preview }> {
  const rounds: Array<{ ms: number; value: Preview }> = [];
  for (let i = 0; i < PREVIEW_ROUNDS; i++) rounds.push(await timed(work));
  rounds.sort((a, b) => a.ms - b.ms);
  return rounds[Math.floor(rounds.length / 2)];
}

function previewLine(p: Preview): string {
  const diff = p.diff ? `adds=${p.diff.adds} drops=${p.diff.drops} vs ${p.diff.criterionId} v${p.diff.activeVersion}` : 'no diff';
  return `total=${p.total} municipalities=${p.byMunicipality.length} funnel=${p.funnel.length} steps ${diff}`;
}

async function main(): Promise<void> {
  const base = loadConfig({ ...process.env, LOG_LEVEL: 'warn' });
  const name = `tiltas_bench_identify_${process.pid}`;
  const adminUrl = new URL(base.database.ownerUrl);
  adminUrl.pathname = '/postgres';
  const ownerUrl = new URL(base.database.ownerUrl);
  ownerUrl.pathname = `/${name}`;
  // A queue prefix of its own: the delta's same-day job it enqueues is for no worker but this process.
  const config = loadConfig({ ...process.env, DATABASE_URL: ownerUrl.toString(), LOG_LEVEL: 'warn', QUARANTINE_MAX_RATIO: '0.05', REDIS_PREFIX: `tiltas-bench-${process.pid}` });

  if (!existsSync(join(DIR, 'population.manifest.json'))) {
    process.stderr.write(`generating ${PEOPLE} people into ${DIR}…\n`);
    await generateNation({ people: PEOPLE, asOf: AS_OF, seed: 'bench-identify', outDir: DIR });
  }

  const admin = new Client({ connectionString: adminUrl.toString() });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${name}`);
  let app: INestApplicationContext | undefined;
  try {
    await runMigrations(config, MIGRATIONS);
    @Module({
      imports: [
        ConfigModule.forRoot(config),
        ClockModule.forRoot(new FixedClock(new Date(`${AS_OF}T06:00:00Z`))),
        DatabaseModule.forRoot({ owner: true }),
        QueueModule,
        RegistersModule.forRoot({ ingest: true }),
        LawfulBasesModule,
        IdentificationModule,
        OutreachModule,
      ],
    })
    class BenchModule {}
    app = await NestFactory.createApplicationContext(BenchModule, { logger: ['error'] });
    const lawfulBasis = JSON.parse(readFileSync(join(DIR, 'lawful-basis.json'), 'utf8')) as { id: string };
    await app.get(LawfulBasisService).add(undefined, lawfulBasis, systemActor('bench'));
    const load = await timed(() => app!.get(IngestService).loadDirectory(DIR, systemActor('bench')));
    const rejected = load.value.filter((o) => o.status === 'REJECTED');
    if (rejected.length > 0) throw new Error(`extracts rejected: ${rejected.map((o) => `${o.register}: ${o.reason}`).join('; ')}`);
    for (const id of STANDARD_CRITERION_IDS) await app.get(CriteriaService).activate(id, lawfulBasis.id, ACTOR);

    const owner = new Client({ connectionString: ownerUrl.toString() });
    await owner.connect();
    try {
      await owner.query('VACUUM ANALYZE');
      const extracts = (await owner.query<{ register: string; id: number }>(`SELECT register, id FROM extract WHERE status = 'ACTIVE'`)).rows;
      const ids = Object.fromEntries(extracts.map((e) => [e.register, e.id])) as Record<string, number>;
      const binding: RunBinding = { asOf: AS_OF, extractIds: ids };
      const population = (await owner.query<{ n: string }>(`SELECT count(*) AS n FROM reg_population`)).rows[0].n;

      const handParams = [AS_OF, ids.population, ids.education, ids.employment, ids.jobseekers, ids.military, ids.parental_leave, ids.care, ids.social_services, ids.prison];
      await owner.query(HAND_WRITTEN_NEET, handParams); // warm the cache for both contenders alike
      const hand = await timed(async () => Number((await owner.query<{ n: string }>(HAND_WRITTEN_NEET, handParams)).rows[0].n));

      const neet = compileCriterion(STANDARD_CRITERIA.find((c) => c.id === 'neet-youth')!);
      const compiled = await timed(async () => Number((await owner.query<{ n: string }>(`SELECT count(*) AS n FROM (${neet.sql}) AS q`, bindParams(neet, binding))).rows[0].n));

      const duck = await timed(async () => {
        const instance = await DuckDBInstance.create(':memory:');
        const connection = await instance.connect();
        const reader = await connection.runAndReadAll(duckNeet(DIR));
        return Number(reader.getRowObjectsJson()[0].n);
      });

      const five = await timed(async () => {
        const counts: Record<string, number> = {};
        for (const criterion of STANDARD_CRITERIA) {
          const c = compileCriterion(criterion);
          counts[criterion.id] = Number((await owner.query<{ n: string }>(`SELECT count(*) AS n FROM (${c.sql}) AS q`, bindParams(c, binding))).rows[0].n);
        }
        return counts;
      });

      const identification = app.get(IdentificationService);
      const run = await timed(() => identification.run({ asOf: AS_OF, trigger: 'cli', actor: ACTOR }));
      const casesAfterRun = Number((await owner.query<{ n: string }>('SELECT count(*) AS n FROM cases')).rows[0].n);
      const rerun = await timed(() => identification.run({ asOf: AS_OF, trigger: 'cli', actor: ACTOR }));
      const casesAfterRerun = Number((await owner.query<{ n: string }>('SELECT count(*) AS n FROM cases')).rows[0].n);

      // The coordinator's previews, after the runs so they do not change what the runs measured.
      const criteria = app.get(CriteriaService);
      const previews = app.get(PreviewService);
      const national = await criteria.version('neet-youth', ACTOR);
      await criteria.saveDraft('neet-youth', withMaxAge(national.definition, 29), ACTOR);
      const nationalPreview = await timedPreview(() => previews.preview({ criterionId: 'neet-youth', asOf: AS_OF }, ACTOR));
      const copyId = `neet-youth-${COPY_MUNICIPALITY.toLowerCase()}`;
      const copy = await criteria.copyForMunicipality('neet-youth', COPY_MUNICIPALITY, copyId, ACTOR);
      await criteria.saveDraft(copyId, withMaxAge(copy.definition, 29), ACTOR);
      const copyPreview = await timedPreview(() => previews.preview({ criterionId: copyId, asOf: AS_OF }, ACTOR));
      const copyFound = Number((await owner.query<{ n: string }>(`SELECT count(*) AS n FROM cases WHERE municipality = $1 AND 'neet-youth' = ANY(cohorts)`, [COPY_MUNICIPALITY])).rows[0].n);
      // With the copy live, a run leaves Vilnius to it, and so does the national draft's preview.
      await criteria.activate(copyId, lawfulBasis.id, ACTOR);
      const leftOutPreview = await timedPreview(() => previews.preview({ criterionId: 'neet-youth', asOf: AS_OF }, ACTOR));
      const vilniusBefore = nationalPreview.value.byMunicipality.find((r) => r.municipality === COPY_MUNICIPALITY)?.found ?? 0;

      // Outcomes from another system, last: it closes cases the lines above counted.
      const openCases = (
        await owner.query<{ pseudonym: string; municipality: string; cohorts: string[] }>(
          `SELECT encode(pseudonym, 'hex') AS pseudonym, municipality, cohorts FROM cases WHERE status <> 'CLOSED' ORDER BY id LIMIT $1`,
          [Math.floor(OUTCOME_ROWS / 2)],
        )
      ).rows;
      const outcomes = outcomesFile(openCases, OUTCOME_ROWS);
      const importer = app.get(OutcomeImportService);
      const imported = await timed(() => importer.importFile(systemOutreachActor('bench'), outcomes, 'bench-outcomes.csv'));
      const reimported = await timed(() => importer.importFile(systemOutreachActor('bench'), outcomes, 'bench-outcomes.csv'));
      // A later run over that history: the re-listing rules now hold people back against real closings.
      const later = addDays(AS_OF, 19);
      const laterRun = await timed(() => identification.run({ asOf: later, trigger: 'cli', actor: ACTOR }));
      // A delta of the prison register: residents who are not in it yet, now in custody and to be released
      // within 60 days (pre-release), accepted and identified the same day, until its new cases are counted.
      const deltaPeople = (
        await owner.query<{ pseudonym: string }>(
          `SELECT encode(p.pseudonym, 'hex') AS pseudonym FROM reg_population p
            WHERE p.extract_id = $1 AND p.deceased_on IS NULL AND p.emigrated_on IS NULL AND p.birth_date <= $2::date - interval '18 years'
              AND NOT EXISTS (SELECT 1 FROM reg_prison r WHERE r.extract_id = $3 AND r.pseudonym = p.pseudonym)
            ORDER BY p.pseudonym LIMIT $4`,
          [ids.population, AS_OF, ids.prison, DELTA_ROWS],
        )
      ).rows;
      const releaseOn = new Date(Date.parse(`${AS_OF}T00:00:00Z`) + 30 * 86_400_000).toISOString().slice(0, 10);
      const deltaCsv = Buffer.from(
        `pseudonym,institution,custody_from,released_on,expected_release_on,release_municipality\n${deltaPeople.map((p, i) => `${p.pseudonym},P${(i % 12) + 1},${AS_OF},,${releaseOn},LT-${String((i % 60) + 1).padStart(2, '0')}`).join('\n')}\n`,
      );
      const deltaDir = join(DIR, `delta-prison-${process.pid}`);
      const prisonManifest = JSON.parse(readFileSync(join(DIR, 'prison.manifest.json'), 'utf8')) as { lawfulBasis: string; pseudonymKeyId: string };
      mkdirSync(deltaDir, { recursive: true });
      writeFileSync(join(deltaDir, 'prison.csv'), deltaCsv);
      writeFileSync(
        join(deltaDir, 'prison.manifest.json'),
        JSON.stringify({ register: 'prison', asOf: AS_OF, extractedAt: `${AS_OF}T05:00:00Z`, rows: deltaPeople.length, sha256: createHash('sha256').update(deltaCsv).digest('hex'), lawfulBasis: prisonManifest.lawfulBasis, pseudonymKeyId: prisonManifest.pseudonymKeyId, delivery: 'delta' }),
      );
      const delta = await timed(async () => {
        const accept = await timed(() => app!.get(IngestService).loadDirectory(deltaDir, systemActor('bench')));
        const [accepted] = accept.value;
        if (accepted.status !== 'ACCEPTED' || accepted.extractId === undefined) throw new Error(`delta not accepted: ${accepted.status} ${accepted.reason ?? ''}`);
        const identify = await timed(() => identification.runDelta({ extractId: accepted.extractId!, asOf: AS_OF, trigger: 'cli', actor: ACTOR }));
        const ran = identify.value;
        if (ran.kind !== 'ran') throw new Error(`delta not identified: ${ran.reason}`);
        const visible = Number((await owner.query<{ n: string }>(`SELECT count(*) AS n FROM cases WHERE created_run_id = $1`, [ran.run.id])).rows[0].n);
        return { persons: ran.persons, created: ran.run.casesCreated, updated: ran.run.casesUpdated, visible, acceptMs: accept.ms, identifyMs: identify.ms };
      });
      rmSync(deltaDir, { recursive: true, force: true });

      const summary = (r: typeof imported.value): string => (r.kind === 'imported' ? r.summary : `REFUSED ${r.problems.length}: ${r.problems.slice(0, 3).join(' | ')}`);

      const out = (line: string) => process.stdout.write(`${line}\n`);
      out(`identification bench: ${population} people, D=${AS_OF} (extracts loaded in ${fmt(load.ms)})`);
      out(`  hand-written NOT EXISTS neet-youth (anchor)  ${fmt(hand.ms).padStart(9)}  found=${hand.value}`);
      out(`  DuckDB over the CSVs, neet-youth             ${fmt(duck.ms).padStart(9)}  found=${duck.value}  (${(duck.ms / hand.ms).toFixed(2)}× anchor)`);
      out(`  Tiltas compiled neet-youth                   ${fmt(compiled.ms).padStart(9)}  found=${compiled.value}  (${(compiled.ms / hand.ms).toFixed(2)}× anchor; target ≤ 1.50×)${compiled.value === hand.value ? '' : '  MISMATCH'}`);
      out(`  Tiltas all five cohorts                      ${fmt(five.ms).padStart(9)}  ${Object.entries(five.value).map(([k, v]) => `${k}=${v}`).join(' ')}  (target ≤ 12 s)`);
      out(`  full run with case writing                   ${fmt(run.ms).padStart(9)}  created=${run.value.run.casesCreated}  (target ≤ 20 s)`);
      out(
        `  delta of prison, ${deltaPeople.length} rows: accepted + identified  ${fmt(delta.ms).padStart(9)}  (accept ${fmt(delta.value.acceptMs)}, identify ${fmt(delta.value.identifyMs)})  persons=${delta.value.persons} created=${delta.value.created} updated=${delta.value.updated} visible=${delta.value.visible}  (${(delta.ms / run.ms).toFixed(3)}× the full run; target ≤ 2 s)${delta.value.visible === delta.value.created ? '' : '  MISMATCH'}`,
      );
      out(`  re-run, same D, versions and extracts        ${fmt(rerun.ms).padStart(9)}  repeated=${rerun.value.repeated} cases ${casesAfterRun} → ${casesAfterRerun}  (target ≤ 10 s, writing nothing)`);
      for (const c of run.value.run.counts) out(`    ${c.cohort} matched=${c.matched} new=${c.new} added=${c.added} suppressed=${c.suppressed}`);
      out(`  preview neet-youth draft at 16–29 (median of ${PREVIEW_ROUNDS})     ${fmt(nationalPreview.ms).padStart(9)}  ${previewLine(nationalPreview.value)}  (target ≤ 5 s)`);
      out(`  preview ${copyId} copy at 16–29 (median of ${PREVIEW_ROUNDS})  ${fmt(copyPreview.ms).padStart(9)}  ${previewLine(copyPreview.value)}  (target ≤ 5 s)`);
      const liveThere = copyPreview.value.total - (copyPreview.value.diff?.adds ?? 0) + (copyPreview.value.diff?.drops ?? 0);
      out(`    the national active version found ${liveThere} there by the preview, the run opened ${copyFound} neet-youth cases there${liveThere === copyFound ? '' : '  MISMATCH'}`);
      out(`  preview neet-youth draft, ${copyId} active (median of ${PREVIEW_ROUNDS})  ${fmt(leftOutPreview.ms).padStart(9)}  ${previewLine(leftOutPreview.value)}  (${(leftOutPreview.ms / nationalPreview.ms).toFixed(2)}× the same preview without it; target ≤ 5 s)`);
      const expectedTotal = nationalPreview.value.total - vilniusBefore;
      out(`    left out ${leftOutPreview.value.leftOut.map((c) => `${c.municipality} to ${c.criterionId} v${c.version}`).join(', ')}: total ${nationalPreview.value.total} − ${vilniusBefore} found there = ${leftOutPreview.value.total}${leftOutPreview.value.total === expectedTotal ? '' : `  MISMATCH (expected ${expectedTotal})`}`);
      out(`  cases import-outcomes, ${OUTCOME_ROWS} rows (${(outcomes.length / 1e6).toFixed(1)} MB)  ${fmt(imported.ms).padStart(9)}  ${summary(imported.value)}  (target ≤ 15 s)`);
      out(`  re-import of the same file                   ${fmt(reimported.ms).padStart(9)}  ${summary(reimported.value)}`);
      const held = Object.entries(laterRun.value.run.suppressed ?? {}).map(([k, v]) => `${k}=${v}`).join(' ');
      out(`  run at D+19 over that history                ${fmt(laterRun.ms).padStart(9)}  created=${laterRun.value.run.casesCreated} held back: ${held || 'none'}  (${(laterRun.ms / run.ms).toFixed(2)}× the first run; target ≤ 20 s)`);
    } finally {
      await owner.end();
    }
  } finally {
    await app?.close();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
