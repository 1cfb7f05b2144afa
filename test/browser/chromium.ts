import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BrowserContext, chromium, Page } from 'playwright-core';

/** Browser globals, for code that page.evaluate runs in the page (this project's type check has no DOM lib). */
declare const document: any, location: any, sessionStorage: any, window: any;

/** Debian's Chromium (apt-get install chromium); never a downloaded browser. */
export const CHROMIUM = '/usr/bin/chromium';
export const chromiumMissing = existsSync(CHROMIUM) ? null : `${CHROMIUM} is not installed (apt-get install chromium; .ci/run installs it when apt works)`;

export interface Browser {
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

/** Headless Chromium with a fresh profile directory, no network chatter of its own. */
export async function launchChromium(viewport = { width: 1360, height: 900 }): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'lead-ledger-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    acceptDownloads: true,
    viewport,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    context,
    page,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Opens /ui, enters the key in the dialog and waits for the first page to render. */
export async function openDashboard(page: Page, baseUrl: string, key: string, hash = '#/pacing'): Promise<void> {
  await page.goto(`${baseUrl}/ui${hash}`);
  await page.locator('#api-key').fill(key);
  await page.locator('#save-key').click();
  await waitForRender(page);
}

/** The UI marks its view ready once a page's data is fetched and its charts and tables are drawn. */
export async function waitForRender(page: Page, timeout = 60_000): Promise<void> {
  await page.waitForSelector('#view[data-ready="true"]', { timeout });
}

/** Navigates by hash and waits for that render (the attribute drops to false first). */
export async function navigate(page: Page, hash: string, timeout = 60_000): Promise<void> {
  await page.evaluate((target) => {
    document.getElementById('view').dataset.ready = 'false';
    location.hash = target;
  }, hash);
  await waitForRender(page, timeout);
}
