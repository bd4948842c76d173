/**
 * The audit log's costs, each beside its plain-SQL baseline measured in the same run on the same database:
 *
 *   append    8 concurrent writers, each committing transactions of one entry: AuditService.record (a
 *             numbered INSERT with its in-flight lock), alone and while a sealer in the same process links
 *             entries into the chain on AUDIT_SEAL_CRON (the worker's schedule, read from the configuration
 *             as the worker reads it: every minute unless set), against a plain INSERT into a table with the
 *             same columns and indexes but no chain, prepared as the append is. Every round lasts one sealing
 *             period, so a round with the sealer holds one tick at its natural phase, sealing what the
 *             writers wrote since the tick before, as in production, and each variant's p95 is taken over
 *             the same length of time. Target: the log adds at most 2 ms at p95.
 *   seal      AuditService.seal over a backlog of committed, unsealed entries (canonical JSON and SHA-256
 *             per entry in Node, links written in batches), against plain SQL reading the same rows.
 *   verify    AuditService.verify over 1,000,000 entries (canonical JSON and SHA-256 per entry, in Node)
 *             against plain SQL hashing every row (sha256 of the row's text). Target: at most 10 s.
 *
 * Run: npm run bench:audit   (BENCH_ENTRIES, BENCH_TXNS_PER_WRITER, BENCH_ROUNDS, BENCH_ADMIN_URL to change the defaults;
 *      AUDIT_SEAL_CRON as for the worker)
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AuditModule, AuditService, canonicalEntry, chainHash } from '@tiltas/audit';
import { ClockModule } from '@tiltas/common';
import { ConfigModule, loadConfig } from '@tiltas/config';
import { DatabaseModule, DatabaseService, SYSTEM_SCOPE, preparedQuery, runMigrations } from '@tiltas/database';
import { MIGRATIONS } from '@tiltas/migrations';
import { CronJob, CronTime } from 'cron';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';

const ADMIN_URL = process.env.BENCH_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const ENTRIES = Number(process.env.BENCH_ENTRIES ?? 1_000_000);
const WRITERS = 8;
const TXNS_PER_WRITER = Number(process.env.BENCH_TXNS_PER_WRITER ?? 400);
const SEAL_BACKLOG = Number(process.env.BENCH_SEAL_BACKLOG ?? 200_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/** Which measurements to take (append, seal, verify); all three unless BENCH_PARTS names some. */
const PARTS = new Set((process.env.BENCH_PARTS ?? 'append,seal,verify').split(',').map((p) => p.trim()));
/** The small details of earlier runs (`{"attempt":1,"channel":"PHONE"}`), to compare with them. */
const SMALL_DETAILS = process.env.BENCH_SMALL_DETAILS === 'true';

function urlFor(db: string): string {
  const u = new URL(ADMIN_URL);
  u.pathname = `/${db}`;
  return u.toString();
}

async function admin(sql: string, url = ADMIN_URL): Promise<void> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const fmt = (ms: number): string => `${ms.toFixed(2)} ms`;

/** The milliseconds between two ticks of a cron expression (UTC), as the worker's scheduler runs it. */
function cronPeriodMs(cronTime: string): number {
  const [a, b] = new CronTime(cronTime, 'UTC').sendAt(2);
  return b.toMillis() - a.toMillis();
}

/** Each writer commits TXNS_PER_WRITER transactions (the warm-up), or, with `forMs`, keeps committing until that long has passed. */
async function concurrentLatency(work: (writer: number, i: number) => Promise<unknown>, forMs?: number): Promise<{ p50: number; p95: number; perSecond: number; count: number }> {
  const samples: number[] = [];
  const started = process.hrtime.bigint();
  const more = (i: number): boolean => (forMs === undefined ? i < TXNS_PER_WRITER : Number(process.hrtime.bigint() - started) / 1e6 < forMs);
  await Promise.all(
    Array.from({ length: WRITERS }, async (_, w) => {
      for (let i = 0; more(i); i++) {
        const t0 = process.hrtime.bigint();
        await work(w, i);
        samples.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 50), p95: percentile(samples, 95), perSecond: samples.length / seconds, count: samples.length };
}

interface BenchEntry {
  seq: number;
  at: string;
  fields: { actor: string; role: string; municipality: string; action: string; subject: string | null; objectType: string; objectId: string; purpose: string; lawfulBasisId: string };
  details: string;
}

const NOTES = [
  'Skambinta du kartus, neatsiliepė; bandyti vėl po pietų',
  'Susitikimas seniūnijoje, žmogus domisi profesiniu mokymu',
  'Išsiųstas laiškas; atsakymo laukiama iki mėnesio pabaigos',
  'Nukreipta į užimtumo tarnybą, sutiko dalyvauti programoje',
];
const CHANNELS = ['PHONE', 'SMS', 'EMAIL', 'VISIT'];

/**
 * Details as case work writes them: about 180 characters of nested objects and arrays, Lithuanian text,
 * and ids and counts that differ from entry to entry, so that no cache of repeated details helps. Written
 * in canonical form (keys sorted), as AuditService.record stores them.
 */
function benchDetails(i: number): string {
  const details = {
    attempt: { channel: CHANNELS[i % 4], n: (i % 5) + 1, result: i % 2 === 0 ? 'NO_ANSWER' : 'REACHED' },
    caseId: 100_000 + i,
    cohorts: i % 3 === 0 ? ['neet-youth', 'leaving-care'] : ['neet-youth'],
    note: NOTES[i % NOTES.length],
    reason: { criterion: 'neet-youth', runId: 1000 + (i % 97), version: (i % 4) + 1 },
  };
  return JSON.stringify(details);
}

function benchEntry(seq: number, at: string, i: number): BenchEntry {
  return {
    seq,
    at,
    fields: {
      actor: `user-${i % 500}`,
      role: i % 7 === 0 ? 'SYSTEM' : 'WORKER',
      municipality: `LT-${String((i % 60) + 1).padStart(2, '0')}`,
      action: i % 3 === 0 ? 'contact.revealed' : 'attempt.recorded',
      subject: SMALL_DETAILS && i % 3 !== 0 ? null : randomBytes(32).toString('hex'),
      objectType: 'case',
      objectId: `c-${i}`,
      purpose: 'outreach',
      lawfulBasisId: 'LB-BENCH',
    },
    details: SMALL_DETAILS ? (i % 3 === 0 ? '{}' : `{"attempt":${i % 5},"channel":"PHONE"}`) : benchDetails(i),
  };
}

const logLine = (e: BenchEntry): string =>
  [e.seq, e.at, e.fields.actor, e.fields.role, e.fields.municipality, e.fields.action, e.fields.subject ?? '\\N', e.fields.objectType, e.fields.objectId, e.fields.purpose, e.fields.lawfulBasisId, e.details].join('\t');

const LOG_COPY = 'COPY audit_log (seq, at, actor, role, municipality, action, subject, object_type, object_id, purpose, lawful_basis_id, details) FROM STDIN';

async function copyLines(c: Client, sql: string, lines: () => Generator<string>): Promise<void> {
  function* batches(): Generator<string> {
    let batch: string[] = [];
    for (const line of lines()) {
      batch.push(line);
      if (batch.length === 10_000) {
        yield `${batch.join('\n')}\n`;
        batch = [];
      }
    }
    if (batch.length) yield `${batch.join('\n')}\n`;
  }
  await pipeline(Readable.from(batches()), c.query(copyFrom(sql)));
}

async function lastNumber(c: Client): Promise<number> {
  return Number((await c.query<{ n: string }>(`SELECT (CASE WHEN is_called THEN last_value ELSE 0 END)::text AS n FROM audit_log_seq`)).rows[0].n);
}

/** Writes `count` committed entries after the last number handed out, unsealed, as the owner (the sealer's backlog). */
async function fillBacklog(url: string, count: number): Promise<void> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    const first = (await lastNumber(c)) + 1;
    const base = Date.now() - count;
    await copyLines(c, LOG_COPY, function* () {
      for (let i = 0; i < count; i++) yield logLine(benchEntry(first + i, new Date(base + i).toISOString(), i));
    });
    await c.query(`SELECT setval('audit_log_seq', $1)`, [first + count - 1]);
    await c.query('VACUUM ANALYZE audit_log');
  } finally {
    await c.end();
  }
}

/** Writes `count` entries and their links after the sealed head with COPY (as the owner), the way the log would hold them. */
async function fillSealed(url: string, count: number): Promise<void> {
  if (count === 0) return;
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    const head = (await c.query<{ seq: string; hash: string }>('SELECT seq::text AS seq, hash FROM audit_head')).rows[0];
    if ((await lastNumber(c)) !== Number(head.seq)) throw new Error('fillSealed needs a fully sealed log');
    const first = Number(head.seq) + 1;
    const base = Date.now() - count;
    const entries = (function* () {
      for (let i = 0; i < count; i++) yield benchEntry(first + i, new Date(base + i).toISOString(), i);
    })();
    let prev = head.hash;
    const links: string[] = [];
    await copyLines(c, LOG_COPY, function* () {
      for (const e of entries) {
        const hash = chainHash(prev, canonicalEntry({ ...e.fields, seq: e.seq, at: e.at }, e.details));
        links.push(`${e.seq}\tentry\t${prev}\t${hash}`);
        prev = hash;
        yield logLine(e);
      }
    });
    // The loader writes links in bulk; the chain trigger (a lookup per link) is for the sealer, not this loader.
    await c.query('SET session_replication_role = replica');
    await copyLines(c, 'COPY audit_chain (seq, kind, prev_hash, hash) FROM STDIN', function* () {
      yield* links;
    });
    const last = first + count - 1;
    await c.query(`UPDATE audit_head SET seq = $1, prev_hash = $2, hash = $3`, [last, links[links.length - 1].split('\t')[2], prev]);
    await c.query(`SELECT setval('audit_log_seq', $1)`, [last]);
    await c.query('VACUUM ANALYZE audit_log');
    await c.query('VACUUM ANALYZE audit_chain');
  } finally {
    await c.end();
  }
}

async function main(): Promise<void> {
  const name = `tiltas_bench_audit_${randomBytes(4).toString('hex')}`;
  await admin(`CREATE DATABASE ${name}`);
  const url = urlFor(name);
  // The environment first, so AUDIT_SEAL_CRON is what the worker would read; the bench's own database after.
  const config = loadConfig({ ...process.env, NODE_ENV: 'test', DATABASE_URL: url, REDIS_PREFIX: name, SESSION_SECRET: randomBytes(32).toString('hex'), CONTACTS_KEY: randomBytes(32).toString('hex'), DB_POOL_SIZE: String(WRITERS + 2), LOG_LEVEL: 'silent' });
  let app: Awaited<ReturnType<typeof NestFactory.createApplicationContext>> | null = null;
  try {
    await runMigrations(config, MIGRATIONS);
    // The baseline: the same columns and indexes, no numbering lock, no sealer, no trigger.
    await admin(
      `CREATE TABLE bench_plain_log (LIKE audit_log INCLUDING DEFAULTS INCLUDING INDEXES);
       ALTER TABLE bench_plain_log ALTER COLUMN seq DROP DEFAULT;
       ALTER TABLE bench_plain_log ALTER COLUMN seq ADD GENERATED ALWAYS AS IDENTITY;
       GRANT SELECT, INSERT ON bench_plain_log TO ${config.database.appRole};`,
      url,
    );
    app = await NestFactory.createApplicationContext(
      { module: class BenchModule {}, imports: [ConfigModule.forRoot(config), ClockModule.forRoot(), DatabaseModule.forRoot(), AuditModule] },
      { logger: false },
    );
    const audit = app.get(AuditService);
    const db = app.get(DatabaseService);
    const entry = (w: number, i: number) => ({
      actor: `writer-${w}`,
      role: 'WORKER',
      municipality: 'LT-57',
      action: 'attempt.recorded',
      objectType: 'case',
      objectId: `c-${w}-${i}`,
      purpose: 'outreach',
      lawfulBasisId: 'LB-BENCH',
      details: { attempt: i % 5, channel: 'PHONE' },
    });
    const plain = (w: number, i: number) =>
      db.transaction(SYSTEM_SCOPE('bench'), (m) =>
        preparedQuery(
          m,
          'bench.plain-insert',
          `INSERT INTO bench_plain_log (at, actor, role, municipality, action, object_type, object_id, purpose, lawful_basis_id, details)
           VALUES (now(), $1, 'WORKER', 'LT-57', 'attempt.recorded', 'case', $2, 'outreach', 'LB-BENCH', $3::jsonb)`,
          [`writer-${w}`, `c-${w}-${i}`, JSON.stringify({ attempt: i % 5, channel: 'PHONE' })],
        ),
      );
    const recorded = (w: number, i: number) => db.transaction(SYSTEM_SCOPE('bench'), (m) => audit.record(m, entry(w, i)));
    // The sealer runs beside the writers on the worker's schedule (there in another process, here in this one).
    const sealCron = config.retention.auditSealCron;
    const sealPeriodMs = cronPeriodMs(sealCron);
    let sealPasses = 0;
    const withSealer = async <T>(work: () => Promise<T>): Promise<T> => {
      let pass: Promise<unknown> = Promise.resolve();
      const job = CronJob.from({
        cronTime: sealCron,
        timeZone: 'UTC',
        start: true,
        onTick: () => {
          pass = pass.then(() => audit.seal()).then(() => (sealPasses += 1));
        },
      });
      try {
        return await work();
      } finally {
        await job.stop();
        await pass;
      }
    };

    if (PARTS.has('append')) {
      // Warm both paths (connections, plans).
      await concurrentLatency(plain);
      await concurrentLatency(recorded);
      // Interleaved rounds, so that load from anything else on the machine falls on every variant alike.
      const plainRuns = [];
      const aloneRuns = [];
      const chainRuns = [];
      for (let round = 0; round < ROUNDS; round++) {
        plainRuns.push(await concurrentLatency(plain, sealPeriodMs));
        aloneRuns.push(await concurrentLatency(recorded, sealPeriodMs));
        chainRuns.push(await withSealer(() => concurrentLatency(recorded, sealPeriodMs)));
    }
    const pick = (runs: Array<{ p50: number; p95: number; perSecond: number }>) => ({
      p50: Math.min(...runs.map((r) => r.p50)),
      p95: Math.min(...runs.map((r) => r.p95)),
      perSecond: Math.max(...runs.map((r) => r.perSecond)),
    });
    const p = pick(plainRuns);
    const a = pick(aloneRuns);
    const c = pick(chainRuns);
    process.stdout.write(
      `\nappend latency, ${WRITERS} concurrent writers committing one entry per transaction for one sealing period (${(sealPeriodMs / 1000).toFixed(0)} s) per round (best of ${ROUNDS} interleaved rounds)\n`,
    );
    process.stdout.write(`  plain SQL INSERT, no log          p50 ${fmt(p.p50)}  p95 ${fmt(p.p95)}  ${p.perSecond.toFixed(0)} tx/s\n`);
    process.stdout.write(`  AuditService.record, no sealer    p50 ${fmt(a.p50)}  p95 ${fmt(a.p95)}  ${a.perSecond.toFixed(0)} tx/s  (adds p50 ${fmt(a.p50 - p.p50)}, p95 ${fmt(a.p95 - p.p95)})\n`);
    process.stdout.write(
      `  AuditService.record, sealer on    p50 ${fmt(c.p50)}  p95 ${fmt(c.p95)}  ${c.perSecond.toFixed(0)} tx/s  (AUDIT_SEAL_CRON '${sealCron}': ${chainRuns.map((r) => r.count).join('/')} transactions, ${sealPasses} sealing passes)\n`,
    );
    process.stdout.write(`  the log adds (sealer on)          p50 ${fmt(c.p50 - p.p50)}  p95 ${fmt(c.p95 - p.p95)}  (ratio p95 ${(c.p95 / p.p95).toFixed(2)}x; target: adds <= 2 ms at p95) ${c.p95 - p.p95 <= 2 ? 'MET' : 'MISSED'}\n`);

    }

    const settled = await audit.seal({ waitMs: 10_000 });
    if (settled.waitingAt !== null) throw new Error(`the sealer still waits at ${settled.waitingAt}`);
    const sqlClient = new Client({ connectionString: config.database.appUrl });
    sqlClient.on('error', () => undefined); // ended by the teardown's DROP if a step fails
    await sqlClient.connect();
    if (PARTS.has('seal')) {
      await fillBacklog(url, SEAL_BACKLOG);
      const r0 = Date.now();
      await sqlClient.query(`SELECT count(details::text) FROM audit_log WHERE seq > $1`, [settled.head.seq]);
      const readMs = Date.now() - r0;
      const s0 = Date.now();
      const sealRun = await audit.seal();
      const sealMs = Date.now() - s0;
      if (sealRun.sealed !== SEAL_BACKLOG) throw new Error(`sealed ${sealRun.sealed} of ${SEAL_BACKLOG}`);
      process.stdout.write(`\nsealing a backlog of ${SEAL_BACKLOG.toLocaleString('en')} committed entries\n`);
      process.stdout.write(`  plain SQL reading the rows       ${(readMs / 1000).toFixed(2)} s\n`);
      process.stdout.write(`  AuditService.seal                ${(sealMs / 1000).toFixed(2)} s  ${Math.round(SEAL_BACKLOG / (sealMs / 1000)).toLocaleString('en')} entries/s\n`);
    }

    const head = await audit.head();
    const toAdd = Math.max(0, ENTRIES - head.seq);
    const fillStarted = Date.now();
    await fillSealed(url, toAdd);
    process.stdout.write(`\nfilled the log to ${head.seq + toAdd} entries in ${((Date.now() - fillStarted) / 1000).toFixed(1)} s\n`);

    if (PARTS.has('verify')) {
      const v = await audit.verify();
      if (!v.ok) throw new Error(`verification failed on the bench log: ${JSON.stringify(v.firstBroken)}`);
      const t0 = Date.now();
      const plainRows = (await sqlClient.query<{ n: string }>(`SELECT count(sha256(convert_to(l::text, 'UTF8')))::text AS n FROM audit_log l`)).rows[0].n;
      const plainMs = Date.now() - t0;
      process.stdout.write(`\nverification of ${v.entries} entries (${v.gaps} rollback gaps)\n`);
      process.stdout.write(`  plain SQL sha256 per row      ${(plainMs / 1000).toFixed(2)} s  ${Math.round(Number(plainRows) / (plainMs / 1000)).toLocaleString('en')} rows/s\n`);
      process.stdout.write(`  AuditService.verify, chained  ${(v.ms / 1000).toFixed(2)} s  ${Math.round(v.entries / (v.ms / 1000)).toLocaleString('en')} entries/s\n`);
      process.stdout.write(`  ratio ${(v.ms / plainMs).toFixed(2)}x; target: 1,000,000 entries in <= 10 s: ${(v.ms / v.entries) * 1_000_000 <= 10_000 ? 'MET' : 'MISSED'} (${((v.ms / v.entries) * 1000).toFixed(2)} s per million)\n\n`);
    }
    await sqlClient.end();
  } catch (err) {
    // Report the failure before the teardown below, whose DROP … WITH (FORCE) ends any connection left open.
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  } finally {
    await app?.close().catch(() => undefined);
    await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
