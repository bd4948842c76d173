import { revertLastMigration, runMigrations } from '@tiltas/database';
import { MIGRATIONS } from '@tiltas/migrations';
import { randomBytes } from 'node:crypto';
import { adminQuery, databaseUrl, testConfig } from '../support/test-database';

/** AddServiceAccounts over users that exist already: they become people, and reverting disables service accounts. */
describe('the AddServiceAccounts migration', () => {
  const name = `${process.env.TILTAS_TEST_DB_PREFIX ?? 'tiltas'}_t_svcmig_${randomBytes(4).toString('hex')}`;
  const config = testConfig(name);
  const upTo = MIGRATIONS.slice(0, MIGRATIONS.findIndex((m) => m.name.startsWith('AddServiceAccounts')) + 1);
  const before = upTo.slice(0, -1);
  const q = <T = Record<string, unknown>>(sql: string, params: unknown[] = []) => adminQuery<T>(sql, params, databaseUrl(name));

  beforeAll(async () => {
    await adminQuery(`CREATE DATABASE ${name}`);
    await runMigrations(config, before);
  });
  afterAll(async () => {
    await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  });

  it('makes existing users people, holds service accounts to no sign-in and no case-holding role, and reverts', async () => {
    await q(`INSERT INTO users (id, username, display_name, role, municipality, caseload_limit, created_at)
             VALUES (gen_random_uuid(), 'old-worker', 'Old worker', 'WORKER', 'LT-57', 40, now())`);
    await runMigrations(config, upTo);
    expect(await q(`SELECT username, kind FROM users`)).toEqual([{ username: 'old-worker', kind: 'PERSON' }]);

    const insert = (role: string, extra = '') =>
      q(`INSERT INTO users (id, username, display_name, role, municipality, kind, created_at${extra ? ', password_hash' : ''})
         VALUES (gen_random_uuid(), 'svc-' || md5(random()::text), 'svc', $1, 'LT-57', 'SERVICE', now()${extra ? `, '${extra}'` : ''})`, [role]);
    await insert('AUDITOR');
    await expect(insert('COORDINATOR')).rejects.toThrow(/users_service_account/);
    await expect(insert('ADMIN', 'scrypt$ln=14$x$y')).rejects.toThrow(/users_service_account/);
    await expect(q(`UPDATE users SET kind = 'ROBOT' WHERE username = 'old-worker'`)).rejects.toThrow(/users_kind/);

    await revertLastMigration(config, upTo);
    expect(await q(`SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'kind'`)).toEqual([{ n: 0 }]);
    // The service account is still a row, but disabled: without the column it would pass for a person.
    expect(await q(`SELECT role, disabled_at IS NOT NULL AS disabled FROM users ORDER BY role`)).toEqual([
      { role: 'AUDITOR', disabled: true },
      { role: 'WORKER', disabled: false },
    ]);
  });
});
