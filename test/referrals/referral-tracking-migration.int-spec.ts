import { revertLastMigration, runMigrations } from '@tiltas/database';
import { MIGRATIONS } from '@tiltas/migrations';
import { randomBytes } from 'node:crypto';
import { adminQuery, databaseUrl, testConfig } from '../support/test-database';

/**
 * AddReferralTracking over referrals made before it: their history is rebuilt from the case events, an
 * old rejection gets the reason OTHER, a national service may be added afterwards, and the down migration
 * gives the schema before back.
 */
describe('the AddReferralTracking migration', () => {
  const name = `${process.env.TILTAS_TEST_DB_PREFIX ?? 'tiltas'}_t_refmig_${randomBytes(4).toString('hex')}`;
  const config = testConfig(name);
  const index = MIGRATIONS.findIndex((m) => m.name.startsWith('AddReferralTracking'));
  const before = MIGRATIONS.slice(0, index);
  const upTo = MIGRATIONS.slice(0, index + 1);
  const q = <T = Record<string, unknown>>(sql: string, params: unknown[] = []) => adminQuery<T>(sql, params, databaseUrl(name));

  beforeAll(async () => {
    await adminQuery(`CREATE DATABASE ${name}`);
    await runMigrations(config, before);
  });
  afterAll(async () => {
    await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  });

  it('keeps the referrals made before it with their history, and reverts', async () => {
    await q(`INSERT INTO criterion (id, created_by) VALUES ('neet-youth', 'test')`);
    const [c] = await q<{ id: string }>(
      `INSERT INTO cases (pseudonym, municipality, status, cohorts) VALUES (sha256('migration-test'::bytea), 'LT-57', 'NEW', ARRAY['neet-youth']) RETURNING id`,
    );
    const [s] = await q<{ id: string }>(`INSERT INTO outreach_service (municipality, kind, name, active, created_by) VALUES ('LT-57', 'NGO', 'Old centre', false, 'c') RETURNING id`);
    const [done] = await q<{ id: string }>(
      `INSERT INTO referral (case_id, municipality, service_id, status, created_by, updated_by, created_at) VALUES ($1, 'LT-57', $2, 'STARTED', 'w', 'w', '2026-09-01T08:00:00Z') RETURNING id`,
      [c.id, s.id],
    );
    const [rejected] = await q<{ id: string }>(
      `INSERT INTO referral (case_id, municipality, service_id, status, created_by, updated_by, created_at) VALUES ($1, 'LT-57', $2, 'REJECTED', 'w', 'w', '2026-09-02T08:00:00Z') RETURNING id`,
      [c.id, s.id],
    );
    const event = (referralId: string, from: string, to: string, at: string) =>
      q(`INSERT INTO case_event (case_id, municipality, actor, kind, details, at) VALUES ($1, 'LT-57', 'w', 'REFERRAL_STATUS', $2, $3)`, [
        c.id,
        JSON.stringify({ referralId: Number(referralId), from, to }),
        at,
      ]);
    await event(done.id, 'SENT', 'ACCEPTED', '2026-09-03T08:00:00Z');
    await event(done.id, 'ACCEPTED', 'STARTED', '2026-09-04T08:00:00Z');
    await event(rejected.id, 'SENT', 'REJECTED', '2026-09-05T08:00:00Z');

    await runMigrations(config, upTo);
    const steps = await q<{ referral_id: string; from_status: string | null; to_status: string; reject_reason: string | null }>(
      `SELECT referral_id::text, from_status, to_status, reject_reason FROM referral_step ORDER BY referral_id, at`,
    );
    expect(steps).toEqual([
      { referral_id: done.id, from_status: null, to_status: 'SENT', reject_reason: null },
      { referral_id: done.id, from_status: 'SENT', to_status: 'ACCEPTED', reject_reason: null },
      { referral_id: done.id, from_status: 'ACCEPTED', to_status: 'STARTED', reject_reason: null },
      { referral_id: rejected.id, from_status: null, to_status: 'SENT', reject_reason: null },
      { referral_id: rejected.id, from_status: 'SENT', to_status: 'REJECTED', reject_reason: 'OTHER' },
    ]);
    expect(await q(`SELECT reject_reason FROM referral WHERE id = $1`, [rejected.id])).toEqual([{ reject_reason: 'OTHER' }]);
    expect(await q(`SELECT retired_by, retired_at IS NOT NULL AS retired FROM outreach_service WHERE id = $1`, [s.id])).toEqual([{ retired_by: 'c', retired: true }]);
    await q(`INSERT INTO outreach_service (municipality, kind, name, created_by) VALUES (NULL, 'PES', 'Užimtumo tarnyba', 'a')`);
    await expect(q(`INSERT INTO outreach_service (municipality, kind, name, created_by) VALUES (NULL, 'PES', 'užimtumo tarnyba', 'a')`)).rejects.toThrow(/outreach_service_name/);
    await expect(q(`UPDATE cases SET not_eligible_register = 'education' WHERE id = $1`, [c.id])).rejects.toThrow(/check constraint/);

    await revertLastMigration(config, upTo);
    expect(await q(`SELECT to_regclass('referral_step') AS a, to_regclass('service_token') AS b`)).toEqual([{ a: null, b: null }]);
    expect(await q(`SELECT count(*)::int AS n FROM outreach_service WHERE municipality IS NULL`)).toEqual([{ n: 0 }]);
    expect(await q(`SELECT count(*)::int AS n FROM referral`)).toEqual([{ n: 2 }]);
    await expect(q(`INSERT INTO outreach_service (municipality, kind, name, created_by) VALUES (NULL, 'PES', 'National again', 'a')`)).rejects.toThrow(/null value/);
  });
});
