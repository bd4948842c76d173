import { TestDatabase, createTestDatabase } from '../support/test-database';

/** The operator's commands, run in-process as `tiltas users …` / `tiltas tokens …` against a test database. */
describe('users and tokens commands', () => {
  let db: TestDatabase;
  const saved = { ...process.env };

  async function run(...args: string[]): Promise<{ out: string[]; err: string[] }> {
    const out: string[] = [];
    const err: string[] = [];
    const { buildProgram } = await import('../../apps/cli/src/program');
    await buildProgram({ out: (l) => out.push(l), err: (l) => err.push(l) }).parseAsync(['node', 'tiltas', ...args]);
    return { out, err };
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    // The CLI reads its configuration from the environment, as an operator's shell gives it.
    Object.assign(process.env, {
      NODE_ENV: 'test',
      DATABASE_URL: db.url,
      REDIS_URL: new URL(db.config.redis.url).toString(),
      REDIS_PREFIX: db.config.redis.prefix,
      SESSION_SECRET: db.config.secrets.sessionSecret,
      CONTACTS_KEY: db.config.secrets.contactsKey.toString('hex'),
      LOG_LEVEL: 'silent',
    });
  });

  afterAll(async () => {
    process.env = saved;
    await db?.drop();
  });

  it('adds a user with a generated password printed once, lists and disables them', async () => {
    const added = await run('users', 'add', '--username', 'ona', '--role', 'WORKER', '--municipality', 'LT-57', '--display-name', 'Ona');
    expect(added.out[0]).toMatch(/^added ona \(WORKER, LT-57\) id [0-9a-f-]{36}$/);
    expect(added.out[1]).toMatch(/^password: [A-Za-z0-9]{20} /);
    const listed = await run('users', 'list');
    expect(listed.out.some((l) => /^ona\s+WORKER\s+LT-57\s+password\s+active\s+[0-9a-f-]{36}$/.test(l))).toBe(true);
    // Nothing to lift for someone who never failed, and the command says so rather than claim an unlock.
    expect((await run('users', 'unlock', 'ona')).out).toEqual(['ona was not locked out; their failed sign-ins are forgotten']);
    const disabled = await run('users', 'disable', 'ona');
    expect(disabled.out[0]).toMatch(/^disabled ona at \d{4}-/);
    expect(await db.query(`SELECT disabled_at IS NOT NULL AS disabled FROM users WHERE username = 'ona'`)).toEqual([{ disabled: true }]);
  });

  it('creates a service account’s token printed once on stdout and revokes it by id', async () => {
    const added = await run('service-accounts', 'add', '--username', 'stats-bot', '--role', 'AUDITOR');
    expect(added.out[0]).toMatch(/^added service account stats-bot \(AUDITOR, national\) id [0-9a-f-]{36}$/);
    expect(await db.query(`SELECT kind, password_hash FROM users WHERE username = 'stats-bot'`)).toEqual([{ kind: 'SERVICE', password_hash: null }]);
    const created = await run('tokens', 'create', '--user', 'stats-bot', '--expires-days', '7', '--name', 'stats');
    expect(created.out).toHaveLength(1);
    const token = created.out[0];
    const m = /^tlt_([0-9a-f-]{36})_[0-9a-f]{64}$/.exec(token);
    expect(m).not.toBeNull();
    const [row] = await db.query<{ days: number; revoked: boolean }>(
      `SELECT round(extract(epoch FROM expires_at - created_at) / 86400)::int AS days, revoked_at IS NOT NULL AS revoked FROM api_token WHERE id = $1`,
      [m![1]],
    );
    expect(row).toEqual({ days: 7, revoked: false });
    await run('tokens', 'revoke', m![1]);
    expect(await db.query(`SELECT revoked_at IS NOT NULL AS revoked FROM api_token WHERE id = $1`, [m![1]])).toEqual([{ revoked: true }]);
  });

  it('refuses a token for a person: they create their own, signed in', async () => {
    await run('users', 'add', '--username', 'jonas', '--role', 'WORKER', '--municipality', 'LT-57');
    await expect(run('tokens', 'create', '--user', 'jonas')).rejects.toThrow('The CLI creates tokens only for service accounts: jonas is a person');
    expect(await db.query(`SELECT t.id FROM api_token t JOIN users u ON u.id = t.user_id WHERE u.username = 'jonas'`)).toEqual([]);
  });

  it('refuses a service account that could hold cases, naming the problem', async () => {
    await expect(run('service-accounts', 'add', '--username', 'robot', '--role', 'WORKER', '--municipality', 'LT-57')).rejects.toThrow();
    await expect(run('service-accounts', 'add', '--username', 'robot', '--role', 'AUDITOR', '--municipality', 'LT-99')).rejects.toThrow('The service account cannot be added');
    expect(await db.query(`SELECT id FROM users WHERE username = 'robot'`)).toEqual([]);
  });

  it('refuses a worker without a municipality, naming the problem', async () => {
    await expect(run('users', 'add', '--username', 'nowhere', '--role', 'WORKER')).rejects.toThrow('The user cannot be added');
  });
});
