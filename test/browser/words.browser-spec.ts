import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { Browser, openBrowser, seriousViolations, signIn } from './support/browser';
import { BrowserStack, startStack } from './support/browser-stack';

jest.setTimeout(300_000);

type Lang = 'lt' | 'en';
const CATALOGUES: Record<Lang, Record<string, string>> = {
  lt: JSON.parse(readFileSync(join(__dirname, '..', '..', 'apps', 'api', 'views', 'i18n', 'lt.json'), 'utf8')) as Record<string, string>,
  en: JSON.parse(readFileSync(join(__dirname, '..', '..', 'apps', 'api', 'views', 'i18n', 'en.json'), 'utf8')) as Record<string, string>,
};

/**
 * Words spelt the same in both languages (names, codes, the other language's own name on the switch):
 * seeing them on a page is no sign of the wrong catalogue.
 */
const SAME_IN_BOTH = new Set(['English', 'Lietuviškai', 'Tiltas', 'SMS', 'JSON', 'CSV', 'JSONL', 'OpenID Connect', 'API']);

/**
 * The literal pieces of a catalogue's messages that the other catalogue does not also have: the text
 * around `{placeholders}`, long enough (two words or more) to be a message of its own and not a shared
 * name. A page in one language that shows one of these shows a message of the other.
 */
function tellTales(lang: Lang): string[] {
  const other: Lang = lang === 'lt' ? 'en' : 'lt';
  const own = new Set(Object.values(CATALOGUES[other]));
  const pieces = new Set<string>();
  for (const value of Object.values(CATALOGUES[lang])) {
    if (own.has(value)) continue;
    for (const piece of value.split(/\{\w+\}/)) {
      const p = piece.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim().replace(/^[\s:·,.()–-]+|[\s:·,.()–-]+$/g, '');
      if (p.split(' ').length >= 2 && p.length >= 10 && !SAME_IN_BOTH.has(p)) pieces.add(p);
    }
  }
  for (const value of Object.values(CATALOGUES[other])) pieces.delete(value.trim());
  return [...pieces];
}

/** Each role's pages, as their menu lists them and one level below. */
const PAGES: Record<string, readonly string[]> = {
  'worker-vilnius': ['/queue', '/services', '/account/tokens'],
  'coordinator-vilnius': ['/criteria', '/criteria/neet-youth', '/criteria/neet-youth/preview?asOf=2026-10-01', '/runs', '/caseload', '/services', '/templates', '/statistics', '/account/tokens'],
  auditor: ['/audit', '/audit/verify', '/audit/subject', '/audit/reveals', '/lawful-bases', '/statistics', '/account/tokens'],
  admin: ['/admin/extracts', '/admin/outcomes', '/criteria', '/runs', '/lawful-bases', '/admin/municipalities', '/services', '/admin/users', '/statistics', '/account/tokens'],
};

/**
 * The words on the pages: the language switch on every page (kept on the user, and the sign-in choice
 * holds), no message of the other catalogue on any page of any role in either language, the worker's
 * pages on a phone, and the API's documentation page accessible.
 */
describe('language and words in a browser', () => {
  let stack: BrowserStack;
  let browser: Browser;
  let page: Page;
  let caseUrl = '';

  beforeAll(async () => {
    stack = await startStack();
    browser = await openBrowser(stack.baseUrl);
    page = browser.page;
    // Cases for the worker: the coordinator runs identification and shares the backlog out.
    await signIn(page, 'coordinator-vilnius');
    await page.goto('/runs');
    await page.fill('#asOf', '2026-10-01');
    await Promise.all([page.waitForURL(/\/runs\?started=2026-10-01/), page.click('main form button[type=submit]')]);
    let status = '';
    for (let i = 0; i < 120 && status !== 'COMPLETED'; i++) {
      await page.waitForTimeout(500);
      const rows = await stack.db.query<{ status: string }>(`SELECT status FROM identification_run ORDER BY started_at DESC LIMIT 1`);
      status = rows[0]?.status ?? '';
    }
    expect(status).toBe('COMPLETED');
    await page.goto('/caseload');
    await Promise.all([page.waitForURL(/\/caseload\?assigned=\d+/), page.click('form[action="/caseload/auto-assign"] button')]);
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  async function language(username: string): Promise<string> {
    const rows = await stack.db.query<{ language: string }>(`SELECT language FROM users WHERE username = $1`, [username]);
    return rows[0].language;
  }

  async function setLanguage(username: string, lang: Lang): Promise<void> {
    await stack.db.query(`UPDATE users SET language = $2 WHERE username = $1`, [username, lang]);
  }

  describe('the language switch', () => {
    it('is on every page, keeps the choice on the user and comes back to the same page', async () => {
      await signIn(page, 'coordinator-vilnius');
      await page.goto('/runs?started=2026-10-01');
      expect(await page.getAttribute('html', 'lang')).toBe('lt');
      await Promise.all([page.waitForURL(/\/runs\?started=2026-10-01$/), page.click('form.lang-switch button')]);
      expect(await page.getAttribute('html', 'lang')).toBe('en');
      expect(await page.locator('form.lang-switch button').textContent()).toBe('Lietuviškai');
      expect(await language('coordinator-vilnius')).toBe('en');
      const entries = await stack.db.query<{ details: { from: string; to: string } }>(
        `SELECT details FROM audit_log WHERE action = 'user.language_changed' AND object_id = (SELECT id::text FROM users WHERE username = 'coordinator-vilnius')`,
      );
      expect(entries.map((e) => e.details)).toEqual([{ from: 'lt', to: 'en' }]);
      expect(await seriousViolations(page)).toEqual([]);

      await page.goto('/caseload');
      expect(await page.getAttribute('html', 'lang')).toBe('en');
      await Promise.all([page.waitForURL(/\/caseload$/), page.click('form.lang-switch button')]);
      expect(await page.getAttribute('html', 'lang')).toBe('lt');
      expect(await language('coordinator-vilnius')).toBe('lt');
    });

    it('refuses a post without the form token, and a language that is not offered', async () => {
      const without = await page.request.post('/account/language', { form: { language: 'en', back: '/queue' }, maxRedirects: 0 });
      expect(without.status()).toBe(403);
      expect(await language('coordinator-vilnius')).toBe('lt');
      await page.goto('/criteria');
      const token = await page.inputValue('form.lang-switch input[name=_csrf]');
      const bad = await page.request.post('/account/language', { form: { _csrf: token, language: 'de', back: '/criteria' }, maxRedirects: 0 });
      expect(bad.status()).toBe(400);
      expect(await language('coordinator-vilnius')).toBe('lt');
      // Back goes only to a page of this site.
      const away = await page.request.post('/account/language', { form: { _csrf: token, language: 'lt', back: '//evil.example/' }, maxRedirects: 0 });
      expect(away.status()).toBe(303);
      expect(away.headers().location).toBe('/');
    });

    it('holds the language chosen at sign-in after signing in, and the next time', async () => {
      await page.context().clearCookies();
      await page.goto('/sign-in?lang=en');
      await page.fill('#username', 'worker-kaunas');
      await page.fill('#password', 'browser-test-password');
      await Promise.all([page.waitForURL(/\/queue/), page.click('main form button[type=submit]')]);
      expect(await page.getAttribute('html', 'lang')).toBe('en');
      expect(await language('worker-kaunas')).toBe('en');
      // Signing in again without choosing keeps it.
      await signIn(page, 'worker-kaunas');
      expect(await page.getAttribute('html', 'lang')).toBe('en');
      await setLanguage('worker-kaunas', 'lt');
    });
  });

  describe('no words of the other language', () => {
    for (const lang of ['lt', 'en'] as const) {
      for (const [username, paths] of Object.entries(PAGES)) {
        it(`shows ${username}'s pages in ${lang} only`, async () => {
          const before = await language(username);
          await setLanguage(username, lang);
          try {
            await signIn(page, username);
            const wrong = tellTales(lang === 'lt' ? 'en' : 'lt');
            const found: string[] = [];
            for (const path of paths) {
              const response = await page.goto(path);
              expect(response?.status()).toBe(200);
              expect(await page.getAttribute('html', 'lang')).toBe(lang);
              const body = (await page.locator('body').innerText()).replace(/\s+/g, ' ');
              for (const piece of wrong) if (body.includes(piece)) found.push(`${path}: ${piece}`);
              expect(await seriousViolations(page)).toEqual([]);
            }
            expect(found).toEqual([]);
          } finally {
            await setLanguage(username, before as Lang);
          }
        });
      }
    }
  });

  describe('on a phone (390×844)', () => {
    beforeAll(async () => {
      await page.setViewportSize({ width: 390, height: 844 });
      await signIn(page, 'worker-vilnius');
    });

    afterAll(async () => {
      await page.setViewportSize({ width: 1280, height: 900 });
    });

    async function fitsAndPasses(): Promise<void> {
      const width = (await page.evaluate('document.documentElement.scrollWidth')) as number;
      expect(width).toBeLessThanOrEqual(390);
      expect(await seriousViolations(page)).toEqual([]);
    }

    it("opens the case with its facts and history wrapped, and the forms in one column", async () => {
      const rows = await stack.db.query<{ id: string }>(
        `SELECT c.id::text AS id FROM cases c JOIN users u ON u.id = c.assigned_to WHERE u.username = 'worker-vilnius' ORDER BY c.id LIMIT 1`,
      );
      expect(rows).toHaveLength(1);
      caseUrl = `/cases/${rows[0].id}`;
      await page.goto(caseUrl);
      await fitsAndPasses();
      const purpose = await page.locator('#purpose').boundingBox();
      expect(purpose!.x + purpose!.width).toBeLessThanOrEqual(390);
    });

    it('reveals, records an attempt and closes without sideways scrolling', async () => {
      await page.fill('#purpose', 'home visit');
      await Promise.all([page.waitForLoadState('load'), page.click('form[action$="/reveal"] button')]);
      await page.waitForSelector('#contact-name');
      await fitsAndPasses();
      await page.goto(caseUrl);
      await page.selectOption('#channel', 'VISIT').catch(async () => page.selectOption('#channel', { index: 1 }));
      await page.selectOption('#result', { index: 1 });
      await page.fill('#note', 'Nobody at home; a note left at the door with the youth centre address and the phone number.');
      await Promise.all([page.waitForURL(/done=attempt/), page.click('form[action$="/attempts"] button')]);
      await fitsAndPasses();
      await page.selectOption('#outcome', { index: 1 });
      await Promise.all([page.waitForURL(/done=closed/), page.click('form[action$="/close"] button')]);
      await fitsAndPasses();
    });

    it('shows the queue without sideways scrolling', async () => {
      await page.goto('/queue');
      await fitsAndPasses();
    });
  });

  describe('the API documentation', () => {
    it('passes axe', async () => {
      await page.context().clearCookies();
      const response = await page.goto('/api/docs');
      expect(response?.status()).toBe(200);
      await page.waitForSelector('.opblock', { timeout: 30_000 });
      expect(await seriousViolations(page)).toEqual([]);
    });
  });
});
