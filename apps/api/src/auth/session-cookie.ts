import { SESSION_COOKIE, Session } from '@tiltas/access';
import { AppConfig } from '@tiltas/config';
import type { CookieOptions, Response } from 'express';

/** httpOnly, SameSite=Lax (links from e-mail still arrive signed in), Secure wherever TLS is expected. */
export function sessionCookieOptions(config: AppConfig): CookieOptions {
  return { httpOnly: true, sameSite: 'lax', secure: config.env !== 'development' && config.env !== 'test', path: '/' };
}

/** A browser-session cookie: the server decides expiry (idle and absolute), the cookie just carries the id. */
export function setSessionCookie(res: Response, session: Session, config: AppConfig): void {
  res.cookie(SESSION_COOKIE, session.id, sessionCookieOptions(config));
}

export function clearSessionCookie(res: Response, config: AppConfig): void {
  res.clearCookie(SESSION_COOKIE, sessionCookieOptions(config));
}
