import { Inject, Injectable } from '@nestjs/common';
import { AuditService } from '@tiltas/audit';
import { Clock, DomainError, ErrorCode, ageAt } from '@tiltas/common';
import { APP_CONFIG, AppConfig } from '@tiltas/config';
import { DatabaseService } from '@tiltas/database';
import { caseEntry, caseForStep, mayHoldCases } from '../case-access';
import { CaseStatus, ageBand } from '../case-codes';
import { closeProblem } from '../case-rules';
import { CaseWorkService } from '../case-work.service';
import { CasesRepository } from '../cases.repository';
import { OutreachActor, outreachScope } from '../outreach-actor';
import { QueueItem, summary } from '../case-queue.service';
import { PAGE_SIZE_DEFAULT, WORK_LIST_PAGES, WorkListFilter, WorkListPage, checkWorkListFilter } from './work-list-filter';
import { SavedViewRow, WorkListsRepository } from './work-lists.repository';

export interface WorkListResult {
  readonly page: WorkListPage;
  readonly filter: WorkListFilter;
  readonly items: QueueItem[];
  readonly total: number;
  readonly pageNumber: number;
  readonly pages: number;
  readonly pageSize: number;
}

export const BULK_ACTIONS = ['assign', 'unassign', 'close-unreachable'] as const;
export type BulkAction = (typeof BULK_ACTIONS)[number];
/** How many cases one bulk action takes at most: a page of the largest size. */
export const BULK_MAX = 200;

export interface BulkPreviewRow {
  readonly caseId: number;
  readonly version: number;
  readonly status: CaseStatus;
  readonly assignedTo: string | null;
  /** What the action would make of the case; null when the row is refused. */
  readonly becomes: { readonly status: CaseStatus; readonly assignedTo: string | null; readonly outcome: string | null } | null;
  /** Why the row would not change, in words the reader can act on. */
  readonly problem: string | null;
}

export interface BulkPreview {
  readonly action: BulkAction;
  readonly toUserId: string | null;
  readonly rows: BulkPreviewRow[];
  readonly changes: number;
  readonly refused: number;
  /** assign: the worker's open load before and after, against their limit. Real numbers: the viewer's own team. */
  readonly worker: { readonly userId: string; readonly username: string; readonly caseloadLimit: number | null; readonly before: number; readonly after: number } | null;
}

export interface BulkOutcome {
  readonly action: BulkAction;
  readonly changed: number[];
  readonly refused: Array<{ caseId: number; problem: string }>;
}

/** Errors that refuse one row of a bulk action (reported beside it); anything else stops the action. */
const REFUSALS: readonly ErrorCode[] = [ErrorCode.VALIDATION_FAILED, ErrorCode.CONFLICT, ErrorCode.NOT_FOUND, ErrorCode.FORBIDDEN];

function bounded(ids: readonly number[]): number[] {
  const unique = [...new Set(ids)];
  if (unique.length === 0) throw DomainError.validation('Select at least one case');
  if (unique.length > BULK_MAX) throw DomainError.validation(`A bulk action takes at most ${BULK_MAX} cases at once`);
  if (!unique.every((id) => Number.isSafeInteger(id) && id > 0)) throw DomainError.validation('case ids must be positive whole numbers');
  return unique.sort((a, b) => a - b);
}

/**
 * The queue, the case list and the caseload as work lists: filtered, sorted, paged; the user's saved
 * views of them; and bulk actions shown first as a preview of what will change (every row checked by the
 * case rules), then applied row by row, each row its own transaction with its case event and audit entry,
 * so a row that fails is reported and the others still change.
 */
@Injectable()
export class WorkListsService {
  constructor(
    private readonly db: DatabaseService,
    private readonly repo: WorkListsRepository,
    private readonly cases: CasesRepository,
    private readonly work: CaseWorkService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async list(actor: OutreachActor, page: WorkListPage, filter: WorkListFilter, pageNumber = 1): Promise<WorkListResult> {
    if (!mayHoldCases(actor) || actor.role === 'SYSTEM') throw DomainError.forbidden('Work lists are for workers and coordinators');
    if (page === 'caseload' && actor.role !== 'COORDINATOR') throw DomainError.forbidden('The caseload is for coordinators');
    const pageSize = filter.pageSize ?? PAGE_SIZE_DEFAULT;
    const today = this.clock.today();
    const holder = filter.holder ?? (page === 'caseload' ? 'anyone' : 'me');
    // A worker's lists are their own cases, whatever the filter asks; the queue is the actor's own for everyone.
    const own = actor.role === 'WORKER' || page === 'queue';
    const assignedTo = own || holder === 'me' ? actor.userId : holder === 'nobody' || holder === 'anyone' ? null : holder;
    const status = page === 'queue' ? (filter.status && filter.status !== 'OPEN' && filter.status !== 'CLOSED' && filter.status !== 'NEW' ? filter.status : 'OPEN') : (filter.status ?? (page === 'caseload' ? 'OPEN' : null));
    const { rows, total } = await this.db.transaction(outreachScope(actor), (m) =>
      this.repo.page(m, {
        page,
        municipality: actor.municipality,
        status,
        cohort: filter.cohort ?? null,
        windowFrom: filter.windowFrom ?? null,
        windowTo: filter.windowTo ?? null,
        assignedTo,
        unassigned: !own && holder === 'nobody',
        dueBy: page === 'queue' ? today : null,
        sort: filter.sort ?? 'urgency',
        dir: filter.dir ?? 'asc',
        limit: pageSize,
        offset: (pageNumber - 1) * pageSize,
      }),
    );
    const items = rows.map((r) => {
      const windows: Record<string, string | null> = {};
      for (const reason of r.reasons) windows[reason.criterionId] = reason.windowDate;
      return { ...summary(r), ageBand: r.birthDate ? ageBand(ageAt(r.birthDate, today)) : null, reasons: r.reasons, windows };
    });
    return { page, filter, items, total, pageNumber, pages: Math.max(1, Math.ceil(total / pageSize)), pageSize };
  }

  /** Workers a coordinator may give cases to (never coordinators), with their loads and limits. */
  async assignees(actor: OutreachActor) {
    if (actor.role !== 'COORDINATOR') throw DomainError.forbidden('Only a coordinator assigns cases');
    return this.db.transaction(outreachScope(actor), (m) => this.repo.workers(m, actor.municipality!));
  }

  // --- saved views --------------------------------------------------------------------------------------

  async views(actor: OutreachActor, page: WorkListPage | null = null): Promise<SavedViewRow[]> {
    return this.db.transaction(outreachScope(actor), (m) => this.repo.views(m, page));
  }

  /** Saves the filter under a name for one page; the same name again replaces it. A view holds no personal data: not audited. */
  async saveView(actor: OutreachActor, page: string, name: string, filter: unknown): Promise<{ id: number }> {
    if (!(WORK_LIST_PAGES as readonly string[]).includes(page)) throw DomainError.validation(`page must be one of ${WORK_LIST_PAGES.join(', ')}`);
    const trimmed = name.trim();
    if (trimmed.length < 1 || trimmed.length > 80) throw DomainError.validation('A view needs a name of 1 to 80 characters');
    const checked = checkWorkListFilter(filter);
    if (actor.role !== 'COORDINATOR' && page === 'caseload') throw DomainError.forbidden('The caseload is for coordinators');
    const id = await this.db.transaction(outreachScope(actor), (m) => this.repo.saveView(m, actor.userId, page as WorkListPage, trimmed, checked));
    return { id };
  }

  /** One of the actor's own views (another user's is "not found": row-level security hides it). */
  async view(actor: OutreachActor, id: number): Promise<SavedViewRow & { filter: WorkListFilter }> {
    const row = await this.db.transaction(outreachScope(actor), (m) => this.repo.view(m, id));
    if (!row) throw DomainError.notFound(`view ${id}`);
    return { ...row, filter: checkWorkListFilter(row.filter) };
  }

  async deleteView(actor: OutreachActor, id: number): Promise<void> {
    const deleted = await this.db.transaction(outreachScope(actor), (m) => this.repo.deleteView(m, id));
    if (!deleted) throw DomainError.notFound(`view ${id}`);
  }

  // --- bulk actions -------------------------------------------------------------------------------------

  /** What the action would do to each selected case, every row checked by the case rules; changes nothing. */
  async bulkPreview(actor: OutreachActor, action: string, ids: readonly number[], toUserId: string | null): Promise<BulkPreview> {
    const act = this.bulkAction(actor, action);
    const selection = bounded(ids);
    return this.db.transaction(outreachScope(actor), async (m) => {
      let worker: BulkPreview['worker'] = null;
      let room = Infinity;
      if (act === 'assign') {
        if (!toUserId) throw DomainError.validation('Choose the worker to assign the cases to');
        await this.work.assigneeCheck(m, toUserId, actor.municipality!);
        const holder = (await this.repo.workers(m, actor.municipality!)).find((w) => w.userId === toUserId)!;
        worker = { userId: holder.userId, username: holder.username, caseloadLimit: holder.caseloadLimit, before: holder.open, after: holder.open };
        room = holder.caseloadLimit === null ? Infinity : Math.max(0, holder.caseloadLimit - holder.open);
      }
      const found = new Map((await this.repo.forBulk(m, selection, false)).map((r) => [r.id, r]));
      const rows: BulkPreviewRow[] = [];
      let taken = 0;
      for (const id of selection) {
        const c = found.get(id);
        if (!c) {
          rows.push({ caseId: id, version: 0, status: 'NEW', assignedTo: null, becomes: null, problem: `case ${id} was not found in your municipality` });
          continue;
        }
        let problem = this.rowProblem(actor, act, c, toUserId);
        if (!problem && act === 'assign' && taken >= room) {
          problem = `the worker's caseload limit of ${worker!.caseloadLimit} is reached before case ${id}`;
        }
        if (!problem && act === 'assign') taken++;
        rows.push({
          caseId: id,
          version: c.version,
          status: c.status,
          assignedTo: c.assignedTo,
          becomes: problem ? null : this.becomes(act, c.status, toUserId),
          problem,
        });
      }
      if (worker) worker = { ...worker, after: worker.before + taken };
      const changes = rows.filter((r) => r.problem === null).length;
      return { action: act, toUserId, rows, changes, refused: rows.length - changes, worker };
    });
  }

  /**
   * Applies the action to each case at the version the preview showed: a case changed since is refused
   * with that reason, never overwritten. Each row is one transaction with its event and audit entry.
   */
  async bulkApply(actor: OutreachActor, action: string, selection: ReadonlyArray<{ caseId: number; version: number }>, toUserId: string | null): Promise<BulkOutcome> {
    const act = this.bulkAction(actor, action);
    const ids = bounded(selection.map((s) => s.caseId));
    const versions = new Map(selection.map((s) => [s.caseId, s.version]));
    const changed: number[] = [];
    const refused: Array<{ caseId: number; problem: string }> = [];
    for (const caseId of ids) {
      try {
        await this.applyOne(actor, act, caseId, versions.get(caseId)!, toUserId);
        changed.push(caseId);
      } catch (err) {
        if (!(err instanceof DomainError) || !REFUSALS.includes(err.code)) throw err;
        refused.push({ caseId, problem: err.message });
      }
    }
    return { action: act, changed, refused };
  }

  private async applyOne(actor: OutreachActor, act: BulkAction, caseId: number, version: number, toUserId: string | null): Promise<void> {
    if (act === 'assign') {
      if (!toUserId) throw DomainError.validation('Choose the worker to assign the cases to');
      await this.work.assign(actor, caseId, toUserId, version);
      return;
    }
    if (act === 'close-unreachable') {
      await this.work.close(actor, caseId, { outcome: 'UNREACHABLE', version });
      return;
    }
    await this.db.transaction(outreachScope(actor), async (m) => {
      const c = await caseForStep(this.cases, m, actor, caseId, 'reassign', version);
      await this.repo.unassign(m, caseId);
      await this.cases.event(m, c, actor.userId, 'UNASSIGNED', { from: c.assignedTo });
      await this.audit.record(m, caseEntry(actor, c, 'case.unassigned', { from: c.assignedTo, mode: 'bulk' }));
    });
  }

  private bulkAction(actor: OutreachActor, action: string): BulkAction {
    if (!(BULK_ACTIONS as readonly string[]).includes(action)) throw DomainError.validation(`action must be one of ${BULK_ACTIONS.join(', ')}`);
    const act = action as BulkAction;
    if ((act === 'assign' || act === 'unassign') && actor.role !== 'COORDINATOR') throw DomainError.forbidden('Only a coordinator assigns cases or returns them to the backlog');
    if (actor.role !== 'COORDINATOR' && actor.role !== 'WORKER') throw DomainError.forbidden('Bulk actions are for workers and coordinators');
    return act;
  }

  /** The case rules for one row, as the step itself would check them (same words). */
  private rowProblem(actor: OutreachActor, act: BulkAction, c: { id: number; status: CaseStatus; assignedTo: string | null; unanswered: number }, toUserId: string | null): string | null {
    if (c.status === 'CLOSED') return `case ${c.id} is CLOSED: a closed case is final`;
    if (act === 'assign') return c.assignedTo === toUserId ? `case ${c.id} is already held by that worker` : null;
    if (act === 'unassign') return c.status === 'NEW' ? `case ${c.id} is NEW: it is in the backlog already` : null;
    if (c.assignedTo !== actor.userId) return `Only the one who holds case ${c.id} can close it`;
    if (c.status === 'NEW') return `case ${c.id} is NEW and cannot be closed: only a case that is ASSIGNED or IN_PROGRESS can`;
    return closeProblem({
      caseId: c.id,
      outcome: 'UNREACHABLE',
      municipality: actor.municipality ?? '',
      unanswered: c.unanswered,
      unreachableAfter: this.config.outreach.unreachableAfterAttempts,
      referrals: 0,
      reason: null,
      toMunicipality: null,
    });
  }

  private becomes(act: BulkAction, status: CaseStatus, toUserId: string | null): BulkPreviewRow['becomes'] {
    if (act === 'assign') return { status: status === 'NEW' ? 'ASSIGNED' : status, assignedTo: toUserId, outcome: null };
    if (act === 'unassign') return { status: 'NEW', assignedTo: null, outcome: null };
    return { status: 'CLOSED', assignedTo: null, outcome: 'UNREACHABLE' };
  }
}
