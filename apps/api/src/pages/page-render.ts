import type { Actor, Role } from '@tiltas/access';
import { seesSmallCounts } from '@tiltas/common';
import type { Response } from 'express';

interface NavItem {
  readonly href: string;
  readonly key: string;
}

/** What each role works with, in the order they use it. */
const NAV: Record<Role, readonly NavItem[]> = {
  WORKER: [{ href: '/queue', key: 'nav.queue' }, { href: '/services', key: 'nav.services' }],
  COORDINATOR: [
    { href: '/criteria', key: 'nav.criteria' },
    { href: '/runs', key: 'nav.runs' },
    { href: '/caseload', key: 'nav.caseload' },
    { href: '/services', key: 'nav.services' },
    { href: '/templates', key: 'nav.templates' },
    { href: '/statistics', key: 'nav.statistics' },
  ],
  AUDITOR: [
    { href: '/audit', key: 'nav.audit' },
    { href: '/audit/verify', key: 'nav.verify' },
    { href: '/audit/subject', key: 'nav.subject' },
    { href: '/audit/reveals', key: 'nav.reveals' },
    { href: '/lawful-bases', key: 'nav.lawfulBases' },
    { href: '/statistics', key: 'nav.statistics' },
  ],
  ADMIN: [
    { href: '/admin/extracts', key: 'nav.extracts' },
    { href: '/admin/outcomes', key: 'nav.outcomes' },
    { href: '/criteria', key: 'nav.criteria' },
    { href: '/runs', key: 'nav.runs' },
    { href: '/lawful-bases', key: 'nav.lawfulBases' },
    { href: '/admin/municipalities', key: 'nav.municipalities' },
    { href: '/services', key: 'nav.services' },
    { href: '/admin/users', key: 'nav.users' },
    { href: '/statistics', key: 'nav.statistics' },
  ],
};

export const HOME_OF: Record<Role, string> = { WORKER: '/queue', COORDINATOR: '/criteria', AUDITOR: '/audit', ADMIN: '/admin/extracts' };

export function navFor(actor: Actor, path: string): Array<NavItem & { current: boolean }> {
  return NAV[actor.role].map((item) => ({ ...item, current: path === item.href || path.startsWith(`${item.href}/`) }));
}


export interface PageOptions {
  readonly status?: number;
  /** Only the case page itself shows small counts to a municipal user. */
  readonly seesSmallCounts?: boolean;
}

/**
 * Renders a page for a signed-in actor: their language, their menu, the form token, and no caching,
 * since nearly every page shows personal data or what was done with it.
 */
export function renderPage(res: Response, actor: Actor, view: string, titleKey: string, data: Record<string, unknown> = {}, options: PageOptions = {}): void {
  const path = (res.req?.path as string | undefined) ?? '/';
  res.setHeader('Cache-Control', 'no-store');
  res.status(options.status ?? 200).render(view, {
    ...data,
    titleKey,
    titleParams: data.titleParams ?? {},
    lang: actor.language,
    // The header's language switch offers the other language and comes back to this page (a GET's own
    // address; after a failed post, the page the form is on).
    otherLang: actor.language === 'lt' ? 'en' : 'lt',
    backTo: res.req?.method === 'GET' ? (res.req.originalUrl ?? path) : path,
    actor,
    roleKey: `role.${actor.role}`,
    nav: navFor(actor, path),
    csrfToken: (res.locals.csrfToken as string | null | undefined) ?? null,
    // The national admin view sees counts as they are; every other page shows small counts as "<5".
    seesSmallCounts: options.seesSmallCounts ?? seesSmallCounts(actor),
  });
}

/** A form's text field, trimmed; absent and blank are both undefined. */
export function field(body: Record<string, unknown> | undefined, name: string): string | undefined {
  const value = body?.[name];
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}
