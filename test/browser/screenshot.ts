/**
 * `npm run screenshot`: the README's picture of the pacing page (docs/images/pacing.png), from demo
 * data made through the real command path, in Debian's Chromium. Fixed seed and dates, so a rerun
 * draws the same month.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { generateDemo } from '../../apps/cli/src/demo/generate-demo';
import { chromiumMissing, launchChromium, openDashboard } from './chromium';

const OUTPUT = resolve(__dirname, '..', '..', 'docs', 'images', 'pacing.png');

async function main() {
  if (chromiumMissing) throw new Error(`cannot take the screenshot: ${chromiumMissing}`);
  const dataDir = mkdtempSync(join(tmpdir(), 'lead-ledger-screenshot-'));
  const { app, adminKey, result } = await generateDemo({ dataDir, month: '2026-10', now: new Date('2026-10-24T23:00:00Z'), markets: 2, officers: 12, seed: 5, log: (line) => console.log(line) });
  try {
    console.log(`demo: ${result.leads.created} leads, ${result.leads.credited} credits`);
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.getHttpServer().address() as { port: number };
    const browser = await launchChromium({ width: 1400, height: 900 });
    try {
      await openDashboard(browser.page, `http://127.0.0.1:${port}`, adminKey, '#/pacing?month=2026-10&market=dfw');
      mkdirSync(resolve(OUTPUT, '..'), { recursive: true });
      await browser.page.screenshot({ path: OUTPUT, fullPage: true });
      console.log(`wrote ${OUTPUT}`);
    } finally {
      await browser.close();
    }
  } finally {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
