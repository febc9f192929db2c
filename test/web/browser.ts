// Debian's Chromium driven by playwright-core (which never downloads a
// browser): headless, no sandbox (root in CI), nothing that phones home, and
// a fresh profile directory per launch.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const REPO = resolve(import.meta.dirname, '../..');
export const SCREENSHOTS = join(REPO, 'test-results', 'screenshots');
/** DW_SCREENSHOTS=docs also writes the README's images (docs/images/). */
export const WRITE_DOCS = process.env.DW_SCREENSHOTS === 'docs';

export interface Browser {
  context: BrowserContext;
  page: Page;
  /** Console errors and page errors seen so far. */
  errors: string[];
  close(): Promise<void>;
}

export async function launch(opts: { colorScheme?: 'light' | 'dark'; width?: number; height?: number } = {}): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium; .ci/run does)`);
  const profile = mkdtempSync(join(tmpdir(), 'dw-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: opts.width ?? 1440, height: opts.height ?? 900 },
    colorScheme: opts.colorScheme ?? 'light',
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`page: ${e.message}`));
  return {
    context,
    page,
    errors,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export async function screenshot(page: Page, name: string, opts: { docs?: string; selector?: string; fullPage?: boolean } = {}): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const target = opts.selector ? page.locator(opts.selector).first() : page;
  const paths = [join(SCREENSHOTS, `${name}.png`), ...(WRITE_DOCS && opts.docs ? [join(REPO, 'docs', 'images', opts.docs)] : [])];
  for (const path of paths) {
    mkdirSync(resolve(path, '..'), { recursive: true });
    await target.screenshot({ path, ...(opts.selector ? {} : { fullPage: opts.fullPage ?? false }) });
  }
}
