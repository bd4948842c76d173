import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { TEST_LAWFUL_BASIS, loadRegisters, testPseudonym, type Rows } from '../../libs/identification/src/testing/register-loader';
import { TestDatabase, adminQuery, createTestDatabase, databaseUrl } from '../support/test-database';

jest.setTimeout(180_000);

const exec = promisify(execFile);
const PEOPLE = 15;
const MUNICIPALITY = 'LT-13';

interface CliResult {
  out: string[];
  err: string[];
  exitCode: number;
}

const ROOT = join(__dirname, '..', '..');
/** What the operator's shell would hold: the test database's Redis prefix and secrets. */
const cliEnv: Record<string, string> = {};

/** The `tiltas` command as an operator runs it: a process of its own, against the database `url` names. */
function tiltas(url: string, ...args: string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'scripts', 'cli.js'), ...args], { cwd: ROOT, env: { ...process.env, ...cliEnv, DATABASE_URL: url }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ out: out.split('\n').filter(Boolean), err: err.split('\n').filter(Boolean), exitCode: code ?? -1 }));
  });
}

async function count(url: string, sql: string): Promise<number> {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return Number((await c.query<{ n: string }>(sql)).rows[0].n);
  } finally {
    await c.end();
  }
}

/**
 * docs/operations.md's logical backup, taken and restored as written there: `pg_dump -Fc` of a working
 * database, `pg_restore` into a fresh one, the audit chain verified against an anchor file kept outside
 * both, then work resumes on the restored database (a repeated run writes nothing, a new run no duplicate,
 * assignment goes on) — and a restore older than the latest outside anchor is caught.
 */
describe('backup and restore', () => {
  let db: TestDatabase;
  const restored = `${process.env.TILTAS_TEST_DB_PREFIX ?? 'tiltas'}_restored_${Date.now().toString(36)}`;
  const scratch = mkdtempSync(join(tmpdir(), 'tiltas-backup-'));
  const dump = join(scratch, 'tiltas.dump');
  const anchors = join(scratch, 'anchors.jsonl');

  beforeAll(async () => {
    db = await createTestDatabase();
    Object.assign(cliEnv, {
      NODE_ENV: 'test',
      REDIS_URL: db.config.redis.url,
      REDIS_PREFIX: db.config.redis.prefix,
      SESSION_SECRET: db.config.secrets.sessionSecret,
      CONTACTS_KEY: db.config.secrets.contactsKey.toString('hex'),
      LOG_LEVEL: 'silent',
    });
    const basis = join(scratch, 'lawful-basis.json');
    writeFileSync(basis, JSON.stringify(TEST_LAWFUL_BASIS));
    expect((await tiltas(db.url, 'lawful-basis', 'add', '--file', basis)).exitCode).toBe(0);
    expect((await tiltas(db.url, 'criteria', 'activate', 'neet-youth', '--lawful-basis', TEST_LAWFUL_BASIS.id)).exitCode).toBe(0);
    const population = Array.from({ length: PEOPLE }, (_, i) => ({
      pseudonym: testPseudonym(`backup-${i}`), birth_date: '2005-02-02', sex: 'F', municipality: MUNICIPALITY, registered_since: '2000-01-01', deceased_on: null, emigrated_on: null,
    }));
    await loadRegisters(db.url, { population } as Rows, { asOf: '2026-09-30' });
    expect((await tiltas(db.url, 'identify', '--as-of', '2026-10-01')).exitCode).toBe(0);
    expect((await tiltas(db.url, 'users', 'add', '--username', 'backup-worker', '--role', 'WORKER', '--municipality', MUNICIPALITY, '--caseload-limit', '5')).exitCode).toBe(0);
    expect((await tiltas(db.url, 'cases', 'assign-auto', '--municipality', MUNICIPALITY)).out[0]).toBe(`assigned 5 case(s) in ${MUNICIPALITY}; ${PEOPLE - 5} left unassigned`);
    // The anchor goes outside the database, then the backup is taken.
    expect((await tiltas(db.url, 'audit', 'anchor', '--out', anchors)).out[0]).toMatch(/^anchored: entry \d+ [0-9a-f]{64}$/);
    await exec('pg_dump', ['--format=custom', `--file=${dump}`, db.url]);
  });

  afterAll(async () => {
    await adminQuery(`DROP DATABASE IF EXISTS ${restored} WITH (FORCE)`);
    await db?.drop();
  });

  it('restores into a fresh database whose log matches the outside anchor, and work goes on without duplicates', async () => {
    await adminQuery(`CREATE DATABASE ${restored}`);
    const url = databaseUrl(restored);
    await exec('pg_restore', ['--exit-on-error', `--dbname=${url}`, dump]);

    const verified = await tiltas(url, 'audit', 'verify', '--anchor', anchors);
    expect(verified.exitCode).toBe(0);
    expect(verified.out[0]).toMatch(/^intact: \d+ entries verified/);
    expect(verified.out.some((l) => /^outside anchors: 1 checked; the latest, entry \d+ at .*: the log matches it$/.test(l))).toBe(true);

    expect(await count(url, 'SELECT count(*) AS n FROM cases')).toBe(PEOPLE);
    // The same run again writes nothing; a later one finds the same people with their cases still open.
    const again = await tiltas(url, 'identify', '--as-of', '2026-10-01');
    expect(again.exitCode).toBe(0);
    expect(again.err).toContain('run 1 at 2026-10-01 had already run with these versions and extracts: nothing changed');
    const later = await tiltas(url, 'identify', '--as-of', '2026-10-02');
    expect([...later.out, ...later.err].some((l) => /^run \d+ at 2026-10-02: 0 case\(s\) created/.test(l))).toBe(true);
    expect(await count(url, 'SELECT count(*) AS n FROM cases')).toBe(PEOPLE);
    expect(await count(url, 'SELECT count(DISTINCT (pseudonym, municipality)) AS n FROM cases')).toBe(PEOPLE);

    // Assignment resumes where the backup left it: the worker holds 5, a second worker takes 5 more.
    expect((await tiltas(url, 'users', 'add', '--username', 'restore-worker', '--role', 'WORKER', '--municipality', MUNICIPALITY, '--caseload-limit', '5')).exitCode).toBe(0);
    expect((await tiltas(url, 'cases', 'assign-auto', '--municipality', MUNICIPALITY)).out[0]).toBe(`assigned 5 case(s) in ${MUNICIPALITY}; ${PEOPLE - 10} left unassigned`);
    expect(await count(url, `SELECT count(*) AS n FROM cases WHERE assigned_to IS NOT NULL`)).toBe(10);
    expect(await count(url, `SELECT count(*) AS n FROM (SELECT id FROM cases GROUP BY id HAVING count(*) > 1) d`)).toBe(0);

    // What was written after the restore chains on from the restored head.
    const after = await tiltas(url, 'audit', 'verify', '--anchor', anchors);
    expect(after.exitCode).toBe(0);
  });

  it('catches a restore older than the latest outside anchor', async () => {
    // The original goes on and anchors again; the old backup no longer holds what that anchor names.
    expect((await tiltas(db.url, 'identify', '--as-of', '2026-10-03')).exitCode).toBe(0);
    expect((await tiltas(db.url, 'audit', 'anchor', '--out', anchors)).exitCode).toBe(0);
    const stale = `${restored}_stale`;
    await adminQuery(`CREATE DATABASE ${stale}`);
    try {
      const url = databaseUrl(stale);
      await exec('pg_restore', ['--exit-on-error', `--dbname=${url}`, dump]);
      const result = await tiltas(url, 'audit', 'verify', '--anchor', anchors);
      expect(result.exitCode).not.toBe(0);
      expect([...result.out, ...result.err].join('\n')).toMatch(/anchor/i);
    } finally {
      await adminQuery(`DROP DATABASE IF EXISTS ${stale} WITH (FORCE)`);
    }
  });
});
