import { Body, Controller, Get, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from '@tiltas/access';
import { DomainError, ErrorCode } from '@tiltas/common';
import { APP_CONFIG, AppConfig } from '@tiltas/config';
import { PartnerReferral, REJECT_REASONS, ReferralStatus, ReferralsService, RejectReason } from '@tiltas/outreach';
import type { Request, Response } from 'express';
import { pageLanguage } from '../platform/messages';
import { anonymousFormTokens } from './anonymous-form';
import { field } from './page-render';

/**
 * The partner organisation's page for one referral, reached through the signed link a worker sent: no
 * sign-in, no script, no person named. The link itself is the authority (HMAC-signed, expiring); the form
 * also carries a form token (the session's, or a pre-session double-submit one) so the global CSRF check
 * holds for it like for every other form, and the answer is a POST that redirects back (303).
 */
@ApiExcludeController()
@Controller('partner/referrals')
@Public()
export class PartnerPagesController {
  constructor(
    private readonly referrals: ReferralsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get(':link')
  async show(@Param('link') link: string, @Query('lang') lang: string | undefined, @Query('done') done: string | undefined, @Req() req: Request, @Res() res: Response): Promise<void> {
    const language = pageLanguage(lang);
    try {
      const referral = await this.referrals.partnerView(link);
      this.render(req, res, language, link, { referral, done: done === '1' });
    } catch (err) {
      if (!this.refusedLink(err)) throw err;
      this.render(req, res, language, link, { refused: true }, 404);
    }
  }

  @Post(':link')
  async move(@Param('link') link: string, @Query('lang') lang: string | undefined, @Body() body: Record<string, unknown>, @Req() req: Request, @Res() res: Response): Promise<void> {
    const language = pageLanguage(lang);
    try {
      await this.referrals.moveByLink(link, {
        status: field(body, 'status') as ReferralStatus,
        rejectReason: (field(body, 'rejectReason') as RejectReason | undefined) ?? null,
        version: field(body, 'version') === undefined ? undefined : Number(field(body, 'version')),
      });
      res.redirect(303, `/partner/referrals/${encodeURIComponent(link)}?done=1${language === 'en' ? '&lang=en' : ''}`);
    } catch (err) {
      if (this.refusedLink(err)) return this.render(req, res, language, link, { refused: true }, 404);
      if (!(err instanceof DomainError) || (err.code !== ErrorCode.VALIDATION_FAILED && err.code !== ErrorCode.CONFLICT)) throw err;
      const referral = await this.referrals.partnerView(link);
      this.render(req, res, language, link, { referral, error: err.message }, err.code === ErrorCode.CONFLICT ? 409 : 400);
    }
  }

  private refusedLink(err: unknown): boolean {
    return err instanceof DomainError && err.code === ErrorCode.NOT_FOUND;
  }

  private render(
    req: Request,
    res: Response,
    lang: 'lt' | 'en',
    link: string,
    data: { referral?: PartnerReferral; done?: boolean; error?: string; refused?: boolean },
    status = 200,
  ): void {
    const csrfToken = anonymousFormTokens(req, res, this.config).csrf;
    const r = data.referral;
    res.setHeader('Cache-Control', 'no-store');
    // The link is the authority: it must not leak to other sites through the Referer header.
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.status(status).render('partner-referral', {
      titleKey: r ? 'partner.title' : 'partner.refusedTitle',
      titleParams: r ? { id: r.id } : {},
      lang,
      actor: null,
      nav: null,
      csrfToken,
      action: `/partner/referrals/${encodeURIComponent(link)}${lang === 'en' ? '?lang=en' : ''}`,
      otherLang: lang === 'lt' ? { code: 'en', href: `/partner/referrals/${encodeURIComponent(link)}?lang=en`, label: 'English' } : { code: 'lt', href: `/partner/referrals/${encodeURIComponent(link)}`, label: 'Lietuviškai' },
      referral: r ?? null,
      forward: r ? r.next.filter((n) => n !== 'REJECTED') : [],
      canReject: r ? r.next.includes('REJECTED') : false,
      rejectReasons: REJECT_REASONS,
      done: data.done ?? false,
      error: data.error ?? null,
      refused: data.refused ?? false,
    });
  }
}
