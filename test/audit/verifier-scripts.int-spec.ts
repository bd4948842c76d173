import { TestingModule } from '@nestjs/testing';
import { AuditEntryInput, AuditService, appendAnchor } from '@tiltas/audit';
import { DatabaseService, SYSTEM_SCOPE } from '@tiltas/database';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { TestDatabase, createTestDatabase } from '../support/test-database';
import { auditTestApp } from './audit-test-app';

/**
 * The verifier scripts docs/audit-log.md gives auditors, taken from the document as written and run with
 * the system's node and python3 against real exports: what the document promises is what they do.
 */
const DOC = readFileSync(resolve(__dirname, '../../docs/audit-log.md'), 'utf8');
const work = mkdtempSync(join(tmpdir(), 'tiltas-verifier-scripts-'));

function block(language: string, firstLine: string): string {
  const found = [...DOC.matchAll(new RegExp('```' + language + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]).find((b) => b.startsWith(firstLine));
  if (!found) throw new Error(`docs/audit-log.md has no ${language} block starting ${firstLine}`);
  return found;
}

const NODE_SCRIPT = join(work, 'verify-audit.mjs');
const PYTHON_SCRIPT = join(work, 'verify_audit.py');
writeFileSync(NODE_SCRIPT, block('js', '// verify-audit.mjs'));
writeFileSync(PYTHON_SCRIPT, block('python', '# verify_audit.py'));
// As `npm install canonicalize` beside the script would.
mkdirSync(join(work, 'node_modules'));
symlinkSync(resolve(__dirname, '../../node_modules/canonicalize'), join(work, 'node_modules', 'canonicalize'));

interface Run {
  code: number;
  out: string[];
}

function run(command: string, args: string[]): Promise<Run> {
  return new Promise((done, fail) => {
    execFile(command, args, { cwd: work, timeout: 30_000 }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') return fail(err);
      if (stderr.trim()) return fail(new Error(`${command} wrote to stderr: ${stderr}`));
      done({ code: err ? (err.code as number) : 0, out: stdout.trim().split('\n') });
    });
  });
}

/** Both scripts on the same files; they must agree line for line. */
async function both(...files: string[]): Promise<Run> {
  const node = await run('node', [NODE_SCRIPT, ...files]);
  const python = await run('python3', [PYTHON_SCRIPT, ...files]);
  expect(python).toEqual(node);
  return node;
}

function entry(overrides: Partial<AuditEntryInput> = {}): AuditEntryInput {
  return { actor: 'worker-1', role: 'WORKER', municipality: 'LT-13', action: 'attempt.recorded', objectType: 'case', objectId: 'c-9', purpose: 'outreach', lawfulBasisId: 'LB-1', details: { attempt: 1 }, ...overrides };
}

jest.setTimeout(90_000);

describe('the documented verifier scripts', () => {
  let db: TestDatabase;
  let module: TestingModule;
  let audit: AuditService;
  let database: DatabaseService;
  let exports = 0;

  beforeAll(async () => {
    db = await createTestDatabase();
    ({ module, audit, db: database } = await auditTestApp(db.config));
  });
  afterAll(async () => {
    await module?.close();
    await db?.drop();
  });

  const record = (...entries: AuditEntryInput[]) =>
    database.transaction(SYSTEM_SCOPE('test'), async (m) => {
      for (const e of entries) await audit.record(m, e);
    });

  async function exportTo(filter: Record<string, string> = {}): Promise<string> {
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    await audit.exportJsonl(out, filter, { userId: 'aud-1', role: 'AUDITOR', municipality: null, scope: 'national' });
    const file = join(work, `export-${++exports}.jsonl`);
    writeFileSync(file, Buffer.concat(chunks));
    return file;
  }

  const anchors = join(work, 'anchors.jsonl');

  it('verify a complete export with gaps, nested details and Lithuanian text, alone and against an anchor file', async () => {
    await record(
      entry({ details: { note: 'Skambinta, neatsiliepė; bandyti vėl', nested: { list: [1, -2, { zodis: 'žodis', ok: true }], none: null }, quote: 'say "ačiū" \\ \t' } }),
      entry({ action: 'contact.revealed', subject: 'ab'.repeat(32), details: {} }),
    );
    await expect(
      database.transaction(SYSTEM_SCOPE('test'), async (m) => {
        await audit.record(m, entry());
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    await record(entry({ details: { big: 9007199254740991 } }));
    const { document } = await audit.anchorDocument('system:test');
    await appendAnchor(anchors, document!);
    const file = await exportTo();
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines.some((l) => l.includes('"gap":true'))).toBe(true);
    expect(await both(file)).toEqual({ code: 0, out: [`${lines.length - 1} entries verified`] });
    expect(await both(file, anchors)).toEqual({ code: 0, out: [`${lines.length - 1} entries verified`] });
    expect(await both(await exportTo({ action: 'contact.*' }))).toEqual({ code: 0, out: ['1 entries verified'] });
  });

  it('catch an export whose last lines were cut off, by its head, and a changed field, by its hash', async () => {
    const file = await exportTo();
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    const cut = join(work, 'cut.jsonl');
    writeFileSync(cut, `${lines.slice(0, -1).join('\n')}\n`);
    expect(await both(cut)).toEqual({ code: 1, out: ['the last entry is not the head', '1 problem(s)'] });
    const changed = join(work, 'changed.jsonl');
    writeFileSync(changed, `${lines.map((l, i) => (i === 1 ? l.replace('"worker-1"', '"worker-2"') : l)).join('\n')}\n`);
    expect(await both(changed)).toEqual({ code: 1, out: ['entry 1: fields do not match its hash', '1 problem(s)'] });
  });

  it('report entries deleted after the last anchor as missing when given the anchor file', async () => {
    const kept = JSON.parse(readFileSync(anchors, 'utf8').trim().split('\n').pop()!) as { seq: number };
    const head = await audit.seal();
    expect(head.head.seq).toBeGreaterThan(kept.seq + 1);
    await db.query(
      `SET session_replication_role = replica; DELETE FROM audit_log WHERE seq > ${kept.seq}; DELETE FROM audit_chain WHERE seq > ${kept.seq};
       UPDATE audit_head h SET seq = c.seq, prev_hash = c.prev_hash, hash = c.hash FROM audit_chain c WHERE c.seq = ${kept.seq}`,
    );
    // The export records itself, so its own entry follows the numbers the sealer now takes for rollbacks.
    const file = await exportTo();
    const alone = await both(file);
    expect(alone.code).toBe(0);
    const anchored = await both(file, anchors);
    expect(anchored.code).toBe(1);
    expect(anchored.out[0]).toBe(`entry ${kept.seq + 1} is missing after the last anchor (entry ${kept.seq}): a gap no anchor vouches for`);
    expect(anchored.out[anchored.out.length - 1]).toMatch(/^\d+ problem\(s\)$/);
  });
});
