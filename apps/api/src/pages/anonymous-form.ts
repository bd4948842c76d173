import { CSRF_COOKIE, sameToken } from '@tiltas/access';
import type { AppConfig } from '@tiltas/config';
import type { Request, Response } from 'express';
import { randomBytes } from 'node:crypto';
import { sessionCookieOptions } from '../auth/session-cookie';

/**
 * The form tokens of a page anyone may open from a link (a partner's referral, a person's response
 * link), with no session: a pre-session token in a SameSite=Strict cookie, kept while the browser has it
 * so several open tabs share it, and returned in the form (double submit). `csrf` is what the global CSRF
 * check asks for (the session's token when someone happens to be signed in, else the pre-session one);
 * `preSession` is the double-submit value a page that always wants it checks itself (formProblem).
 */
export function anonymousFormTokens(req: Request, res: Response, config: AppConfig): { csrf: string; preSession: string } {
  const held = (req.cookies as Record<string, string> | undefined)?.[CSRF_COOKIE];
  const preSession = held && /^[A-Za-z0-9_-]{43}$/.test(held) ? held : randomBytes(32).toString('base64url');
  res.cookie(CSRF_COOKIE, preSession, { ...sessionCookieOptions(config), sameSite: 'strict', maxAge: 60 * 60_000 });
  return { csrf: (res.locals.csrfToken as string | null | undefined) ?? preSession, preSession };
}

/** Whether a posted form returned the pre-session token its browser holds. */
export function formTokenMatches(req: Request, presented: unknown): boolean {
  const held = (req.cookies as Record<string, string> | undefined)?.[CSRF_COOKIE];
  return typeof presented === 'string' && typeof held === 'string' && sameToken(held, presented);
}
