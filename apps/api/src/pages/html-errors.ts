import type { Actor } from '@tiltas/access';
import type { Request, Response } from 'express';
import type { ErrorBody, HtmlErrorRenderer } from '../platform/domain-error.filter';
import { navFor } from './page-render';

const KNOWN = new Set([400, 401, 403, 404, 500, 503]);

/**
 * Error pages for browsers: a person who opens a page gets a page back, in their language, with the
 * menu; API clients and anyone not asking for HTML keep the JSON body. A 404 says the same whether the
 * thing does not exist or belongs to another municipality.
 */
export const htmlErrorRenderer: HtmlErrorRenderer = (req: Request, res: Response, body: ErrorBody): boolean => {
  if (req.accepts(['json', 'html']) !== 'html') return false;
  const actor = (req as Request & { auth?: { actor: Actor } }).auth?.actor ?? null;
  const kind = KNOWN.has(body.statusCode) ? body.statusCode : body.statusCode >= 500 ? 500 : 400;
  res.setHeader('Cache-Control', 'no-store');
  res.status(body.statusCode).render('error', {
    titleKey: `error.${kind}.title`,
    titleParams: {},
    lang: actor?.language ?? 'lt',
    actor,
    roleKey: actor ? `role.${actor.role}` : null,
    nav: actor ? navFor(actor, req.path) : null,
    csrfToken: (res.locals.csrfToken as string | null | undefined) ?? null,
    kind,
    is404: kind === 404,
    is403: kind === 403,
    is401: kind === 401,
    is500: kind === 500,
    // A dependency down: a calm page that says to try again, not the "something broke" one.
    is503: kind === 503,
    // Validation, refusal and conflict messages are written for people and name no personal data; a 403
    // says which rule refused (a role, a national matter, the form token), so the person knows whom to ask.
    message: kind === 400 || kind === 403 || body.statusCode === 409 || body.statusCode === 422 ? body.message : null,
    requestId: body.requestId ?? null,
    signInHref: `/sign-in?next=${encodeURIComponent(req.method === 'GET' ? req.originalUrl : '/')}`,
  });
  return true;
};
