import { migrate } from '@tiltas/database';
import { MIGRATIONS } from '@tiltas/migrations';
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { adminQuery, databaseUrl, testConfig } from '../support/test-database';

jest.setTimeout(180_000);

/**
 * Whether `password` is the role's password, by its stored verifier (pg_authid): the test server may
 * trust every local connection, so signing in would prove nothing.
 */
async function isPasswordOf(role: string, password: string): Promise<boolean> {
  const [row] = await adminQuery<{ verifier: string | null }>(`SELECT rolpassword AS verifier FROM pg_authid WHERE rolname = $1`, [role]);
  const verifier = row?.verifier ?? null;
  if (verifier === null) return false;
  const scram = /^SCRAM-SHA-256\$(\d+):([^$]+)\$([^:]+):(.+)$/.exec(verifier);
  if (scram) {
    const salted = pbkdf2Sync(password, Buffer.from(scram[2], 'base64'), Number(scram[1]), 32, 'sha256');
    const storedKey = createHash('sha256').update(createHmac('sha256', salted).update('Client Key').digest()).digest('base64');
    return storedKey === scram[3];
  }
  return verifier === `md5${createHash('md5').update(password + role).digest('hex')}`;
}

function appUrl(database: string, role: string, password: string): string {
  const u = new URL(databaseUrl(database));
  u.username = role;
  u.password = password;
  return u.toString();
}

/**
 * Two Tiltas databases on one server share the application role (roles are server-wide). A role of its
 * own for this file, never tiltas_app: changing that one's password would lock every other test out.
 */
describe('db migrate and the server-wide application role', () => {
  const tag = `${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const role = `tiltas_app_pw_${tag}`;
  const first = `${process.env.TILTAS_TEST_DB_PREFIX ?? 'tiltas'}_pwa_${tag}`;
  const second = `${process.env.TILTAS_TEST_DB_PREFIX ?? 'tiltas'}_pwb_${tag}`;
  const firstPassword = `first-${randomBytes(12).toString('hex')}`;
  const secondPassword = `second-${randomBytes(12).toString('hex')}`;

  beforeAll(async () => {
    await adminQuery(`CREATE DATABASE ${first}`);
    await adminQuery(`CREATE DATABASE ${second}`);
  });

  afterAll(async () => {
    await adminQuery(`DROP DATABASE IF EXISTS ${first} WITH (FORCE)`);
    await adminQuery(`DROP DATABASE IF EXISTS ${second} WITH (FORCE)`);
    await adminQuery(`DROP ROLE IF EXISTS ${role}`);
  });

  it('sets the password when it creates the role, and a second database migrating leaves it alone', async () => {
    const a = await migrate(testConfig(first, { APP_DATABASE_URL: appUrl(first, role, firstPassword) }), MIGRATIONS);
    expect(a.appPassword).toBe('set');
    expect(await isPasswordOf(role, firstPassword)).toBe(true);

    // The second deployment is configured with the development default (no APP_DATABASE_URL).
    const secondConfig = testConfig(second, { APP_DB_ROLE: role });
    const b = await migrate(secondConfig, MIGRATIONS);
    expect(b.ran.length).toBe(MIGRATIONS.length);
    expect(b.appPassword).toBe('kept');
    expect(await isPasswordOf(role, firstPassword)).toBe(true);
    expect(await isPasswordOf(role, secondConfig.database.appPassword)).toBe(false);

    // Migrating the first one again keeps it too.
    expect((await migrate(testConfig(first, { APP_DATABASE_URL: appUrl(first, role, firstPassword) }), MIGRATIONS)).appPassword).toBe('kept');
    expect(await isPasswordOf(role, firstPassword)).toBe(true);
  });

  it('changes it only when asked to, to the configured password', async () => {
    const rotated = testConfig(second, { APP_DATABASE_URL: appUrl(second, role, secondPassword) });
    const result = await migrate(rotated, MIGRATIONS, { setAppPassword: true });
    expect(result).toEqual({ ran: [], appPassword: 'set' });
    expect(await isPasswordOf(role, secondPassword)).toBe(true);
    expect(await isPasswordOf(role, firstPassword)).toBe(false);
  });
});
