import { systemActor } from '@tiltas/audit';
import { IdentificationService } from '@tiltas/identification';
import { CaseWorkService, systemOutreachActor, type OutreachActor } from '@tiltas/outreach';
import type { Page } from 'playwright-core';
import { Browser, openBrowser, screenshot, seriousViolations, signIn } from './support/browser';
import { BrowserStack, NATION, startStack } from './support/browser-stack';

jest.setTimeout(180_000);

/** Every number cell of the page, by the CSV's figure, month and cohort. */
async function pageCells(page: Page): Promise<Map<string, string>> {
  const cells = await page.locator('td[data-figure]').evaluateAll((tds) =>
    tds.map((td) => [`${td.getAttribute('data-figure')} ${td.getAttribute('data-month')} ${td.getAttribute('data-cohort')}`, (td.textContent ?? '').trim()] as const),
  );
  return new Map(cells);
}

function csvCells(csv: string): Map<string, string> {
  return new Map(
    csv
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => {
        const [, figure, month, cohort, value] = line.split(',');
        return [`${figure} ${month} ${cohort}`, value] as const;
      }),
  );
}

/**
 * A coordinator reads the municipality's statistics on the demo nation after a run and a morning's
 * work: the page passes axe, its screenshot goes to the README's folder, and the CSV behind its link
 * holds the same number in every cell the page shows.
 */
describe('the statistics page in a browser', () => {
  let stack: BrowserStack;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    stack = await startStack();
    await stack.worker.get(IdentificationService).run({ asOf: NATION.asOf, trigger: 'test', actor: systemActor('browser-test') });
    const work = stack.worker.get(CaseWorkService);
    await work.autoAssign(systemOutreachActor('browser-test'), 'LT-57');
    const [holder] = await stack.db.query<{ id: string }>(`SELECT id FROM users WHERE username = 'worker-vilnius'`);
    const worker: OutreachActor = { userId: holder.id, role: 'WORKER', municipality: 'LT-57', scope: 'municipal' };
    const held = await stack.db.query<{ id: string }>(`SELECT id FROM cases WHERE assigned_to = $1 ORDER BY id`, [holder.id]);
    for (const [i, c] of held.entries()) {
      if (i % 3 === 2) continue;
      await work.recordAttempt(worker, Number(c.id), { channel: 'PHONE', result: i % 3 === 0 ? 'REACHED' : 'NO_ANSWER' });
    }
    browser = await openBrowser(stack.baseUrl);
    page = browser.page;
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  it('opens from the menu, uncached, with tables, charts and the follow-up under the demo basis, and passes axe', async () => {
    await signIn(page, 'coordinator-vilnius');
    await page.goto('/criteria');
    const [response] = await Promise.all([page.waitForResponse((r) => new URL(r.url()).pathname === '/statistics'), page.click('nav a[href="/statistics"]')]);
    expect(response.status()).toBe(200);
    expect(response.headers()['cache-control']).toBe('no-store');
    expect((await page.locator('h1').textContent())?.trim()).toBe('Statistika: LT-57');
    expect(await page.locator('table.stats').count()).toBeGreaterThanOrEqual(8);
    expect(await page.locator('svg.chart').count()).toBe(3);
    expect(await page.locator('#follow-up-basis').textContent()).toContain(stack.lawfulBasisId);
    const listed = await page.locator('td[data-figure="funnel.listed"][data-month="all"][data-cohort="all"]').first().textContent();
    const [{ n }] = await stack.db.query<{ n: string }>(`SELECT count(*) AS n FROM cases WHERE municipality = 'LT-57'`);
    expect(listed?.trim()).toBe(Number(n) < 5 ? '<5' : n);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'coordinator-statistics');
  });

  it('downloads a CSV holding the same number in every cell the page shows', async () => {
    const href = await page.getAttribute('#statistics-csv', 'href');
    const download = await page.request.get(href!);
    expect(download.status()).toBe(200);
    expect(download.headers()['content-type']).toMatch(/^text\/csv/);
    const csv = csvCells(await download.text());
    const shown = await pageCells(page);
    expect(shown.size).toBeGreaterThan(50);
    const differences = [...shown].filter(([cell, text]) => (csv.get(cell) ?? 'missing') !== (text === '–' ? '' : text));
    expect(differences).toEqual([]);
    const [entry] = await stack.db.query<{ action: string; role: string }>(`SELECT action, role FROM audit_log WHERE action = 'export.downloaded'`);
    expect(entry).toEqual({ action: 'export.downloaded', role: 'COORDINATOR' });
  });

  it('filters by cohort and months with the plain form, and keeps the CSV link on the same filter', async () => {
    const cohort = (await page.locator('#s-cohort option').nth(1).getAttribute('value'))!;
    await page.selectOption('#s-cohort', cohort);
    await page.fill('#s-from', '2026-10');
    await Promise.all([page.waitForURL((url) => url.searchParams.get('cohort') === cohort), page.click('main form button[type=submit]')]);
    expect(new URL(page.url()).searchParams.get('from')).toBe('2026-10');
    expect(await page.locator('#funnel-by-cohort tbody th').allTextContents()).toEqual([cohort]);
    expect(await page.getAttribute('#statistics-csv', 'href')).toContain(`cohort=${cohort}`);
    expect(await seriousViolations(page)).toEqual([]);
  });

  it('is in a national auditor\'s menu too, in English, for the whole country', async () => {
    await signIn(page, 'auditor');
    await page.goto('/audit');
    await Promise.all([page.waitForURL(/\/statistics$/), page.click('nav a[href="/statistics"]')]);
    expect((await page.locator('h1').textContent())?.trim()).toBe('Statistics: all of Lithuania');
    expect(await page.locator('#s-municipality').count()).toBe(1);
    expect(await seriousViolations(page)).toEqual([]);
  });
});
