import { ExecutionContext, SetMetadata, createParamDecorator } from '@nestjs/common';
import { DomainError, ErrorCode } from '@tiltas/common';
import type { Request } from 'express';
import { Actor, Role } from './roles';
import { Session } from './session-store';

export const IS_PUBLIC = 'tiltas:public';
export const REQUIRED_ROLES = 'tiltas:roles';
export const NATIONAL_ONLY = 'tiltas:national-only';

/** How a request proved who it is. `session` is the cookie's session, null for a bearer token. */
export interface RequestAuth {
  readonly actor: Actor;
  readonly method: 'session' | 'token';
  readonly session: Session | null;
}

export type AuthenticatedRequest = Request & { auth?: RequestAuth };

/** The route needs no signed-in actor (health, metrics, status, sign-in, docs). */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC, true);

/** Only these roles may call the route; anyone else signed in gets 403. */
export const Roles = (...roles: Role[]): MethodDecorator & ClassDecorator => SetMetadata(REQUIRED_ROLES, roles);

/**
 * The route is a national matter (register extracts, lawful bases): a municipal actor gets 403 even in a
 * role the route allows. Checked by RolesGuard, before any interceptor reads an upload's body. `what`
 * names the matter in the refusal.
 */
export const NationalOnly = (what: string): MethodDecorator & ClassDecorator => SetMetadata(NATIONAL_ONLY, what);

export function requestAuth(ctx: ExecutionContext): RequestAuth {
  const auth = ctx.switchToHttp().getRequest<AuthenticatedRequest>().auth;
  if (!auth) throw new DomainError(ErrorCode.UNAUTHENTICATED, 'Sign in first.');
  return auth;
}

/** The signed-in actor of this request. */
export const CurrentActor = createParamDecorator((_data: unknown, ctx: ExecutionContext): Actor => requestAuth(ctx).actor);

/** How this request is signed in (its session, if by cookie). */
export const CurrentAuth = createParamDecorator((_data: unknown, ctx: ExecutionContext): RequestAuth => requestAuth(ctx));
