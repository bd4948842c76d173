import { NestExpressApplication } from '@nestjs/platform-express';
import { JobName, JOB_QUEUE, DEFAULT_JOB_OPTIONS } from '@tiltas/queue';
import { openRedis } from '@tiltas/config';
import { Queue } from 'bullmq';
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { addUser, startApp } from '../access/access-test-app';
import { AppProcess, ensureBuilt, freePort } from '../support/app-process';
import { TestDatabase, createTestDatabase } from '../support/test-database';

jest.setTimeout(180_000);

const MASTER_NAME = 'tiltas';
const JOBS = 40;

async function eventually<T>(probe: () => Promise<T | null | undefined | false>, ms: number, what: string): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await probe().catch(() => null);
    if (value) return value;
    if (Date.now() > until) throw new Error(`${what} not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A redis-server (or Sentinel) process of the test's own, on a loopback port, in a folder of its own. */
class RedisNode {
  private constructor(
    readonly port: number,
    readonly child: ChildProcess,
  ) {}

  static async start(dir: string, args: string[]): Promise<RedisNode> {
    const port = await freePort();
    const child = spawn('redis-server', [...args.map((a) => a.replace('{port}', String(port))), '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    const node = new RedisNode(port, child);
    await eventually(async () => (await node.cli('PING')) === 'PONG', 10_000, `redis-server on ${port}`);
    return node;
  }

  static async sentinel(dir: string, masterPort: number): Promise<RedisNode> {
    const port = await freePort();
    const conf = join(dir, `sentinel-${port}.conf`);
    writeFileSync(
      conf,
      [
        `port ${port}`,
        'bind 127.0.0.1',
        `dir ${dir}`,
        `sentinel monitor ${MASTER_NAME} 127.0.0.1 ${masterPort} 2`,
        `sentinel down-after-milliseconds ${MASTER_NAME} 1000`,
        `sentinel failover-timeout ${MASTER_NAME} 6000`,
        `sentinel parallel-syncs ${MASTER_NAME} 1`,
        '',
      ].join('\n'),
    );
    const child = spawn('redis-server', [conf, '--sentinel'], { stdio: 'ignore' });
    const node = new RedisNode(port, child);
    await eventually(async () => (await node.cli('PING')) === 'PONG', 10_000, `Sentinel on ${port}`);
    return node;
  }

  /** One command over a short-lived connection. */
  async cli(...args: string[]): Promise<unknown> {
    const redis = openRedis({ url: `redis://127.0.0.1:${this.port}`, prefix: 'x', sentinels: null, masterName: MASTER_NAME, sentinelPassword: null }, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1_000 });
    redis.on('error', () => undefined);
    try {
      await redis.connect();
      return await redis.call(args[0], ...args.slice(1));
    } finally {
      redis.disconnect();
    }
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }
}

/**
 * Redis failover under Sentinel (issue 17 item 3): three Sentinels and a replica on loopback, made by the
 * test. The master is killed while a queue of jobs runs and between sign-ins; the worker process and the
 * api reconnect to the promoted replica through the Sentinels (REDIS_SENTINELS, REDIS_MASTER_NAME); every
 * job is done once (the job_run ledger says so), and a session made before the failover still holds after.
 */
describe('Redis failover under Sentinel', () => {
  let dir: string;
  let master: RedisNode;
  let replica: RedisNode;
  const sentinels: RedisNode[] = [];
  let db: TestDatabase;
  let worker: AppProcess;
  let api: NestExpressApplication;
  let queue: Queue;
  let sentinelEnv: Record<string, string>;

  beforeAll(async () => {
    ensureBuilt('worker');
    dir = mkdtempSync(join(tmpdir(), 'tiltas-sentinel-'));
    master = await RedisNode.start(dir, ['--dbfilename', 'master.rdb']);
    replica = await RedisNode.start(dir, ['--dbfilename', 'replica.rdb', '--replicaof', '127.0.0.1', String(master.port)]);
    for (let i = 0; i < 3; i++) sentinels.push(await RedisNode.sentinel(dir, master.port));
    // Sentinels learn of the replica from the master and of each other through hello messages.
    await eventually(async () => {
      const known = await Promise.all(sentinels.map(async (s) => [(await s.cli('SENTINEL', 'replicas', MASTER_NAME)) as unknown[], (await s.cli('SENTINEL', 'sentinels', MASTER_NAME)) as unknown[]]));
      return known.every(([r, o]) => r.length === 1 && o.length === 2);
    }, 30_000, 'Sentinels knowing the replica and each other');

    sentinelEnv = {
      REDIS_URL: `redis://127.0.0.1:${master.port}`,
      REDIS_SENTINELS: sentinels.map((s) => `127.0.0.1:${s.port}`).join(','),
      REDIS_MASTER_NAME: MASTER_NAME,
    };
    db = await createTestDatabase({ ...sentinelEnv, SIGN_IN_MAX_FAILURES: '5' });
    api = await startApp(db.config);
    await api.listen(0, '127.0.0.1');
    await addUser(api, 'worker-before', 'WORKER', 'LT-57', 'a-long-test-password');
    worker = AppProcess.start('worker', {
      NODE_ENV: 'test',
      DATABASE_URL: db.url,
      ...sentinelEnv,
      REDIS_PREFIX: db.config.redis.prefix,
      SESSION_SECRET: randomBytes(32).toString('hex'),
      CONTACTS_KEY: db.config.secrets.contactsKey.toString('hex'),
      DEMO_SECRETS_FILE: join(dir, 'demo.json'),
      LOG_LEVEL: 'info',
      DB_POOL_SIZE: '4',
      JOB_LOCK_SECONDS: '2',
    });
    await worker.waitFor(/"msg":"worker started"/, 40_000);
    queue = new Queue(JOB_QUEUE[JobName.PING], { connection: openRedis(db.config.redis, { maxRetriesPerRequest: null }), prefix: db.config.redis.prefix });
    queue.on('error', () => undefined);
  });

  afterAll(async () => {
    await queue?.close().catch(() => undefined);
    await worker?.stop();
    await api?.close();
    for (const node of [...sentinels, replica, master]) node?.kill();
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function ledger(): Promise<Array<{ job_id: string; status: string; attempts: number }>> {
    return db.query(`SELECT job_id, status, attempts FROM job_run WHERE name = $1 ORDER BY job_id COLLATE "C"`, [JobName.PING]);
  }

  async function signIn(username: string): Promise<string> {
    const res = await request(api.getHttpServer()).post('/api/auth/sign-in').send({ username, password: 'a-long-test-password' });
    expect(res.status).toBe(200);
    return ([] as string[]).concat(res.headers['set-cookie'] ?? []).find((c) => c.startsWith('tiltas_session='))!.split(';')[0];
  }

  it('moves the queues and the sessions to the promoted replica: every job once, sessions kept', async () => {
    const cookie = await signIn('worker-before');
    const tokens = Array.from({ length: JOBS }, (_, i) => `failover-${String(i).padStart(2, '0')}-${randomBytes(3).toString('hex')}`);
    const add = (token: string) => queue.add(JobName.PING, { token }, { ...DEFAULT_JOB_OPTIONS, jobId: `ping@${token}`, backoff: { type: 'fixed', delay: 500 } });

    // Half the jobs go in before the master dies; the worker is taking them as it is killed.
    for (const token of tokens.slice(0, JOBS / 2)) await add(token);
    await eventually(async () => (await ledger()).length >= 5, 30_000, 'the first jobs running');
    // The replica holds what the master acknowledged (WAIT), so the failover itself loses nothing queued.
    await master.cli('WAIT', '1', '2000');
    master.kill();

    const promoted = await eventually(async () => {
      const [, port] = (await sentinels[0].cli('SENTINEL', 'get-master-addr-by-name', MASTER_NAME)) as [string, string];
      return Number(port) === replica.port ? port : null;
    }, 40_000, 'the replica promoted');
    expect(Number(promoted)).toBe(replica.port);

    // The rest go in after the failover, through the same Sentinel-aware connection.
    for (const token of tokens.slice(JOBS / 2)) await eventually(async () => (await add(token), true), 20_000, `enqueueing ${token}`);

    await eventually(async () => (await ledger()).filter((r) => r.status === 'COMPLETED').length === JOBS, 60_000, 'every job COMPLETED');
    const rows = await ledger();
    expect(rows.map((r) => r.job_id)).toEqual(tokens.map((t) => `ping@${t}`).sort());
    expect(rows.every((r) => r.status === 'COMPLETED')).toBe(true);
    // Each job's work happened once: one system_ping row per token, processed by its own job.
    const pings = await db.query<{ token: string; processed_by: string }>(`SELECT token, processed_by FROM system_ping ORDER BY token COLLATE "C"`);
    expect(pings).toEqual([...tokens].sort().map((token) => ({ token, processed_by: `ping@${token}` })));

    // The session made before the failover was replicated: it still signs this person in.
    const session = await eventually(async () => {
      const res = await request(api.getHttpServer()).get('/api/auth/session').set('Cookie', cookie);
      return res.status === 200 ? res.body : null;
    }, 20_000, 'the old session answering');
    expect(session).toMatchObject({ method: 'session', actor: expect.objectContaining({ role: 'WORKER' }) });
    // And sign-in works against the new master.
    await addUser(api, 'worker-after', 'WORKER', 'LT-57', 'a-long-test-password');
    expect(await eventually(async () => signIn('worker-after'), 20_000, 'a sign-in after the failover')).toMatch(/^tiltas_session=/);

    // The worker said where it looks, and recovered: nothing printed outside its structured log.
    expect(worker.log.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('{'))).toEqual([]);
  });
});
