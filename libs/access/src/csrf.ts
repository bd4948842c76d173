import { sameToken } from './session-store';

export const CSRF_FIELD = '_csrf';
export const CSRF_HEADER = 'x-csrf-token';
/** Pre-session token of the sign-in form (double submit): there is no session to hold one yet. */
export const CSRF_COOKIE = 'tiltas_csrf';

export interface CsrfInput {
  readonly method: string;
  readonly origin: string | undefined;
  readonly referer: string | undefined;
  /** The origins this deployment answers on: the public URL's and the request's own host. */
  readonly allowedOrigins: readonly string[];
  /** Bearer-token requests carry no ambient authority: no browser adds the header by itself. */
  readonly bearer: boolean;
  /** The session's synchronizer token, when the request is signed in by cookie. */
  readonly sessionToken: string | null;
  readonly presentedToken: string | undefined;
  /**
   * The token from the URL's query string, for a multipart form post: the guard runs before the body is
   * read, so a file upload sent without script can carry its token only in the form's action.
   */
  readonly queryToken?: string | undefined;
  /** Whether the body is multipart/form-data (the one case the query string's token is taken from). */
  readonly multipart?: boolean;
  readonly preSessionCookie: string | undefined;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function originOf(url: string | undefined): string | null {
  if (!url) return null;
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

/**
 * Why an unsafe request must be refused as a possible cross-site request forgery, or null to let it pass.
 *
 * 1. Same origin: an Origin (or, without one, a Referer) naming another site is refused outright.
 * 2. Signed in by cookie: the session's synchronizer token must come back (form field or header; for a
 *    multipart post, also the query string, but only when the request names this site as its origin: the
 *    token then travels in the form's action, and a browser that hides the origin gets no such shortcut).
 * 3. Not signed in: a browser that hides its origin (`Origin: null`, sent from sandboxed frames and under
 *    a no-referrer policy) must return the sign-in form's pre-session token, so nobody can sign a victim
 *    into an attacker's account. A request with no origin at all is no browser's form post.
 */
export function csrfProblem(input: CsrfInput): string | null {
  if (SAFE_METHODS.has(input.method.toUpperCase()) || input.bearer) return null;
  const claimed = input.origin && input.origin !== 'null' ? originOf(input.origin) ?? 'invalid' : originOf(input.referer);
  if (claimed !== null && !input.allowedOrigins.includes(claimed)) return 'The request came from another site.';
  if (input.sessionToken !== null) {
    const presented = input.presentedToken ?? (input.multipart && claimed !== null ? input.queryToken : undefined);
    return sameToken(input.sessionToken, presented) ? null : 'The form has expired or did not come from Tiltas: reload the page and try again.';
  }
  if (claimed === null && input.origin === 'null') {
    return input.preSessionCookie && sameToken(input.preSessionCookie, input.presentedToken)
      ? null
      : 'The form has expired or did not come from Tiltas: reload the page and try again.';
  }
  return null;
}
