import { systemActor } from '@tiltas/audit';
import { IdentificationService } from '@tiltas/identification';
import { CaseWorkService, systemOutreachActor } from '@tiltas/outreach';
import type { Page } from 'playwright-core';
import { Browser, openBrowser, seriousViolations, signIn } from './support/browser';
import { BrowserStack, NATION, startStack } from './support/browser-stack';

jest.setTimeout(240_000);

const TOKEN_PATH = /^\/r\/[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/;

/**
 * The response link in a real Chromium: the worker prints a case's invitation letter, the person (signed
 * out, no script on the page) follows the letter's link and answers "I would like help", and the worker
 * finds the case at the top of their queue with the notice. Expired, reused and forged links get calm
 * pages; the page passes axe in Lithuanian, Russian, Polish and English.
 */
describe('a response link in a browser', () => {
  let stack: BrowserStack;
  let browser: Browser;
  let page: Page;
  let caseId = 0;
  let linkPath = '';

  beforeAll(async () => {
    stack = await startStack();
    await stack.worker.get(IdentificationService).run({ asOf: NATION.asOf, trigger: 'test', actor: systemActor('browser-test') });
    await stack.worker.get(CaseWorkService).autoAssign(systemOutreachActor('browser-test'), 'LT-57');
    browser = await openBrowser(stack.baseUrl);
    page = browser.page;
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  async function expectAccessible(p: Page = page): Promise<void> {
    expect(await seriousViolations(p)).toEqual([]);
  }

  /** The worker's held cases, most urgent first, as the queue orders them; the last one is the least urgent. */
  async function heldCases(): Promise<number[]> {
    const rows = await stack.db.query<{ id: string }>(
      `SELECT c.id FROM cases c JOIN users u ON u.id = c.assigned_to
        WHERE u.username = 'worker-vilnius' AND c.status IN ('ASSIGNED', 'IN_PROGRESS') ORDER BY c.priority, c.window_date NULLS LAST, c.id`,
    );
    return rows.map((r) => Number(r.id));
  }

  /** Prints the case's letter from its page (a new tab, as the form targets) and returns the link it carries. */
  async function printLetter(id: number): Promise<string> {
    await page.goto(`/cases/${id}`);
    const [letter] = await Promise.all([page.context().waitForEvent('page'), page.click('form[action$="/letter"] button')]);
    await letter.waitForLoadState('load');
    expect(await letter.locator('section.respond svg.qr').count()).toBe(1);
    expect(await letter.locator('section.respond svg.qr').getAttribute('aria-label')).toBeTruthy();
    const url = (await letter.locator('section.respond .url').textContent()) ?? '';
    await letter.close();
    const path = new URL(url).pathname;
    expect(path).toMatch(TOKEN_PATH);
    return path;
  }

  it('prints a letter whose link and QR code lead to the person page', async () => {
    const held = await heldCases();
    expect(held.length).toBeGreaterThan(1);
    // The least urgent case the worker holds: "I would like help" must lift it above all the others.
    caseId = held[held.length - 1];
    await signIn(page, 'worker-vilnius');
    await page.goto('/queue');
    expect(await page.locator('#queue li.card').first().locator('h3 a').getAttribute('href')).not.toBe(`/cases/${caseId}`);
    linkPath = await printLetter(caseId);
  });

  it('lets the person, signed out, answer "I would like help" on a page without script', async () => {
    await page.context().clearCookies();
    await page.goto(linkPath);
    await expectAccessible();
    expect(await page.locator('script').count()).toBe(0);
    const title = await page.title();
    expect(title).not.toMatch(/Tiltas|neet|release|care|disab/i);
    await page.check('#answer-HELP');
    await page.selectOption('#callbackTime', 'AFTERNOON');
    await page.fill('#phone', '+370 612 34567');
    await Promise.all([page.waitForLoadState('load'), page.click('#respond-form button[type=submit]')]);
    expect(await page.locator('#respond-done').count()).toBe(1);
    await expectAccessible();
    const [row] = await stack.db.query<{ answer: string; help: boolean }>(
      `SELECT r.answer, c.help_requested_at IS NOT NULL AS help FROM case_response r JOIN cases c ON c.id = r.case_id WHERE r.case_id = $1`,
      [caseId],
    );
    expect(row).toEqual({ answer: 'HELP', help: true });
  });

  it('shows the worker the case at the top of the queue with the notice, and on the case', async () => {
    await signIn(page, 'worker-vilnius');
    await page.goto('/queue');
    await expectAccessible();
    const first = page.locator('#queue li.card').first();
    expect(await first.locator('h3 a').getAttribute('href')).toBe(`/cases/${caseId}`);
    expect(await first.locator('.help-requested').textContent()).toMatch(/^Paprašė pagalbos \d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);
    await first.locator('h3 a').click();
    await page.waitForURL(`**/cases/${caseId}`);
    await expectAccessible();
    expect(await page.locator('#help-requested').count()).toBe(1);
    expect(await page.locator('#responses .response-answer').first().textContent()).toBe('norėtų pagalbos');
  });

  it('refuses the used link calmly', async () => {
    await page.context().clearCookies();
    const response = await page.goto(linkPath);
    expect(response?.status()).toBe(410);
    await expectAccessible();
    expect(await page.locator('#respond-refused').count()).toBe(1);
    expect(await page.locator('#respond-contact').count()).toBe(1);
    expect(await page.locator('form').count()).toBe(0);
  });

  it('refuses an expired link and a forged one calmly', async () => {
    await signIn(page, 'worker-vilnius');
    const held = await heldCases();
    const other = held.find((id) => id !== caseId)!;
    const path = await printLetter(other);
    await page.context().clearCookies();
    await stack.db.query(`UPDATE response_link SET issued_at = now() - interval '61 days', expires_at = now() - interval '1 day' WHERE case_id = $1`, [other]);
    const expired = await page.goto(path);
    expect(expired?.status()).toBe(410);
    await expectAccessible();
    expect(await page.locator('#respond-refused').textContent()).toMatch(/nebegalioja/);

    const last = linkPath[linkPath.length - 1];
    const forged = await page.goto(linkPath.slice(0, -1) + (last === 'Z' ? 'Y' : 'Z'));
    expect(forged?.status()).toBe(404);
    await expectAccessible();
    expect(await page.locator('#respond-refused').textContent()).toMatch(/atpažinti nepavyko/);
  });

  it('passes axe in Lithuanian, Russian, Polish and English, with the form and with a form error', async () => {
    await signIn(page, 'worker-vilnius');
    const held = await heldCases();
    const path = await printLetter(held.find((id) => id !== caseId)!);
    await page.context().clearCookies();
    for (const lang of ['lt', 'ru', 'pl', 'en']) {
      await page.goto(`${path}?lang=${lang}`);
      expect(await page.getAttribute('html', 'lang')).toBe(lang);
      await expectAccessible();
    }
    // Sent without an answer: the error is announced and links to the first choice.
    await Promise.all([page.waitForLoadState('load'), page.click('#respond-form button[type=submit]')]);
    expect(await page.locator('#respond-error').textContent()).toMatch(/Please choose one of the three answers/);
    await expectAccessible();
  });
});
