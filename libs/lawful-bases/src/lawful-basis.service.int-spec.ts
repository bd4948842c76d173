import { Test, TestingModule } from '@nestjs/testing';
import { AuditModule, AuditService, systemActor } from '@tiltas/audit';
import { ClockModule, DomainError, ErrorCode } from '@tiltas/common';
import { ConfigModule } from '@tiltas/config';
import { DatabaseModule, DatabaseService, SYSTEM_SCOPE } from '@tiltas/database';
import { LawfulBasesModule, LawfulBasisService } from '@tiltas/lawful-bases';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { TestDatabase, createTestDatabase } from '../../../test/support/test-database';
import { SAMPLE_DIR } from '../../../test/fixtures';

const SAMPLE = JSON.parse(readFileSync(join(SAMPLE_DIR, 'lawful-basis.json'), 'utf8')) as Record<string, unknown>;
const ADMIN = systemActor('test-admin');

describe('the lawful-basis registry', () => {
  let db: TestDatabase;
  let module: TestingModule;
  let registry: LawfulBasisService;
  let audit: AuditService;

  beforeAll(async () => {
    db = await createTestDatabase();
    module = await Test.createTestingModule({
      imports: [ConfigModule.forRoot(db.config), ClockModule.forRoot(), DatabaseModule.forRoot(), AuditModule, LawfulBasesModule],
    }).compile();
    await module.init();
    registry = module.get(LawfulBasisService);
    audit = module.get(AuditService);
  });
  afterAll(async () => {
    await module?.close();
    await db?.drop();
  });

  it('adds an entry with its audit entry, and treats the identical file as a no-op that says so', async () => {
    const added = await registry.add(undefined, SAMPLE, ADMIN);
    expect(added).toMatchObject({ status: 'ADDED', entry: { id: 'LB-SAMPLE', registers: SAMPLE.registers, addedBy: 'system:test-admin', retiredValidTo: null } });
    const again = await registry.add(undefined, { ...SAMPLE, purposes: ['outreach'] }, ADMIN);
    expect(again.status).toBe('UNCHANGED');
    const logged = await audit.search({ action: 'lawful_basis.added' });
    expect(logged.entries.map((e) => [e.objectId, e.lawfulBasisId, e.actor])).toEqual([['LB-SAMPLE', 'LB-SAMPLE', 'system:test-admin']]);
    expect((await registry.list()).map((e) => e.id)).toEqual(['LB-SAMPLE']);
  });

  it('refuses a different file under an existing id, naming the fields that differ', async () => {
    const refused = registry.add(undefined, { ...SAMPLE, title: 'another title', validTo: '2030-01-01' }, ADMIN);
    await expect(refused).rejects.toMatchObject({ code: ErrorCode.CONFLICT });
    await expect(refused).rejects.toThrow('differs from it in `title`, `validTo`');
  });

  it('writes nothing, not even an audit entry, when the surrounding transaction rolls back', async () => {
    const db2 = module.get(DatabaseService);
    const before = await audit.head();
    await expect(
      db2.transaction(SYSTEM_SCOPE('test'), async (m) => {
        await registry.add(m, { ...SAMPLE, id: 'LB-ROLLED-BACK' }, ADMIN);
        throw new Error('later step failed');
      }),
    ).rejects.toThrow('later step failed');
    expect(await registry.find('LB-ROLLED-BACK')).toBeNull();
    expect(await audit.head()).toEqual(before);
  });

  it('never lets the application role edit or delete what an entry says, only retire it', async () => {
    const app = new Client({ connectionString: db.config.database.appUrl });
    await app.connect();
    try {
      await expect(app.query(`UPDATE lawful_basis SET title = 'edited' WHERE id = 'LB-SAMPLE'`)).rejects.toThrow(/permission denied/);
      await expect(app.query(`DELETE FROM lawful_basis WHERE id = 'LB-SAMPLE'`)).rejects.toThrow(/permission denied/);
    } finally {
      await app.end();
    }
    await expect(db.query(`UPDATE lawful_basis SET title = 'edited' WHERE id = 'LB-SAMPLE'`)).rejects.toThrow(/never edited/);
  });

  it('retires by date, only ever earlier, and the coverage check follows', async () => {
    const input = { lawfulBasisId: 'LB-SAMPLE', purpose: 'outreach' as const, registers: ['population', 'prison', 'disability'], date: '2026-10-01' };
    expect(await registry.checkCoverage(input)).toEqual({ ok: true });
    expect((await registry.retire('LB-SAMPLE', '2026-09-30', ADMIN)).status).toBe('RETIRED');
    expect((await registry.retire('LB-SAMPLE', '2026-09-30', ADMIN)).status).toBe('UNCHANGED');
    await expect(registry.retire('LB-SAMPLE', '2027-01-01', ADMIN)).rejects.toThrow('retiring can only bring that date forward');
    expect(await registry.checkCoverage(input)).toEqual({ ok: false, problems: ['LB-SAMPLE was retired after 2026-09-30; it does not cover 2026-10-01'] });
    const thrown = await registry.assertCoverage({ ...input, date: '2026-10-02', purpose: 'evaluation' }).catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(DomainError);
    expect(thrown).toMatchObject({
      code: ErrorCode.LAWFUL_BASIS_MISSING,
      message: 'lawful basis LB-SAMPLE does not cover this: LB-SAMPLE does not allow the purpose `evaluation` (it allows `outreach`); LB-SAMPLE was retired after 2026-09-30; it does not cover 2026-10-02',
    });
    expect((await audit.search({ action: 'lawful_basis.retired' })).entries.map((e) => e.details)).toEqual([{ validTo: '2026-09-30', previousValidTo: null }]);
  });

  it('names the missing Art. 10 authorisation of a basis without prison', async () => {
    await registry.add(undefined, { ...SAMPLE, id: 'LB-2026-01', registers: ['population'], article9Condition: null, article10Authorisation: null }, ADMIN);
    expect(await registry.checkCoverage({ lawfulBasisId: 'LB-2026-01', purpose: 'outreach', registers: ['prison'], date: '2026-03-01' })).toEqual({
      ok: false,
      problems: ['`prison` is not among the registers LB-2026-01 permits', '`prison` needs an Art. 10 authorisation; LB-2026-01 has none'],
    });
  });
});
