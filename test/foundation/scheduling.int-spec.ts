import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { JobName } from '@tiltas/queue';
import { SchedulesService } from '../../apps/worker/src/schedules.service';
import { WorkerModule } from '../../apps/worker/src/worker.module';
import { TestDatabase, createTestDatabase } from '../support/test-database';

async function waitFor<T>(probe: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('scheduled jobs with several workers', () => {
  let db: TestDatabase;
  const workers: INestApplicationContext[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    for (let i = 0; i < 2; i++) {
      workers.push(await NestFactory.createApplicationContext(WorkerModule.forRoot({ config: db.config, schedules: false }), { logger: false }));
    }
  });

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.close()));
    await db.drop();
  });

  it('runs a period once when two worker instances tick it at the same time', async () => {
    const period = '2026-10-01';
    await Promise.all(workers.map((w) => w.get(SchedulesService).tick(JobName.PING, period, { token: `tick-${period}` })));
    const runs = await waitFor(async () => {
      const rows = await db.query<{ job_id: string; status: string; attempts: number }>(`SELECT job_id, status, attempts FROM job_run WHERE name = 'system.ping'`);
      return rows.some((r) => r.status === 'COMPLETED') ? rows : undefined;
    });
    // Give a duplicate, had there been one, time to run.
    await new Promise((r) => setTimeout(r, 1000));
    const after = await db.query<{ job_id: string; status: string; attempts: number }>(`SELECT job_id, status, attempts FROM job_run WHERE name = 'system.ping'`);
    expect(after).toEqual([{ job_id: 'system.ping@2026-10-01', status: 'COMPLETED', attempts: 1 }]);
    expect(runs).toHaveLength(1);
    const pings = await db.query<{ token: string }>('SELECT token FROM system_ping');
    expect(pings).toEqual([{ token: 'tick-2026-10-01' }]);
  });

  it('treats a completed period as done even if a late tick enqueues it again', async () => {
    const period = '2026-10-02';
    const scheduler = workers[0].get(SchedulesService);
    await scheduler.tick(JobName.PING, period, { token: `late-${period}` });
    await waitFor(async () => {
      const rows = await db.query(`SELECT 1 FROM job_run WHERE job_id = 'system.ping@2026-10-02' AND status = 'COMPLETED'`);
      return rows.length ? rows : undefined;
    });
    // The job is still kept by BullMQ (removeOnComplete keeps a week), so a second tick adds nothing.
    await workers[1].get(SchedulesService).tick(JobName.PING, period, { token: `late-${period}-again` });
    await new Promise((r) => setTimeout(r, 800));
    const pings = await db.query<{ token: string }>(`SELECT token FROM system_ping WHERE token LIKE 'late-%' ORDER BY token`);
    expect(pings).toEqual([{ token: 'late-2026-10-02' }]);
  });
});
