import { Body, Controller, Get, HttpCode, Inject, Post, Req, Res } from '@nestjs/common';
import { ApiNoContentResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Actor, AuthService, CurrentAuth, Public, RequestAuth } from '@tiltas/access';
import { DomainError } from '@tiltas/common';
import { APP_CONFIG, AppConfig } from '@tiltas/config';
import type { Request, Response } from 'express';
import { ApiErrorResponse, ApiJsonResponse, ApiStandardErrors } from '../platform/api-docs';
import { SESSION_VIEW } from '../platform/api-schemas';
import { clearSessionCookie, setSessionCookie } from './session-cookie';
import { SignInDto } from './sign-in.dto';

export interface SessionView {
  actor: Actor;
  method: 'session' | 'token';
  /** Echo it as X-CSRF-Token (or the `_csrf` form field) on every unsafe request made with the cookie. */
  csrfToken: string | null;
  expiresAt: string | null;
}

/** Sign-in for browser clients of the JSON API. Machine clients use API tokens instead. */
@ApiStandardErrors()
@ApiTags('auth')
@Controller('api/auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Public()
  @Post('sign-in')
  @HttpCode(200)
  @ApiOperation({ summary: 'Sign in with username and password; sets the tiltas_session cookie' })
  @ApiJsonResponse(200, 'Signed in: the session cookie is set; send csrfToken as X-CSRF-Token on unsafe requests', SESSION_VIEW)
  @ApiErrorResponse(401, 'Wrong username or password (the same answer for both)')
  @ApiErrorResponse(429, 'Too many failed sign-ins: locked out for a while')
  async signIn(@Body() body: SignInDto, @Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<SessionView> {
    const { session, actor } = await this.auth.signInWithPassword(body.username, body.password, req.ip ?? 'unknown');
    setSessionCookie(res, session, this.config);
    return { actor, method: 'session', csrfToken: session.csrfToken, expiresAt: session.expiresAt.toISOString() };
  }

  @Post('sign-out')
  @HttpCode(204)
  @ApiOperation({ summary: 'End this session' })
  @ApiNoContentResponse({ description: 'Signed out; the cookie is cleared' })
  async signOut(@CurrentAuth() auth: RequestAuth, @Res({ passthrough: true }) res: Response): Promise<void> {
    if (!auth.session) throw DomainError.validation('An API token has no session to end: an administrator revokes it.');
    await this.auth.signOut(auth.session, auth.actor);
    clearSessionCookie(res, this.config);
  }

  @Get('session')
  @ApiOperation({ summary: 'Who this request acts as, and the CSRF token of a cookie session' })
  @ApiJsonResponse(200, 'Who this request acts as', SESSION_VIEW)
  session(@CurrentAuth() auth: RequestAuth): SessionView {
    return {
      actor: auth.actor,
      method: auth.method,
      csrfToken: auth.session?.csrfToken ?? null,
      expiresAt: auth.session ? auth.session.expiresAt.toISOString() : null,
    };
  }
}
