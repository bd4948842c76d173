import { INestApplicationContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ClockModule } from '@tiltas/common';
import { ConfigModule } from '@tiltas/config';
import { DatabaseModule, OWNER_POOL } from '@tiltas/database';
import { CaseRetentionModule, CaseRetentionService } from '@tiltas/outreach';
import { Client, Pool } from 'pg';
import { createTestDatabase, TestDatabase } from '../support/test-database';
import { insertCase, pseudonymOf } from './outreach-factory';

jest.setTimeout(60_000);

/** Closes a case `daysAgo` days ago with `outcome`, and gives it a history: an attempt, an event, a reveal, a referral. */
async function closedWithHistory(db: TestDatabase, label: string, municipality: string, outcome: string, daysAgo: number, serviceId: number): Promise<number> {
  const id = await insertCase(db, label, { municipality });
  await db.query(`UPDATE cases SET status = 'CLOSED', outcome = $2, closed_at = now() - make_interval(days => $3) WHERE id = $1`, [id, outcome, daysAgo]);
  await db.query(`INSERT INTO case_attempt (case_id, municipality, channel, result, attempted_at, note, recorded_by) VALUES ($1, $2, 'PHONE', 'REACHED', now(), 'spoke briefly', 'w')`, [id, municipality]);
  await db.query(`INSERT INTO case_event (case_id, municipality, actor, kind) VALUES ($1, $2, 'w', 'CLOSED')`, [id, municipality]);
  await db.query(`INSERT INTO contact_reveal (case_id, municipality, revealed_by, purpose, found) VALUES ($1, $2, 'w', 'to call about the offer', true)`, [id, municipality]);
  await db.query(`INSERT INTO referral (case_id, municipality, service_id, created_by, updated_by) VALUES ($1, $2, $3, 'w', 'w')`, [id, municipality, serviceId]);
  return id;
}

describe('retention of closed cases', () => {
  let db: TestDatabase;
  let app: INestApplicationContext;
  let services: Record<string, number>;

  beforeAll(async () => {
    db = await createTestDatabase({ RETENTION_CLOSED_CASE_DAYS: '730' });
    const moduleRef = await Test.createTestingModule({
      imports: [ConfigModule.forRoot(db.config), ClockModule.forRoot(), DatabaseModule.forRoot({ owner: true }), CaseRetentionModule],
    }).compile();
    app = await moduleRef.init();
    services = {};
    for (const municipality of ['LT-57', 'LT-15']) {
      const [row] = await db.query<{ id: string }>(`INSERT INTO outreach_service (municipality, kind, name, created_by) VALUES ($1, 'PES', 'Job centre', 'c') RETURNING id`, [municipality]);
      services[municipality] = Number(row.id);
    }
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  const children = async (caseId: number): Promise<Record<string, number>> => {
    const counts: Record<string, number> = {};
    for (const table of ['case_attempt', 'case_event', 'contact_reveal', 'referral', 'case_reason']) {
      const [row] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE case_id = $1`, [caseId]);
      counts[table] = row.n;
    }
    return counts;
  };

  it('deletes cases closed longer ago than the period with their whole history, logs each municipality, keeps the rest and the opt-outs', async () => {
    const declinedLongAgo = await closedWithHistory(db, 'declined-731', 'LT-57', 'DECLINED', 731, services['LT-57']);
    const closedRecently = await closedWithHistory(db, 'accepted-729', 'LT-57', 'SUPPORT_ACCEPTED', 729, services['LT-57']);
    const unreachableLongAgo = await closedWithHistory(db, 'unreachable-800', 'LT-15', 'UNREACHABLE', 800, services['LT-15']);
    const optedOutLongAgo = await closedWithHistory(db, 'opted-out-900', 'LT-15', 'OPTED_OUT', 900, services['LT-15']);
    await db.query(`INSERT INTO opt_out (pseudonym, recorded_by, case_id) VALUES (decode($1, 'hex'), 'w', $2)`, [pseudonymOf('opted-out-900'), optedOutLongAgo]);
    const stillOpen = await insertCase(db, 'open-old', { municipality: 'LT-57' });
    await db.query(`UPDATE cases SET created_at = now() - interval '1000 days' WHERE id = $1`, [stillOpen]);

    const result = await app.get(CaseRetentionService).purgeClosedCases();

    expect(result).toMatchObject({ closedCaseDays: 730, purged: 3, byMunicipality: { 'LT-57': 1, 'LT-15': 2 } });
    const left = await db.query<{ id: string; status: string }>(`SELECT id, status FROM cases ORDER BY id`);
    expect(left).toEqual([
      { id: String(closedRecently), status: 'CLOSED' },
      { id: String(stillOpen), status: 'NEW' },
    ]);
    for (const gone of [declinedLongAgo, unreachableLongAgo, optedOutLongAgo]) {
      expect(await children(gone)).toEqual({ case_attempt: 0, case_event: 0, contact_reveal: 0, referral: 0, case_reason: 0 });
    }
    expect(await children(closedRecently)).toEqual({ case_attempt: 1, case_event: 1, contact_reveal: 1, referral: 1, case_reason: 1 });
    // The person's wish not to be contacted outlives the case it was recorded on.
    expect(await db.query(`SELECT case_id::int AS case_id, withdrawn_at FROM opt_out`)).toEqual([{ case_id: optedOutLongAgo, withdrawn_at: null }]);

    const entries = await db.query<{ actor: string; municipality: string; object_type: string; object_id: string; details: Record<string, unknown> }>(
      `SELECT actor, municipality, object_type, object_id, details FROM audit_log WHERE action = 'retention.purged' ORDER BY municipality`,
    );
    expect(entries).toEqual([
      {
        actor: 'system:retention',
        municipality: 'LT-15',
        object_type: 'cases',
        object_id: `${unreachableLongAgo}-${optedOutLongAgo}`,
        details: expect.objectContaining({ cases: 2, outcomes: { OPTED_OUT: 1, UNREACHABLE: 1 }, closedCaseDays: 730 }),
      },
      {
        actor: 'system:retention',
        municipality: 'LT-57',
        object_type: 'cases',
        object_id: `${declinedLongAgo}-${declinedLongAgo}`,
        details: expect.objectContaining({ cases: 1, outcomes: { DECLINED: 1 }, closedCaseDays: 730 }),
      },
    ]);
  });

  it('finds nothing more to do on a second run, and logs nothing', async () => {
    const before = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log`);
    const again = await app.get(CaseRetentionService).purgeClosedCases();
    expect(again).toMatchObject({ purged: 0, byMunicipality: {} });
    expect(await db.query(`SELECT count(*)::int AS n FROM audit_log`)).toEqual(before);
  });

  it('survives the server closing an idle owner connection, and connects afresh', async () => {
    const pool = app.get<Pool>(OWNER_POOL);
    await pool.query('SELECT 1');
    expect(pool.idleCount).toBeGreaterThan(0);
    const [killed] = await db.query<{ n: number }>(
      `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'tiltas-owner' AND pid <> pg_backend_pid()`,
    );
    expect(killed.n).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await pool.query<{ ok: number }>('SELECT 1 AS ok')).rows).toEqual([{ ok: 1 }]);
  });

  it('leaves the application role unable to delete a case itself', async () => {
    const client = new Client({ connectionString: db.config.database.appUrl });
    await client.connect();
    try {
      await expect(client.query(`DELETE FROM cases`)).rejects.toThrow(/permission denied/);
    } finally {
      await client.end();
    }
    expect((await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM cases`))[0].n).toBe(2);
  });
});
