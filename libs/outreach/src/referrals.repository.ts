import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { ReferralStatus, ReferralVia, RejectReason, ServiceKind } from './case-codes';
import { rowsOf } from './cases.repository';

export interface ServiceView {
  readonly id: number;
  /** null for a national service, which every municipality may refer to. */
  readonly municipality: string | null;
  readonly kind: ServiceKind;
  readonly name: string;
  readonly description: string | null;
  readonly contact: string | null;
  /** Criterion ids of the cohorts the service takes; empty means any. */
  readonly cohorts: string[];
  readonly active: boolean;
  readonly retiredAt: string | null;
  readonly version: number;
  readonly updatedAt: string;
}

export interface ReferralView {
  readonly id: number;
  readonly caseId: number;
  readonly municipality: string;
  readonly serviceId: number;
  readonly serviceName: string;
  readonly serviceKind: ServiceKind;
  readonly status: ReferralStatus;
  readonly rejectReason: RejectReason | null;
  readonly note: string | null;
  readonly createdBy: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly version: number;
}

export interface ReferralStepView {
  readonly id: number;
  readonly referralId: number;
  readonly from: ReferralStatus | null;
  readonly to: ReferralStatus;
  readonly rejectReason: RejectReason | null;
  readonly note: string | null;
  readonly via: ReferralVia;
  readonly actor: string;
  readonly at: string;
}

export interface ServiceTokenRow {
  readonly id: string;
  readonly serviceId: number;
  readonly secretSha256: string;
  readonly expiresAt: Date;
  readonly revokedAt: Date | null;
}

export interface ServiceTokenView {
  readonly id: string;
  readonly serviceId: number;
  readonly name: string;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly revokedAt: string | null;
  readonly lastUsedAt: string | null;
}

const TS = (col: string): string => `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

const SERVICE_COLUMNS = `s.id::int AS id, s.municipality, s.kind, s.name, s.description, s.contact, s.cohorts, s.active, ${TS('s.retired_at')} AS "retiredAt",
  s.version, ${TS('s.updated_at')} AS "updatedAt"`;
const REFERRAL_COLUMNS = `r.id::int AS id, r.case_id::int AS "caseId", r.municipality, r.service_id::int AS "serviceId", s.name AS "serviceName", s.kind AS "serviceKind",
  r.status, r.reject_reason AS "rejectReason", r.note, r.created_by AS "createdBy", ${TS('r.created_at')} AS "createdAt", ${TS('r.updated_at')} AS "updatedAt", r.version`;
const STEP_COLUMNS = `t.id::int AS id, t.referral_id::int AS "referralId", t.from_status AS "from", t.to_status AS "to", t.reject_reason AS "rejectReason",
  t.note, t.via, t.actor, ${TS('t.at')} AS at`;
const TOKEN_COLUMNS = `k.id, k.service_id::int AS "serviceId", k.name, ${TS('k.created_at')} AS "createdAt", ${TS('k.expires_at')} AS "expiresAt",
  ${TS('k.revoked_at')} AS "revokedAt", ${TS('k.last_used_at')} AS "lastUsedAt"`;

export interface ServiceFields {
  readonly kind?: ServiceKind;
  readonly name?: string;
  readonly description?: string | null;
  readonly contact?: string | null;
  readonly cohorts?: string[];
  readonly active?: boolean;
}

export interface StepInput {
  readonly from: ReferralStatus | null;
  readonly to: ReferralStatus;
  readonly rejectReason: RejectReason | null;
  readonly note: string | null;
  readonly via: ReferralVia;
  readonly actor: string;
}

/** The directory of services and partners, the referrals to them and their history, in the caller's scoped transaction. */
@Injectable()
export class ReferralsRepository {
  /** A municipality's own services and the national ones; every service for a national caller (null). */
  async services(m: EntityManager, municipality: string | null, activeOnly: boolean): Promise<ServiceView[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (municipality) where.push(`(s.municipality = $${params.push(municipality)} OR s.municipality IS NULL)`);
    if (activeOnly) where.push('s.active');
    return m.query(
      `SELECT ${SERVICE_COLUMNS} FROM outreach_service s ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY s.active DESC, s.municipality NULLS FIRST, s.kind, lower(s.name)`,
      params,
    );
  }

  async service(m: EntityManager, id: number, lock = false): Promise<ServiceView | null> {
    const rows: ServiceView[] = await m.query(`SELECT ${SERVICE_COLUMNS} FROM outreach_service s WHERE s.id = $1 ${lock ? 'FOR UPDATE' : ''}`, [id]);
    return rows[0] ?? null;
  }

  async nameTaken(m: EntityManager, municipality: string | null, name: string, except: number | null): Promise<boolean> {
    const rows = await m.query(
      `SELECT 1 FROM outreach_service WHERE municipality IS NOT DISTINCT FROM $1 AND lower(name) = lower($2) AND id IS DISTINCT FROM $3`,
      [municipality, name, except],
    );
    return rows.length > 0;
  }

  /** The cohort ids of `ids` that name no criterion. */
  async unknownCohorts(m: EntityManager, ids: readonly string[]): Promise<string[]> {
    if (ids.length === 0) return [];
    const rows: Array<{ id: string }> = await m.query(`SELECT x.id FROM unnest($1::text[]) AS x(id) WHERE NOT EXISTS (SELECT 1 FROM criterion c WHERE c.id = x.id)`, [ids]);
    return rows.map((r) => r.id);
  }

  async criterionIds(m: EntityManager): Promise<string[]> {
    const rows: Array<{ id: string }> = await m.query(`SELECT id FROM criterion ORDER BY id`);
    return rows.map((r) => r.id);
  }

  async addService(m: EntityManager, municipality: string | null, f: Required<Pick<ServiceFields, 'kind' | 'name'>> & ServiceFields, by: string): Promise<ServiceView> {
    const rows: Array<{ id: number }> = await m.query(
      `INSERT INTO outreach_service (municipality, kind, name, description, contact, cohorts, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id::int AS id`,
      [municipality, f.kind, f.name, f.description ?? null, f.contact ?? null, f.cohorts ?? [], by],
    );
    return (await this.service(m, rows[0].id))!;
  }

  async updateService(m: EntityManager, id: number, f: ServiceFields, by: string): Promise<ServiceView> {
    const sets: string[] = [];
    const params: unknown[] = [id];
    if (f.kind !== undefined) sets.push(`kind = $${params.push(f.kind)}`);
    if (f.name !== undefined) sets.push(`name = $${params.push(f.name)}`);
    if (f.description !== undefined) sets.push(`description = $${params.push(f.description)}`);
    if (f.contact !== undefined) sets.push(`contact = $${params.push(f.contact)}`);
    if (f.cohorts !== undefined) sets.push(`cohorts = $${params.push(f.cohorts)}`);
    if (f.active !== undefined) {
      sets.push(`active = $${params.push(f.active)}`);
      sets.push(`retired_at = CASE WHEN $${params.length} THEN NULL ELSE coalesce(retired_at, now()) END`);
      sets.push(`retired_by = CASE WHEN $${params.length} THEN NULL ELSE coalesce(retired_by, $${params.push(by)}) END`);
    }
    await m.query(`UPDATE outreach_service SET ${[...sets, 'updated_at = now()', 'version = version + 1'].join(', ')} WHERE id = $1`, params);
    return (await this.service(m, id))!;
  }

  async referrals(m: EntityManager, caseId: number): Promise<ReferralView[]> {
    return m.query(`SELECT ${REFERRAL_COLUMNS} FROM referral r JOIN outreach_service s ON s.id = r.service_id WHERE r.case_id = $1 ORDER BY r.id`, [caseId]);
  }

  /** A service's referrals, newest first: what its partner's API token may read. */
  async referralsOfService(m: EntityManager, serviceId: number, limit: number): Promise<ReferralView[]> {
    return m.query(`SELECT ${REFERRAL_COLUMNS} FROM referral r JOIN outreach_service s ON s.id = r.service_id WHERE r.service_id = $1 ORDER BY r.id DESC LIMIT $2`, [
      serviceId,
      limit,
    ]);
  }

  async referral(m: EntityManager, id: number, lock = false): Promise<ReferralView | null> {
    const rows: ReferralView[] = await m.query(
      `SELECT ${REFERRAL_COLUMNS} FROM referral r JOIN outreach_service s ON s.id = r.service_id WHERE r.id = $1 ${lock ? 'FOR UPDATE OF r' : ''}`,
      [id],
    );
    return rows[0] ?? null;
  }

  async addReferral(m: EntityManager, caseId: number, municipality: string, serviceId: number, note: string | null, by: string): Promise<ReferralView> {
    const rows: Array<{ id: number }> = await m.query(
      `INSERT INTO referral (case_id, municipality, service_id, note, created_by, updated_by) VALUES ($1, $2, $3, $4, $5, $5) RETURNING id::int AS id`,
      [caseId, municipality, serviceId, note, by],
    );
    return (await this.referral(m, rows[0].id))!;
  }

  async setStatus(m: EntityManager, id: number, status: ReferralStatus, rejectReason: RejectReason | null, note: string | null, by: string): Promise<ReferralView> {
    await m.query(
      `UPDATE referral SET status = $2, reject_reason = $3, note = coalesce($4, note), updated_by = $5, updated_at = now(), version = version + 1 WHERE id = $1`,
      [id, status, rejectReason, note, by],
    );
    return (await this.referral(m, id))!;
  }

  async addStep(m: EntityManager, referralId: number, municipality: string, s: StepInput): Promise<void> {
    await m.query(
      `INSERT INTO referral_step (referral_id, municipality, from_status, to_status, reject_reason, note, via, actor) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [referralId, municipality, s.from, s.to, s.rejectReason, s.note, s.via, s.actor],
    );
  }

  async steps(m: EntityManager, referralIds: readonly number[]): Promise<ReferralStepView[]> {
    if (referralIds.length === 0) return [];
    return m.query(`SELECT ${STEP_COLUMNS} FROM referral_step t WHERE t.referral_id = ANY($1::bigint[]) ORDER BY t.referral_id, t.id`, [referralIds]);
  }

  async addToken(m: EntityManager, t: { id: string; serviceId: number; municipality: string | null; name: string; secretSha256: string; expiresAt: Date; by: string }): Promise<ServiceTokenView> {
    await m.query(
      `INSERT INTO service_token (id, service_id, municipality, name, secret_sha256, created_by, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [t.id, t.serviceId, t.municipality, t.name, t.secretSha256, t.by, t.expiresAt],
    );
    return (await this.tokens(m, t.serviceId)).find((k) => k.id === t.id)!;
  }

  async tokens(m: EntityManager, serviceId: number): Promise<ServiceTokenView[]> {
    return m.query(`SELECT ${TOKEN_COLUMNS} FROM service_token k WHERE k.service_id = $1 ORDER BY k.created_at DESC`, [serviceId]);
  }

  async tokenForCheck(m: EntityManager, id: string): Promise<ServiceTokenRow | null> {
    const rows: ServiceTokenRow[] = await m.query(
      `SELECT id, service_id::int AS "serviceId", secret_sha256 AS "secretSha256", expires_at AS "expiresAt", revoked_at AS "revokedAt" FROM service_token WHERE id = $1`,
      [id],
    );
    return rows[0] ?? null;
  }

  async markTokenUsed(m: EntityManager, id: string): Promise<void> {
    await m.query(`UPDATE service_token SET last_used_at = now() WHERE id = $1`, [id]);
  }

  async revokeToken(m: EntityManager, id: string, serviceId: number): Promise<boolean> {
    // An UPDATE through m.query answers [rows, count]: read the records themselves.
    const rows = await rowsOf(m, `UPDATE service_token SET revoked_at = now() WHERE id = $1 AND service_id = $2 AND revoked_at IS NULL RETURNING id`, [id, serviceId]);
    return rows.length > 0;
  }
}
