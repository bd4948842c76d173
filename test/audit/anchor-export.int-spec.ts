import { Test, TestingModule } from '@nestjs/testing';
import { ANCHOR_FILE_NAME, AnchorDocument, AuditAnchorHandler, AuditModule, AuditService, parseAnchorFile } from '@tiltas/audit';
import { ClockModule } from '@tiltas/common';
import { ConfigModule } from '@tiltas/config';
import { DatabaseModule, DatabaseService, SYSTEM_SCOPE } from '@tiltas/database';
import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestDatabase, createTestDatabase } from '../support/test-database';

/** A loopback receiver of anchors: records each POST, answers with `status`. */
function receiver(): Promise<{ server: Server; url: string; received: Array<{ type: string | undefined; body: string }>; status: { code: number } }> {
  const received: Array<{ type: string | undefined; body: string }> = [];
  const status = { code: 201 };
  const server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/anchors') received.push({ type: req.headers['content-type'], body: Buffer.concat(chunks).toString('utf8') });
      res.statusCode = req.method === 'POST' && req.url === '/anchors' ? status.code : 404;
      res.end();
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/anchors`, received, status })));
}

describe('the worker\'s anchor job keeps every anchor outside the database', () => {
  let db: TestDatabase;
  let module: TestingModule;
  let handler: AuditAnchorHandler;
  let audit: AuditService;
  let database: DatabaseService;
  let http: Awaited<ReturnType<typeof receiver>>;
  const dir = join(mkdtempSync(join(tmpdir(), 'tiltas-anchor-dir-')), 'nested', 'anchors');

  beforeAll(async () => {
    http = await receiver();
    db = await createTestDatabase({ AUDIT_ANCHOR_DIR: dir, AUDIT_ANCHOR_URL: http.url });
    module = await Test.createTestingModule({
      imports: [ConfigModule.forRoot(db.config), ClockModule.forRoot(), DatabaseModule.forRoot(), AuditModule],
      providers: [AuditAnchorHandler],
    }).compile();
    await module.init();
    handler = module.get(AuditAnchorHandler);
    audit = module.get(AuditService);
    database = module.get(DatabaseService);
  });
  afterAll(async () => {
    await module?.close();
    await db?.drop();
    await new Promise((resolve) => http?.server.close(resolve));
  });

  const record = () =>
    database.transaction(SYSTEM_SCOPE('test'), (m) => audit.record(m, { actor: 'system:test', role: 'SYSTEM', municipality: null, action: 'test.recorded', details: { n: 1 } }));
  const file = () => join(dir, ANCHOR_FILE_NAME);

  it('appends the anchor to the file in AUDIT_ANCHOR_DIR and POSTs the same document to AUDIT_ANCHOR_URL', async () => {
    await record();
    const result = await handler.handle({ period: '2026-12-07T1600' });
    expect(result).toMatchObject({ period: '2026-12-07T1600', status: 'ANCHORED', seq: 1, exportedTo: file(), appended: true });
    const [anchor] = parseAnchorFile(readFileSync(file(), 'utf8'));
    const [row] = await db.query<{ hash: string }>('SELECT hash FROM audit_anchor WHERE seq = 1');
    expect(anchor).toMatchObject({ type: 'tiltas.audit-anchor', seq: 1, hash: row.hash, sealedHorizon: 1 });
    expect(http.received).toHaveLength(1);
    expect(http.received[0].type).toBe('application/json');
    expect(JSON.parse(http.received[0].body) as AnchorDocument).toEqual(anchor);
  });

  it('does not append an anchor the file ends with already, and appends each new one', async () => {
    expect(await handler.handle({ period: '2026-12-07T1615' })).toMatchObject({ status: 'UNCHANGED', seq: 1, appended: false });
    await record();
    expect(await handler.handle({ period: '2026-12-07T1630' })).toMatchObject({ status: 'ANCHORED', seq: 2, appended: true });
    expect(parseAnchorFile(readFileSync(file(), 'utf8')).map((a) => a.seq)).toEqual([1, 2]);
    expect(http.received.map((r) => (JSON.parse(r.body) as AnchorDocument).seq)).toEqual([1, 1, 2]);
    expect((await audit.verify({ outsideAnchors: parseAnchorFile(readFileSync(file(), 'utf8')) })).ok).toBe(true);
  });

  it('fails the job when the receiver refuses the anchor, so that it is retried, after keeping it in the file', async () => {
    http.status.code = 503;
    await record();
    await expect(handler.handle({ period: '2026-12-07T1645' })).rejects.toThrow(/the audit anchor was refused by 127\.0\.0\.1:\d+: HTTP 503/);
    expect(parseAnchorFile(readFileSync(file(), 'utf8')).map((a) => a.seq)).toEqual([1, 2, 3]);
    http.status.code = 201;
    expect(await handler.handle({ period: '2026-12-07T1645' })).toMatchObject({ status: 'UNCHANGED', seq: 3, appended: false });
    expect(http.received.map((r) => (JSON.parse(r.body) as AnchorDocument).seq).slice(-2)).toEqual([3, 3]);
  });
});
