import { Body, Controller, Get, Inject, Param, ParseIntPipe, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Actor, CurrentActor, Roles } from '@tiltas/access';
import { DomainError, ErrorCode } from '@tiltas/common';
import { APP_CONFIG, AppConfig } from '@tiltas/config';
import { InvitationLetterService, LETTER_PAGE_STYLE_HASH } from '@tiltas/letters';
import {
  ATTEMPT_RESULTS,
  CHANNELS,
  CaseQueueService,
  CaseWorkService,
  ContactRevealService,
  OUTCOMES,
  PartnerLink,
  REJECT_REASONS,
  ReferralStatus,
  ReferralsService,
  RejectReason,
  WRONG_REGISTERS,
  WrongRegister,
  RevealedContact,
  AttemptResult,
  Channel,
  Outcome,
} from '@tiltas/outreach';
import { MUNICIPALITY_CODES } from '@tiltas/registers';
import type { Request, Response } from 'express';
import { PageFlash } from './page-flash';
import { field, renderPage } from './page-render';

const DONE = new Set(['attempt', 'referral', 'referralMoved', 'closed', 'assigned', 'handedOver']);

function version(body: Record<string, unknown>): number | undefined {
  const v = field(body, 'version');
  return v === undefined ? undefined : Number(v);
}

/** Whether a refusal belongs on the case page (the person can fix or understand it there) rather than an error page. */
function shownOnPage(err: unknown): err is DomainError {
  return err instanceof DomainError && (err.code === ErrorCode.VALIDATION_FAILED || err.code === ErrorCode.CONFLICT || err.code === ErrorCode.RATE_LIMITED);
}

/**
 * The worker's day: today's queue, the case page (why listed, lapsed reasons, history), reveal with a
 * purpose, an attempt, a referral, closing, and the printable invitation letter. Scope is the services'
 * own: a case of another municipality, or not held, is "not found" and gets the 404 page.
 */
@ApiExcludeController()
@Controller()
@Roles('WORKER', 'COORDINATOR')
export class CasePagesController {
  constructor(
    private readonly queue: CaseQueueService,
    private readonly work: CaseWorkService,
    private readonly reveals: ContactRevealService,
    private readonly referrals: ReferralsService,
    private readonly letters: InvitationLetterService,
    private readonly flash: PageFlash,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get('queue')
  async today(@CurrentActor() actor: Actor, @Res() res: Response): Promise<void> {
    const queue = await this.queue.dailyQueue(actor, 100);
    renderPage(res, actor, 'queue', 'queue.title', { queue });
  }

  /**
   * The case page. Within REVEAL_REVIEW_MINUTES of the worker's own reveal it shows the contacts again,
   * as a logged view of that reveal (no new reveal, no budget spent); a form's refusal or a partner link
   * just issued arrives as the post's flash.
   */
  @Get('cases/:id')
  async show(
    @CurrentActor() actor: Actor,
    @Param('id', ParseIntPipe) id: number,
    @Query('done') done: string | undefined,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const flash = await this.flash.take(req, res, actor);
    const notice = flash?.notice ?? (done && DONE.has(done) ? `case.done.${done}` : null);
    const contact = flash?.error ? null : await this.reveals.review(actor, id);
    await this.renderCase(res, actor, id, {
      done: notice,
      error: flash?.error ?? null,
      form: flash?.form,
      contact,
      link: (flash?.data?.link as PartnerLink | undefined) ?? null,
    });
  }

  private async renderCase(
    res: Response,
    actor: Actor,
    id: number,
    extra: { done?: string | null; error?: string | null; contact?: RevealedContact | null; form?: Record<string, unknown>; link?: PartnerLink | null },
    status = 200,
  ): Promise<void> {
    const detail = await this.queue.detail(actor, id);
    const [allServices, referrals] = await Promise.all([this.referrals.listServices(actor), this.referrals.listReferrals(actor, id)]);
    // Only services that take one of the case's cohorts (or any cohort) are offered.
    const services = allServices.filter((s) => s.cohorts.length === 0 || s.cohorts.some((k) => detail.cohorts.includes(k)));
    const open = detail.status !== 'CLOSED';
    const holdsCase = detail.assignedTo === actor.userId;
    const link = extra.link ?? null;
    renderPage(
      res,
      actor,
      'case',
      'case.title',
      {
        titleParams: { id },
        c: detail,
        reasons: detail.reasons.map((r) => ({ ...r, facts: Object.entries(r.reason).map(([key, value]) => ({ key, value: typeof value === 'object' ? JSON.stringify(value) : String(value) })) })),
        lapsedFacts: detail.lapsed?.reason ? Object.entries(detail.lapsed.reason).map(([key, value]) => ({ key, value: typeof value === 'object' ? JSON.stringify(value) : String(value) })) : [],
        history: detail.history.map((e) => ({ ...e, detailsText: Object.keys(e.details).length ? JSON.stringify(e.details) : '' })),
        services,
        referrals: referrals.map((r) => ({
          ...r,
          canMove: holdsCase && r.next.length > 0,
          canReject: r.next.includes('REJECTED'),
          forward: r.next.filter((n) => n !== 'REJECTED'),
          link: link && link.referralId === r.id ? { url: new URL(link.path, this.config.http.publicUrl).toString(), expiresAt: link.expiresAt } : null,
        })),
        acceptedReferrals: detail.outcome === 'SUPPORT_ACCEPTED' ? referrals : [],
        rejectReasons: REJECT_REASONS,
        channels: CHANNELS,
        results: ATTEMPT_RESULTS,
        outcomes: OUTCOMES,
        wrongRegisters: WRONG_REGISTERS,
        municipalities: MUNICIPALITY_CODES.filter((m) => m !== detail.municipality),
        open,
        holds: open && detail.assignedTo === actor.userId,
        isCoordinator: actor.role === 'COORDINATOR',
        done: extra.done ?? null,
        error: extra.error ?? null,
        contact: extra.contact ?? null,
        form: extra.form ?? {},
      },
      // The case itself is the one place a municipal user sees small numbers as they are.
      { status, seesSmallCounts: true },
    );
  }

  /**
   * The reveal, then a redirect to the case page, which shows the contacts as a logged view of this
   * reveal: the details are never in a URL, a redirect, a flash or a cache, and a refresh sends nothing again.
   */
  @Post('cases/:id/reveal')
  async reveal(@CurrentActor() actor: Actor, @Param('id', ParseIntPipe) id: number, @Body() body: Record<string, unknown>, @Res() res: Response): Promise<void> {
    try {
      await this.reveals.reveal(actor, id, field(body, 'purpose') ?? '');
    } catch (err) {
      if (!shownOnPage(err)) throw err;
      return this.flash.redirect(res, actor, `/cases/${id}`, { error: err.message, errorStatus: err.code === ErrorCode.RATE_LIMITED ? 429 : 400, form: { purpose: field(body, 'purpose') } });
    }
    await this.flash.redirect(res, actor, `/cases/${id}#contact`, { notice: 'case.done.revealed' });
  }

  @Post('cases/:id/attempts')
  async attempt(@CurrentActor() actor: Actor, @Param('id', ParseIntPipe) id: number, @Body() body: Record<string, unknown>, @Res() res: Response): Promise<void> {
    await this.step(res, actor, id, body, 'attempt', () =>
      this.work.recordAttempt(actor, id, {
        channel: field(body, 'channel') as Channel,
        result: field(body, 'result') as AttemptResult,
        note: field(body, 'note') ?? null,
        nextAttemptOn: field(body, 'nextAttemptOn') ?? null,
        version: version(body),
      }),
    );
  }

  @Post('cases/:id/referrals')
  async refer(@CurrentActor() actor: Actor, @Param('id', ParseIntPipe) id: number, @Body() body: Record<string, unknown>, @Res() res: Response): Promise<void> {
    const serviceId = field(body, 'serviceId');
    await this.step(res, actor, id, body, 'referral', () => this.referrals.refer(actor, id, serviceId === undefined ? undefined : Number(serviceId), field(body, 'note') ?? null));
  }

  /** The service's answer as the case holder heard it: one step forward, or REJECTED with its reason. */
  @Post('cases/:id/referrals/:referralId/status')
  async moveReferral(
    @CurrentActor() actor: Actor,
    @Param('id', ParseIntPipe) id: number,
    @Param('referralId', ParseIntPipe) referralId: number,
    @Body() body: Record<string, unknown>,
    @Res() res: Response,
  ): Promise<void> {
    await this.step(res, actor, id, body, 'referralMoved', () =>
      this.referrals.updateStatus(actor, referralId, {
        status: field(body, 'status') as ReferralStatus,
        rejectReason: (field(body, 'rejectReason') as RejectReason | undefined) ?? null,
        note: field(body, 'note') ?? null,
        version: version(body),
      }),
    );
  }

  /** A POST, not a link on the page: issuing the partner's link is a step of its own, logged. */
  @Post('cases/:id/referrals/:referralId/link')
  async partnerLink(@CurrentActor() actor: Actor, @Param('id', ParseIntPipe) id: number, @Param('referralId', ParseIntPipe) referralId: number, @Res() res: Response): Promise<void> {
    const link = await this.referrals.issueLink(actor, referralId);
    await this.flash.redirect(res, actor, `/cases/${id}`, { notice: 'case.done.linkIssued', data: { link } });
  }

  @Post('cases/:id/close')
  async close(@CurrentActor() actor: Actor, @Param('id', ParseIntPipe) id: number, @Body() body: Record<string, unknown>, @Res() res: Response): Promise<void> {
    await this.step(res, actor, id, body, 'closed', () =>
      this.work.close(actor, id, {
        outcome: field(body, 'outcome') as Outcome,
        reason: field(body, 'reason') ?? null,
        toMunicipality: field(body, 'toMunicipality') ?? null,
        wrongRegister: (field(body, 'wrongRegister') as WrongRegister | undefined) ?? null,
        version: version(body),
      }),
    );
  }

  @Post('cases/:id/hand-over')
  @Roles('COORDINATOR')
  async handOver(@CurrentActor() actor: Actor, @Param('id', ParseIntPipe) id: number, @Body() body: Record<string, unknown>, @Res() res: Response): Promise<void> {
    await this.step(res, actor, id, body, 'handedOver', () =>
      this.work.handOver(actor, id, field(body, 'toMunicipality') ?? '', version(body) ?? 0, field(body, 'reason') ?? null),
    );
  }

  private async step(res: Response, actor: Actor, id: number, body: Record<string, unknown>, done: string, work: () => Promise<unknown>): Promise<void> {
    try {
      await work();
    } catch (err) {
      if (!shownOnPage(err)) throw err;
      const { _csrf: _token, ...typed } = body;
      return this.flash.redirect(res, actor, `/cases/${id}`, { error: err.message, errorStatus: err.code === ErrorCode.CONFLICT ? 409 : 400, form: typed });
    }
    res.redirect(303, `/cases/${id}?done=${done}`);
  }

  /**
   * The printable letter, as the letters lib composes it (a whole A4 page). Its one inline style is
   * allowed by hash; nothing else is relaxed. A form post with the session's token, never a GET: printing
   * reveals a name and an address and stands in the reveal log.
   */
  @Post('cases/:id/letter')
  async letter(@CurrentActor() actor: Actor, @Param('id', ParseIntPipe) id: number, @Res() res: Response): Promise<void> {
    const letter = await this.letters.render(actor, id);
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader(
      'Content-Security-Policy',
      `default-src 'none'; style-src '${LETTER_PAGE_STYLE_HASH}'; img-src 'self' data:; form-action 'none'; frame-ancestors 'none'; base-uri 'none'`,
    );
    res.status(200).type('html').send(letter.html);
  }
}
