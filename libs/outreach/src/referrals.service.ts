import { Injectable } from '@nestjs/common';
import { AuditService } from '@tiltas/audit';
import { DomainError } from '@tiltas/common';
import { DatabaseService } from '@tiltas/database';
import type { EntityManager } from 'typeorm';
import { caseEntry, caseForRead, caseForStep } from './case-access';
import { REFERRAL_STATUSES, ReferralStatus, SERVICE_KINDS, ServiceKind } from './case-codes';
import { referralStepProblem } from './case-rules';
import { CasesRepository } from './cases.repository';
import { OutreachActor, isSystem, outreachScope } from './outreach-actor';
import { ReferralView, ReferralsRepository, ServiceFields, ServiceView } from './referrals.repository';

function text(value: string | null | undefined, name: string, max: number, required: boolean): string | null | undefined {
  if (value === undefined) return required ? fail(`${name} is required`) : undefined;
  if (value === null) return required ? fail(`${name} is required`) : null;
  const trimmed = value.trim();
  if (trimmed.length > max) fail(`${name} is at most ${max} characters`);
  if (trimmed.length === 0) return required ? fail(`${name} is required`) : null;
  return trimmed;
}

function fail(message: string): never {
  throw DomainError.validation(message);
}

/**
 * The municipality's directory of services and partners (kept by coordinators) and referrals from cases
 * to them. A referral is made while the case is worked, and its status follows the service's answer
 * later, after the case may have closed: SENT → ACCEPTED → STARTED → COMPLETED, or REJECTED on the way.
 */
@Injectable()
export class ReferralsService {
  constructor(
    private readonly db: DatabaseService,
    private readonly repo: ReferralsRepository,
    private readonly cases: CasesRepository,
    private readonly audit: AuditService,
  ) {}

  listServices(actor: OutreachActor, activeOnly = true): Promise<ServiceView[]> {
    if (!(actor.role === 'WORKER' || actor.role === 'COORDINATOR' || isSystem(actor))) throw DomainError.forbidden('The service directory is for workers and coordinators');
    return this.db.transaction(outreachScope(actor), (m) => this.repo.services(m, actor.municipality, activeOnly));
  }

  async addService(actor: OutreachActor, fields: ServiceFields): Promise<ServiceView> {
    this.coordinatorOnly(actor);
    const checked = this.fields(fields, true);
    return this.db.transaction(outreachScope(actor), async (m) => {
      if (await this.repo.nameTaken(m, actor.municipality!, checked.name!, null)) throw DomainError.conflict(`${actor.municipality} already lists a service named ${checked.name}`);
      const service = await this.repo.addService(m, actor.municipality!, { ...checked, kind: checked.kind!, name: checked.name! }, actor.userId);
      await this.audit.record(m, this.serviceEntry(actor, service, 'service.created'));
      return service;
    });
  }

  async updateService(actor: OutreachActor, id: number, fields: ServiceFields, version?: number): Promise<ServiceView> {
    this.coordinatorOnly(actor);
    const checked = this.fields(fields, false);
    return this.db.transaction(outreachScope(actor), async (m) => {
      const current = await this.repo.service(m, id, true);
      if (!current) throw DomainError.notFound(`service ${id}`);
      if (version !== undefined && version !== current.version) throw DomainError.conflict(`service ${id} changed since you read it (version ${version}, now ${current.version})`);
      if (checked.name && (await this.repo.nameTaken(m, current.municipality, checked.name, id))) throw DomainError.conflict(`${current.municipality} already lists a service named ${checked.name}`);
      const service = await this.repo.updateService(m, id, checked);
      await this.audit.record(m, this.serviceEntry(actor, service, 'service.updated', Object.keys(checked).filter((k) => checked[k as keyof ServiceFields] !== undefined)));
      return service;
    });
  }

  /** Refers the person of a case held by the actor to an active service of the case's municipality. */
  async refer(actor: OutreachActor, caseId: number, serviceId: number, note?: string | null): Promise<ReferralView> {
    const n = text(note, 'note', 500, false) ?? null;
    return this.db.transaction(outreachScope(actor), async (m) => {
      const c = await caseForStep(this.cases, m, actor, caseId, 'refer');
      const service = await this.repo.service(m, serviceId);
      if (!service || service.municipality !== c.municipality) throw DomainError.validation(`serviceId must be a service in ${c.municipality}'s directory`);
      if (!service.active) throw DomainError.conflict(`service ${serviceId} (${service.name}) is no longer active`);
      const referral = await this.repo.addReferral(m, caseId, c.municipality, serviceId, n, actor.userId);
      const details = { referralId: referral.id, serviceId, serviceKind: service.kind, status: referral.status };
      await this.cases.event(m, c, actor.userId, 'REFERRED', details);
      await this.audit.record(m, caseEntry(actor, c, 'referral.created', details));
      return referral;
    });
  }

  listReferrals(actor: OutreachActor, caseId: number): Promise<ReferralView[]> {
    return this.db.transaction(outreachScope(actor), async (m) => {
      await caseForRead(this.cases, m, actor, caseId);
      return this.repo.referrals(m, caseId);
    });
  }

  /** The service's answer, recorded by the case's holder or a coordinator, also after the case closed. */
  async updateStatus(actor: OutreachActor, referralId: number, status: ReferralStatus, note?: string | null, version?: number): Promise<ReferralView> {
    if (!REFERRAL_STATUSES.includes(status)) throw DomainError.validation(`status must be one of ${REFERRAL_STATUSES.join(', ')}`);
    const n = text(note, 'note', 500, false) ?? null;
    return this.db.transaction(outreachScope(actor), async (m) => {
      const referral = await this.repo.referral(m, referralId, true);
      if (!referral) throw DomainError.notFound(`referral ${referralId}`);
      const c = await this.caseOfReferral(m, actor, referral);
      if (version !== undefined && version !== referral.version) throw DomainError.conflict(`referral ${referralId} changed since you read it (version ${version}, now ${referral.version})`);
      const problem = referralStepProblem(referralId, referral.status, status);
      if (problem) throw DomainError.conflict(problem, { referralId, status: referral.status });
      const updated = await this.repo.setStatus(m, referralId, status, n, actor.userId);
      const details = { referralId, serviceId: referral.serviceId, from: referral.status, to: status };
      await this.cases.event(m, c, actor.userId, 'REFERRAL_STATUS', details);
      await this.audit.record(m, caseEntry(actor, c, 'referral.updated', details));
      return updated;
    });
  }

  private async caseOfReferral(m: EntityManager, actor: OutreachActor, referral: ReferralView) {
    try {
      return await caseForRead(this.cases, m, actor, referral.caseId, 'update');
    } catch (err) {
      // The case's "not found" becomes the referral's: a worker learns nothing about cases they do not hold.
      if (err instanceof DomainError && err.code === 'NOT_FOUND') throw DomainError.notFound(`referral ${referral.id}`);
      throw err;
    }
  }

  private coordinatorOnly(actor: OutreachActor): void {
    if (actor.role !== 'COORDINATOR') throw DomainError.forbidden('Coordinators keep the service directory');
  }

  private fields(f: ServiceFields, creating: boolean): ServiceFields {
    if (f.kind !== undefined && !SERVICE_KINDS.includes(f.kind)) fail(`kind must be one of ${SERVICE_KINDS.join(', ')}`);
    if (creating && f.kind === undefined) fail('kind is required');
    // The column is NOT NULL: null here is not "leave as is" but a value it cannot hold.
    const active: unknown = f.active;
    if (active !== undefined && typeof active !== 'boolean') fail('active must be true or false, or left out');
    return {
      kind: f.kind as ServiceKind | undefined,
      name: text(f.name, 'name', 200, creating) ?? undefined,
      description: text(f.description, 'description', 2000, false),
      contact: text(f.contact, 'contact', 500, false),
      active: f.active,
    };
  }

  private serviceEntry(actor: OutreachActor, s: ServiceView, action: string, changed?: string[]) {
    return {
      actor: actor.userId,
      role: actor.role,
      municipality: s.municipality,
      action,
      objectType: 'outreach_service',
      objectId: String(s.id),
      purpose: 'outreach',
      details: { kind: s.kind, active: s.active, ...(changed ? { changed } : {}) },
    };
  }
}
