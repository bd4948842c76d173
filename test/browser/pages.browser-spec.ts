import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page, Response } from 'playwright-core';
import { showCount } from '@tiltas/common';
import { PreviewService, systemIdentificationActor } from '@tiltas/identification';
import { Browser, openBrowser, screenshot, seriousViolations, signIn } from './support/browser';
import { BrowserStack, startStack } from './support/browser-stack';

jest.setTimeout(180_000);

/**
 * The pages in a real Chromium against the real api and worker on a small synthetic nation: each role's
 * walk, axe-core on every page visited, screenshots of the main pages.
 */
describe('the pages in a browser', () => {
  let stack: BrowserStack;
  let browser: Browser;
  let page: Page;
  const visited: string[] = [];
  let revealedName = '';

  beforeAll(async () => {
    stack = await startStack();
    browser = await openBrowser(stack.baseUrl);
    page = browser.page;
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
  });

  /** Opens a page, checks it is not cached and passes axe, and remembers it. */
  async function visit(path: string, status = 200): Promise<Response> {
    const response = await page.goto(path);
    expect(response?.status()).toBe(status);
    await expectAccessible(page);
    return response!;
  }

  async function text(selector: string): Promise<string> {
    return (await page.locator(selector).first().textContent()) ?? '';
  }

  async function expectAccessible(p: Page): Promise<void> {
    visited.push(new URL(p.url()).pathname);
    expect(await seriousViolations(p)).toEqual([]);
  }

  describe("a coordinator's change", () => {
    beforeAll(async () => {
      await signIn(page, 'coordinator-vilnius');
    });

    it('lists the criteria, in Lithuanian by default', async () => {
      await visit('/');
      expect(new URL(page.url()).pathname).toBe('/criteria');
      expect((await text('h1')).trim()).toBe('Atrankos kriterijai');
      expect(await page.locator('table.grid tbody th a').allTextContents()).toEqual(expect.arrayContaining(['neet-youth', 'recent-release']));
      await screenshot(page, 'coordinator-criteria');
    });

    it('copies neet-youth for the municipality and shows a bad age beside its field', async () => {
      await visit('/criteria/neet-youth');
      await page.fill('#newId', 'neet-youth-lt57');
      await Promise.all([page.waitForURL(/\/criteria\/neet-youth-lt57\/edit$/), page.click('form[action$="/copy"] button')]);
      await expectAccessible(page);
      expect(await page.inputValue('#ageMin')).toBe('16');
      expect(await page.inputValue('#ageMax')).toBe('26');
      await page.fill('#ageMax', 'twenty-nine');
      await Promise.all([page.waitForLoadState('load'), page.click('main form button[type=submit]')]);
      await expectAccessible(page);
      expect(await page.getAttribute('#ageMax', 'aria-invalid')).toBe('true');
      expect((await text('#ageMax-error')).length).toBeGreaterThan(0);
      expect(await page.locator('#ageMin-error').count()).toBe(0);
      await screenshot(page, 'coordinator-editor-error');
    });

    it('saves ages 16-29 and previews the funnel step by step', async () => {
      await page.fill('#ageMax', '29');
      await Promise.all([page.waitForURL(/\/criteria\/neet-youth-lt57\/preview/), page.click('main form button[type=submit]')]);
      await page.goto('/criteria/neet-youth-lt57/preview?asOf=2026-10-01');
      await expectAccessible(page);
      const steps = await page.locator('#funnel tbody tr').count();
      expect(steps).toBeGreaterThan(3);
      expect(await page.locator('svg.chart rect').count()).toBe(steps);
      const draft = await stack.db.query<{ definition: { conditions: Array<{ kind: string; min?: number; max?: number }> } }>(
        `SELECT definition FROM criterion_version WHERE criterion_id = 'neet-youth-lt57' AND status = 'DRAFT'`,
      );
      expect(draft[0].definition.conditions.find((c) => c.kind === 'age')).toEqual({ kind: 'age', min: 16, max: 29 });
      // The new copy is compared with what finds Vilnius's residents today: the national neet-youth there.
      const raw = await stack.worker.get(PreviewService).preview({ criterionId: 'neet-youth-lt57', asOf: '2026-10-01' }, systemIdentificationActor('browser-test'));
      expect(raw.diff).toMatchObject({ criterionId: 'neet-youth', activeVersion: 1 });
      expect((await text('#diff-against')).trim()).toContain('neet-youth');
      expect((await text('#diff-added')).trim()).toBe(String(raw.diff!.adds));
      expect((await text('#diff-dropped')).trim()).toBe(String(raw.diff!.drops));
      expect((await text('#preview-total')).trim()).toBe(String(showCount(raw.total, false)));
      await screenshot(page, 'coordinator-preview');
    });

    it('activates the copy under the lawful basis and starts a run that completes', async () => {
      await page.selectOption('#lawfulBasisId', stack.lawfulBasisId);
      await Promise.all([page.waitForURL(/\/criteria\/neet-youth-lt57\?activated=1/), page.click('form[action$="/activate"] button')]);
      await expectAccessible(page);
      expect(await text('p.notice')).toContain('1');
      await visit('/runs');
      await page.fill('#asOf', '2026-10-01');
      await Promise.all([page.waitForURL(/\/runs\?started=2026-10-01/), page.click('main form button[type=submit]')]);
      await expectAccessible(page);
      let status = '';
      for (let i = 0; i < 60 && status !== 'COMPLETED'; i++) {
        await page.waitForTimeout(500);
        await page.goto('/runs');
        status = ((await page.locator('#runs tbody tr td:nth-child(3)').first().textContent()) ?? '').trim();
      }
      expect(status).toBe('COMPLETED');
      await expectAccessible(page);
      await screenshot(page, 'coordinator-runs');
      const cases = await stack.db.query<{ n: string }>(`SELECT count(*) AS n FROM cases WHERE municipality = 'LT-57'`);
      expect(Number(cases[0].n)).toBeGreaterThan(0);
    });

    it("previews the national neet-youth without Vilnius, which its active copy now takes over, and says so", async () => {
      await visit('/criteria/neet-youth/preview?asOf=2026-10-01');
      const raw = await stack.worker.get(PreviewService).preview({ criterionId: 'neet-youth', asOf: '2026-10-01' }, systemIdentificationActor('browser-test'));
      expect(raw.leftOut).toEqual([{ municipality: 'LT-57', criterionId: 'neet-youth-lt57', version: 1 }]);
      expect(raw.byMunicipality.map((r) => r.municipality)).not.toContain('LT-57');
      expect(await page.locator('#left-out li').allTextContents()).toEqual(['LT-57: neet-youth-lt57, 1 versija']);
      expect((await text('#preview-total')).trim()).toBe(String(showCount(raw.total, false)));
    });

    it('sees the new cases in the backlog and assigns them automatically', async () => {
      await visit('/caseload');
      const backlog = (await text('#backlog-unassigned')).trim();
      expect(backlog).not.toBe('0');
      await Promise.all([page.waitForURL(/\/caseload\?assigned=\d+/), page.click('form[action="/caseload/auto-assign"] button')]);
      await expectAccessible(page);
      expect(await text('p.notice')).toMatch(/\d+/);
      const held = await stack.db.query<{ n: string }>(
        `SELECT count(*) AS n FROM cases c JOIN users u ON u.id = c.assigned_to WHERE u.username = 'worker-vilnius' AND c.status <> 'CLOSED'`,
      );
      expect(Number(held[0].n)).toBeGreaterThan(0);
      await screenshot(page, 'coordinator-caseload');
    });

    it('adds a service to the directory and previews a letter template', async () => {
      await visit('/services');
      await page.fill('#s-name', 'Vilniaus jaunimo centras');
      await page.selectOption('#s-kind', 'NGO');
      await page.fill('#s-contact', 'info@example.lt');
      await Promise.all([page.waitForURL(/\/services\?done=added$/), page.click('form[action="/services"] button[type=submit]')]);
      await expectAccessible(page);
      expect(await page.locator('#services tbody th').allTextContents()).toContain('Vilniaus jaunimo centras');
      await visit('/templates?kind=LETTER&language=lt');
      expect((await text('#template-preview')).length).toBeGreaterThan(20);
    });
  });

  describe("a worker's day", () => {
    let caseUrl = '';

    beforeAll(async () => {
      await signIn(page, 'worker-vilnius');
    });

    it("opens today's queue, most urgent first, with why each case is listed", async () => {
      await visit('/');
      expect(new URL(page.url()).pathname).toBe('/queue');
      const rows = await page.locator('#queue li.card h3 a').count();
      expect(rows).toBeGreaterThan(0);
      expect(await page.locator('#queue li.card dd.why').first().textContent()).toMatch(/v\d+/);
      await screenshot(page, 'worker-queue');
      await Promise.all([page.waitForURL(/\/cases\/\d+$/), page.locator('#queue li.card h3 a').first().click()]);
      caseUrl = new URL(page.url()).pathname;
      await expectAccessible(page);
      expect(await page.locator('section.reason').count()).toBeGreaterThan(0);
    });

    it('reveals the contact details for a stated purpose, uncached and logged', async () => {
      await page.fill('#purpose', 'first call about the youth guarantee');
      const [response] = await Promise.all([page.waitForResponse((r) => r.url().endsWith('/reveal')), page.click('form[action$="/reveal"] button')]);
      expect(response.headers()['cache-control']).toBe('no-store');
      await page.waitForLoadState('load');
      await expectAccessible(page);
      revealedName = (await text('#contact-name')).trim();
      expect(revealedName.length).toBeGreaterThan(2);
      await screenshot(page, 'worker-case-revealed');
      const logged = await stack.db.query(`SELECT 1 FROM audit_log WHERE action = 'contact.revealed' AND object_id = $1`, [caseUrl.split('/').pop()]);
      expect(logged).toHaveLength(1);
    });

    it('prints the invitation letter in its own page, by a form post with the session token', async () => {
      await page.goto(caseUrl);
      const [letter, response] = await Promise.all([
        page.waitForEvent('popup'),
        page.context().waitForEvent('response', (r) => r.url().endsWith(`${caseUrl}/letter`)),
        page.click('form[action$="/letter"] button'),
      ]);
      expect(response.request().method()).toBe('POST');
      expect(response.status()).toBe(200);
      expect(response.headers()['cache-control']).toBe('no-store');
      await letter.waitForLoadState('load');
      expect(await letter.content()).toContain('<html');
      await letter.close();
      // A plain GET, as a link or a prefetch would send, prints nothing.
      expect((await page.request.get(`${caseUrl}/letter`)).status()).toBe(404);
    });

    it('records an attempt, refers to the directory service and closes the case', async () => {
      await page.goto(caseUrl);
      await page.selectOption('#channel', 'PHONE');
      await page.selectOption('#result', 'REACHED');
      await page.fill('#note', 'Agreed to meet at the youth centre.');
      await Promise.all([page.waitForURL(/done=attempt/), page.click('form[action$="/attempts"] button')]);
      await expectAccessible(page);
      expect(await page.locator('#attempts tbody tr').count()).toBe(1);

      await page.selectOption('#serviceId', { label: 'Vilniaus jaunimo centras (NVO)' });
      await Promise.all([page.waitForURL(/done=referral/), page.click('form[action$="/referrals"] button')]);
      await expectAccessible(page);
      expect(await page.locator('#referrals h3').allTextContents()).toContain('Vilniaus jaunimo centras (NVO)');

      await page.selectOption('#outcome', 'SUPPORT_ACCEPTED');
      await Promise.all([page.waitForURL(/done=closed/), page.click('form[action$="/close"] button')]);
      await expectAccessible(page);
      expect(await text('#case-status')).toContain('uždarytas');
      await screenshot(page, 'worker-case-closed');
    });
  });

  describe("an administrator's bad upload", () => {
    /**
     * Chooses, in the upload form, a copy of the nation's extract of `register` with its header changed and
     * a manifest that matches the changed file, so the header is what the ingest refuses. Returns its folder.
     */
    async function chooseBadHeader(register: string, change: (header: string) => string): Promise<string> {
      const dir = await mkdtemp(join(tmpdir(), `tiltas-bad-${register}-`));
      const csv = (await readFile(join(stack.nationDir, `${register}.csv`), 'utf8')).split('\n');
      csv[0] = change(csv[0]);
      await writeFile(join(dir, `${register}.csv`), csv.join('\n'));
      const manifest = JSON.parse(await readFile(join(stack.nationDir, `${register}.manifest.json`), 'utf8')) as Record<string, unknown>;
      manifest.sha256 = createHash('sha256').update(csv.join('\n')).digest('hex');
      await writeFile(join(dir, `${register}.manifest.json`), JSON.stringify(manifest));
      await page.setInputFiles('#manifest', join(dir, `${register}.manifest.json`));
      await page.setInputFiles('#csv', join(dir, `${register}.csv`));
      return dir;
    }

    it('rejects an extract whose header is wrong, says why, and changes nothing', async () => {
      await signIn(page, 'admin');
      await visit('/admin/extracts');
      await screenshot(page, 'admin-extracts');
      const before = await stack.db.query<{ id: string; status: string }>(`SELECT id::text, status FROM extract ORDER BY id`);
      const dir = await chooseBadHeader('employment', (header) => header.replace(/^[^,]+/, 'who'));
      await Promise.all([page.waitForURL(/\/admin\/extracts\/uploads\/[0-9a-f-]{36}$/), page.click('#upload-form button[type=submit]')]);
      await page.waitForSelector('#upload-verdict', { timeout: 60_000 });
      await expectAccessible(page);
      expect(await text('#upload-verdict')).toMatch(/Atmesta: niekas nepakeista\..*header is wrong/);
      await screenshot(page, 'admin-upload-rejected');
      const after = await stack.db.query<{ id: string; status: string }>(`SELECT id::text, status FROM extract WHERE status <> 'REJECTED' ORDER BY id`);
      expect(after).toEqual(before.filter((e) => e.status !== 'REJECTED'));
      await rm(dir, { recursive: true, force: true });
    });

    it('uploads with the plain form when the script does not run, and lands on the verdict', async () => {
      await page.route('**/assets/extract-upload.js', (route) => route.abort());
      try {
        await visit('/admin/extracts');
        const dir = await chooseBadHeader('military', (header) => `${header},extra`);
        const [response] = await Promise.all([
          page.waitForResponse((r) => r.url().includes('/api/extracts/uploads') && r.request().method() === 'POST'),
          page.click('#upload-form button[type=submit]'),
        ]);
        expect(response.status()).toBe(303);
        await page.waitForURL(/\/admin\/extracts\/uploads\/[0-9a-f-]{36}$/);
        expect(page.url()).not.toContain('_csrf');
        await page.waitForSelector('#upload-verdict', { timeout: 60_000 });
        await expectAccessible(page);
        expect(await text('#upload-verdict')).toMatch(/Atmesta: niekas nepakeista\..*header/);
        await rm(dir, { recursive: true, force: true });
      } finally {
        await page.unroute('**/assets/extract-upload.js');
      }
    });

    it('shows users and tokens, and the municipalities', async () => {
      await visit('/admin/users');
      expect(await page.locator('#users tbody th').count()).toBeGreaterThanOrEqual(5);
      await visit('/admin/municipalities');
      await visit('/lawful-bases');
    });
  });

  describe('municipality scope', () => {
    it("shows a Kaunas worker the 404 page, not the case, for a Vilnius case's URL", async () => {
      const [vilnius] = await stack.db.query<{ id: number }>(`SELECT id::int AS id FROM cases WHERE municipality = 'LT-57' ORDER BY id LIMIT 1`);
      await signIn(page, 'worker-kaunas');
      const response = await page.goto(`/cases/${vilnius.id}`);
      expect(response?.status()).toBe(404);
      await expectAccessible(page);
      expect((await text('h1')).trim()).toBe('Puslapis nerastas');
      expect(await page.locator('section.reason').count()).toBe(0);
      await screenshot(page, 'scope-404');
    });
  });

  describe("an auditor's review", () => {
    beforeAll(async () => {
      await signIn(page, 'auditor');
    });

    it('lands on the log in English (the auditor chose English), with the ingest entries and no caching', async () => {
      const response = await visit('/');
      expect(new URL(page.url()).pathname).toBe('/audit');
      expect(response.headers()['cache-control']).toBe('no-store');
      expect((await text('h1')).trim()).toBe('Audit log');
      const actions = await page.locator('table.grid tbody td.mono').allTextContents();
      expect(actions).toContain('extract.accepted');
      await screenshot(page, 'auditor-log');
    });

    it('filters by action and opens an entry with its hashes', async () => {
      await page.fill('#f-action', 'extract.*');
      await Promise.all([page.waitForURL(/action=extract/), page.click('form.filters button[type=submit]')]);
      await expectAccessible(page);
      const rows = await page.locator('table.grid tbody tr').count();
      expect(rows).toBeGreaterThan(0);
      await Promise.all([page.waitForURL(/\/audit\/entries\/\d+/), page.locator('table.grid tbody tr th a').first().click()]);
      await expectAccessible(page);
      expect(await page.locator('dd.hash').count()).toBe(2);
    });

    it('verifies the chain and shows it intact', async () => {
      await visit('/audit/verify');
      await Promise.all([page.waitForLoadState('load'), page.click('main form button[type=submit]')]);
      await expectAccessible(page);
      expect((await text('section.result h2')).trim()).toBe('The chain is intact.');
      await screenshot(page, 'auditor-verify');
    });

    it('looks a subject up by personal code, and the lookup is logged without the code', async () => {
      await visit('/audit/subject');
      const code = stack.personalCode(0);
      await page.fill('#personalCode', code);
      await page.fill('#reference', 'SAR-2026-1');
      await Promise.all([page.waitForLoadState('load'), page.click('main form button[type=submit]')]);
      await expectAccessible(page);
      expect(await text('section h2')).toContain('entries about this person');
      expect(page.url()).not.toContain(code);
      expect(await page.content()).not.toContain(code);
      const logged = await stack.db.query<{ action: string; details: Record<string, unknown> }>(`SELECT action, details FROM audit_log WHERE action = 'subject.looked_up'`);
      expect(logged).toHaveLength(1);
      expect(JSON.stringify(logged[0])).not.toContain(code);
    });

    it('refuses a malformed personal code with the reason, beside the field', async () => {
      await page.fill('#personalCode', '12345678901');
      await Promise.all([page.waitForLoadState('load'), page.click('main form button[type=submit]')]);
      await expectAccessible(page);
      expect(await text('#subject-error')).toContain('not a valid personal code');
    });

    it('exports the log as JSONL with a header line', async () => {
      const response = await page.request.get('/audit/export?action=extract.*');
      expect(response.status()).toBe(200);
      const lines = (await response.text()).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(lines[0]).toMatchObject({ type: 'tiltas.audit-export', filter: { action: 'extract.*' } });
      expect(lines.length).toBeGreaterThan(1);
      expect(lines.slice(1).every((l) => String(l.action).startsWith('extract.'))).toBe(true);
    });

    it('finds the reveal the worker just made', async () => {
      await visit('/audit?action=contact.revealed');
      expect(await page.locator('table.grid tbody tr').count()).toBe(1);
      const [worker] = await stack.db.query<{ id: string }>(`SELECT id FROM users WHERE username = 'worker-vilnius'`);
      expect(await page.locator('table.grid tbody td.mono').first().textContent()).toBe(worker.id);
      expect(await page.content()).not.toContain(revealedName);
    });

    it('shows reveal volumes and the lawful-basis registry', async () => {
      await visit('/audit/reveals');
      // One reveal by the Vilnius worker: shown, as the API counts it, as "<5".
      const row = page.locator('#reveal-volumes tbody tr', { hasText: 'worker-vilnius' });
      expect(await row.count()).toBe(1);
      // The auditor reads the real volume (docs/suppression.md): a small number is shown as it is, not "<5".
      expect((await row.locator('td').nth(1).textContent())?.trim()).toMatch(/^[1-4]$/);
      await visit('/lawful-bases');
      expect(await page.locator('table.grid tbody th').first().textContent()).toContain(stack.lawfulBasisId);
    });

    it('gets a 404 page, in their language, for a page that does not exist', async () => {
      await visit('/audit/entries/999999', 404);
      expect((await text('h1')).trim()).toBe('Page not found');
    });
  });
});
