import { Test, TestingModule } from '@nestjs/testing';
import { AccessModule, AuthService, DEMO_USERS, UsersService, verifyPassword } from '@tiltas/access';
import { ClockModule, DomainError, ErrorCode } from '@tiltas/common';
import { ConfigModule } from '@tiltas/config';
import { DatabaseModule } from '@tiltas/database';
import { TestDatabase, createTestDatabase } from '../support/test-database';

describe('users', () => {
  let db: TestDatabase;
  let moduleRef: TestingModule;
  let users: UsersService;

  beforeAll(async () => {
    db = await createTestDatabase();
    moduleRef = await Test.createTestingModule({
      imports: [ConfigModule.forRoot(db.config), ClockModule.forRoot(), DatabaseModule.forRoot(), AccessModule],
    }).compile();
    await moduleRef.init();
    users = moduleRef.get(UsersService);
  });

  afterAll(async () => {
    await moduleRef?.close();
    await db?.drop();
  });

  it('stores a salted scrypt hash with its parameters, never the password', async () => {
    const created = await users.addUser({ username: 'jurate', role: 'WORKER', municipality: 'LT-57', password: 'twelve-chars-or-more' });
    expect(created.generatedPassword).toBeNull();
    const [row] = await db.query<{ password_hash: string; caseload_limit: number; language: string }>('SELECT password_hash, caseload_limit, language FROM users WHERE id = $1', [created.user.id]);
    expect(row.password_hash).toMatch(/^scrypt\$ln=15,r=8,p=1\$/);
    expect(row.password_hash).not.toContain('twelve-chars-or-more');
    await expect(verifyPassword('twelve-chars-or-more', row.password_hash)).resolves.toBe(true);
    expect(row).toMatchObject({ caseload_limit: 40, language: 'lt' });
  });

  it('names every problem of a new user at once', async () => {
    const error = await users.addUser({ username: 'a', role: 'OWNER', municipality: 'LT-61', password: 'short', language: 'de' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect((error as DomainError).code).toBe(ErrorCode.VALIDATION_FAILED);
    expect(Object.keys((error as DomainError).details!.problems as object).sort()).toEqual(['language', 'password', 'role', 'username']);
    const municipality = await users.addUser({ username: 'valid-name', role: 'COORDINATOR' }).catch((e: DomainError) => e.details);
    expect(municipality).toEqual({ problems: { municipality: 'a COORDINATOR belongs to one municipality: give one' } });
  });

  it('refuses a second user with the same name in any letter case', async () => {
    await expect(users.addUser({ username: 'JURATE', role: 'AUDITOR' })).rejects.toMatchObject({ code: ErrorCode.CONFLICT });
  });

  it('lets a municipal administrator add and list users of their own municipality only', async () => {
    const admin = { scope: 'municipal' as const, municipality: 'LT-19', actor: '00000000-0000-4000-8000-000000000019', role: 'ADMIN' };
    await users.addUser({ username: 'kaunas-worker', role: 'WORKER', municipality: 'LT-19' }, admin);
    await expect(users.addUser({ username: 'vilnius-worker', role: 'WORKER', municipality: 'LT-57' }, admin)).rejects.toMatchObject({ code: ErrorCode.FORBIDDEN });
    const listed = await users.listUsers(admin);
    expect(listed.map((u) => u.username)).toEqual(['kaunas-worker']);
    await expect(users.disableUser('jurate', admin)).rejects.toMatchObject({ code: ErrorCode.NOT_FOUND });
  });

  it('creates the demo users once and gives them fresh working passwords on every run', async () => {
    const first = await users.ensureDemoUsers();
    expect(first.map((s) => [s.username, s.role, s.municipality])).toEqual(DEMO_USERS.map((d) => [d.username, d.role, d.municipality]));
    expect(first.filter((s) => s.municipality === 'LT-57').map((s) => s.role)).toEqual(['WORKER', 'COORDINATOR', 'AUDITOR', 'ADMIN']);
    expect(first.filter((s) => s.municipality === 'LT-15').map((s) => s.role)).toEqual(['WORKER', 'COORDINATOR', 'AUDITOR', 'ADMIN']);
    expect(first.filter((s) => s.municipality === null).map((s) => s.role)).toEqual(['AUDITOR', 'ADMIN']);
    const second = await users.ensureDemoUsers();
    expect(await db.query(`SELECT count(*)::int AS n FROM users WHERE username LIKE 'demo-%'`)).toEqual([{ n: DEMO_USERS.length }]);
    const auth = moduleRef.get(AuthService);
    const admin1 = first.find((s) => s.username === 'demo-admin')!;
    const admin2 = second.find((s) => s.username === 'demo-admin')!;
    expect(admin2.password).not.toBe(admin1.password);
    await expect(auth.signInWithPassword('demo-admin', admin1.password, '127.0.0.1')).rejects.toMatchObject({ code: ErrorCode.UNAUTHENTICATED });
    const signedIn = await auth.signInWithPassword('demo-admin', admin2.password, '127.0.0.1');
    expect(signedIn.actor).toMatchObject({ role: 'ADMIN', scope: 'national', municipality: null });
  });

  it('keeps users and tokens undeletable by the application role', async () => {
    const rows = await db.query<{ privilege_type: string; table_name: string }>(
      `SELECT table_name, privilege_type FROM information_schema.role_table_grants WHERE grantee = $1 AND table_name IN ('users', 'api_token') ORDER BY 1, 2`,
      [db.config.database.appRole],
    );
    expect(rows).toEqual([
      { table_name: 'api_token', privilege_type: 'INSERT' },
      { table_name: 'api_token', privilege_type: 'SELECT' },
      { table_name: 'api_token', privilege_type: 'UPDATE' },
      { table_name: 'users', privilege_type: 'INSERT' },
      { table_name: 'users', privilege_type: 'SELECT' },
      { table_name: 'users', privilege_type: 'UPDATE' },
    ]);
  });
});
