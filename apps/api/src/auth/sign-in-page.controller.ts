import { Body, Controller, Get, Inject, Post, Query, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { AuthService, CSRF_COOKIE, CurrentAuth, OidcService, Public, RequestAuth, safeNext } from '@tiltas/access';
import { DomainError, ErrorCode, isDomainError } from '@tiltas/common';
import { APP_CONFIG, AppConfig } from '@tiltas/config';
import type { Request, Response } from 'express';
import { randomBytes } from 'node:crypto';
import { clearSessionCookie, sessionCookieOptions, setSessionCookie } from './session-cookie';
import { SignInFormDto } from './sign-in.dto';

type PageLanguage = 'lt' | 'en';

const TEXT: Record<PageLanguage, Record<string, string>> = {
  lt: {
    title: 'Prisijungimas',
    intro: 'Prisijunkite savo Tiltas paskyra.',
    username: 'Naudotojo vardas',
    password: 'Slaptažodis',
    submit: 'Prisijungti',
    oidc: 'Prisijungti per savo organizaciją',
    other: 'English',
    failed: 'Prisijungti nepavyko: neteisingas naudotojo vardas arba slaptažodis.',
    locked: 'Per daug nesėkmingų bandymų. Bandykite vėliau.',
    signedOut: 'Atsijungėte.',
  },
  en: {
    title: 'Sign in',
    intro: 'Sign in with your Tiltas account.',
    username: 'Username',
    password: 'Password',
    submit: 'Sign in',
    oidc: 'Sign in with your organisation',
    other: 'Lietuviškai',
    failed: 'Sign-in failed: wrong username or password.',
    locked: 'Too many failed sign-ins. Try again later.',
    signedOut: 'You have signed out.',
  },
};

function language(value: unknown): PageLanguage {
  return value === 'en' ? 'en' : 'lt';
}

/** The sign-in page (server-rendered form), sign-out, and OpenID Connect sign-in for pages. */
@ApiExcludeController()
@Controller()
export class SignInPageController {
  constructor(
    private readonly auth: AuthService,
    private readonly oidc: OidcService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** A fresh pre-session token for the form (see csrf.ts: browsers that hide their origin must return it). */
  private render(res: Response, status: number, lang: PageLanguage, next: string, message: { error?: string; notice?: string } = {}, chosen = false): void {
    const token = randomBytes(32).toString('base64url');
    res.cookie(CSRF_COOKIE, token, { ...sessionCookieOptions(this.config), sameSite: 'strict', maxAge: 60 * 60_000 });
    const text = TEXT[lang];
    res.status(status).render('sign-in', {
      title: text.title,
      lang,
      chosen,
      text,
      otherLang: lang === 'lt' ? 'en' : 'lt',
      next,
      nextQuery: encodeURIComponent(next),
      csrfToken: token,
      oidc: this.oidc.enabled,
      error: message.error ?? null,
      notice: message.notice ?? null,
    });
  }

  @Public()
  @Get('sign-in')
  page(@Query('lang') lang: string | undefined, @Query('next') next: string | undefined, @Query('signedOut') signedOut: string | undefined, @Res() res: Response): void {
    const l = language(lang);
    this.render(res, 200, l, safeNext(next), signedOut ? { notice: TEXT[l].signedOut } : {}, lang === 'lt' || lang === 'en');
  }

  @Public()
  @Post('sign-in')
  async signIn(@Body() body: SignInFormDto, @Query('lang') lang: string | undefined, @Req() req: Request, @Res() res: Response): Promise<void> {
    const l = language(lang);
    const next = safeNext(body.next);
    try {
      const { session } = await this.auth.signInWithPassword(body.username, body.password, req.ip ?? 'unknown', body.language);
      setSessionCookie(res, session, this.config);
      res.clearCookie(CSRF_COOKIE, { ...sessionCookieOptions(this.config), sameSite: 'strict' });
      res.redirect(303, next);
    } catch (err) {
      const chosen = body.language !== undefined;
      if (isDomainError(err, ErrorCode.RATE_LIMITED)) return this.render(res, 429, l, next, { error: TEXT[l].locked }, chosen);
      if (isDomainError(err, ErrorCode.UNAUTHENTICATED)) return this.render(res, 401, l, next, { error: TEXT[l].failed }, chosen);
      throw err;
    }
  }

  @Post('sign-out')
  async signOut(@CurrentAuth() auth: RequestAuth, @Res() res: Response): Promise<void> {
    if (!auth.session) throw DomainError.validation('An API token has no session to end.');
    await this.auth.signOut(auth.session, auth.actor);
    clearSessionCookie(res, this.config);
    res.redirect(303, `/sign-in?signedOut=1&lang=${auth.actor.language}`);
  }

  @Public()
  @Get('auth/oidc/login')
  async oidcLogin(@Query('next') next: string | undefined, @Res() res: Response): Promise<void> {
    res.redirect(302, await this.oidc.beginLogin(next));
  }

  @Public()
  @Get('auth/oidc/callback')
  async oidcCallback(
    @Query('code') code: string | undefined,
    @Query('state') state: string | undefined,
    @Query('error') error: string | undefined,
    @Query('iss') iss: string | undefined,
    @Res() res: Response,
  ): Promise<void> {
    try {
      const { session, next } = await this.oidc.complete({ code, state, error, iss });
      setSessionCookie(res, session, this.config);
      res.redirect(303, next);
    } catch (err) {
      if (isDomainError(err, ErrorCode.UNAUTHENTICATED) || isDomainError(err, ErrorCode.FORBIDDEN)) {
        return this.render(res, isDomainError(err, ErrorCode.FORBIDDEN) ? 403 : 401, 'lt', '/', { error: err.message });
      }
      throw err;
    }
  }
}
