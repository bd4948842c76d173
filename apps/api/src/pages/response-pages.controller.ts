import { Body, Controller, Get, Inject, Logger, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from '@tiltas/access';
import { Clock, DomainError, ErrorCode, addDays, isDependencyFailure } from '@tiltas/common';
import { APP_CONFIG, AppConfig } from '@tiltas/config';
import { LetterTemplatesService } from '@tiltas/letters';
import { CALLBACK_TIMES, LinkState, RESPONSE_ANSWERS, ResponseLinksService, normaliseResponseToken } from '@tiltas/outreach';
import type { Request, Response } from 'express';
import { PUBLIC_LANGUAGES, PublicLanguage, isPublicLanguage } from '../platform/messages';
import { anonymousFormTokens, formTokenMatches } from './anonymous-form';
import { field } from './page-render';

/** Each language named in itself, for the switch at the top of the page. */
const LANGUAGE_NAMES: Readonly<Record<PublicLanguage, string>> = { lt: 'Lietuviškai', ru: 'По-русски', pl: 'Po polsku', en: 'English' };

type FormValues = { answer?: string; callbackOn?: string; callbackTime?: string; phone?: string };

/**
 * The page a person reaches from the response link of a letter, email or SMS: no sign-in, no script, no
 * person and no reason named, in the person's language (lt, ru, pl or en). A plain form posts one of
 * three answers; the page says thank you, or, for a link that is used, expired or not one of ours, says
 * so calmly with the municipality's contacts. The form carries the pre-session double-submit token and
 * the global check's token (anonymous-form.ts); requests are limited per address and per link.
 */
@ApiExcludeController()
@Controller('r')
@Public()
export class ResponsePagesController {
  private readonly logger = new Logger('ResponsePages');

  constructor(
    private readonly links: ResponseLinksService,
    private readonly letters: LetterTemplatesService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get(':token')
  async show(@Param('token') token: string, @Query('lang') lang: string | undefined, @Req() req: Request, @Res() res: Response): Promise<void> {
    try {
      const state = await this.links.look(token, req.ip ?? '');
      await this.renderState(req, res, token, lang, state, {});
    } catch (err) {
      await this.renderFailure(req, res, token, lang, err);
    }
  }

  @Post(':token')
  async answer(@Param('token') token: string, @Query('lang') lang: string | undefined, @Body() body: Record<string, unknown>, @Req() req: Request, @Res() res: Response): Promise<void> {
    const form: FormValues = { answer: field(body, 'answer'), callbackOn: field(body, 'callbackOn'), callbackTime: field(body, 'callbackTime'), phone: field(body, 'phone') };
    try {
      if (!formTokenMatches(req, body?.formToken)) {
        // Not a forgery to argue with: most often a form left open past its cookie. A fresh form, the answers kept.
        const state = await this.links.look(token, req.ip ?? '');
        return await this.renderState(req, res, token, lang, state, { form, errorKey: 'respond.page.error.form', errorField: 'answer-HELP' }, 403);
      }
      const state = await this.links.answer(token, req.ip ?? '', form);
      await this.renderState(req, res, token, lang, state, { form });
    } catch (err) {
      if (err instanceof DomainError && err.code === ErrorCode.VALIDATION_FAILED && typeof err.details?.field === 'string') {
        const state = await this.links.look(token, req.ip ?? '').catch(() => null);
        if (state) {
          const name = err.details.field;
          return this.renderState(req, res, token, lang, state, { form, errorKey: `respond.page.error.${name}`, errorField: name === 'answer' ? 'answer-HELP' : name }, 400);
        }
      }
      await this.renderFailure(req, res, token, lang, err);
    }
  }

  private async renderState(
    req: Request,
    res: Response,
    token: string,
    langInput: string | undefined,
    state: LinkState,
    extra: { form?: FormValues; errorKey?: string; errorField?: string },
    status?: number,
  ): Promise<void> {
    const lang = this.language(langInput, state);
    const contact = state.state === 'forged' ? null : await this.letters.publicContact(state.municipality);
    const today = this.clock.today();
    const form = extra.form ?? {};
    const tokens = anonymousFormTokens(req, res, this.config);
    const data: Record<string, unknown> = { contact, form, errorKey: extra.errorKey ?? null, errorField: extra.errorField ?? null };
    if (state.state === 'open') {
      Object.assign(data, {
        open: true,
        titleKey: 'respond.page.title',
        answers: RESPONSE_ANSWERS.map((code) => ({ code, checked: form.answer === code })),
        times: CALLBACK_TIMES.map((code) => ({ code, selected: (form.callbackTime ?? 'ANY') === code })),
        minDate: addDays(today, 1),
        maxDate: addDays(today, 366),
        csrfToken: tokens.csrf,
        formToken: tokens.preSession,
        action: `/r/${encodeURIComponent(this.shown(token))}${langInput && isPublicLanguage(langInput) ? `?lang=${langInput}` : ''}`,
      });
    } else if (state.state === 'answered') {
      Object.assign(data, {
        answered: true,
        titleKey: 'respond.page.done.title',
        answer: state.answer,
        doneKey: `respond.page.done.${state.answer}`,
        doneDate: state.answer === 'LATER' ? (form.callbackOn ?? addDays(today, 30)) : '',
      });
    } else {
      Object.assign(data, { refusedKey: `respond.page.refused.${state.state}`, refusedTitleKey: 'respond.page.refused.title', titleKey: 'respond.page.refused.title' });
    }
    const code = status ?? (state.state === 'open' || state.state === 'answered' ? 200 : state.state === 'forged' ? 404 : 410);
    this.send(res, token, lang, code, data);
  }

  /** Limits, outages and anything unexpected: a calm page of this kind, never the application's error page. */
  private async renderFailure(req: Request, res: Response, token: string, langInput: string | undefined, err: unknown): Promise<void> {
    const lang = isPublicLanguage(langInput) ? langInput : 'lt';
    if (err instanceof DomainError && err.code === ErrorCode.RATE_LIMITED) {
      const retry = Number(err.details?.retryAfterSeconds);
      if (Number.isFinite(retry)) res.setHeader('Retry-After', String(retry));
      return this.send(res, token, lang, 429, { refusedKey: 'respond.page.limited', refusedTitleKey: 'respond.page.limited.title', titleKey: 'respond.page.limited.title', contact: null });
    }
    const unavailable = (err instanceof DomainError && err.code === ErrorCode.DEPENDENCY_UNAVAILABLE) || isDependencyFailure(err);
    if (!unavailable) this.logger.error({ err }, 'response page failed');
    this.send(res, token, lang, unavailable ? 503 : 500, { refusedKey: 'respond.page.unavailable', refusedTitleKey: 'respond.page.unavailable.title', titleKey: 'respond.page.unavailable.title', contact: null });
  }

  private send(res: Response, token: string, lang: PublicLanguage, status: number, data: Record<string, unknown>): void {
    res.setHeader('Cache-Control', 'no-store');
    // The link is the person's key to their answer: it must not reach other sites through the Referer header.
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Content-Language', lang);
    const path = `/r/${encodeURIComponent(this.shown(token))}`;
    res.status(status).render('respond', {
      ...data,
      layout: 'public',
      lang,
      languages: PUBLIC_LANGUAGES.map((code) => ({ code, label: LANGUAGE_NAMES[code], href: `${path}?lang=${code}`, current: code === lang })),
    });
  }

  /** The person's language: as chosen on the page, else the one the link was issued in, else Lithuanian. */
  private language(input: string | undefined, state: LinkState): PublicLanguage {
    if (isPublicLanguage(input)) return input;
    return state.state === 'forged' ? 'lt' : state.language;
  }

  /** The token as printed, when it reads as one; otherwise as it came (it is only ever echoed into this page's own links). */
  private shown(token: string): string {
    const t = normaliseResponseToken(token);
    return t ? t.match(/.{4}/g)!.join('-') : token.slice(0, 40);
  }
}
