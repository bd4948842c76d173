import { Inject, Injectable } from '@nestjs/common';
import { AuditEntryInput, AuditService } from '@tiltas/audit';
import { Clock, DomainError, ErrorCode } from '@tiltas/common';
import { APP_CONFIG, AppConfig } from '@tiltas/config';
import { DatabaseService, DbScope } from '@tiltas/database';
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { caseEntry, caseForRead, caseForStep } from './case-access';
import { REFERRAL_NEXT, REFERRAL_STATUSES, REJECT_REASONS, ReferralStatus, ReferralVia, RejectReason, SERVICE_KINDS, ServiceKind } from './case-codes';
import { referralStepProblem } from './case-rules';
import { CaseRow, CasesRepository } from './cases.repository';
import { OutreachActor, isSystem, outreachScope } from './outreach-actor';
import { ReferralLinkSigner } from './referral-link';
import { ReferralStepView, ReferralView, ReferralsRepository, ServiceFields, ServiceTokenView, ServiceView } from './referrals.repository';

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

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

/** `tsv_<token id>_<64 hex secret>`: a partner's API token, good for one service's referrals only. */
const SERVICE_TOKEN = /^tsv_([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})_([0-9a-f]{64})$/;
const MAX_TOKEN_DAYS = 730;
const COHORT_ID = /^[a-z0-9][a-z0-9-]{0,63}$/;

export interface ReferralMove {
  readonly status: ReferralStatus;
  /** Required for REJECTED, refused for any other status. */
  readonly rejectReason?: RejectReason | null;
  readonly note?: string | null;
  readonly version?: number;
}

export interface ReferralWithSteps extends ReferralView {
  readonly steps: ReferralStepView[];
  readonly next: readonly ReferralStatus[];
}

/** What the partner sees through its link or token: the referral and its service, never the person. */
export interface PartnerReferral {
  readonly id: number;
  readonly serviceId: number;
  readonly serviceName: string;
  readonly serviceKind: ServiceKind;
  readonly status: ReferralStatus;
  readonly rejectReason: RejectReason | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly version: number;
  readonly next: readonly ReferralStatus[];
  readonly steps: ReadonlyArray<{ from: ReferralStatus | null; to: ReferralStatus; rejectReason: RejectReason | null; via: ReferralVia; at: string }>;
}

export interface PartnerLink {
  readonly referralId: number;
  /** The path of the public page, to put after the deployment's public URL. */
  readonly path: string;
  readonly expiresAt: string;
}

export interface CreatedServiceToken extends ServiceTokenView {
  /** Shown once; only its hash is stored. */
  readonly token: string;
}

/** The one answer to every refused link, so a probe learns nothing about which referrals exist. */
const LINK_REFUSED = 'This referral link is not valid or has expired: ask the outreach worker who sent it for a new one.';

/**
 * The directory of services and partners and the referrals to them, followed to the end. Municipal
 * coordinators keep their municipality's services; a national administrator keeps the national ones,
 * which every municipality may refer to. A referral's status moves only forward (SENT → ACCEPTED →
 * STARTED → COMPLETED, or REJECTED with a reason on the way), by the one who holds the case or by the
 * partner organisation through its signed link or its service's API token; every move is a referral
 * step, a case event and an audit entry in one transaction.
 */
@Injectable()
export class ReferralsService {
  private readonly links: ReferralLinkSigner;

  constructor(
    private readonly db: DatabaseService,
    private readonly repo: ReferralsRepository,
    private readonly cases: CasesRepository,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.links = new ReferralLinkSigner(config.secrets.sessionSecret);
  }

  listServices(actor: OutreachActor, activeOnly = true): Promise<ServiceView[]> {
    if (!(actor.role === 'WORKER' || actor.role === 'COORDINATOR' || this.keepsNational(actor) || isSystem(actor))) {
      throw DomainError.forbidden('The service directory is for workers, coordinators and the national administrator');
    }
    return this.db.transaction(outreachScope(actor), (m) => this.repo.services(m, actor.municipality, activeOnly));
  }

  /** The criterion ids a service may name as cohorts it serves. */
  cohortChoices(actor: OutreachActor): Promise<string[]> {
    return this.db.transaction(outreachScope(actor), (m) => this.repo.criterionIds(m));
  }

  /** Whether the actor may change this service: a coordinator their municipality's, the national administrator the national ones. */
  mayKeep(actor: OutreachActor, service: Pick<ServiceView, 'municipality'>): boolean {
    return service.municipality === null ? this.keepsNational(actor) : actor.role === 'COORDINATOR' && actor.municipality === service.municipality;
  }

  async addService(actor: OutreachActor, fields: ServiceFields): Promise<ServiceView> {
    const municipality = this.keeperMunicipality(actor);
    const checked = this.fields(fields, true);
    return this.db.transaction(outreachScope(actor), async (m) => {
      await this.checkCohorts(m, checked.cohorts);
      if (await this.repo.nameTaken(m, municipality, checked.name!, null)) throw DomainError.conflict(`${municipality ?? 'The national directory'} already lists a service named ${checked.name}`);
      const service = await this.repo.addService(m, municipality, { ...checked, kind: checked.kind!, name: checked.name! }, actor.userId);
      await this.audit.record(m, this.serviceEntry(actor, service, 'service.created'));
      return service;
    });
  }

  async updateService(actor: OutreachActor, id: number, fields: ServiceFields, version?: number): Promise<ServiceView> {
    this.keeperMunicipality(actor);
    const checked = this.fields(fields, false);
    return this.db.transaction(outreachScope(actor), async (m) => {
      const current = await this.keptService(m, actor, id, version);
      await this.checkCohorts(m, checked.cohorts);
      if (checked.name && (await this.repo.nameTaken(m, current.municipality, checked.name, id))) throw DomainError.conflict(`${current.municipality ?? 'The national directory'} already lists a service named ${checked.name}`);
      const service = await this.repo.updateService(m, id, checked, actor.userId);
      const action = checked.active === false && current.active ? 'service.retired' : checked.active === true && !current.active ? 'service.restored' : 'service.updated';
      await this.audit.record(m, this.serviceEntry(actor, service, action, Object.keys(checked).filter((k) => checked[k as keyof ServiceFields] !== undefined)));
      return service;
    });
  }

  /** Takes a service out of the directory for new referrals; referrals made to it keep their history. */
  retireService(actor: OutreachActor, id: number, version?: number): Promise<ServiceView> {
    return this.updateService(actor, id, { active: false }, version);
  }

  /** Refers the person of a case held by the actor to an active service of the case's municipality or a national one. */
  async refer(actor: OutreachActor, caseId: number, serviceId: number | null | undefined, note?: string | null): Promise<ReferralView> {
    if (serviceId === null || serviceId === undefined || !Number.isSafeInteger(serviceId) || serviceId < 1) {
      fail('Choose the service to refer the person to (serviceId)');
    }
    const n = text(note, 'note', 500, false) ?? null;
    return this.db.transaction(outreachScope(actor), async (m) => {
      const c = await caseForStep(this.cases, m, actor, caseId, 'refer');
      const service = await this.repo.service(m, serviceId);
      if (!service || (service.municipality !== null && service.municipality !== c.municipality)) {
        throw DomainError.validation(`serviceId must be a service in ${c.municipality}'s directory or a national one`);
      }
      if (!service.active) throw DomainError.conflict(`service ${serviceId} (${service.name}) is retired`);
      if (service.cohorts.length > 0 && !service.cohorts.some((k) => c.cohorts.includes(k))) {
        throw DomainError.validation(`${service.name} serves ${service.cohorts.join(', ')}; this case was listed for ${c.cohorts.join(', ')}`);
      }
      const referral = await this.repo.addReferral(m, caseId, c.municipality, serviceId, n, actor.userId);
      await this.repo.addStep(m, referral.id, c.municipality, { from: null, to: 'SENT', rejectReason: null, note: n, via: 'CASE_WORK', actor: actor.userId });
      const details = { referralId: referral.id, serviceId, serviceKind: service.kind, national: service.municipality === null, status: referral.status };
      await this.cases.event(m, c, actor.userId, 'REFERRED', details);
      await this.audit.record(m, caseEntry(actor, c, 'referral.created', details));
      return referral;
    });
  }

  listReferrals(actor: OutreachActor, caseId: number): Promise<ReferralWithSteps[]> {
    return this.db.transaction(outreachScope(actor), async (m) => {
      await caseForRead(this.cases, m, actor, caseId);
      return this.withSteps(m, await this.repo.referrals(m, caseId));
    });
  }

  /** The service's answer, recorded by the one who holds the case, also after the case closed. */
  async updateStatus(actor: OutreachActor, referralId: number, move: ReferralMove): Promise<ReferralView> {
    const checked = this.checkMove(move);
    return this.db.transaction(outreachScope(actor), async (m) => {
      const referral = await this.repo.referral(m, referralId, true);
      if (!referral) throw DomainError.notFound(`referral ${referralId}`);
      const c = await this.caseOfReferral(m, actor, referral);
      if (!isSystem(actor) && c.assignedTo !== actor.userId) throw DomainError.forbidden(`Only the one who holds case ${c.id} records its referral's answer`);
      return this.move(m, referral, c, checked, move.version, 'CASE_WORK', actor.userId, (details) => caseEntry(actor, c, 'referral.updated', details));
    });
  }

  /** A signed link for the partner organisation to answer one referral, valid REFERRAL_LINK_DAYS. */
  async issueLink(actor: OutreachActor, referralId: number): Promise<PartnerLink> {
    return this.db.transaction(outreachScope(actor), async (m) => {
      const referral = await this.repo.referral(m, referralId);
      if (!referral) throw DomainError.notFound(`referral ${referralId}`);
      const c = await this.caseOfReferral(m, actor, referral);
      if (!isSystem(actor) && c.assignedTo !== actor.userId) throw DomainError.forbidden(`Only the one who holds case ${c.id} sends its referral's link`);
      const expiresAt = new Date(this.clock.now().getTime() + this.config.outreach.referralLinkDays * 86_400_000);
      await this.audit.record(m, caseEntry(actor, c, 'referral.link_issued', { referralId, serviceId: referral.serviceId, expiresAt: expiresAt.toISOString() }));
      return { referralId, path: `/partner/referrals/${this.links.sign(referralId, expiresAt)}`, expiresAt: expiresAt.toISOString() };
    });
  }

  /** The referral behind a partner's link; a forged, expired or unknown link is one and the same NOT_FOUND. */
  async partnerView(link: string): Promise<PartnerReferral> {
    const claims = this.links.verify(link, this.clock.now());
    if (typeof claims === 'string') throw new DomainError(ErrorCode.NOT_FOUND, LINK_REFUSED);
    return this.db.transaction(this.partnerScope('link'), async (m) => {
      const referral = await this.repo.referral(m, claims.referralId);
      if (!referral) throw new DomainError(ErrorCode.NOT_FOUND, LINK_REFUSED);
      return (await this.partnerReferrals(m, [referral]))[0];
    });
  }

  /** The partner answers through its link. */
  async moveByLink(link: string, move: ReferralMove): Promise<PartnerReferral> {
    const claims = this.links.verify(link, this.clock.now());
    if (typeof claims === 'string') throw new DomainError(ErrorCode.NOT_FOUND, LINK_REFUSED);
    const checked = this.checkMove(move);
    return this.db.transaction(this.partnerScope('link'), async (m) => {
      const referral = await this.repo.referral(m, claims.referralId, true);
      if (!referral) throw new DomainError(ErrorCode.NOT_FOUND, LINK_REFUSED);
      const moved = await this.partnerMove(m, referral, checked, move.version, 'PARTNER_LINK');
      return (await this.partnerReferrals(m, [moved]))[0];
    });
  }

  /** The referrals a partner's API token may see: its one service's, newest first. */
  async referralsForToken(bearer: string, limit = 100): Promise<PartnerReferral[]> {
    return this.db.transaction(this.partnerScope('token'), async (m) => {
      const serviceId = await this.serviceOfToken(m, bearer);
      return this.partnerReferrals(m, await this.repo.referralsOfService(m, serviceId, Math.min(Math.max(limit, 1), 500)));
    });
  }

  /** The partner answers through its service's API token; another service's referral is not found. */
  async moveByToken(bearer: string, referralId: number, move: ReferralMove): Promise<PartnerReferral> {
    const checked = this.checkMove(move);
    return this.db.transaction(this.partnerScope('token'), async (m) => {
      const serviceId = await this.serviceOfToken(m, bearer);
      const referral = await this.repo.referral(m, referralId, true);
      if (!referral || referral.serviceId !== serviceId) throw DomainError.notFound(`referral ${referralId}`);
      const moved = await this.partnerMove(m, referral, checked, move.version, 'PARTNER_TOKEN');
      return (await this.partnerReferrals(m, [moved]))[0];
    });
  }

  /** An API token for a service's partner organisation, scoped to that service's referrals. */
  async createServiceToken(actor: OutreachActor, serviceId: number, input: { name?: string | null; expiresDays?: number }): Promise<CreatedServiceToken> {
    const days = input.expiresDays ?? 90;
    if (!Number.isInteger(days) || days < 1 || days > MAX_TOKEN_DAYS) fail(`expiresDays must be a whole number from 1 to ${MAX_TOKEN_DAYS}`);
    const name = text(input.name ?? null, 'name', 200, true)!;
    return this.db.transaction(outreachScope(actor), async (m) => {
      const service = await this.keptService(m, actor, serviceId);
      if (!service.active) throw DomainError.conflict(`service ${serviceId} is retired: a token for it would answer nothing`);
      const id = randomUUID();
      const secret = randomBytes(32).toString('hex');
      const expiresAt = new Date(this.clock.now().getTime() + days * 86_400_000);
      const view = await this.repo.addToken(m, { id, serviceId, municipality: service.municipality, name, secretSha256: sha256(secret), expiresAt, by: actor.userId });
      await this.audit.record(m, { ...this.serviceEntry(actor, service, 'service.token_created'), details: { serviceId, tokenId: id, expiresAt: expiresAt.toISOString() } });
      return { ...view, token: `tsv_${id}_${secret}` };
    });
  }

  async serviceTokens(actor: OutreachActor, serviceId: number): Promise<ServiceTokenView[]> {
    return this.db.transaction(outreachScope(actor), async (m) => {
      await this.keptService(m, actor, serviceId);
      return this.repo.tokens(m, serviceId);
    });
  }

  async revokeServiceToken(actor: OutreachActor, serviceId: number, tokenId: string): Promise<void> {
    return this.db.transaction(outreachScope(actor), async (m) => {
      const service = await this.keptService(m, actor, serviceId);
      if (!/^[0-9a-f-]{36}$/.test(tokenId) || !(await this.repo.revokeToken(m, tokenId, serviceId))) throw DomainError.notFound(`token ${tokenId}`);
      await this.audit.record(m, { ...this.serviceEntry(actor, service, 'service.token_revoked'), details: { serviceId, tokenId } });
    });
  }

  private checkMove(move: ReferralMove): { status: ReferralStatus; rejectReason: RejectReason | null; note: string | null } {
    if (!REFERRAL_STATUSES.includes(move.status)) fail(`status must be one of ${REFERRAL_STATUSES.join(', ')}`);
    const reason = move.rejectReason ?? null;
    if (move.status === 'REJECTED' && reason === null) fail(`REJECTED needs the reason (rejectReason: one of ${REJECT_REASONS.join(', ')})`);
    if (reason !== null && !REJECT_REASONS.includes(reason)) fail(`rejectReason must be one of ${REJECT_REASONS.join(', ')}`);
    if (reason !== null && move.status !== 'REJECTED') fail('rejectReason goes only with REJECTED');
    return { status: move.status, rejectReason: reason, note: text(move.note, 'note', 500, false) ?? null };
  }

  private async move(
    m: EntityManager,
    referral: ReferralView,
    c: Pick<CaseRow, 'id' | 'municipality'>,
    checked: { status: ReferralStatus; rejectReason: RejectReason | null; note: string | null },
    version: number | undefined,
    via: ReferralVia,
    actorId: string,
    entry: (details: Record<string, unknown>) => AuditEntryInput,
  ): Promise<ReferralView> {
    if (version !== undefined && version !== referral.version) throw DomainError.conflict(`referral ${referral.id} changed since you read it (version ${version}, now ${referral.version})`);
    const problem = referralStepProblem(referral.id, referral.status, checked.status);
    if (problem) throw DomainError.conflict(problem, { referralId: referral.id, status: referral.status });
    const updated = await this.repo.setStatus(m, referral.id, checked.status, checked.rejectReason, checked.note, actorId);
    await this.repo.addStep(m, referral.id, referral.municipality, { from: referral.status, to: checked.status, rejectReason: checked.rejectReason, note: checked.note, via, actor: actorId });
    const details = { referralId: referral.id, serviceId: referral.serviceId, from: referral.status, to: checked.status, via, ...(checked.rejectReason ? { rejectReason: checked.rejectReason } : {}) };
    await this.cases.event(m, c, actorId, 'REFERRAL_STATUS', details);
    await this.audit.record(m, entry(details));
    return updated;
  }

  private async partnerMove(m: EntityManager, referral: ReferralView, checked: ReturnType<ReferralsService['checkMove']>, version: number | undefined, via: ReferralVia): Promise<ReferralView> {
    const c = await this.cases.find(m, referral.caseId);
    if (!c) throw DomainError.notFound(`referral ${referral.id}`);
    const partner = `partner:service:${referral.serviceId}`;
    // The partner is no Tiltas user: the log names the service it acts for, with the person as subject.
    return this.move(m, referral, c, checked, version, via, partner, (details) => ({
      actor: partner,
      role: 'SYSTEM',
      municipality: c.municipality,
      action: 'referral.updated',
      subject: c.pseudonym,
      objectType: 'case',
      objectId: String(c.id),
      purpose: 'outreach',
      details: { caseId: c.id, ...details },
    }));
  }

  private async serviceOfToken(m: EntityManager, bearer: string): Promise<number> {
    const match = SERVICE_TOKEN.exec(bearer.replace(/^Bearer\s+/i, '').trim());
    const refused = (): never => {
      throw new DomainError(ErrorCode.UNAUTHENTICATED, 'The partner token is unknown, expired or revoked');
    };
    if (!match) return refused();
    const token = await this.repo.tokenForCheck(m, match[1]);
    if (!token) return refused();
    const given = Buffer.from(sha256(match[2]), 'hex');
    if (!timingSafeEqual(given, Buffer.from(token.secretSha256, 'hex'))) return refused();
    if (token.revokedAt || token.expiresAt.getTime() <= this.clock.now().getTime()) return refused();
    const service = await this.repo.service(m, token.serviceId);
    if (!service?.active) return refused();
    await this.repo.markTokenUsed(m, token.id);
    return token.serviceId;
  }

  private async partnerReferrals(m: EntityManager, referrals: ReferralView[]): Promise<PartnerReferral[]> {
    const steps = await this.repo.steps(m, referrals.map((r) => r.id));
    return referrals.map((r) => ({
      id: r.id,
      serviceId: r.serviceId,
      serviceName: r.serviceName,
      serviceKind: r.serviceKind,
      status: r.status,
      rejectReason: r.rejectReason,
      createdAt: r.createdAt,
      updatedAt: r.updatedAt,
      version: r.version,
      next: REFERRAL_NEXT[r.status],
      // Who in the municipality did what stays there: the partner sees the moves, not the user ids.
      steps: steps.filter((s) => s.referralId === r.id).map((s) => ({ from: s.from, to: s.to, rejectReason: s.rejectReason, via: s.via, at: s.at })),
    }));
  }

  private async withSteps(m: EntityManager, referrals: ReferralView[]): Promise<ReferralWithSteps[]> {
    const steps = await this.repo.steps(m, referrals.map((r) => r.id));
    return referrals.map((r) => ({ ...r, next: REFERRAL_NEXT[r.status], steps: steps.filter((s) => s.referralId === r.id) }));
  }

  private partnerScope(through: 'link' | 'token'): DbScope {
    // A partner organisation may serve any municipality (a national service does): it reads one referral by id or by its token's service.
    return { scope: 'national', municipality: null, actor: `partner:${through}`, role: 'SYSTEM' };
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

  private keepsNational(actor: OutreachActor): boolean {
    return actor.role === 'ADMIN' && actor.scope === 'national';
  }

  /** Where the actor's services live: their municipality for a coordinator, the national directory (null) for the national administrator. */
  private keeperMunicipality(actor: OutreachActor): string | null {
    if (actor.role === 'COORDINATOR' && actor.municipality) return actor.municipality;
    if (this.keepsNational(actor)) return null;
    throw DomainError.forbidden('Coordinators keep their municipality\'s services; the national administrator keeps the national ones');
  }

  private async keptService(m: EntityManager, actor: OutreachActor, id: number, version?: number): Promise<ServiceView> {
    // Read before locking: a municipal scope may read a national row but not lock it (FOR UPDATE takes the update policy).
    const seen = await this.repo.service(m, id);
    if (!seen) throw DomainError.notFound(`service ${id}`);
    if (!this.mayKeep(actor, seen)) throw DomainError.forbidden(seen.municipality === null ? 'National services are kept by the national administrator' : `service ${id} belongs to ${seen.municipality}`);
    const current = (await this.repo.service(m, id, true))!;
    if (version !== undefined && version !== current.version) throw DomainError.conflict(`service ${id} changed since you read it (version ${version}, now ${current.version})`);
    return current;
  }

  private async checkCohorts(m: EntityManager, cohorts: readonly string[] | undefined): Promise<void> {
    if (!cohorts || cohorts.length === 0) return;
    const unknown = await this.repo.unknownCohorts(m, cohorts);
    if (unknown.length > 0) fail(`cohorts names no criterion: ${unknown.join(', ')}`);
  }

  private fields(f: ServiceFields, creating: boolean): ServiceFields {
    if (f.kind !== undefined && !SERVICE_KINDS.includes(f.kind)) fail(`kind must be one of ${SERVICE_KINDS.join(', ')}`);
    if (creating && f.kind === undefined) fail('kind is required');
    let cohorts: string[] | undefined;
    if (f.cohorts !== undefined) {
      if (!Array.isArray(f.cohorts) || f.cohorts.some((k) => typeof k !== 'string' || !COHORT_ID.test(k))) fail('cohorts must be criterion ids');
      cohorts = [...new Set(f.cohorts)].sort();
    }
    // The column is NOT NULL: null here is not "leave as is" but a value it cannot hold.
    const active: unknown = f.active;
    if (active !== undefined && typeof active !== 'boolean') fail('active must be true or false, or left out');
    return {
      kind: f.kind as ServiceKind | undefined,
      name: text(f.name, 'name', 200, creating) ?? undefined,
      description: text(f.description, 'description', 2000, false),
      contact: text(f.contact, 'contact', 500, false),
      cohorts,
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
      details: { kind: s.kind, active: s.active, national: s.municipality === null, cohorts: s.cohorts, ...(changed ? { changed } : {}) },
    };
  }
}
