import { Body, Controller, Get, Post, Query, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Actor, CurrentActor, Roles } from '@tiltas/access';
import { DomainError, ErrorCode, isSmallCount, seesSmallCounts } from '@tiltas/common';
import { LETTER_LANGUAGES, LetterTemplatesService, MESSAGE_KINDS } from '@tiltas/letters';
import { CaseQueueService, CaseWorkService, ReferralsService, SERVICE_KINDS, ServiceKind } from '@tiltas/outreach';
import type { Response } from 'express';
import { field, renderPage } from './page-render';

function refusal(err: unknown): err is DomainError {
  return err instanceof DomainError && (err.code === ErrorCode.VALIDATION_FAILED || err.code === ErrorCode.CONFLICT);
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
  ) {}

  @Get('caseload')
  @Roles('COORDINATOR')
  async board(@CurrentActor() actor: Actor, @Query() query: Record<string, unknown>, @Res() res: Response): Promise<void> {
    await this.renderBoard(res, actor, { assigned: field(query, 'assigned') ?? null, error: null });
  }

  private async renderBoard(res: Response, actor: Actor, extra: { assigned: string | null; error: string | null }, status = 200): Promise<void> {
    const [board, open] = await Promise.all([this.queue.board(actor), this.queue.list(actor, { status: 'OPEN', limit: 100 })]);
    const names = new Map(board.workers.map((w) => [w.userId, w.username]));
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
          // A load bar against a known limit would give a small count away: it is shown only beside the number.
          showsLoad: seesSmallCounts(actor) || !isSmallCount(w.open),
        })),
        cohorts: Object.entries(board.backlog.byCohort).map(([cohort, n]) => ({ cohort, n })),
        cases: open.map((c) => ({ ...c, holder: c.assignedTo ? (names.get(c.assignedTo) ?? c.assignedTo) : null })),
        ...extra,
      },
      { status },
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
  @Roles('WORKER', 'COORDINATOR')
  async services(@CurrentActor() actor: Actor, @Res() res: Response): Promise<void> {
    await this.renderServices(res, actor, null);
  }

  private async renderServices(res: Response, actor: Actor, error: string | null, status = 200): Promise<void> {
    const services = await this.referrals.listServices(actor, false);
    renderPage(res, actor, 'services', 'services.title', { services, kinds: SERVICE_KINDS, mayEdit: actor.role === 'COORDINATOR', error }, { status });
  }

  @Post('services')
  @Roles('COORDINATOR')
  async addService(@CurrentActor() actor: Actor, @Body() body: Record<string, unknown>, @Res() res: Response): Promise<void> {
    try {
      await this.referrals.addService(actor, {
        kind: field(body, 'kind') as ServiceKind,
        name: field(body, 'name') ?? '',
        description: field(body, 'description') ?? null,
        contact: field(body, 'contact') ?? null,
      });
      res.redirect(303, '/services');
    } catch (err) {
      if (!refusal(err)) throw err;
      await this.renderServices(res, actor, err.message, 400);
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
