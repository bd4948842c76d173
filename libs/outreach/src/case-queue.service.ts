import { Inject, Injectable } from '@nestjs/common';
import { Clock, DomainError, ageAt } from '@tiltas/common';
import { APP_CONFIG, AppConfig } from '@tiltas/config';
import { DatabaseService } from '@tiltas/database';
import { caseForRead, mayHoldCases } from './case-access';
import { CASE_STATUSES, CaseStatus, ageBand } from './case-codes';
import { AttemptView, CaseRow, CasesRepository, EventView, QueueRow, ReasonView, WorkerLoad } from './cases.repository';
import { OutreachActor, outreachScope } from './outreach-actor';
import { ReferralView, ReferralsRepository } from './referrals.repository';
import { CaseResponseView, ResponseLinksRepository } from './response-links/response-links.repository';

/** A case as a worker or coordinator sees it: why listed, how urgent, how far along. Never contact details. */
export interface CaseSummary {
  readonly id: number;
  readonly municipality: string;
  readonly status: CaseStatus;
  readonly outcome: string | null;
  readonly cohorts: string[];
  readonly priority: number;
  readonly windowDate: string | null;
  readonly assignedTo: string | null;
  readonly nextAttemptOn: string | null;
  readonly attempts: number;
  readonly lapsed: { readonly on: string; readonly reason: Record<string, unknown> | null } | null;
  readonly handedOverFrom: { readonly municipality: string; readonly caseId: number | null } | null;
  readonly handedOverTo: string | null;
  readonly createdAt: string;
  readonly closedAt: string | null;
  readonly version: number;
  /** The person asked for help through a response link: the notice on the queue and the case, until the next attempt. */
  readonly helpRequestedAt: string | null;
}

export interface QueueItem extends CaseSummary {
  readonly ageBand: string | null;
  /** Why listed: each cohort's criterion version, run, date and the dates and values that put them on the list. */
  readonly reasons: ReasonView[];
  /** The window dates of the reasons, by cohort. */
  readonly windows: Record<string, string | null>;
}

export interface CaseDetail extends QueueItem {
  readonly outcomeNote: string | null;
  readonly attemptsLog: AttemptView[];
  readonly referrals: ReferralView[];
  readonly history: EventView[];
  readonly unansweredAttempts: number;
  readonly unreachableAfterAttempts: number;
  /** The person's answers through response links, newest first. */
  readonly responses: CaseResponseView[];
}

export interface DailyQueue {
  readonly date: string;
  readonly cases: QueueItem[];
  /** More due cases than this page holds. */
  readonly more: boolean;
}

export interface CaseloadBoard {
  readonly municipality: string;
  readonly date: string;
  readonly workers: ReadonlyArray<WorkerLoad & { readonly room: number | null }>;
  readonly backlog: { readonly unassigned: number; readonly lapsed: number; readonly byCohort: Record<string, number>; readonly mostUrgentPriority: number | null };
}

export function summary(c: CaseRow): CaseSummary {
  return {
    id: c.id,
    municipality: c.municipality,
    status: c.status,
    outcome: c.outcome,
    cohorts: c.cohorts,
    priority: c.priority,
    windowDate: c.windowDate,
    assignedTo: c.assignedTo,
    nextAttemptOn: c.nextAttemptOn,
    attempts: c.attempts,
    lapsed: c.lapsedOn ? { on: c.lapsedOn, reason: c.lapsedReason } : null,
    handedOverFrom: c.handedOverFrom ? { municipality: c.handedOverFrom, caseId: null } : null,
    handedOverTo: c.handedOverTo,
    createdAt: c.createdAt,
    closedAt: c.closedAt,
    version: c.version,
    helpRequestedAt: c.helpRequestedAt,
  };
}

/**
 * What workers and coordinators read: the daily queue, a case with its why-listed reasons and history,
 * case lists, and the caseload board. Reads run under the actor's scope like every write.
 */
@Injectable()
export class CaseQueueService {
  constructor(
    private readonly db: DatabaseService,
    private readonly cases: CasesRepository,
    private readonly referrals: ReferralsRepository,
    private readonly responses: ResponseLinksRepository,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** The cases the actor holds that are due today, most urgent first. */
  async dailyQueue(actor: OutreachActor, limit = 50): Promise<DailyQueue> {
    if (actor.role !== 'WORKER' && actor.role !== 'COORDINATOR') throw DomainError.forbidden('The daily queue is for workers and coordinators');
    const size = Math.min(Math.max(Math.trunc(limit), 1), 200);
    const today = this.clock.today();
    const rows = await this.db.transaction(outreachScope(actor), (m) => this.cases.due(m, actor.userId, today, size + 1));
    return { date: today, cases: rows.slice(0, size).map((r) => this.item(r, today)), more: rows.length > size };
  }

  async detail(actor: OutreachActor, caseId: number): Promise<CaseDetail> {
    const today = this.clock.today();
    return this.db.transaction(outreachScope(actor), async (m) => {
      const c = await caseForRead(this.cases, m, actor, caseId);
      const [reasons, birthDate, attempts, referrals, history, unanswered] = [
        await this.cases.reasons(m, caseId),
        await this.cases.birthDate(m, caseId),
        await this.cases.attempts(m, caseId),
        await this.referrals.referrals(m, caseId),
        await this.cases.events(m, caseId),
        await this.cases.unanswered(m, caseId),
      ];
      const responses = await this.responses.responses(m, caseId);
      const item = this.item({ ...c, reasons, birthDate }, today);
      return {
        ...item,
        handedOverFrom: c.handedOverFrom ? { municipality: c.handedOverFrom, caseId: c.handedOverFromCase } : null,
        outcomeNote: c.outcomeNote,
        attemptsLog: attempts,
        referrals,
        history,
        unansweredAttempts: unanswered,
        unreachableAfterAttempts: this.config.outreach.unreachableAfterAttempts,
        responses,
      };
    });
  }

  /** Cases of the actor's scope: a coordinator's municipality, a worker's own. */
  async list(actor: OutreachActor, filter: { status?: string; assignedTo?: string; limit?: number; offset?: number }): Promise<CaseSummary[]> {
    if (!mayHoldCases(actor)) throw DomainError.forbidden('Case lists are for workers and coordinators');
    const status = filter.status ?? null;
    if (status !== null && status !== 'OPEN' && !(CASE_STATUSES as readonly string[]).includes(status)) {
      throw DomainError.validation(`status must be OPEN or one of ${CASE_STATUSES.join(', ')}`);
    }
    const limit = Math.min(Math.max(Math.trunc(filter.limit ?? 100), 1), 500);
    const offset = Math.max(Math.trunc(filter.offset ?? 0), 0);
    const assignedTo = actor.role === 'WORKER' ? actor.userId : (filter.assignedTo ?? null);
    const rows = await this.db.transaction(outreachScope(actor), (m) =>
      this.cases.list(m, { municipality: actor.municipality, status: status as CaseStatus | 'OPEN' | null, assignedTo, limit, offset }),
    );
    return rows.map(summary);
  }

  /** Every worker's load against their limit, and the unassigned backlog: what a coordinator balances. */
  async board(actor: OutreachActor): Promise<CaseloadBoard> {
    if (actor.role !== 'COORDINATOR') throw DomainError.forbidden('The caseload board is for coordinators');
    const today = this.clock.today();
    const municipality = actor.municipality!;
    return this.db.transaction(outreachScope(actor), async (m) => {
      const loads = await this.cases.loads(m, municipality, today);
      const backlog = await this.cases.backlog(m, municipality);
      return {
        municipality,
        date: today,
        workers: loads.map((w) => ({ ...w, room: w.caseloadLimit === null ? null : Math.max(0, w.caseloadLimit - w.open) })),
        backlog: { unassigned: backlog.unassigned, lapsed: backlog.lapsed, byCohort: backlog.byCohort, mostUrgentPriority: backlog.mostUrgent },
      };
    });
  }

  private item(r: QueueRow, today: string): QueueItem {
    const windows: Record<string, string | null> = {};
    for (const reason of r.reasons) windows[reason.criterionId] = reason.windowDate;
    return {
      ...summary(r),
      // The birth date stays here: the caller gets the band only.
      ageBand: r.birthDate ? ageBand(ageAt(r.birthDate, today)) : null,
      reasons: r.reasons,
      windows,
    };
  }
}
