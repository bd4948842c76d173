import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { DomainError, ErrorCode } from '@tiltas/common';
import { APP_CONFIG, AppConfig } from '@tiltas/config';
import type { Response } from 'express';
import { ApiTokensService } from './api-tokens.service';
import { AuthService } from './auth.service';
import { AuthenticatedRequest, IS_PUBLIC, NATIONAL_ONLY, REQUIRED_ROLES, RequestAuth } from './access.decorators';
import { CSRF_COOKIE, CSRF_FIELD, CSRF_HEADER, csrfProblem } from './csrf';
import { Role, nationalOnlyProblem } from './roles';
import { SESSION_COOKIE } from './session-store';

/**
 * The global guard: every route needs a signed-in actor unless marked @Public(), and every unsafe request
 * passes the CSRF check (csrf.ts). It authenticates by `Authorization: Bearer` (API token) or by the
 * session cookie, and leaves the result on `req.auth` and, for views, `res.locals.actor` / `csrfToken`.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly publicOrigin: string;

  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthService,
    private readonly tokens: ApiTokensService,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.publicOrigin = new URL(config.http.publicUrl).origin;
  }

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    if (ctx.getType() !== 'http') return true;
    const req = ctx.switchToHttp().getRequest<AuthenticatedRequest>();
    const res = ctx.switchToHttp().getResponse<Response>();
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [ctx.getHandler(), ctx.getClass()]) === true;

    const authorization = req.headers.authorization;
    const bearer = typeof authorization === 'string' && /^Bearer\s+/i.test(authorization);
    let auth: RequestAuth | null = null;
    if (bearer) {
      const actor = await this.tokens.authenticate(authorization.replace(/^Bearer\s+/i, '').trim());
      if (actor) auth = { actor, method: 'token', session: null };
      else if (!isPublic) throw new DomainError(ErrorCode.UNAUTHENTICATED, 'The API token is unknown, expired or revoked.');
    } else {
      const cookie = (req.cookies as Record<string, unknown> | undefined)?.[SESSION_COOKIE];
      const signedIn = typeof cookie === 'string' ? await this.auth.resolveSession(cookie) : null;
      if (signedIn) auth = { actor: signedIn.actor, method: 'session', session: signedIn.session };
    }

    const body = req.body as Record<string, unknown> | undefined;
    const presented = typeof body?.[CSRF_FIELD] === 'string' ? (body[CSRF_FIELD] as string) : req.get(CSRF_HEADER);
    // The token has done its work here; DTO validation (forbidNonWhitelisted) must not see it.
    if (body && typeof body === 'object' && CSRF_FIELD in body) delete body[CSRF_FIELD];
    const problem = csrfProblem({
      method: req.method,
      origin: req.get('origin'),
      referer: req.get('referer'),
      allowedOrigins: [this.publicOrigin, `${req.protocol}://${req.get('host') ?? ''}`],
      bearer: auth?.method === 'token',
      sessionToken: auth?.session?.csrfToken ?? null,
      presentedToken: presented,
      queryToken: typeof req.query?.[CSRF_FIELD] === 'string' ? (req.query[CSRF_FIELD] as string) : undefined,
      multipart: Boolean(req.is('multipart/form-data')),
      preSessionCookie: (req.cookies as Record<string, string> | undefined)?.[CSRF_COOKIE],
    });
    if (problem) throw new DomainError(ErrorCode.FORBIDDEN, problem, { reason: 'csrf' });

    if (auth) {
      req.auth = auth;
      res.locals.actor = auth.actor;
      res.locals.csrfToken = auth.session?.csrfToken ?? null;
      return true;
    }
    if (isPublic) return true;
    if (req.method === 'GET' && !req.path.startsWith('/api') && req.accepts(['html', 'json']) === 'html') {
      // A page asked for while signed out: go to the sign-in page and come back afterwards.
      res.redirect(303, `/sign-in?next=${encodeURIComponent(req.originalUrl)}`);
    }
    throw new DomainError(ErrorCode.UNAUTHENTICATED, 'Sign in first.');
  }
}

/**
 * @Roles(...) on a route or controller: other roles get 403; @NationalOnly(...): municipal actors get 403.
 * Runs after AuthGuard and before interceptors, so a refused upload is never streamed to storage.
 */
@Injectable()
export class RolesGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(ctx: ExecutionContext): boolean {
    if (ctx.getType() !== 'http') return true;
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(REQUIRED_ROLES, [ctx.getHandler(), ctx.getClass()]);
    const national = this.reflector.getAllAndOverride<string | undefined>(NATIONAL_ONLY, [ctx.getHandler(), ctx.getClass()]);
    if ((!roles || roles.length === 0) && !national) return true;
    const auth = ctx.switchToHttp().getRequest<AuthenticatedRequest>().auth;
    if (!auth) throw new DomainError(ErrorCode.UNAUTHENTICATED, 'Sign in first.');
    if (roles && roles.length > 0 && !roles.includes(auth.actor.role)) throw DomainError.forbidden(`This needs the role ${roles.join(' or ')}.`);
    const problem = national ? nationalOnlyProblem(auth.actor, national) : null;
    if (problem) throw DomainError.forbidden(problem);
    return true;
  }
}
