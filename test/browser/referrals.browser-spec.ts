import { systemActor } from '@tiltas/audit';
import { IdentificationService } from '@tiltas/identification';
import { CaseWorkService, systemOutreachActor } from '@tiltas/outreach';
import type { Page } from 'playwright-core';
import { Browser, openBrowser, screenshot, seriousViolations, signIn } from './support/browser';
import { BrowserStack, NATION, startStack } from './support/browser-stack';

jest.setTimeout(180_000);

/**
 * A referral followed to the end in a real Chromium: the coordinator adds a service on the directory
 * page, the worker refers a held case to it and creates the partner's link, the partner (signed out, no
 * script on the page) moves the referral forward to COMPLETED through that link, and the worker sees it
 * on the case. axe-core checks every page on the way.
 */
describe('a referral in a browser', () => {
  let stack: BrowserStack;
  let browser: Browser;
  let page: Page;
  let caseUrl = '';
  let partnerUrl = '';

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

  async function expectAccessible(): Promise<void> {
    expect(await seriousViolations(page)).toEqual([]);
  }

  async function submit(form: string, url: RegExp): Promise<void> {
    await Promise.all([page.waitForURL(url), page.click(`${form} button[type=submit]`)]);
    await expectAccessible();
  }

  it('lets the coordinator add a service for the neet-youth cohort to the directory', async () => {
    await signIn(page, 'coordinator-vilnius');
    await page.goto('/services');
    await expectAccessible();
    await page.fill('#s-name', 'Jaunimo darbo centras');
    await page.selectOption('#s-kind', 'NGO');
    await page.fill('#s-contact', 'desk +370 5 000 1111');
    await page.check('input[name="cohorts"][value="neet-youth"]');
    await submit('form[action="/services"]', /\/services\?done=added$/);
    const row = page.locator('#services tbody tr', { hasText: 'Jaunimo darbo centras' });
    expect(await row.locator('td').nth(2).textContent()).toBe('neet-youth');
    await screenshot(page, 'coordinator-services');
  });

  it('lets the worker refer a held neet-youth case and create the partner link', async () => {
    const [held] = await stack.db.query<{ id: string }>(
      `SELECT c.id FROM cases c JOIN users u ON u.id = c.assigned_to WHERE u.username = 'worker-vilnius' AND 'neet-youth' = ANY(c.cohorts) ORDER BY c.id LIMIT 1`,
    );
    caseUrl = `/cases/${held.id}`;
    await signIn(page, 'worker-vilnius');
    await page.goto(caseUrl);
    await expectAccessible();
    await page.selectOption('#serviceId', { label: 'Jaunimo darbo centras (NVO)' });
    await submit('form[action$="/referrals"]', /done=referral/);
    expect(await page.locator('#referrals .referral-status').first().textContent()).toBe('išsiųstas');

    await Promise.all([page.waitForLoadState('load'), page.click('form[action$="/link"] button')]);
    await expectAccessible();
    partnerUrl = (await page.locator('a.partner-link').first().getAttribute('href')) ?? '';
    expect(partnerUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/partner\/referrals\/\d+\.\d+\.[A-Za-z0-9_-]{43}$/);
  });

  it('lets the partner, signed out, move the referral to COMPLETED through the link on a page without script', async () => {
    await page.context().clearCookies();
    const path = new URL(partnerUrl).pathname;
    await page.goto(path);
    await expectAccessible();
    expect(await page.locator('script').count()).toBe(0);
    expect(await page.locator('#partner-status').textContent()).toBe('išsiųstas');
    expect(await page.locator('body').textContent()).not.toMatch(/worker-vilnius|pseudonym/);
    for (const [status, shown] of [
      ['ACCEPTED', 'paslauga priėmė'],
      ['STARTED', 'pradėta'],
      ['COMPLETED', 'baigta'],
    ] as const) {
      await page.selectOption('#status', status);
      await submit('main form', /\?done=1$/);
      expect(await page.locator('#partner-status').textContent()).toBe(shown);
    }
    expect(await page.locator('#partner-final').count()).toBe(1);
    expect(await page.locator('#partner-steps tbody tr').count()).toBe(4);
    await screenshot(page, 'partner-referral-completed');
  });

  it('refuses a forged link with a page of its own', async () => {
    const path = new URL(partnerUrl).pathname;
    const forged = path.replace(/\.(\d+)\./, (_, exp: string) => `.${Number(exp) + 60}.`);
    const response = await page.goto(forged);
    expect(response?.status()).toBe(404);
    await expectAccessible();
    expect(await page.locator('#partner-refused').count()).toBe(1);
  });

  it("shows the worker the completed referral on the case, with the partner's moves in its history", async () => {
    await signIn(page, 'worker-vilnius');
    await page.goto(caseUrl);
    await expectAccessible();
    const referral = page.locator('#referrals section.referral').first();
    expect(await referral.locator('.referral-status').textContent()).toBe('baigta');
    const vias = await referral.locator('table tbody td:nth-child(3)').allTextContents();
    expect(vias).toEqual(['atvejo darbuotojas', 'partneris, per nuorodą', 'partneris, per nuorodą', 'partneris, per nuorodą']);
    const [row] = await stack.db.query<{ status: string }>(`SELECT status FROM referral ORDER BY id DESC LIMIT 1`);
    expect(row.status).toBe('COMPLETED');
    await screenshot(page, 'worker-case-referral');
  });
});
