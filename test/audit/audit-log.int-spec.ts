import { AuditEntryInput, AuditService, GENESIS_HASH, chainHash, systemActor } from '@tiltas/audit';
import { DatabaseService, SYSTEM_SCOPE } from '@tiltas/database';
import { makePersonalCode, pseudonymFor } from '@tiltas/registers';
import { TestingModule } from '@nestjs/testing';
import canonicalize from 'canonicalize';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Client } from 'pg';
import { TestDatabase, createTestDatabase } from '../support/test-database';
import { auditTestApp } from './audit-test-app';

const KEY_HEX = randomBytes(32).toString('hex');
const keyDir = mkdtempSync(join(tmpdir(), 'tiltas-audit-key-'));
const KEY_FILE = join(keyDir, 'pseudonym-key.json');
writeFileSync(KEY_FILE, JSON.stringify({ keyId: 'k-test', keyHex: KEY_HEX }));

const PERSON_CODE = makePersonalCode('1999-04-17', 'F', 123);
const PERSON = pseudonymFor(Buffer.from(KEY_HEX, 'hex'), PERSON_CODE);
const OTHER = pseudonymFor(Buffer.from(KEY_HEX, 'hex'), makePersonalCode('1988-01-02', 'M', 7));

function entry(overrides: Partial<AuditEntryInput> = {}): AuditEntryInput {
  return { actor: 'user-1', role: 'WORKER', municipality: 'LT-57', action: 'case.created', objectType: 'case', objectId: 'c-1', purpose: 'outreach', lawfulBasisId: 'LB-1', details: { count: 1 }, ...overrides };
}

/** The documented recipe, written independently of the lib: the canonicalize package over the whole entry. */
function referenceHash(row: Record<string, unknown>): string {
  const { prevHash, hash: _hash, ...rest } = row;
  return createHash('sha256').update(`${String(prevHash)}\n${canonicalize(rest)}`, 'utf8').digest('hex');
}

describe('the audit log', () => {
  let db: TestDatabase;
  let module: TestingModule;
  let audit: AuditService;
  let database: DatabaseService;

  beforeAll(async () => {
    db = await createTestDatabase({ PSEUDONYM_KEY_FILE: KEY_FILE });
    ({ module, audit, db: database } = await auditTestApp(db.config));
  });
  afterAll(async () => {
    await module?.close();
    await db?.drop();
  });

  async function record(...entries: AuditEntryInput[]): Promise<Array<{ seq: string }>> {
    return database.transaction(SYSTEM_SCOPE('test'), async (m) => {
      const out = [];
      for (const e of entries) out.push(await audit.record(m, e));
      return out;
    });
  }

  async function asAppRole<T>(work: (c: Client) => Promise<T>): Promise<T> {
    const client = new Client({ connectionString: db.config.database.appUrl });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  }

  /** Tampering as the table owner: the append-only trigger has to be switched off on purpose first. */
  async function tamper(sql: string): Promise<void> {
    await db.query(`SET session_replication_role = replica; ${sql}`);
  }

  /** A transaction that records an entry and stays open until the test ends it. */
  async function heldOpen(e: AuditEntryInput): Promise<{ seq: number; end: (outcome: 'commit' | 'rollback') => Promise<void> }> {
    let release!: (outcome: 'commit' | 'rollback') => void;
    const decided = new Promise<'commit' | 'rollback'>((resolve) => (release = resolve));
    let recorded!: (seq: number) => void;
    const seq = new Promise<number>((resolve) => (recorded = resolve));
    const done = database
      .transaction(SYSTEM_SCOPE('test'), async (m) => {
        recorded(Number((await audit.record(m, e)).seq));
        if ((await decided) === 'rollback') throw new Error('rolled back on purpose');
      })
      .catch((err: Error) => {
        if (err.message !== 'rolled back on purpose') throw err;
      });
    return {
      seq: await seq,
      end: async (outcome) => {
        release(outcome);
        await done;
      },
    };
  }

  async function link(seq: number): Promise<{ kind: string } | undefined> {
    return (await db.query<{ kind: string }>('SELECT kind FROM audit_chain WHERE seq = $1', [seq]))[0];
  }

  async function rows(): Promise<Array<Record<string, unknown>>> {
    const page = await audit.search({}, { limit: 500 });
    return page.entries.slice().reverse() as unknown as Array<Record<string, unknown>>;
  }

  describe('appending and sealing', () => {
    it('chains each entry from the one before with the documented hash, starting from 64 zeros, once sealed', async () => {
      const written = await record(entry(), entry({ action: 'contact.revealed', subject: PERSON, details: { channel: 'PHONE', attempts: [1, 2], nested: { ok: true, none: null } } }));
      expect(written.map((w) => w.seq)).toEqual(['1', '2']);
      const unsealed = await rows();
      expect(unsealed.map((e) => [e.seq, e.prevHash, e.hash])).toEqual([[1, null, null], [2, null, null]]);
      expect(await audit.seal()).toMatchObject({ sealed: 2, gaps: 0, head: { seq: 2 }, waitingAt: null });
      const [first, second] = await rows();
      expect(first.prevHash).toBe(GENESIS_HASH);
      expect(second.prevHash).toBe(first.hash);
      expect(await audit.head()).toEqual({ seq: 2, hash: second.hash });
      expect(referenceHash(first)).toBe(first.hash);
      expect(referenceHash(second)).toBe(second.hash);
      expect(second.details).toEqual({ channel: 'PHONE', attempts: [1, 2], nested: { ok: true, none: null } });
      expect(Date.parse(second.at as string)).toBeGreaterThanOrEqual(Date.parse(first.at as string));
      expect(await audit.seal()).toMatchObject({ sealed: 0, gaps: 0, head: { seq: 2 } });
      expect((await audit.verify()).ok).toBe(true);
    });

    it('leaves no entry behind when the recording transaction rolls back, and seals its number as a gap', async () => {
      const before = (await audit.seal()).head;
      await expect(
        database.transaction(SYSTEM_SCOPE('test'), async (m) => {
          await audit.record(m, entry({ action: 'case.closed' }));
          throw new Error('the action failed after its entry was written');
        }),
      ).rejects.toThrow('the action failed');
      expect((await audit.search({ action: 'case.closed' })).entries).toHaveLength(0);
      expect(await audit.head()).toEqual(before);
      const [next] = await record(entry({ action: 'case.assigned' }));
      expect(Number(next.seq)).toBe(before.seq + 2);
      const sealed = await audit.seal({ waitMs: 5_000 });
      expect(sealed).toMatchObject({ sealed: 1, gaps: 1, head: { seq: before.seq + 2 }, waitingAt: null });
      expect(await link(before.seq + 1)).toEqual({ kind: 'gap' });
      expect(await link(before.seq + 2)).toEqual({ kind: 'entry' });
      expect(await audit.verify()).toMatchObject({ ok: true, gaps: 1, unsealed: 0 });
    });

    it('does not pass a number a running transaction holds, then seals it as an entry once that transaction commits', async () => {
      const open = await heldOpen(entry({ action: 'case.claimed' }));
      const later = await record(entry({ action: 'case.scheduled' }), entry({ action: 'case.scheduled' }));
      expect(later.map((l) => Number(l.seq))).toEqual([open.seq + 1, open.seq + 2]);
      for (let i = 0; i < 3; i++) {
        expect(await audit.seal()).toMatchObject({ head: { seq: open.seq - 1 }, waitingAt: open.seq });
      }
      expect(await link(open.seq)).toBeUndefined();
      expect(await audit.verify()).toMatchObject({ ok: true, unsealed: 2 });
      await open.end('commit');
      expect(await audit.seal()).toMatchObject({ sealed: 3, gaps: 0, head: { seq: open.seq + 2 }, waitingAt: null });
      expect(await link(open.seq)).toEqual({ kind: 'entry' });
      expect(await audit.verify()).toMatchObject({ ok: true, unsealed: 0 });
    });

    it('does not pass a number a running transaction holds, then seals it as a gap once that transaction rolls back', async () => {
      const open = await heldOpen(entry({ action: 'case.claimed' }));
      await record(entry({ action: 'case.scheduled' }));
      for (let i = 0; i < 3; i++) {
        expect(await audit.seal()).toMatchObject({ head: { seq: open.seq - 1 }, waitingAt: open.seq });
      }
      await open.end('rollback');
      expect(await audit.seal({ waitMs: 5_000 })).toMatchObject({ gaps: 1, sealed: 1, head: { seq: open.seq + 1 }, waitingAt: null });
      expect(await link(open.seq)).toEqual({ kind: 'gap' });
      expect(await audit.verify()).toMatchObject({ ok: true, unsealed: 0 });
    });

    it('takes another number when the sealer declared its number lost in the instant before it locked it', async () => {
      const head = (await audit.seal({ waitMs: 5_000 })).head;
      // A number handed out without its lock, as in that instant: unlocked and not visible, so it is lost.
      const [{ n }] = await db.query<{ n: string }>(`SELECT nextval('audit_log_seq')::text AS n`);
      expect(Number(n)).toBe(head.seq + 1);
      expect(await audit.seal()).toMatchObject({ gaps: 1, head: { seq: head.seq + 1 } });
      // The pass recorded its gap as the horizon at or below which a writer looks its number up.
      expect(await db.query(`SELECT last_value::int AS n, is_called FROM audit_gap_horizon`)).toEqual([{ n: head.seq + 1, is_called: true }]);
      // The writer that held it now locks it, finds the gap link, and takes the next number.
      await db.query(`SELECT setval('audit_log_seq', $1)`, [head.seq]);
      const [written] = await record(entry({ action: 'case.reopened' }));
      expect(Number(written.seq)).toBe(head.seq + 2);
      expect(await audit.seal()).toMatchObject({ sealed: 1, head: { seq: head.seq + 2 } });
      expect(await audit.verify()).toMatchObject({ ok: true, unsealed: 0 });
    });

    it('refuses to record in a transaction that would not see the sealer\'s links', async () => {
      await expect(
        database.dataSource.transaction('REPEATABLE READ', (m) => audit.record(m, entry({ action: 'case.reopened' }))),
      ).rejects.toThrow(/READ COMMITTED/);
    });

    it('refuses an entry outside a transaction, and one carrying contact details, naming each problem', async () => {
      await expect(audit.record(database.dataSource.manager, entry())).rejects.toThrow('needs the manager of an open transaction');
      const refused = record(entry({ role: 'KING', subject: 'ABC', details: { phone: '+37060000000', note: 'mail me at a@b.lt', code: PERSON_CODE, share: 0.5 } }));
      await expect(refused).rejects.toThrow(/role must be one of/);
      await expect(refused).rejects.toThrow(/subject must be a pseudonym/);
      await expect(refused).rejects.toThrow(/details\.phone would hold a name or contact detail/);
      await expect(refused).rejects.toThrow(/details\.code looks like a personal code/);
      await expect(refused).rejects.toThrow(/details\.share must be a whole number/);
      await expect(refused.catch((e: Error) => e.message)).resolves.not.toContain(PERSON_CODE);
    });

    it('keeps one unforked chain under eight concurrent writers and concurrent sealers', async () => {
      const before = await audit.seal({ waitMs: 5_000 });
      let writing = true;
      const sealers = Array.from({ length: 3 }, async () => {
        while (writing) await audit.seal();
      });
      await Promise.all(
        Array.from({ length: 8 }, (_, w) =>
          (async () => {
            for (let i = 0; i < 15; i++) await record(entry({ actor: `writer-${w}`, details: { i } }));
          })(),
        ),
      );
      writing = false;
      await Promise.all(sealers);
      const after = await audit.seal({ waitMs: 5_000 });
      expect(after.head.seq).toBe(before.head.seq + 120);
      const links = await db.query<{ n: string; distinct_prev: string }>('SELECT count(*)::text AS n, count(DISTINCT prev_hash)::text AS distinct_prev FROM audit_chain');
      expect(links[0]).toEqual({ n: String(after.head.seq), distinct_prev: String(after.head.seq) });
      const report = await audit.verify();
      expect(report).toMatchObject({ ok: true, lastSeq: after.head.seq, lastHash: after.head.hash, firstBroken: null, unsealed: 0 });
    });
  });

  describe('append-only in the database', () => {
    it.each([
      ['UPDATE', `UPDATE audit_log SET actor = 'someone-else' WHERE seq = 1`],
      ['DELETE', 'DELETE FROM audit_log WHERE seq = 1'],
      ['TRUNCATE', 'TRUNCATE audit_log'],
      ['UPDATE of an anchor', `UPDATE audit_anchor SET hash = repeat('a', 64)`],
      ['UPDATE of a link', `UPDATE audit_chain SET hash = repeat('a', 64) WHERE seq = 1`],
      ['DELETE of a link', 'DELETE FROM audit_chain WHERE seq = 1'],
      ['TRUNCATE of the chain', 'TRUNCATE audit_chain'],
    ])('refuses the application role a %s', async (_what, sql) => {
      await expect(asAppRole((c) => c.query(sql))).rejects.toThrow(/permission denied/);
    });

    it('refuses the table owner too while the trigger is on', async () => {
      await expect(db.query(`UPDATE audit_log SET actor = 'x' WHERE seq = 1`)).rejects.toThrow(/append-only/);
      await expect(db.query('DELETE FROM audit_log WHERE seq = 1')).rejects.toThrow(/append-only/);
      await expect(db.query('TRUNCATE audit_log')).rejects.toThrow(/append-only/);
      await expect(db.query('DELETE FROM audit_chain WHERE seq = 1')).rejects.toThrow(/append-only/);
    });

    it('lets the application role move the head forward only, and only to a sealed link', async () => {
      await expect(asAppRole((c) => c.query(`UPDATE audit_head SET seq = 1, prev_hash = NULL, hash = repeat('0', 64)`))).rejects.toThrow(/moves forward only/);
      await expect(asAppRole((c) => c.query(`UPDATE audit_head SET seq = seq + 1000, hash = repeat('a', 64)`))).rejects.toThrow(/moves forward only/);
    });

    it('refuses a second link for a sealed seq, and a link that does not follow the one before it', async () => {
      const head = await audit.seal();
      await expect(asAppRole((c) => c.query(`INSERT INTO audit_chain (seq, kind, prev_hash, hash) VALUES (1, 'gap', repeat('0', 64), repeat('b', 64))`))).rejects.toThrow(/duplicate key/);
      await expect(
        asAppRole((c) => c.query(`INSERT INTO audit_chain (seq, kind, prev_hash, hash) VALUES ($1, 'gap', repeat('c', 64), repeat('b', 64))`, [head.head.seq + 1])),
      ).rejects.toThrow(/does not follow link/);
    });
  });

  describe('search and export', () => {
    it('finds entries by action family, actor, municipality, case, subject and time, newest first, in pages', async () => {
      await record(
        entry({ municipality: 'LT-15', actor: 'coord-15', action: 'criterion.activated', objectType: 'criterion', objectId: 'neet-youth' }),
        entry({ municipality: 'LT-15', actor: 'worker-15', action: 'case.closed', objectId: 'c-15', subject: OTHER }),
      );
      const closed = await audit.search({ action: 'case.*', municipality: 'LT-15' });
      expect(closed.entries.map((e) => [e.actor, e.action, e.objectId])).toEqual([['worker-15', 'case.closed', 'c-15']]);
      expect((await audit.search({ caseId: 'c-15' })).entries).toHaveLength(1);
      expect((await audit.search({ subject: OTHER })).entries.map((e) => e.action)).toEqual(['case.closed']);
      expect((await audit.search({ actor: 'coord-15' })).entries.map((e) => e.objectId)).toEqual(['neet-youth']);
      expect((await audit.search({ to: '2000-01-01' })).entries).toHaveLength(0);
      const today = new Date().toISOString().slice(0, 10);
      const all = (await audit.search({ from: today, to: today }, { limit: 500 })).entries;
      expect(all.length).toBe(Number((await db.query<{ n: string }>('SELECT count(*)::text AS n FROM audit_log'))[0].n));
      const first = await audit.search({}, { limit: 3 });
      const second = await audit.search({}, { limit: 3, beforeSeq: first.nextBeforeSeq });
      expect(first.entries.map((e) => e.seq)).toEqual([all[0].seq, all[1].seq, all[2].seq]);
      expect(second.entries[0].seq).toBe(all[3].seq);
      const municipal = await audit.search({}, { limit: 500 }, { userId: 'aud-57', role: 'AUDITOR', municipality: 'LT-57', scope: 'municipal' });
      expect(new Set(municipal.entries.map((e) => e.municipality))).toEqual(new Set(['LT-57']));
      await expect(audit.search({ municipality: 'LT-99', subject: 'x' })).rejects.toThrow(/municipality must be .*; subject must be a pseudonym/);
    });

    it('exports JSONL whose every line verifies with the documented recipe and whose last hash is the header head', async () => {
      const out = new PassThrough();
      const chunks: Buffer[] = [];
      out.on('data', (c: Buffer) => chunks.push(c));
      const result = await audit.exportJsonl(out, {}, { userId: 'aud-1', role: 'AUDITOR', municipality: null, scope: 'national' });
      const lines = Buffer.concat(chunks).toString('utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      const [header, ...entries] = lines;
      expect(header).toMatchObject({ type: 'tiltas.audit-export', complete: true, genesis: GENESIS_HASH });
      expect(entries).toHaveLength(result.entries);
      const gaps = await db.query<{ seq: string }>(`SELECT seq::text AS seq FROM audit_chain WHERE kind = 'gap' ORDER BY audit_chain.seq`);
      expect(gaps.length).toBeGreaterThan(0);
      expect(entries.filter((e) => e.gap === true).map((e) => String(e.seq))).toEqual(gaps.map((g) => g.seq));
      let prev = GENESIS_HASH;
      entries.forEach((e, i) => {
        expect(e.seq).toBe(i + 1);
        expect(e.prevHash).toBe(prev);
        expect(referenceHash(e)).toBe(e.hash);
        prev = e.hash as string;
      });
      expect(header.head).toEqual({ seq: entries.length, hash: prev });
      expect(entries[entries.length - 1]).toMatchObject({ action: 'audit.exported', actor: 'aud-1' });
    });
  });

  describe('subject access lookup', () => {
    it('shows every entry about the person, logs the lookup under the pseudonym, and stores the code nowhere', async () => {
      const result = await audit.subjectLookup(PERSON_CODE, { userId: 'aud-1', role: 'AUDITOR', municipality: null, scope: 'national' }, { reference: 'DSAR 2026/7' });
      expect(result.subject).toBe(PERSON);
      expect(result.pseudonymKeyId).toBe('k-test');
      expect(result.entries.map((e) => e.action)).toEqual(['contact.revealed']);
      const logged = (await audit.search({ action: 'subject.looked_up' })).entries;
      expect(logged).toHaveLength(1);
      expect(logged[0]).toMatchObject({ subject: PERSON, actor: 'aud-1', details: { pseudonymKeyId: 'k-test', entriesFound: 1, reference: 'DSAR 2026/7' } });
      const leaks = await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM audit_log WHERE audit_log::text LIKE '%' || $1 || '%'`, [PERSON_CODE]);
      expect(leaks[0].n).toBe('0');
      const again = await audit.subjectLookup(PERSON_CODE, { userId: 'aud-1', role: 'AUDITOR', municipality: null, scope: 'national' });
      expect(again.entries.map((e) => e.action)).toEqual(['contact.revealed', 'subject.looked_up']);
    });

    it('refuses a malformed code or a wrong check digit without echoing it', async () => {
      const wrongCheck = PERSON_CODE.slice(0, 10) + String((Number(PERSON_CODE[10]) + 1) % 10);
      const viewer = { userId: 'aud-1', role: 'AUDITOR', municipality: null, scope: 'national' as const };
      await expect(audit.subjectLookup(wrongCheck, viewer)).rejects.toThrow(/check digit/);
      await expect(audit.subjectLookup(wrongCheck, viewer).catch((e: Error) => e.message)).resolves.not.toContain(wrongCheck);
      await expect(audit.subjectLookup('1234', viewer)).rejects.toThrow(/11 digits/);
    });
  });

  describe('verification', () => {
    // Runs last: it tampers with the log.
    it('catches a changed field, a deleted row, two swapped rows and a recomputed tail that no longer matches the anchor', async () => {
      expect((await audit.verify()).ok).toBe(true);
      const anchored = await audit.anchor('system:test');
      expect(anchored.status).toBe('ANCHORED');
      expect((await audit.anchor('system:test')).status).toBe('UNCHANGED');
      await record(entry({ action: 'attempt.recorded' }), entry({ action: 'attempt.recorded' }));
      const intact = await audit.verify();
      expect(intact).toMatchObject({ ok: true, firstBroken: null, lastAnchor: { seq: anchored.anchor!.seq, matches: true }, head: { matches: true } });

      // Targets: entries (not rollback gaps), the first three consecutive ones after the first gap.
      const kinds = await db.query<{ seq: string; kind: string }>('SELECT seq::text AS seq, kind FROM audit_chain ORDER BY audit_chain.seq');
      const gapSeq = Number(kinds.find((k) => k.kind === 'gap')!.seq);
      const isEntry = (n: number) => kinds[n - 1]?.kind === 'entry';
      const a = Number(kinds.find((k) => Number(k.seq) > gapSeq && isEntry(Number(k.seq)) && isEntry(Number(k.seq) + 1) && isEntry(Number(k.seq) + 2))!.seq);
      const [changed, deleted, swapped] = [a, a + 1, a + 1];

      // 1. A changed field.
      const actor = (await db.query<{ actor: string }>(`SELECT actor FROM audit_log WHERE seq = ${changed}`))[0].actor;
      await tamper(`UPDATE audit_log SET actor = 'someone-else' WHERE seq = ${changed}`);
      let report = await audit.verify();
      expect(report.ok).toBe(false);
      expect(report.firstBroken).toEqual({ seq: changed, reason: `entry ${changed} does not match its hash: a field was changed after it was written` });
      expect(report.brokenLinks).toBe(1);
      await tamper(`UPDATE audit_log SET actor = '${actor}' WHERE seq = ${changed}`);
      expect((await audit.verify()).ok).toBe(true);

      // 2. A deleted row, as the owner: its sealed link tells it from a rollback gap.
      const saved = await db.query(`SELECT * FROM audit_log WHERE seq = ${deleted}`);
      await tamper(`DELETE FROM audit_log WHERE seq = ${deleted}`);
      report = await audit.verify();
      expect(report.firstBroken).toEqual({ seq: deleted, reason: `entry ${deleted} is missing: the chain sealed it as committed, so it was removed` });
      await tamper(`INSERT INTO audit_log SELECT * FROM json_populate_record(NULL::audit_log, '${JSON.stringify(saved[0]).replace(/'/g, "''")}')`);
      expect((await audit.verify()).ok).toBe(true);

      // 2b. The same row slipped into a rollback gap.
      await tamper(`INSERT INTO audit_log SELECT * FROM json_populate_record(NULL::audit_log, '${JSON.stringify({ ...saved[0], seq: gapSeq }).replace(/'/g, "''")}')`);
      report = await audit.verify();
      expect(report.firstBroken).toEqual({ seq: gapSeq, reason: `entry ${gapSeq} is in the log where the chain records a rollback gap: it was added after the fact` });
      await tamper(`DELETE FROM audit_log WHERE seq = ${gapSeq}`);
      expect((await audit.verify()).ok).toBe(true);

      // 3. Two rows swapped.
      const swap = `UPDATE audit_log SET seq = 100000007 WHERE seq = ${swapped}; UPDATE audit_log SET seq = ${swapped} WHERE seq = ${swapped + 1}; UPDATE audit_log SET seq = ${swapped + 1} WHERE seq = 100000007`;
      await tamper(swap);
      report = await audit.verify();
      expect(report.firstBroken?.seq).toBe(swapped);
      expect(report.firstBroken?.reason).toMatch(new RegExp(`entry ${swapped} does not match its hash`));
      await tamper(swap);
      expect((await audit.verify()).ok).toBe(true);

      // 4. A field changed and every link after it recomputed: the chain holds, the anchor does not.
      const all = new Map((await rows()).map((e) => [e.seq as number, e]));
      const links = await db.query<{ seq: string; kind: string; prev_hash: string }>('SELECT seq::text AS seq, kind, prev_hash FROM audit_chain ORDER BY audit_chain.seq');
      const target = 2;
      expect(all.get(target)).toBeDefined();
      let prev = links[target - 1].prev_hash;
      const rewrites: string[] = [];
      for (const l of links.slice(target - 1)) {
        const seq = Number(l.seq);
        const e = all.get(seq);
        const changed = l.kind === 'gap' ? { seq, gap: true, prevHash: prev } : { ...e, actor: seq === target ? 'forger' : e!.actor, prevHash: prev };
        const hash = referenceHash(changed);
        if (seq === target) rewrites.push(`UPDATE audit_log SET actor = 'forger' WHERE seq = ${seq};`);
        rewrites.push(`UPDATE audit_chain SET prev_hash = '${prev}', hash = '${hash}' WHERE seq = ${seq};`);
        prev = hash;
      }
      await tamper(`${rewrites.join('\n')} UPDATE audit_head SET prev_hash = NULL, hash = '${prev}'`);
      report = await audit.verify();
      expect(report.firstBroken).toBeNull();
      expect(report.ok).toBe(false);
      expect(report.lastAnchor).toMatchObject({ seq: anchored.anchor!.seq, hash: anchored.anchor!.hash, matches: false });
      expect(report.firstAnchorMismatch?.seq).toBe(anchored.anchor!.seq);
      expect(chainHash(GENESIS_HASH, 'x')).toHaveLength(64);
    });
  });
});

// Referenced so that the unused helper import is a type-level check that systemActor stays exported.
void systemActor;
