import { Test, TestingModule } from '@nestjs/testing';
import { actorScope, Actor } from '@tiltas/access';
import { ConfigModule } from '@tiltas/config';
import { DatabaseModule, DatabaseService, SYSTEM_SCOPE } from '@tiltas/database';
import { TestDatabase, createTestDatabase } from '../support/test-database';

/**
 * Row-level security is the scope mechanism every municipality table uses: these tests put it on a small
 * table of their own (as the owner would in a migration, with tiltas_enable_municipality_scope) and query
 * it as the application role through DatabaseService, on a pool of ONE connection so every transaction
 * reuses the connection the previous municipality used.
 */
describe('municipality scope enforced by row-level security', () => {
  let db: TestDatabase;
  let moduleRef: TestingModule;
  let database: DatabaseService;

  const worker57: Actor = { userId: '00000000-0000-4000-8000-000000000057', username: 'w57', role: 'WORKER', municipality: 'LT-57', scope: 'municipal', language: 'lt' };
  const worker15: Actor = { userId: '00000000-0000-4000-8000-000000000015', username: 'w15', role: 'WORKER', municipality: 'LT-15', scope: 'municipal', language: 'lt' };
  const nationalAuditor: Actor = { userId: '00000000-0000-4000-8000-000000000001', username: 'aud', role: 'AUDITOR', municipality: null, scope: 'national', language: 'en' };

  beforeAll(async () => {
    db = await createTestDatabase({ DB_POOL_SIZE: '1' });
    await db.query(`
      CREATE TABLE scope_probe (id serial PRIMARY KEY, municipality text NOT NULL, note text NOT NULL);
      INSERT INTO scope_probe (municipality, note)
        SELECT m, m || ' case ' || g FROM unnest(ARRAY['LT-57', 'LT-15', 'LT-19']) m, generate_series(1, 5) g;
      SELECT tiltas_enable_municipality_scope('scope_probe');
      SELECT tiltas_grant_app('SELECT, INSERT, UPDATE, DELETE', 'scope_probe');
      SELECT tiltas_grant_app('USAGE', 'SEQUENCE scope_probe_id_seq');
    `);
    moduleRef = await Test.createTestingModule({ imports: [ConfigModule.forRoot(db.config), DatabaseModule.forRoot()] }).compile();
    await moduleRef.init();
    database = moduleRef.get(DatabaseService);
  });

  afterAll(async () => {
    await moduleRef?.close();
    await db?.drop();
  });

  // Deliberately no WHERE municipality = ...: the query a careless repository would write.
  const readAll = (actor: Actor) =>
    database.transaction(actorScope(actor), (m) => m.query('SELECT municipality, note FROM scope_probe ORDER BY id') as Promise<Array<{ municipality: string; note: string }>>);

  it('runs as a role that owns nothing and cannot bypass row-level security', async () => {
    const [role] = (await database.dataSource.query(
      `SELECT current_user AS name, r.rolbypassrls AS bypass, r.rolsuper AS super, (SELECT tableowner FROM pg_tables WHERE tablename = 'scope_probe') AS owner
         FROM pg_roles r WHERE r.rolname = current_user`,
    )) as Array<{ name: string; bypass: boolean; super: boolean; owner: string }>;
    expect(role).toEqual({ name: db.config.database.appRole, bypass: false, super: false, owner: 'postgres' });
  });

  it('shows a worker of LT-57 only LT-57 rows from a query with no municipality filter', async () => {
    const rows = await readAll(worker57);
    expect(rows).toHaveLength(5);
    expect(new Set(rows.map((r) => r.municipality))).toEqual(new Set(['LT-57']));
    expect(rows.some((r) => r.note.startsWith('LT-15'))).toBe(false);
  });

  it('gives a worker of LT-57 nothing of LT-15 even when the query asks for LT-15 by name', async () => {
    const rows = await database.transaction(actorScope(worker57), (m) => m.query(`SELECT * FROM scope_probe WHERE municipality = 'LT-15'`));
    expect(rows).toEqual([]);
  });

  it('lets a worker of LT-57 neither change nor delete LT-15 rows nor insert rows for LT-15', async () => {
    const changed = await database.transaction(actorScope(worker57), async (m) => {
      const [, updated] = (await m.query(`UPDATE scope_probe SET note = 'tampered' WHERE municipality = 'LT-15'`)) as [unknown, number];
      const [, deleted] = (await m.query(`DELETE FROM scope_probe WHERE municipality = 'LT-15'`)) as [unknown, number];
      return { updated, deleted };
    });
    expect(changed).toEqual({ updated: 0, deleted: 0 });
    await expect(
      database.transaction(actorScope(worker57), (m) => m.query(`INSERT INTO scope_probe (municipality, note) VALUES ('LT-15', 'planted')`)),
    ).rejects.toThrow(/row-level security/);
    const lt15 = await db.query<{ n: string }>(`SELECT count(*) AS n FROM scope_probe WHERE municipality = 'LT-15' AND note LIKE 'LT-15 case %'`);
    expect(lt15[0].n).toBe('5');
  });

  it('shows a national actor every municipality', async () => {
    const rows = await readAll(nationalAuditor);
    expect(rows).toHaveLength(15);
    const system = await database.transaction(SYSTEM_SCOPE('test'), (m) => m.query('SELECT count(*)::int AS n FROM scope_probe'));
    expect(system).toEqual([{ n: 15 }]);
  });

  it('sees nothing outside a scoped transaction, so a query that forgot its scope fails closed', async () => {
    expect(await database.dataSource.query('SELECT * FROM scope_probe')).toEqual([]);
  });

  it('never leaks between LT-57 and LT-15 transactions alternating on a pool of one connection', async () => {
    const pids = new Set<number>();
    for (let i = 0; i < 40; i += 1) {
      const actor = i % 2 === 0 ? worker57 : worker15;
      const result = await database.transaction(actorScope(actor), async (m) => {
        const [{ pid }] = (await m.query('SELECT pg_backend_pid() AS pid')) as Array<{ pid: number }>;
        return { pid, rows: (await m.query('SELECT municipality FROM scope_probe')) as Array<{ municipality: string }> };
      });
      pids.add(result.pid);
      expect(result.rows).toHaveLength(5);
      expect(result.rows.every((r) => r.municipality === actor.municipality)).toBe(true);
      // Between transactions the connection carries no scope at all.
      expect(await database.dataSource.query(`SELECT current_setting('tiltas.municipality', true) AS m`)).toEqual([{ m: '' }]);
    }
    expect(pids.size).toBe(1);
  });

  it('never leaks when LT-57 and LT-15 requests arrive at once and queue for the one connection', async () => {
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) => {
        const actor = i % 2 === 0 ? worker57 : worker15;
        return database
          .transaction(actorScope(actor), (m) => m.query('SELECT municipality FROM scope_probe') as Promise<Array<{ municipality: string }>>)
          .then((rows) => ({ actor, rows }));
      }),
    );
    for (const { actor, rows } of results) {
      expect(rows).toHaveLength(5);
      expect(rows.every((r) => r.municipality === actor.municipality)).toBe(true);
    }
  });

  it('rolls the scope back with a failed transaction, so the next one on the connection starts clean', async () => {
    await expect(
      database.transaction(actorScope(worker15), async (m) => {
        await m.query('SELECT 1');
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    const rows = await readAll(worker57);
    expect(rows.every((r) => r.municipality === 'LT-57')).toBe(true);
    expect(await database.dataSource.query('SELECT count(*)::int AS n FROM scope_probe')).toEqual([{ n: 0 }]);
  });
});
