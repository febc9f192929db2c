// The dashboard in a real browser (Debian's Chromium through playwright-core)
// against a real daemon on the embedded engine (chdb) with planted drift
// (fixture.ts): it loads without console errors, asks for a token once, marks
// the drifted features and not the controls, opens a histogram whose SQL runs,
// shows the alert, silences it (and says so when the token lacks admin), and
// rides out an HTTP restart. Screenshots go to test-results/screenshots/
// (DW_SCREENSHOTS=docs also refreshes docs/images/).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launch, screenshot, type Browser } from './browser.ts';
import { ADMIN_TOKEN, CONTROLS, DRIFTED, READ_TOKEN, startFixture, type Fixture } from './fixture.ts';

// Browser globals of the callbacks page.evaluate runs inside the page.
declare const sessionStorage: { setItem(k: string, v: string): void; clear(): void };
declare const document: { documentElement: unknown };
declare function getComputedStyle(e: unknown): { backgroundColor: string; color: string };
declare class HTMLElement {
  dataset: Record<string, string | undefined>;
}

let fx: Fixture;
let browser: Browser;
const url = (): string => `${fx.base}/?range=2h&refresh=3000`;

async function openWith(token: string | null): Promise<void> {
  const { page } = browser;
  await page.goto(`${fx.base}/healthz`);
  await page.evaluate((t) => (t ? sessionStorage.setItem('driftwatch.token', t) : sessionStorage.clear()), token);
  await page.goto(url());
  if (token) await page.waitForSelector('body[data-loaded="true"]', { timeout: 60_000 });
}

describe('dashboard in Chromium', () => {
  beforeAll(async () => {
    fx = await startFixture();
    browser = await launch();
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await fx?.stop();
  });

  it('asks for a token once and keeps it for the tab', async () => {
    const { page } = browser;
    await openWith(null);
    const dialog = page.locator('#token-dialog');
    await dialog.waitFor({ state: 'visible' });
    await page.fill('#token-input', ADMIN_TOKEN);
    await page.click('#token-form button[type=submit]');
    await page.waitForSelector('body[data-loaded="true"]', { timeout: 60_000 });
    expect(await dialog.isVisible()).toBe(false);
    await page.reload();
    await page.waitForSelector('body[data-loaded="true"]', { timeout: 60_000 });
    expect(await dialog.isVisible()).toBe(false);
    // The static page itself holds no data: without a token the API refuses.
    const html = await (await fetch(`${fx.base}/`)).text();
    expect(html).not.toContain('fraud');
    expect((await fetch(`${fx.base}/v1/dashboard/overview`)).status).toBe(401);
  });

  it('loads with no console errors and shows models, versions and traffic', async () => {
    const { page } = browser;
    browser.errors.length = 0;
    // A rollout controller asked the gate once: the panel shows that verdict.
    const gate = await fetch(`${fx.base}/v1/gate?model=fraud&candidate=v2&baseline=v1`, { headers: { authorization: `Bearer ${READ_TOKEN}` } });
    expect(gate.status).toBe(200);
    const verdict = ((await gate.json()) as { verdict: string }).verdict;
    await openWith(ADMIN_TOKEN);
    await page.waitForSelector('#traffic svg');
    await page.waitForSelector('#compare .compare');
    await page.waitForTimeout(500);
    expect(browser.errors).toEqual([]);
    expect(await page.locator('#overview [data-model="fraud"][data-version="v2"]').getAttribute('data-status')).toBe('alert');
    expect(await page.locator('#overview [data-model="fraud"][data-version="v1"]').getAttribute('data-status')).toBe('healthy');
    expect(await page.locator('#traffic .chart').count()).toBe(5);
    expect(await page.locator('#traffic path.line').count()).toBeGreaterThanOrEqual(10);
    expect(await page.locator('#scores [data-metric="error_rate_delta"][data-version="v2"]').count()).toBe(1);
    await page.waitForSelector('#gate [data-verdict]');
    expect(await page.locator('#gate [data-verdict]').count()).toBe(1);
    expect(await page.locator('#gate [data-verdict]').getAttribute('data-verdict')).toBe(verdict);
    await screenshot(page, 'dashboard', { docs: 'dashboard.png' });
    await screenshot(page, 'dashboard-full', { fullPage: true });
  });

  it('the heatmap marks the planted drifted features and not the controls', async () => {
    const { page } = browser;
    await page.waitForSelector('#heatmap .cell');
    for (const f of DRIFTED) {
      expect(await page.locator(`#heatmap .label[data-feature="${f}"]`).getAttribute('data-drifted')).toBe('true');
      const statuses = await page.locator(`#heatmap .cell[data-feature="${f}"]`).evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.status));
      expect(statuses).toHaveLength(6);
      expect(statuses.slice(3)).toEqual(['alert', 'alert', 'alert']);
      expect(statuses.slice(0, 3)).not.toContain('alert');
    }
    for (const f of CONTROLS) {
      expect(await page.locator(`#heatmap .label[data-feature="${f}"]`).getAttribute('data-drifted')).toBe('false');
      const statuses = await page.locator(`#heatmap .cell[data-feature="${f}"]`).evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.status));
      expect(statuses).toHaveLength(6);
      expect(statuses).not.toContain('alert');
    }
  });

  it('a cell opens the histogram, the scores and SQL that runs through /v1/sql', async () => {
    const { page } = browser;
    await page.locator('#heatmap .cell[data-feature="amount"]').last().click();
    await page.waitForSelector('#feature svg.histogram');
    expect(await page.locator('#feature svg.histogram rect.bar-ref').count()).toBe(10);
    expect(await page.locator('#feature svg.histogram rect.bar-cur').count()).toBe(10);
    const metrics = await page.locator('#feature table td:first-child').allTextContents();
    for (const m of ['psi', 'js', 'ks_d', 'wasserstein', 'missing_share_delta']) expect(metrics).toContain(m);
    await page.locator('#feature details.sql').nth(1).locator('button', { hasText: 'Run' }).click();
    const result = page.locator('#feature .sql-result[data-ran="true"]');
    await result.waitFor({ timeout: 30_000 });
    expect(await result.locator('th').allTextContents()).toContain('psi');
    await screenshot(page, 'feature', { selector: '#feature' });
  });

  it('shows the firing alert with its evidence, and a silence mutes it', async () => {
    const { page } = browser;
    const alert = page.locator('#alerts article[data-feature="amount"]');
    await alert.waitFor();
    expect(await alert.getAttribute('data-state')).toBe('firing');
    expect(await alert.getAttribute('data-muted')).toBe('false');
    await alert.locator('details summary').click();
    await screenshot(page, 'alert', { selector: '#alerts', docs: 'alert.png' });
    await alert.locator('button[data-action="silence"]').click();
    await page.fill('#silence-author', 'oncall');
    await page.fill('#silence-comment', 'INC-1 planted drift');
    await page.click('#silence-submit');
    await page.waitForSelector('#alerts article[data-feature="amount"][data-muted="true"]', { timeout: 30_000 });
    expect(await page.locator('#alerts article[data-feature="country"]').getAttribute('data-muted')).toBe('false');
    await page.locator('#silences code', { hasText: 'feature="amount"' }).waitFor({ timeout: 30_000 });
    const api = (await (await fetch(`${fx.base}/v1/alerts`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json()) as { alerts: Array<{ labels: Record<string, string>; status: { silenced_by: string[] } }> };
    expect(api.alerts.find((a) => a.labels.feature === 'amount')?.status.silenced_by).toHaveLength(1);
  });

  it('says so when the token lacks the admin scope', async () => {
    const { page } = browser;
    await openWith(READ_TOKEN);
    await page.locator('#alerts article[data-feature="country"] button[data-action="silence"]').click();
    await page.fill('#silence-author', 'viewer');
    await page.fill('#silence-comment', 'trying');
    await page.click('#silence-submit');
    const err = page.locator('#silence-error');
    await err.waitFor({ state: 'visible' });
    expect(await err.textContent()).toMatch(/lacks the admin scope/);
    expect(await err.getAttribute('data-status')).toBe('403');
    await page.click('#silence-cancel');
  });

  it('shows API errors in either body shape: problem+json (detail) or {error, details}', async () => {
    const { page } = browser;
    // A string, not a function: vitest would rewrite a function's import().
    const shown = (await page.evaluate(`(async () => {
      const m = await import('/js/api.js');
      const problem = { type: 'https://driftwatch.dev/errors/invalid-request', title: 'Invalid request', status: 400, detail: 'model: required', code: 'DW_BAD_REQUEST' };
      const real = await m.api('/v1/dashboard/heatmap?model=fraud').then(() => 'no error', (e) => e.message);
      return {
        problem: m.errorMessage(400, problem),
        problemNoDetail: m.errorMessage(404, { ...problem, detail: undefined, title: 'Not Found' }),
        legacy: m.errorMessage(400, { error: 'invalid query parameters', details: ['version: required'] }),
        problemWithErrors: m.errorMessage(400, { ...problem, errors: [{ detail: 'range: too long' }] }),
        empty: m.errorMessage(502, null),
        real,
      };
    })()`)) as Record<string, string>;
    expect(shown.problem).toBe('model: required');
    expect(shown.problemNoDetail).toBe('Not Found');
    expect(shown.legacy).toBe('invalid query parameters: version: required');
    expect(shown.problemWithErrors).toBe('model: required: range: too long');
    expect(shown.empty).toBe('HTTP 502');
    // Whatever shape the daemon answers today, the page names the problem.
    expect(shown.real).toMatch(/version/);
  });

  it('shows "reconnecting" while the daemon is away and recovers', async () => {
    const { page } = browser;
    await openWith(ADMIN_TOKEN);
    await fx.app.http.stop();
    let restarted = false;
    try {
      await page.waitForSelector('#conn.reconnecting', { timeout: 60_000 });
      expect(await page.locator('#banner').textContent()).toMatch(/reconnecting/);
      await fx.app.http.start();
      restarted = true;
      await page.waitForSelector('#conn.live', { timeout: 60_000 });
      expect(await page.locator('#banner').isVisible()).toBe(false);
    } finally {
      if (!restarted) await fx.app.http.start();
    }
  }, 180_000);

  it('is readable in dark mode', async () => {
    const dark = await launch({ colorScheme: 'dark' });
    try {
      await dark.page.goto(`${fx.base}/healthz`);
      await dark.page.evaluate((t) => sessionStorage.setItem('driftwatch.token', t), ADMIN_TOKEN);
      await dark.page.goto(url());
      await dark.page.waitForSelector('body[data-loaded="true"]', { timeout: 60_000 });
      const bg = await dark.page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
      const fg = await dark.page.evaluate(() => getComputedStyle(document.documentElement).color);
      const lum = (c: string): number => {
        const [r, g, b] = (c.match(/\d+/g) ?? []).map(Number);
        return 0.2126 * (r ?? 0) + 0.7152 * (g ?? 0) + 0.0722 * (b ?? 0);
      };
      expect(lum(bg)).toBeLessThan(60);
      expect(lum(fg)).toBeGreaterThan(180);
      expect(dark.errors).toEqual([]);
      await screenshot(dark.page, 'dashboard-dark');
    } finally {
      await dark.close();
    }
  }, 120_000);
});
