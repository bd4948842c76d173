import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { ReferralStatus, ServiceKind } from './case-codes';

export interface ServiceView {
  readonly id: number;
  readonly municipality: string;
  readonly kind: ServiceKind;
  readonly name: string;
  readonly description: string | null;
  readonly contact: string | null;
  readonly active: boolean;
  readonly version: number;
  readonly updatedAt: string;
}

export interface ReferralView {
  readonly id: number;
  readonly caseId: number;
  readonly serviceId: number;
  readonly serviceName: string;
  readonly serviceKind: ServiceKind;
  readonly status: ReferralStatus;
  readonly note: string | null;
  readonly createdBy: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly version: number;
}

const TS = (col: string): string => `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

const SERVICE_COLUMNS = `s.id::int AS id, s.municipality, s.kind, s.name, s.description, s.contact, s.active, s.version, ${TS('s.updated_at')} AS "updatedAt"`;
const REFERRAL_COLUMNS = `r.id::int AS id, r.case_id::int AS "caseId", r.service_id::int AS "serviceId", s.name AS "serviceName", s.kind AS "serviceKind",
  r.status, r.note, r.created_by AS "createdBy", ${TS('r.created_at')} AS "createdAt", ${TS('r.updated_at')} AS "updatedAt", r.version`;

export interface ServiceFields {
  readonly kind?: ServiceKind;
  readonly name?: string;
  readonly description?: string | null;
  readonly contact?: string | null;
  readonly active?: boolean;
}

/** The directory of services and partners and the referrals to them, in the caller's scoped transaction. */
@Injectable()
export class ReferralsRepository {
  async services(m: EntityManager, municipality: string | null, activeOnly: boolean): Promise<ServiceView[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (municipality) where.push(`s.municipality = $${params.push(municipality)}`);
    if (activeOnly) where.push('s.active');
    return m.query(`SELECT ${SERVICE_COLUMNS} FROM outreach_service s ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY s.kind, lower(s.name)`, params);
  }

  async service(m: EntityManager, id: number, lock = false): Promise<ServiceView | null> {
    const rows: ServiceView[] = await m.query(`SELECT ${SERVICE_COLUMNS} FROM outreach_service s WHERE s.id = $1 ${lock ? 'FOR UPDATE' : ''}`, [id]);
    return rows[0] ?? null;
  }

  async nameTaken(m: EntityManager, municipality: string, name: string, except: number | null): Promise<boolean> {
    const rows = await m.query(`SELECT 1 FROM outreach_service WHERE municipality = $1 AND lower(name) = lower($2) AND id IS DISTINCT FROM $3`, [municipality, name, except]);
    return rows.length > 0;
  }

  async addService(m: EntityManager, municipality: string, f: Required<Pick<ServiceFields, 'kind' | 'name'>> & ServiceFields, by: string): Promise<ServiceView> {
    const rows: Array<{ id: number }> = await m.query(
      `INSERT INTO outreach_service (municipality, kind, name, description, contact, active, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id::int AS id`,
      [municipality, f.kind, f.name, f.description ?? null, f.contact ?? null, f.active ?? true, by],
    );
    return (await this.service(m, rows[0].id))!;
  }

  async updateService(m: EntityManager, id: number, f: ServiceFields): Promise<ServiceView> {
    const sets: string[] = [];
    const params: unknown[] = [id];
    if (f.kind !== undefined) sets.push(`kind = $${params.push(f.kind)}`);
    if (f.name !== undefined) sets.push(`name = $${params.push(f.name)}`);
    if (f.description !== undefined) sets.push(`description = $${params.push(f.description)}`);
    if (f.contact !== undefined) sets.push(`contact = $${params.push(f.contact)}`);
    if (f.active !== undefined) sets.push(`active = $${params.push(f.active)}`);
    await m.query(`UPDATE outreach_service SET ${[...sets, 'updated_at = now()', 'version = version + 1'].join(', ')} WHERE id = $1`, params);
    return (await this.service(m, id))!;
  }

  async referrals(m: EntityManager, caseId: number): Promise<ReferralView[]> {
    return m.query(`SELECT ${REFERRAL_COLUMNS} FROM referral r JOIN outreach_service s ON s.id = r.service_id WHERE r.case_id = $1 ORDER BY r.id`, [caseId]);
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

  async setStatus(m: EntityManager, id: number, status: ReferralStatus, note: string | null, by: string): Promise<ReferralView> {
    await m.query(
      `UPDATE referral SET status = $2, note = coalesce($3, note), updated_by = $4, updated_at = now(), version = version + 1 WHERE id = $1`,
      [id, status, note, by],
    );
    return (await this.referral(m, id))!;
  }
}
