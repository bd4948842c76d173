import { Body, Controller, Get, Param, ParseIntPipe, Post, Query, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Actor, CurrentActor, Roles } from '@tiltas/access';
import { DomainError, ErrorCode } from '@tiltas/common';
import { LETTER_LANGUAGES, LetterTemplatesService, MESSAGE_KINDS } from '@tiltas/letters';
import { CaseQueueService, CaseWorkService, CreatedServiceToken, ReferralsService, SERVICE_KINDS, ServiceFields, ServiceKind, WORK_LIST_SORTS, WorkListsService, filterQuery, parsePageNumber, parseWorkListFilter } from '@tiltas/outreach';
import type { Response } from 'express';
import { field, renderPage } from './page-render';

function refusal(err: unknown): err is DomainError {
  return err instanceof DomainError && (err.code === ErrorCode.VALIDATION_FAILED || err.code === ErrorCode.CONFLICT);
}

const SERVICE_DONE = new Set(['added', 'updated', 'retired']);

/** A service form's fields; the cohort checkboxes arrive as one value or several. */
function serviceFields(body: Record<string, unknown>): ServiceFields {
  const raw = body.cohorts;
  const cohorts = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).filter((k): k is string => typeof k === 'string' && k.trim() !== '').map((k) => k.trim());
  return {
    kind: field(body, 'kind') as ServiceKind,
    name: field(body, 'name') ?? '',
    description: field(body, 'description') ?? null,
    contact: field(body, 'contact') ?? null,
    cohorts,
  };
}

/**
 * The coordinator's balancing and directory pages: the caseload board (loads against limits, the
 * unassigned backlog; assign, auto-assign, reassign), the service directory and template previews.
 */
@ApiExcludeController()
@Controller()
export class CoordinationPagesController {
  constructor(
    private readonly queue: CaseQueueService,
    private readonly work: CaseWorkService,
    private readonly referrals: ReferralsService,
    private readonly templates: LetterTemplatesService,
    private readonly lists: WorkListsService,
  ) {}

  @Get('caseload')
  @Roles('COORDINATOR')
  async board(@CurrentActor() actor: Actor, @Query() query: Record<string, unknown>, @Res() res: Response): Promise<void> {
    await this.renderBoard(res, actor, { assigned: field(query, 'assigned') ?? null, error: null }, 200, query);
  }

  private async renderBoard(res: Response, actor: Actor, extra: { assigned: string | null; error: string | null }, status = 200, query: Record<string, unknown> = {}): Promise<void> {
    const filter = parseWorkListFilter(query);
    const pageNumber = parsePageNumber(field(query, 'page'));
    const [board, list, assignees] = await Promise.all([this.queue.board(actor), this.lists.list(actor, 'caseload', filter, pageNumber), this.lists.assignees(actor)]);
    const open = list.items;
    const names = new Map(board.workers.map((w) => [w.userId, w.username]));
    const keep = filterQuery(filter);
    const at = (n: number): string => `/caseload?${keep ? `${keep}&` : ''}page=${n}`;
    renderPage(
      res,
      actor,
      'caseload',
      'caseload.title',
      {
        board,
        workers: board.workers.map((w) => ({
          ...w,
          over: w.caseloadLimit !== null && w.open > w.caseloadLimit,
          load: w.caseloadLimit ? Math.min(100, Math.round((w.open / w.caseloadLimit) * 100)) : 0,
          // The coordinator's own team: the load bar shows small loads too (docs/suppression.md).
          showsLoad: true,
        })),
        cohorts: Object.entries(board.backlog.byCohort).map(([cohort, n]) => ({ cohort, n })),
        cases: open.map((c) => ({ ...c, holder: c.assignedTo ? (names.get(c.assignedTo) ?? c.assignedTo) : null })),
        // Only workers are offered as assignees: cases are given to workers, never to coordinators.
        assignees,
        list: { total: list.total, page: list.pageNumber, pages: list.pages, prev: list.pageNumber > 1 ? at(list.pageNumber - 1) : null, next: list.pageNumber < list.pages ? at(list.pageNumber + 1) : null },
        filter,
        holders: ['anyone', 'nobody', 'me'].map((h) => ({ value: h, selected: (filter.holder ?? 'anyone') === h })),
        sorts: WORK_LIST_SORTS.map((v) => ({ value: v, selected: (filter.sort ?? 'urgency') === v })),
        ...extra,
      },
      // The coordinator's own team and backlog: real numbers (docs/suppression.md), not statistics that leave it.
      { status, seesSmallCounts: true },
    );
  }

  @Post('caseload/auto-assign')
  @Roles('COORDINATOR')
  async autoAssign(@CurrentActor() actor: Actor, @Res() res: Response): Promise<void> {
    try {
      const result = await this.work.autoAssign(actor);
      res.redirect(303, `/caseload?assigned=${result.assigned}`);
    } catch (err) {
      if (!refusal(err)) throw err;
      await this.renderBoard(res, actor, { assigned: null, error: err.message }, 409);
    }
  }

  /** Assigns an unassigned case or reassigns a held one: the same service step. */
  @Post('caseload/assign')
  @Roles('COORDINATOR')
  async assign(@CurrentActor() actor: Actor, @Body() body: Record<string, unknown>, @Res() res: Response): Promise<void> {
    try {
      await this.work.assign(actor, Number(field(body, 'caseId')), field(body, 'toUserId') ?? '', Number(field(body, 'version')));
      res.redirect(303, '/caseload?assigned=1');
    } catch (err) {
      if (!refusal(err)) throw err;
      await this.renderBoard(res, actor, { assigned: null, error: err.message }, 409);
    }
  }

  @Get('services')
  @Roles('WORKER', 'COORDINATOR', 'ADMIN')
  async services(@CurrentActor() actor: Actor, @Query() query: Record<string, unknown>, @Res() res: Response): Promise<void> {
    const done = field(query, 'done');
    await this.renderServices(res, actor, { done: done && SERVICE_DONE.has(done) ? `services.done.${done}` : null });
  }

  private async renderServices(res: Response, actor: Actor, extra: { error?: string | null; done?: string | null; form?: Record<string, unknown>; token?: CreatedServiceToken | null; editing?: number | null }, status = 200): Promise<void> {
    const [services, cohorts] = await Promise.all([this.referrals.listServices(actor, false), this.referrals.cohortChoices(actor)]);
    const editing = extra.editing ?? null;
    const mayAdd = actor.role === 'COORDINATOR' || (actor.role === 'ADMIN' && actor.scope === 'national');
    const rows = services.map((s) => ({ ...s, mayKeep: this.referrals.mayKeep(actor, s), editing: s.id === editing }));
    const edited = rows.find((s) => s.editing) ?? null;
    const tokens = edited ? await this.referrals.serviceTokens(actor, edited.id) : [];
    renderPage(
      res,
      actor,
      'services',
      'services.title',
      {
        services: rows,
        kinds: SERVICE_KINDS,
        cohortChoices: cohorts.map((id) => ({ id, checked: ((extra.form?.cohorts as string[] | undefined) ?? []).includes(id) })),
        edited: edited
          ? { ...edited, tokens: tokens.map((k) => ({ ...k, live: k.revokedAt === null })), kinds: SERVICE_KINDS.map((k) => ({ value: k, selected: k === edited.kind })), cohortChoices: cohorts.map((id) => ({ id, checked: edited.cohorts.includes(id) })) }
          : null,
        mayAdd,
        national: actor.role === 'ADMIN',
        token: extra.token ?? null,
        error: extra.error ?? null,
        done: extra.done ?? null,
        form: extra.form ?? {},
      },
      { status },
    );
  }

  @Post('services')
  @Roles('COORDINATOR', 'ADMIN')
  async addService(@CurrentActor() actor: Actor, @Body() body: Record<string, unknown>, @Res() res: Response): Promise<void> {
    const fields = serviceFields(body);
    try {
      await this.referrals.addService(actor, fields);
      res.redirect(303, '/services?done=added');
    } catch (err) {
      if (!refusal(err)) throw err;
      await this.renderServices(res, actor, { error: err.message, form: { ...body, cohorts: fields.cohorts } }, err.code === ErrorCode.CONFLICT ? 409 : 400);
    }
  }

  @Get('services/:id/edit')
  @Roles('COORDINATOR', 'ADMIN')
  async editService(@CurrentActor() actor: Actor, @Param('id', ParseIntPipe) id: number, @Res() res: Response): Promise<void> {
    const services = await this.referrals.listServices(actor, false);
    const service = services.find((s) => s.id === id);
    if (!service) throw DomainError.notFound(`service ${id}`);
    if (!this.referrals.mayKeep(actor, service)) throw DomainError.forbidden(service.municipality === null ? 'National services are kept by the national administrator' : `service ${id} belongs to ${service.municipality}`);
    await this.renderServices(res, actor, { editing: id });
  }

  @Post('services/:id')
  @Roles('COORDINATOR', 'ADMIN')
  async updateService(@CurrentActor() actor: Actor, @Param('id', ParseIntPipe) id: number, @Body() body: Record<string, unknown>, @Res() res: Response): Promise<void> {
    const v = field(body, 'version');
    const fields = serviceFields(body);
    await this.serviceStep(res, actor, id, 'updated', () =>
      this.referrals.updateService(actor, id, { ...fields, description: fields.description ?? null, contact: fields.contact ?? null, cohorts: fields.cohorts ?? [] }, v === undefined ? undefined : Number(v)),
    );
  }

  @Post('services/:id/retire')
  @Roles('COORDINATOR', 'ADMIN')
  async retireService(@CurrentActor() actor: Actor, @Param('id', ParseIntPipe) id: number, @Body() body: Record<string, unknown>, @Res() res: Response): Promise<void> {
    const v = field(body, 'version');
    await this.serviceStep(res, actor, id, 'retired', () => this.referrals.retireService(actor, id, v === undefined ? undefined : Number(v)));
  }

  /** The token is shown on the answer to this POST only: it is never in a URL, a redirect or a later page. */
  @Post('services/:id/tokens')
  @Roles('COORDINATOR', 'ADMIN')
  async serviceToken(@CurrentActor() actor: Actor, @Param('id', ParseIntPipe) id: number, @Body() body: Record<string, unknown>, @Res() res: Response): Promise<void> {
    try {
      const days = field(body, 'expiresDays');
      const token = await this.referrals.createServiceToken(actor, id, { name: field(body, 'name') ?? null, expiresDays: days === undefined ? undefined : Number(days) });
      await this.renderServices(res, actor, { token });
    } catch (err) {
      if (!refusal(err)) throw err;
      await this.renderServices(res, actor, { error: err.message }, err.code === ErrorCode.CONFLICT ? 409 : 400);
    }
  }

  @Post('services/:id/tokens/:tokenId/revoke')
  @Roles('COORDINATOR', 'ADMIN')
  async revokeToken(@CurrentActor() actor: Actor, @Param('id', ParseIntPipe) id: number, @Param('tokenId') tokenId: string, @Res() res: Response): Promise<void> {
    await this.referrals.revokeServiceToken(actor, id, tokenId);
    res.redirect(303, `/services/${id}/edit`);
  }

  private async serviceStep(res: Response, actor: Actor, id: number, done: string, work: () => Promise<unknown>): Promise<void> {
    try {
      await work();
      res.redirect(303, `/services?done=${done}`);
    } catch (err) {
      if (!refusal(err)) throw err;
      await this.renderServices(res, actor, { error: err.message, editing: id }, err.code === ErrorCode.CONFLICT ? 409 : 400);
    }
  }

  @Get('templates')
  @Roles('COORDINATOR')
  async templatesPage(@CurrentActor() actor: Actor, @Query() query: Record<string, unknown>, @Res() res: Response): Promise<void> {
    const kind = field(query, 'kind') ?? 'LETTER';
    const language = field(query, 'language') ?? actor.language;
    const [list, preview] = await Promise.all([this.templates.list(actor), this.templates.preview(actor, kind, language)]);
    renderPage(res, actor, 'templates', 'templates.title', {
      templates: list,
      kinds: MESSAGE_KINDS.map((k) => ({ value: k, selected: k === kind })),
      languages: LETTER_LANGUAGES.map((l) => ({ value: l, selected: l === language })),
      preview,
    });
  }
}
