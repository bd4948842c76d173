import { Inject, Injectable, Logger } from '@nestjs/common';
import { AuditService } from '@tiltas/audit';
import { Clock, DomainError, addDays, isIsoDate } from '@tiltas/common';
import { APP_CONFIG, AppConfig } from '@tiltas/config';
import { DatabaseService, advisoryXactLock, applyScope } from '@tiltas/database';
import { MUNICIPALITY_CODES } from '@tiltas/registers';
import type { EntityManager } from 'typeorm';
import { caseEntry, caseForRead, caseForStep, caseNotFound } from './case-access';
import { ATTEMPT_RESULTS, AttemptResult, CHANNELS, Channel, OUTCOMES, RESPONSE_LINK_CHANNEL, Outcome, WRONG_REGISTERS, WrongRegister } from './case-codes';
import { closeProblem } from './case-rules';
import { CaseRow, CasesRepository } from './cases.repository';
import { OutreachActor, assertPerson, handOverScope, isSystem, outreachScope } from './outreach-actor';

export interface AttemptInput {
  readonly channel: Channel;
  readonly result: AttemptResult;
  /** When the attempt happened; now when absent. Never in the future. */
  readonly attemptedAt?: string | Date;
  /** A short working note (at most 500 characters). Kept with the case, never in the log. */
  readonly note?: string | null;
  /** YYYY-MM-DD, today or later; absent keeps the case due. */
  readonly nextAttemptOn?: string | null;
  readonly version?: number;
}

export interface CloseInput {
  readonly outcome: Outcome;
  /** Why NOT_ELIGIBLE (feedback on the criterion), or a short note for any outcome. */
  readonly reason?: string | null;
  /** MOVED_AWAY: where the person lives now. */
  readonly toMunicipality?: string | null;
  /** NOT_ELIGIBLE: the register the finding contradicts, or NONE (the criterion missed something). */
  readonly wrongRegister?: WrongRegister | null;
  readonly version?: number;
}

export interface CaseChange {
  readonly caseId: number;
  readonly status: string;
  readonly assignedTo: string | null;
  readonly nextAttemptOn: string | null;
  readonly attempts: number;
  readonly outcome: string | null;
  readonly version: number;
}

export interface AttemptRecorded extends CaseChange {
  readonly attemptId: number;
  /** Unanswered attempts so far against the configured number that allows UNREACHABLE. */
  readonly unanswered: number;
  readonly unreachableAllowed: boolean;
}

export interface ClosedCase extends CaseChange {
  /** MOVED_AWAY: the case that carries on in the new municipality. */
  readonly handedOver: { readonly municipality: string; readonly caseId: number } | null;
  /** OPTED_OUT: the national opt-out, and the person's other open cases closed with it. */
  readonly optOut: { readonly id: number; readonly otherCasesClosed: number } | null;
}

export interface AutoAssignment {
  readonly municipality: string;
  readonly assigned: number;
  readonly backlogLeft: number;
  readonly workers: ReadonlyArray<{ userId: string; username: string; caseloadLimit: number; before: number; assigned: number; after: number }>;
}

const NOTE_MAX = 500;

/** The advisory lock a holder's caseload is counted under (see CaseWorkService.roomFor). */
export const holderLockKey = (userId: string): string => `outreach:holder:${userId}`;

export function caseChange(c: CaseRow): CaseChange {
  return {
    caseId: c.id,
    status: c.status,
    assignedTo: c.assignedTo,
    nextAttemptOn: c.nextAttemptOn,
    attempts: c.attempts,
    outcome: c.outcome,
    version: c.version,
  };
}

function note(value: string | null | undefined, name = 'note'): string | null {
  if (value === undefined || value === null) return null;
  const trimmed = value.trim();
  if (trimmed.length > NOTE_MAX) throw DomainError.validation(`${name} is at most ${NOTE_MAX} characters`);
  return trimmed.length === 0 ? null : trimmed;
}

/**
 * The case life: assignment (by hand, automatic, claim), attempts, scheduling, closing with its outcome
 * rules, hand-over and opt-out. Each step is one transaction under the actor's scope, with its case event
 * and its audit entry; an illegal step is a CONFLICT with the reason, a lost race a CONFLICT too.
 */
@Injectable()
export class CaseWorkService {
  private readonly logger = new Logger('Outreach');

  constructor(
    private readonly db: DatabaseService,
    private readonly cases: CasesRepository,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Takes the most urgent unassigned case of the actor's municipality. CONFLICT when none is left to take. */
  async claimNext(actor: OutreachActor): Promise<CaseChange> {
    assertPerson(actor, 'hold cases');
    if (actor.role !== 'WORKER' && actor.role !== 'COORDINATOR') throw DomainError.forbidden('Only workers and coordinators take cases');
    const municipality = actor.municipality!;
    return this.db.transaction(outreachScope(actor), async (m) => {
      await this.roomFor(m, actor.userId, 1, 'you');
      const c = await this.cases.claimNext(m, municipality, actor.userId);
      if (!c) throw DomainError.conflict(`no unassigned case left to claim in ${municipality}`, { municipality });
      await this.audit.record(m, caseEntry(actor, c, 'case.claimed', { to: actor.userId, priority: c.priority }));
      return caseChange(c);
    });
  }

  /** Takes one unassigned case the actor saw (at `version`): the loser of a race with a coordinator gets CONFLICT. */
  async claim(actor: OutreachActor, caseId: number, version: number): Promise<CaseChange> {
    assertPerson(actor, 'hold cases');
    if (actor.role !== 'WORKER' && actor.role !== 'COORDINATOR') throw DomainError.forbidden('Only workers and coordinators take cases');
    return this.db.transaction(outreachScope(actor), async (m) => {
      // The holder's lock before the case's row: every path takes them in this order, so none waits in a cycle.
      await this.roomFor(m, actor.userId, 1, 'you');
      const c = await this.cases.find(m, caseId, 'update');
      if (!c) throw caseNotFound(caseId);
      if (c.version !== version) throw DomainError.conflict(`case ${caseId} changed since you read it (version ${version}, now ${c.version}): reload it and try again`, { caseId, expectedVersion: version, version: c.version });
      if (c.status !== 'NEW') throw DomainError.conflict(`case ${caseId} is ${c.status} and cannot be claimed: only a NEW case can`, { caseId, status: c.status });
      const updated = await this.cases.assign(m, caseId, actor.userId, 'ASSIGNED');
      await this.cases.event(m, c, actor.userId, 'CLAIMED', { to: actor.userId });
      await this.audit.record(m, caseEntry(actor, c, 'case.claimed', { to: actor.userId, priority: c.priority }));
      return caseChange(updated);
    });
  }

  /**
   * A coordinator gives a case to a worker: NEW → ASSIGNED, or a reassignment of an assigned case, which
   * keeps its status and history. Only workers are given cases (a coordinator balances the work; they may
   * still claim one themselves). `version` is what the coordinator saw: a case claimed or changed meanwhile
   * is a CONFLICT, never a silent overwrite.
   */
  async assign(actor: OutreachActor, caseId: number, toUserId: string, version: number): Promise<CaseChange> {
    return this.db.transaction(outreachScope(actor), async (m) => {
      const current = await caseForRead(this.cases, m, actor, caseId);
      const step = current.status === 'NEW' ? 'assign' : 'reassign';
      await this.assigneeCheck(m, toUserId, current.municipality);
      await this.roomFor(m, toUserId, 1, 'that worker');
      const c = await caseForStep(this.cases, m, actor, caseId, step, version);
      if (c.assignedTo === toUserId) throw DomainError.conflict(`case ${caseId} is already held by that user`, { caseId });
      const updated = await this.cases.assign(m, caseId, toUserId, c.status === 'NEW' ? 'ASSIGNED' : c.status);
      const details = { to: toUserId, from: c.assignedTo, mode: step === 'assign' ? 'manual' : 'reassign' };
      await this.cases.event(m, c, actor.userId, step === 'assign' ? 'ASSIGNED' : 'REASSIGNED', details);
      await this.audit.record(m, caseEntry(actor, c, 'case.assigned', details));
      return caseChange(updated);
    });
  }

  /**
   * Fills the municipality's workers from the unassigned backlog: the most urgent case goes to the
   * least-loaded worker who still has room under their caseload limit, then the next, until the backlog
   * or the room runs out. One transaction under a per-municipality lock, so two coordinators pressing the
   * button at once cannot both fill the same room; cases being claimed at that moment are skipped.
   */
  async autoAssign(actor: OutreachActor, municipality?: string): Promise<AutoAssignment> {
    if (!(actor.role === 'COORDINATOR' || isSystem(actor))) throw DomainError.forbidden('Only a coordinator assigns cases');
    const target = actor.role === 'COORDINATOR' ? actor.municipality! : municipality;
    if (!target || !MUNICIPALITY_CODES.includes(target)) throw DomainError.validation('municipality must be a code LT-01…LT-60');
    if (actor.role === 'COORDINATOR' && municipality && municipality !== actor.municipality) throw DomainError.notFound(`municipality ${municipality}`);
    const started = Date.now();
    const result = await this.db.transaction(outreachScope(actor), async (m) => {
      await advisoryXactLock(m, `outreach:assign:${target}`);
      const listed = await this.cases.assignableWorkers(m, target);
      // Each worker's own lock (in id order, as listed), then their load read again under it: a claim or
      // an assignment that committed meanwhile is counted, and none can slip in until this one commits.
      for (const w of listed) await advisoryXactLock(m, holderLockKey(w.userId));
      const workers = await this.cases.assignableWorkers(m, target);
      const room = workers.reduce((n, w) => n + Math.max(0, w.caseloadLimit - w.open), 0);
      const backlog = await this.cases.lockBacklog(m, target, room);
      const load = new Map(workers.map((w) => [w.userId, w.open]));
      const given = new Map(workers.map((w) => [w.userId, 0]));
      const ids: number[] = [];
      const to: string[] = [];
      for (const c of backlog) {
        let best: (typeof workers)[number] | null = null;
        for (const w of workers) {
          const l = load.get(w.userId)!;
          if (l >= w.caseloadLimit) continue;
          if (!best || l < load.get(best.userId)!) best = w;
        }
        if (!best) break;
        load.set(best.userId, load.get(best.userId)! + 1);
        given.set(best.userId, given.get(best.userId)! + 1);
        ids.push(c.id);
        to.push(best.userId);
      }
      if (ids.length > 0) {
        await this.cases.assignMany(m, ids, to);
        const byId = new Map(backlog.map((c) => [c.id, c]));
        for (let i = 0; i < ids.length; i++) {
          await this.cases.event(m, { id: ids[i], municipality: target }, actor.userId, 'ASSIGNED', { to: to[i], mode: 'auto' });
        }
        await this.audit.recordMany(
          m,
          ids.map((id, i) => caseEntry(actor, byId.get(id)!, 'case.assigned', { to: to[i], from: null, mode: 'auto' })),
        );
      }
      const left = await this.cases.backlog(m, target);
      return {
        municipality: target,
        assigned: ids.length,
        backlogLeft: left.unassigned,
        workers: workers.map((w) => ({ userId: w.userId, username: w.username, caseloadLimit: w.caseloadLimit, before: w.open, assigned: given.get(w.userId)!, after: load.get(w.userId)! })),
      };
    });
    this.logger.log({ municipality: target, assigned: result.assigned, backlogLeft: result.backlogLeft, workers: result.workers.length, ms: Date.now() - started }, 'automatic assignment done');
    return result;
  }

  /**
   * Records a contact attempt (the holder, or a job such as the letters sender acting as SYSTEM). ASSIGNED
   * or IN_PROGRESS → IN_PROGRESS. Pass `manager` to record inside the caller's own scoped transaction.
   */
  async recordAttempt(actor: OutreachActor, caseId: number, input: AttemptInput, manager?: EntityManager): Promise<AttemptRecorded> {
    const responseLink = input.channel === RESPONSE_LINK_CHANNEL && isSystem(actor);
    if (!responseLink && !(CHANNELS as readonly string[]).includes(input.channel)) throw DomainError.validation(`channel must be one of ${CHANNELS.join(', ')}`);
    if (!ATTEMPT_RESULTS.includes(input.result)) throw DomainError.validation(`result must be one of ${ATTEMPT_RESULTS.join(', ')}`);
    const now = this.clock.now();
    const attemptedAt = input.attemptedAt === undefined ? now : new Date(input.attemptedAt);
    if (Number.isNaN(attemptedAt.getTime())) throw DomainError.validation('attemptedAt must be a date and time');
    if (attemptedAt.getTime() > now.getTime() + 60_000) throw DomainError.validation('attemptedAt cannot be in the future');
    const next = this.nextDate(input.nextAttemptOn);
    const work = async (m: EntityManager): Promise<AttemptRecorded> => {
      const c = await caseForStep(this.cases, m, actor, caseId, 'attempt', input.version);
      const { attemptId, row } = await this.cases.addAttempt(m, c, { channel: input.channel, result: input.result, attemptedAt, note: note(input.note), nextAttemptOn: next }, actor.userId);
      const unanswered = await this.cases.unanswered(m, caseId);
      const details = { attemptId, channel: input.channel, result: input.result, nextAttemptOn: next, attempt: row.attempts };
      await this.cases.event(m, c, actor.userId, 'ATTEMPT', details);
      await this.audit.record(m, caseEntry(actor, c, 'attempt.recorded', details));
      const unreachableAfter = this.config.outreach.unreachableAfterAttempts;
      return { ...caseChange(row), attemptId, unanswered, unreachableAllowed: unanswered >= unreachableAfter };
    };
    return manager ? work(manager) : this.db.transaction(outreachScope(actor), work);
  }

  /** Sets (or clears, with null) the date the case is next due in the holder's queue. */
  async scheduleNext(actor: OutreachActor, caseId: number, on: string | null, version?: number, manager?: EntityManager): Promise<CaseChange> {
    const next = this.nextDate(on);
    const work = async (m: EntityManager): Promise<CaseChange> => {
      const c = await caseForStep(this.cases, m, actor, caseId, 'schedule', version);
      const row = await this.cases.schedule(m, caseId, next);
      await this.cases.event(m, c, actor.userId, 'SCHEDULED', { nextAttemptOn: next });
      await this.audit.record(m, caseEntry(actor, c, 'case.scheduled', { nextAttemptOn: next }));
      return caseChange(row);
    };
    return manager ? work(manager) : this.db.transaction(outreachScope(actor), work);
  }

  /**
   * Closes a case with its outcome, after the outcome's own rule (see case-rules.ts closeProblem). Pass
   * `manager` to close inside the caller's own scoped transaction.
   */
  async close(actor: OutreachActor, caseId: number, input: CloseInput, manager?: EntityManager): Promise<ClosedCase> {
    if (!OUTCOMES.includes(input.outcome)) throw DomainError.validation(`outcome must be one of ${OUTCOMES.join(', ')}`);
    const reason = note(input.reason, 'reason');
    const to = input.toMunicipality ?? null;
    if (to !== null && !MUNICIPALITY_CODES.includes(to)) throw DomainError.validation('toMunicipality must be a code LT-01…LT-60');
    // Missing input is the caller's to fix (400); the rules about the case's own state are conflicts (409).
    if (input.outcome === 'NOT_ELIGIBLE' && !reason) throw DomainError.validation('NOT_ELIGIBLE needs the reason (it is feedback on the criterion)');
    const wrongRegister = input.wrongRegister ?? null;
    if (wrongRegister !== null && !(WRONG_REGISTERS as readonly string[]).includes(wrongRegister)) throw DomainError.validation(`wrongRegister must be one of ${WRONG_REGISTERS.join(', ')}`);
    if (wrongRegister !== null && input.outcome !== 'NOT_ELIGIBLE') throw DomainError.validation('wrongRegister goes only with NOT_ELIGIBLE');
    if (input.outcome === 'MOVED_AWAY' && !to) throw DomainError.validation('MOVED_AWAY needs the municipality the person moved to (toMunicipality)');
    const work = async (m: EntityManager): Promise<ClosedCase> => {
      const c = await caseForStep(this.cases, m, actor, caseId, 'close', input.version);
      const referrals: Array<{ n: number }> = await m.query(`SELECT count(*)::int AS n FROM referral WHERE case_id = $1`, [caseId]);
      const problem = closeProblem({
        caseId,
        outcome: input.outcome,
        municipality: c.municipality,
        unanswered: input.outcome === 'UNREACHABLE' ? await this.cases.unanswered(m, caseId) : 0,
        unreachableAfter: this.config.outreach.unreachableAfterAttempts,
        referrals: referrals[0].n,
        reason,
        toMunicipality: to,
      });
      if (problem) throw DomainError.conflict(problem, { caseId, outcome: input.outcome });
      if (input.outcome === 'MOVED_AWAY') return this.handOverIn(m, actor, c, to!, reason);
      let closed = await this.cases.close(m, caseId, input.outcome, reason, null, this.clock.now());
      if (wrongRegister !== null) closed = await this.cases.setNotEligibleRegister(m, caseId, wrongRegister);
      const named = wrongRegister !== null ? { wrongRegister } : {};
      await this.cases.event(m, c, actor.userId, 'CLOSED', { outcome: input.outcome, ...named });
      // The reason is feedback on the criterion; it goes with the case, not into the log (free text may name people).
      await this.audit.record(m, caseEntry(actor, c, 'case.closed', { outcome: input.outcome, cohorts: c.cohorts, withReason: reason !== null, ...named }));
      const optOut = input.outcome === 'OPTED_OUT' ? await this.optOutIn(m, actor, c) : null;
      return { ...caseChange(closed), handedOver: null, optOut };
    };
    return manager ? work(manager) : this.db.transaction(outreachScope(actor), work);
  }

  /** The person asked not to be contacted: closes the case as OPTED_OUT and records the national opt-out. */
  optOut(actor: OutreachActor, caseId: number, version?: number): Promise<ClosedCase> {
    return this.close(actor, caseId, { outcome: 'OPTED_OUT', version });
  }

  /** A coordinator hands a case over to the municipality the person moved to: closed here as MOVED_AWAY. */
  async handOver(actor: OutreachActor, caseId: number, toMunicipality: string, version: number, reason?: string | null): Promise<ClosedCase> {
    if (!MUNICIPALITY_CODES.includes(toMunicipality)) throw DomainError.validation('toMunicipality must be a code LT-01…LT-60');
    return this.db.transaction(outreachScope(actor), async (m) => {
      const c = await caseForStep(this.cases, m, actor, caseId, 'hand-over', version);
      if (toMunicipality === c.municipality) throw DomainError.validation(`the case is already in ${toMunicipality}`);
      return this.handOverIn(m, actor, c, toMunicipality, note(reason, 'reason'));
    });
  }

  /** An administrator records that the person withdrew their opt-out: later runs may list them again. */
  async withdrawOptOut(actor: OutreachActor, optOutId: number): Promise<{ id: number; withdrawn: true }> {
    if (!(actor.role === 'ADMIN' || isSystem(actor))) throw DomainError.forbidden('Only an administrator records the withdrawal of an opt-out');
    assertNationalOptOuts(actor, 'Recording the withdrawal of an opt-out');
    return this.db.transaction(outreachScope(actor), async (m) => {
      const result = await this.cases.withdrawOptOut(m, optOutId, actor.userId);
      if (result === 'missing') throw DomainError.notFound(`opt-out ${optOutId}`);
      if (result === 'withdrawn') throw DomainError.conflict(`opt-out ${optOutId} was withdrawn already`);
      await this.audit.record(m, {
        actor: actor.userId,
        role: actor.role,
        municipality: null,
        action: 'opt_out.withdrawn',
        subject: result.subject,
        objectType: 'opt_out',
        objectId: String(optOutId),
        purpose: 'outreach',
        lawfulBasisId: result.lawfulBasisIds[0] ?? null,
        details: { optOutId, ...(result.lawfulBasisIds.length > 1 ? { lawfulBases: result.lawfulBasisIds } : {}) },
      });
      return { id: optOutId, withdrawn: true as const };
    });
  }

  async listOptOuts(actor: OutreachActor, active: boolean | null, limit = 100) {
    if (!(actor.role === 'ADMIN' || isSystem(actor))) throw DomainError.forbidden('Only an administrator lists opt-outs');
    assertNationalOptOuts(actor, 'Reading the national opt-outs');
    return this.db.transaction(outreachScope(actor), (m) => this.cases.optOuts(m, active, Math.min(Math.max(limit, 1), 500)));
  }

  /**
   * A worker may be given a case: an enabled WORKER account of the case's municipality (not a
   * coordinator, not a service account). Refused with VALIDATION_FAILED, as a wrong field is.
   */
  async assigneeCheck(m: EntityManager, userId: string, municipality: string): Promise<void> {
    const holder = await this.cases.holder(m, userId);
    if (holder?.kind === 'SERVICE') throw DomainError.validation('userId is a service account, which acts for no person and cannot hold cases');
    if (!holder || holder.disabled || holder.municipality !== municipality || holder.role !== 'WORKER') {
      throw DomainError.validation(`userId must be an enabled worker of ${municipality}: cases are given to workers only`);
    }
  }

  /**
   * Locks `userId` as a holder for the rest of the transaction and checks that `adding` more cases fit
   * under their caseload limit. Every way of taking a case (claim, claim-next, assign, automatic and bulk
   * assignment) goes through here before it locks a case, so parallel takers queue on the holder's lock
   * and each reads the load the previous one committed: the limit holds exactly. No limit (null) is no
   * limit. Returns the load before the change.
   */
  async roomFor(m: EntityManager, userId: string, adding: number, who: string): Promise<{ load: number; caseloadLimit: number | null }> {
    await advisoryXactLock(m, holderLockKey(userId));
    const holder = await this.cases.holder(m, userId);
    const load = await this.cases.openLoad(m, userId);
    const caseloadLimit = holder?.caseloadLimit ?? null;
    if (caseloadLimit !== null && load + adding > caseloadLimit) {
      const subject = who === 'you' ? 'you already hold' : `${who} already holds`;
      throw DomainError.conflict(`${subject} ${load} open cases against a caseload limit of ${caseloadLimit}: ${adding === 1 ? 'one more' : `${adding} more`} would pass it`, {
        load,
        caseloadLimit,
        adding,
      });
    }
    return { load, caseloadLimit };
  }

  private nextDate(value: string | null | undefined): string | null {
    if (value === undefined || value === null || value === '') return null;
    if (!isIsoDate(value)) throw DomainError.validation('nextAttemptOn must be a date (YYYY-MM-DD)');
    const today = this.clock.today();
    if (value < today) throw DomainError.validation(`nextAttemptOn cannot be before today (${today})`);
    if (value > addDays(today, 366)) throw DomainError.validation('nextAttemptOn is at most a year ahead');
    return value;
  }

  /**
   * Closes the case here as MOVED_AWAY and carries it, with its history, into the new municipality. The
   * receiving side is written under the national hand-over scope (the one cross-municipality write of
   * case work); the scope goes back to the actor's before the log entries.
   */
  private async handOverIn(m: EntityManager, actor: OutreachActor, c: CaseRow, to: string, reason: string | null): Promise<ClosedCase> {
    const closed = await this.cases.close(m, c.id, 'MOVED_AWAY', reason, to, this.clock.now());
    await this.cases.event(m, c, actor.userId, 'CLOSED', { outcome: 'MOVED_AWAY', toMunicipality: to });
    await applyScope(m, handOverScope(actor));
    const received = await this.cases.receive(m, c, to, actor.userId);
    await applyScope(m, outreachScope(actor));
    await this.audit.recordMany(m, [
      caseEntry(actor, c, 'case.closed', { outcome: 'MOVED_AWAY', cohorts: c.cohorts, withReason: reason !== null }),
      caseEntry(actor, c, 'case.handed_over', { toMunicipality: to, toCaseId: received.caseId, newCase: received.created }),
    ]);
    return { ...caseChange(closed), handedOver: { municipality: to, caseId: received.caseId }, optOut: null };
  }

  /**
   * Records the national opt-out and closes the person's other open cases wherever they are: "no run
   * creates a case for them anywhere", and nobody elsewhere keeps calling them either.
   */
  private async optOutIn(m: EntityManager, actor: OutreachActor, c: CaseRow): Promise<{ id: number; otherCasesClosed: number }> {
    const optOut = await this.cases.recordOptOut(m, c.pseudonym, actor.userId, c.id);
    await applyScope(m, handOverScope(actor));
    const others = await this.cases.openCasesOf(m, c.pseudonym, c.id);
    for (const other of others) {
      await this.cases.closeOther(m, other.id, 'OPTED_OUT', this.clock.now());
      await this.cases.event(m, other, actor.userId, 'CLOSED', { outcome: 'OPTED_OUT', optOutId: optOut.id, fromMunicipality: c.municipality });
    }
    await applyScope(m, outreachScope(actor));
    await this.audit.recordMany(m, [
      caseEntry(actor, c, 'opt_out.recorded', { optOutId: optOut.id, newOptOut: optOut.created }),
      ...others.map((o) => caseEntry(actor, o, 'case.closed', { outcome: 'OPTED_OUT', optOutId: optOut.id, cohorts: o.cohorts })),
    ]);
    return { id: optOut.id, otherCasesClosed: others.length };
  }
}

/**
 * Opt-outs are national (one per person, honoured by every municipality's runs), so their list and their
 * withdrawal are a national administrator's, not a municipal one's.
 */
function assertNationalOptOuts(actor: OutreachActor, what: string): void {
  if (actor.scope !== 'national') {
    throw DomainError.forbidden(`${what} is a national matter: only a national administrator may do it (you act for ${actor.municipality ?? 'one municipality'}).`);
  }
}
