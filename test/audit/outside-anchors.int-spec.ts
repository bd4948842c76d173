import { TestingModule } from '@nestjs/testing';
import { AnchorDocument, AuditEntryInput, AuditService, anchorLine, appendAnchor, canonicalDetails, parseAnchorFile } from '@tiltas/audit';
import { SYSTEM_SCOPE } from '@tiltas/database';
import canonicalize from 'canonicalize';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestDatabase, createTestDatabase } from '../support/test-database';
import { auditTestApp } from './audit-test-app';

function entry(overrides: Partial<AuditEntryInput> = {}): AuditEntryInput {
  return { actor: 'user-1', role: 'WORKER', municipality: 'LT-57', action: 'attempt.recorded', objectType: 'case', objectId: 'c-1', purpose: 'outreach', lawfulBasisId: 'LB-1', details: { attempt: 1 }, ...overrides };
}

/** The documented recipe, independent of the lib. */
function referenceHash(row: Record<string, unknown>): string {
  const { prevHash, hash: _hash, ...rest } = row;
  return createHash('sha256').update(`${String(prevHash)}\n${canonicalize(rest)}`, 'utf8').digest('hex');
}

const scratch = mkdtempSync(join(tmpdir(), 'tiltas-anchors-'));
let files = 0;
const anchorFile = (): string => join(scratch, `anchors-${++files}.jsonl`);

/** One audit log on a database of its own, as the tests below tamper with it. */
interface Log {
  db: TestDatabase;
  module: TestingModule;
  audit: AuditService;
  record(...entries: AuditEntryInput[]): Promise<void>;
  rollback(e: AuditEntryInput): Promise<void>;
  /** As the owner with the append-only triggers switched off: what verification exists to catch. */
  tamper(sql: string): Promise<void>;
  /** Anchors now and appends the anchor to `file`, as `audit anchor --out` does. */
  anchorTo(file: string): Promise<AnchorDocument>;
}

async function freshLog(): Promise<Log> {
  const db = await createTestDatabase();
  const { module, audit, db: database } = await auditTestApp(db.config);
  const record = async (...entries: AuditEntryInput[]): Promise<void> => {
    await database.transaction(SYSTEM_SCOPE('test'), async (m) => {
      for (const e of entries) await audit.record(m, e);
    });
  };
  const rollback = async (e: AuditEntryInput): Promise<void> => {
    await expect(
      database.transaction(SYSTEM_SCOPE('test'), async (m) => {
        await audit.record(m, e);
        throw new Error('rolled back on purpose');
      }),
    ).rejects.toThrow('rolled back on purpose');
  };
  return {
    db,
    module,
    audit,
    record,
    rollback,
    tamper: async (sql) => {
      await db.query(`SET session_replication_role = replica; ${sql}`);
    },
    anchorTo: async (file) => {
      const { document } = await audit.anchorDocument('system:test');
      await appendAnchor(file, document!);
      return document!;
    },
  };
}

async function closeLog(log: Log | undefined): Promise<void> {
  await log?.module.close();
  await log?.db.drop();
}

const outside = (file: string): AnchorDocument[] => parseAnchorFile(readFileSync(file, 'utf8'));

jest.setTimeout(60_000);

describe('anchors kept outside the database', () => {
  describe('the command line', () => {
    let log: Log;
    const saved = { ...process.env };

    async function run(...args: string[]): Promise<{ out: string[]; err: string[]; exitCode: number }> {
      const out: string[] = [];
      const err: string[] = [];
      const { buildProgram } = await import('../../apps/cli/src/program');
      const { CliExit } = await import('../../apps/cli/src/cli-context');
      try {
        await buildProgram({ out: (l) => out.push(l), err: (l) => err.push(l) }).parseAsync(['node', 'tiltas', ...args]);
        return { out, err, exitCode: 0 };
      } catch (e) {
        if (e instanceof CliExit) return { out, err, exitCode: e.exitCode };
        throw e;
      }
    }

    beforeAll(async () => {
      log = await freshLog();
      Object.assign(process.env, {
        NODE_ENV: 'test',
        DATABASE_URL: log.db.url,
        REDIS_URL: log.db.config.redis.url,
        REDIS_PREFIX: log.db.config.redis.prefix,
        SESSION_SECRET: log.db.config.secrets.sessionSecret,
        CONTACTS_KEY: log.db.config.secrets.contactsKey.toString('hex'),
        LOG_LEVEL: 'silent',
      });
    });
    afterAll(async () => {
      process.env = saved;
      await closeLog(log);
    });

    it('appends each new anchor to the file as one JSON line, and not the same anchor twice', async () => {
      const file = anchorFile();
      await log.record(entry(), entry({ details: { note: 'Skambinta, neatsiliepė' } }));
      const first = await run('audit', 'anchor', '--out', file);
      expect(first.out[0]).toMatch(/^anchored: entry 2 [0-9a-f]{64}$/);
      const again = await run('audit', 'anchor', '--out', file);
      expect(again.out[0]).toMatch(/^already anchored: entry 2 /);
      await log.rollback(entry());
      await log.record(entry({ action: 'case.closed' }));
      await run('audit', 'anchor', '--out', file);
      const lines = readFileSync(file, 'utf8').split('\n');
      expect(lines).toHaveLength(3);
      expect(lines[2]).toBe('');
      const anchors = lines.slice(0, 2).map((l) => JSON.parse(l) as AnchorDocument);
      const chain = await log.db.query<{ seq: string; hash: string }>('SELECT seq::text AS seq, hash FROM audit_chain WHERE seq IN (2, 4) ORDER BY seq');
      const stored = await log.db.query<{ at: string }>(`SELECT to_char(anchored_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at FROM audit_anchor ORDER BY seq`);
      expect(anchors).toEqual([
        { type: 'tiltas.audit-anchor', version: 1, seq: 2, hash: chain[0].hash, sealedHorizon: 2, anchoredAt: stored[0].at },
        { type: 'tiltas.audit-anchor', version: 1, seq: 4, hash: chain[1].hash, sealedHorizon: 4, anchoredAt: stored[1].at },
      ]);
      expect(lines[0]).toBe(anchorLine(anchors[0]));
    });

    it('verifies against the file and prints the gap and unsealed counts, exiting 0 while everything holds', async () => {
      const file = anchorFile();
      await log.anchorTo(file);
      const result = await run('audit', 'verify', '--anchor', file);
      expect(result.exitCode).toBe(0);
      expect(result.out[0]).toMatch(/^intact: 3 entries verified in \d+ ms; last seq 4, hash [0-9a-f]{64}$/);
      expect(result.out[1]).toBe('gaps: 1 (numbers lost to rolled-back transactions); unsealed: 0 (committed entries not yet in the chain)');
      expect(result.out[2]).toBe('every link holds');
      expect(result.out).toContain('no gap after its sealed horizon (entry 4)');
      expect(result.out.some((l) => /^outside anchors: 1 checked; the latest, entry 4 at .*: the log matches it$/.test(l))).toBe(true);
    });

    it('refuses an anchor file it cannot read whole, naming the line and what is wrong with it', async () => {
      const file = anchorFile();
      writeFileSync(file, `${anchorLine({ type: 'tiltas.audit-anchor', version: 1, seq: 1, hash: 'a'.repeat(64), sealedHorizon: 1, anchoredAt: '2026-12-01T10:00:00.000Z' })}\n{"seq": 2}\nnot json\n`);
      await expect(run('audit', 'verify', '--anchor', file)).rejects.toThrow(/anchor file refused: line 2: type must be "tiltas.audit-anchor"; version must be 1; hash must be 64 lowercase hex.*; line 3 is not JSON/);
      await expect(run('audit', 'verify', '--anchor', join(scratch, 'missing.jsonl'))).rejects.toThrow(/cannot read the anchor file .*missing\.jsonl: ENOENT/);
      expect(() => parseAnchorFile('{"type":"tiltas.audit-anchor","version":1,"seq":3,"hash":"' + 'b'.repeat(64) + '","sealedHorizon":4,"anchoredAt":"2026-12-01T10:00:00.000Z"}')).toThrow(
        /sealedHorizon must not be above seq/,
      );
    });
  });

  describe('tampering the database alone cannot hide', () => {
    let log: Log | undefined;
    afterEach(async () => {
      await closeLog(log);
      log = undefined;
    });

    it('catches the anchor table rewritten together with the tail, which verification inside the database cannot', async () => {
      log = await freshLog();
      const file = anchorFile();
      await log.record(entry(), entry({ objectId: 'c-2' }), entry({ objectId: 'c-3' }));
      const kept = await log.anchorTo(file);
      await log.record(entry({ objectId: 'c-4' }));
      await log.audit.anchor('system:test');

      // Change entry 2, recompute every hash after it, and rewrite the head and both anchors to match.
      const entries = new Map((await log.audit.search({}, { limit: 500 })).entries.map((e) => [e.seq, e as unknown as Record<string, unknown>]));
      const links = await log.db.query<{ seq: string; prev_hash: string }>('SELECT seq::text AS seq, prev_hash FROM audit_chain ORDER BY seq');
      let prev = links[1].prev_hash;
      const sql = [`UPDATE audit_log SET actor = 'forger' WHERE seq = 2;`];
      const rewritten = new Map<number, string>();
      for (const l of links.slice(1)) {
        const seq = Number(l.seq);
        const e = entries.get(seq)!;
        const hash = referenceHash({ ...e, actor: seq === 2 ? 'forger' : e.actor, prevHash: prev });
        sql.push(`UPDATE audit_chain SET prev_hash = '${prev}', hash = '${hash}' WHERE seq = ${seq};`);
        rewritten.set(seq, hash);
        prev = hash;
      }
      await log.tamper(`${sql.join('\n')} UPDATE audit_head SET prev_hash = NULL, hash = '${prev}'`);
      await log.tamper(`UPDATE audit_anchor a SET hash = c.hash FROM audit_chain c WHERE c.seq = a.seq; UPDATE audit_head h SET prev_hash = c.prev_hash FROM audit_chain c WHERE c.seq = h.seq`);

      const inside = await log.audit.verify();
      expect(inside).toMatchObject({ ok: true, firstBroken: null, lastAnchor: { matches: true }, outside: null });

      const report = await log.audit.verify({ outsideAnchors: outside(file) });
      expect(report.ok).toBe(false);
      expect(report.outside).toMatchObject({
        checked: 1,
        firstMismatch: { seq: kept.seq, reason: `entry ${kept.seq} no longer has the hash the outside anchor recorded for it` },
        latest: { seq: kept.seq, hash: kept.hash, matches: false },
        gapsAfterHorizon: 0,
      });
      expect(rewritten.get(kept.seq)).not.toBe(kept.hash);
    });

    it('reports entries deleted after the last anchor as removed, where the chain alone takes them for rollback gaps', async () => {
      log = await freshLog();
      const file = anchorFile();
      await log.record(entry(), entry({ objectId: 'c-2' }));
      const kept = await log.anchorTo(file);
      await log.record(entry({ objectId: 'c-3' }), entry({ objectId: 'c-4' }));
      await log.audit.seal();
      expect((await log.audit.verify({ outsideAnchors: outside(file) })).ok).toBe(true);

      // Remove the two entries and their links, put the head back at the anchor: the sealer then finds
      // two numbers with no entry and no transaction holding them, and seals them as gaps.
      await log.tamper(
        `DELETE FROM audit_log WHERE seq > ${kept.seq}; DELETE FROM audit_chain WHERE seq > ${kept.seq};
         UPDATE audit_head h SET seq = c.seq, prev_hash = c.prev_hash, hash = c.hash FROM audit_chain c WHERE c.seq = ${kept.seq}`,
      );
      const inside = await log.audit.verify();
      expect(inside).toMatchObject({ ok: true, gaps: 2, lastSeq: kept.seq + 2 });

      const report = await log.audit.verify({ outsideAnchors: outside(file) });
      expect(report.ok).toBe(false);
      expect(report.outside).toMatchObject({
        latest: { seq: kept.seq, matches: true },
        firstMismatch: null,
        gapsAfterHorizon: 2,
        firstGapAfterHorizon: {
          seq: kept.seq + 1,
          reason: `entry ${kept.seq + 1} is missing after the last outside anchor (entry ${kept.seq}): the chain records a rollback gap there, which no anchor vouches for, so it counts as removed`,
        },
      });
    });

    it('flags a gap above the latest anchor\'s sealed horizon until a later anchor covers it, and accepts gaps below it', async () => {
      log = await freshLog();
      const file = anchorFile();
      await log.record(entry());
      await log.rollback(entry());
      await log.record(entry());
      await log.audit.seal({ waitMs: 5_000 });
      const first = await log.anchorTo(file);
      expect(first.seq).toBe(3);
      expect(await log.audit.verify({ outsideAnchors: outside(file) })).toMatchObject({ ok: true, gaps: 1, outside: { gapsAfterHorizon: 0 } });

      await log.rollback(entry());
      await log.record(entry());
      await log.audit.seal({ waitMs: 5_000 });
      const flagged = await log.audit.verify({ outsideAnchors: outside(file) });
      expect(flagged).toMatchObject({ ok: false, firstBroken: null, gaps: 2, outside: { latest: { matches: true }, gapsAfterHorizon: 1, firstGapAfterHorizon: { seq: 4 } } });

      await log.anchorTo(file);
      expect(outside(file).map((a) => a.seq)).toEqual([3, 5]);
      expect(await log.audit.verify({ outsideAnchors: outside(file) })).toMatchObject({ ok: true, gaps: 2, outside: { checked: 2, gapsAfterHorizon: 0, latest: { seq: 5, matches: true } } });
    });

    it('reports an anchored entry that is no longer in the chain at all', async () => {
      log = await freshLog();
      const file = anchorFile();
      await log.record(entry(), entry(), entry());
      const kept = await log.anchorTo(file);
      await log.tamper(
        `DELETE FROM audit_log WHERE seq >= 2; DELETE FROM audit_chain WHERE seq >= 2; DELETE FROM audit_anchor;
         UPDATE audit_head h SET seq = c.seq, prev_hash = c.prev_hash, hash = c.hash FROM audit_chain c WHERE c.seq = 1;
         SELECT setval('audit_log_seq', 1)`,
      );
      expect((await log.audit.verify()).ok).toBe(true);
      const report = await log.audit.verify({ outsideAnchors: outside(file) });
      expect(report).toMatchObject({
        ok: false,
        lastSeq: 1,
        outside: { firstMismatch: { seq: kept.seq, reason: `entry ${kept.seq} was anchored outside the database but has no link in the chain any more` }, latest: { matches: false } },
      });
    });
  });

  describe('numbers in details', () => {
    let log: Log;
    beforeAll(async () => {
      log = await freshLog();
    });
    afterAll(async () => closeLog(log));

    const ownerInsert = (details: string) =>
      log.db.query(`INSERT INTO audit_log (at, actor, role, action, details) VALUES (date_trunc('milliseconds', now()), 'owner', 'SYSTEM', 'test.inserted', $1::jsonb)`, [details]);

    it.each([
      ['a fraction', '{"n": 1.5}'],
      ['a whole number written with a fraction', '{"n": 2.0}'],
      ['a number above 2^53 - 1', '{"n": 9007199254740992}'],
      ['a number below -(2^53 - 1), nested in an array', '{"a": {"b": [1, -9007199254740992]}}'],
      ['an exponent beyond the safe range', '{"n": 1e300}'],
    ])('is refused by the database from the owner too: %s', async (_what, details) => {
      await expect(ownerInsert(details)).rejects.toThrow(/audit_log_details_safe_numbers/);
    });

    it('holds whole numbers within the safe range, which hash the same in every language', async () => {
      await ownerInsert('{"n": 9007199254740991, "m": -9007199254740991, "deep": {"list": [0, 1e2]}, "text": "1.5"}');
      const report = await log.audit.verify();
      expect(report).toMatchObject({ ok: true, entries: 1 });
      const [row] = (await log.audit.search({}, { limit: 1 })).entries;
      expect(row.details).toEqual({ n: 9007199254740991, m: -9007199254740991, deep: { list: [0, 100] }, text: '1.5' });
      expect(referenceHash(row as unknown as Record<string, unknown>)).toBe(row.hash);
    });

    it('gives details back from PostgreSQL as values whose canonical form is that of what was written', async () => {
      const samples = [
        { b: 1, aa: { zz: [1, 'x', { k: null }], y: false }, ccc: 'Skambinta, neatsiliepė' },
        { note: 'say "ačiū" \\ \t\n\u0001 ☃ 😀 \u2028', list: [], nested: {}, n: -9007199254740991 },
        { žodis: 1, a: { 'b c': 2 }, 'd"e': 3 },
      ];
      for (const d of samples) {
        const [row] = await log.db.query<{ text: string }>('SELECT $1::jsonb::text AS text', [JSON.stringify(d)]);
        expect(canonicalDetails(JSON.parse(row.text) as Record<string, unknown>)).toBe(canonicalize(d));
      }
    });

    it('verifies entries whose text fields need escaping: the database writes their canonical form as the sealer does', async () => {
      await log.record(entry({ actor: 'o"neil \\ \t\u0001 ąčę ☃ 😀 \u2028', objectId: 'c-1', details: { note: 'line\nbreak "quoted" \\' } }));
      await log.record(entry({ municipality: null, objectType: null, objectId: null, purpose: null, lawfulBasisId: null, subject: null, details: {} }));
      const report = await log.audit.verify();
      expect(report).toMatchObject({ ok: true, firstBroken: null });
      const e = (await log.audit.search({}, { limit: 500 })).entries.find((x) => x.actor.startsWith('o"neil'))!;
      expect(referenceHash(e as unknown as Record<string, unknown>)).toBe(e.hash);
      // And a change to such a field is caught.
      await log.tamper(`UPDATE audit_log SET actor = 'o"neil' WHERE seq = ${e.seq}`);
      expect((await log.audit.verify()).firstBroken).toEqual({ seq: e.seq, reason: `entry ${e.seq} does not match its hash: a field was changed after it was written` });
    });

    it('is refused by the application before it writes, naming the field', async () => {
      await expect(log.record(entry({ details: { ratio: 0.5 } }))).rejects.toThrow(/details\.ratio must be a whole number within ±2\^53/);
      await expect(log.record(entry({ details: { nested: { big: 2 ** 53 } } }))).rejects.toThrow(/details\.nested\.big must be a whole number/);
    });
  });
});
