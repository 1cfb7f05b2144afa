import { parse } from 'csv-parse/sync';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { generateDemo } from '../../apps/cli/src/demo/generate-demo';
import { Browser, chromiumMissing, launchChromium, navigate, openDashboard } from './chromium';

/** Browser globals, for code that page.evaluate runs in the page (this project's type check has no DOM lib). */
declare const document: any, location: any, sessionStorage: any, window: any;

const ARTIFACTS = join(__dirname, '..', '..', 'test-artifacts', 'browser');
const MONTH = '2026-10';

/**
 * The UI in a real browser (Debian's Chromium through playwright-core) against the real app on
 * demo data made through the command path: the numbers on the page are the API's numbers.
 */
(chromiumMissing ? describe.skip : describe)(`pacing dashboard in Chromium${chromiumMissing ? ` — skipped: ${chromiumMissing}` : ''}`, () => {
  let dataDir: string;
  let app: NestFastifyApplication;
  let key: string;
  let viewerKey: string;
  let sampleLeadId: string;
  let baseUrl: string;
  let browser: Browser;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    dataDir = mkdtempSync(join(tmpdir(), 'lead-ledger-browser-'));
    // Two keys: the admin (its secret where the harness and the demo read it) and a viewer without pii:read.
    const admin = `llk_${randomBytes(32).toString('base64url')}`;
    viewerKey = `llk_${randomBytes(32).toString('base64url')}`;
    writeFileSync(join(dataDir, 'admin-api-key'), `${admin}\n`, { mode: 0o600 });
    const keys = [
      { id: 'admin', sha256: sha256(admin), scopes: ['admin'] },
      { id: 'viewer', sha256: sha256(viewerKey), scopes: ['allocations:read', 'audit:read', 'leads:read'] },
    ];
    // A small, fast demo: two markets, six officers, the first two weeks of the month.
    const demo = await generateDemo({ dataDir, month: MONTH, now: new Date('2026-10-15T12:00:00Z'), markets: 2, officers: 6, seed: 11, env: { API_KEYS: JSON.stringify(keys) } });
    app = demo.app;
    key = demo.adminKey;
    expect(demo.result.leads.created).toBeGreaterThan(200);
    expect(demo.result.leads.credited).toBeGreaterThan(0);
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.getHttpServer().address() as { port: number };
    baseUrl = `http://127.0.0.1:${address.port}`;
    browser = await launchChromium();
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('asks for the key once, then shows for the picked market and month the API\'s numbers in every chart and in the table', async () => {
    const { page } = browser;
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });
    await openDashboard(page, baseUrl, key);
    expect(await page.evaluate(() => sessionStorage.getItem('lead-ledger.apiKey'))).toBe(key);

    await page.selectOption('#market', 'mia');
    await page.waitForFunction(() => location.hash.includes('market=mia') && document.getElementById('view').dataset.ready === 'true' && document.querySelector('.as-of').textContent.includes('Miami'));
    await page.locator('#month').fill(MONTH);
    await page.locator('#month').dispatchEvent('change');
    await page.waitForFunction((month) => location.hash.includes(`month=${month}`) && document.getElementById('view').dataset.ready === 'true', MONTH);

    const series = await api(`/v1/allocations/${MONTH}/series?marketId=mia`);
    expect(series.officers.length).toBe(3);
    const charts = await page.evaluate(() =>
      [...document.querySelectorAll('canvas[data-officer-id]')].map((canvas) => {
        const chart = window.Chart.getChart(canvas);
        return { officerId: canvas.dataset.officerId, datasets: chart.data.datasets.map((dataset: any) => ({ label: dataset.label, data: dataset.data.map((point: any) => ({ x: point.x, y: point.y })) })) };
      }),
    );
    expect(charts.map((chart) => chart.officerId)).toEqual(series.officers.map((officer: any) => officer.officerId));
    for (const officer of series.officers) {
      const chart = charts.find((candidate) => candidate.officerId === officer.officerId)!;
      const dataset = (label: string) => chart.datasets.find((candidate: any) => candidate.label === label)!.data;
      expect(dataset('net')).toEqual(officer.points.filter((point: any) => point.net !== null).map((point: any) => ({ x: point.day, y: point.net })));
      expect(dataset('expected')).toEqual(officer.points.map((point: any) => ({ x: point.day, y: point.expected })));
      expect(dataset('allocation')).toEqual([{ x: 0, y: officer.allocation }, { x: series.daysInMonth, y: officer.allocation }]);
      expect(dataset('credits')).toEqual(officer.credits.map((credit: any) => ({ x: credit.day, y: credit.net })));
    }

    const table = await page.evaluate(() =>
      [...document.querySelectorAll('#pace-table tbody tr')].map((row) => ({
        officerId: row.dataset.officerId,
        ...Object.fromEntries([...row.querySelectorAll('td[data-field]')].map((cell) => [cell.dataset.field, cell.textContent])),
      })),
    );
    // The pace table endpoint, which routing itself reads, agrees with the series and the page.
    const paceTable = await api(`/v1/allocations/${MONTH}?marketId=mia`);
    expect(table).toEqual(
      series.officers.map((officer: any) => {
        const row = paceTable.officers.find((candidate: any) => candidate.officerId === officer.officerId);
        return {
          officerId: officer.officerId,
          allocation: row.allocation.toLocaleString('en-US'),
          delivered: row.delivered.toLocaleString('en-US'),
          credited: row.credited.toLocaleString('en-US'),
          net: row.net.toLocaleString('en-US'),
          expected: row.expected.toFixed(1),
          behindBy: row.behindBy.toLocaleString('en-US'),
          fulfilment: `${((row.net / row.allocation) * 100).toFixed(1)} %`,
        };
      }),
    );
    await page.screenshot({ path: join(ARTIFACTS, 'pacing.png'), fullPage: true });
    expect(pageErrors).toEqual([]);
  }, 180_000);

  it('opens a recent lead\'s timeline with every event, its hash and proof, and downloads its CSV', async () => {
    const { page } = browser;
    const link = page.locator('a.lead-link').first();
    const href = await link.getAttribute('href');
    const leadId = href!.replace('#/lead/', '');
    sampleLeadId = leadId;
    await link.click();
    await page.waitForFunction((id) => location.hash === `#/lead/${id}` && document.getElementById('view').dataset.ready === 'true', leadId);

    const history = await api(`/v1/leads/${leadId}/history`);
    const items = await page.evaluate(() => [...document.querySelectorAll('#timeline > li')].map((item) => ({ type: item.dataset.type, position: item.dataset.position, hash: item.querySelector('.hashes code').getAttribute('title'), checks: [...item.querySelectorAll('.badge')].map((badge) => `${badge.dataset.check}:${badge.dataset.state}`) })));
    expect(items.map(({ type, position, hash }) => ({ type, position, hash }))).toEqual(history.events.map((event: any) => ({ type: event.type, position: event.position, hash: event.hash })));
    expect(items.slice(0, 3).map((item) => item.type)).toEqual(['LeadCreated', 'LeadScored', 'LeadRouted']);
    // Every event re-hashes in the browser to its stored hash, links to the one before, and its proof holds.
    for (const item of items) expect(item.checks).toEqual(['content:ok', 'link:ok', 'inclusion:ok']);
    await expect(page.locator('#proof-status').textContent()).resolves.toBe('every event is in the digest');
    const routed = history.events.find((event: any) => event.type === 'LeadRouted');
    if (routed.data.decision.rule === 'furthest-behind-pace') {
      await expect(page.locator('tr.winner td').first().textContent()).resolves.toBe(routed.data.officerId);
    }
    await page.screenshot({ path: join(ARTIFACTS, 'timeline.png'), fullPage: true });

    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#download-csv').click()]);
    expect(download.suggestedFilename()).toBe(`lead-${leadId}-history.csv`);
    const rows = parse(readFileSync((await download.path())!, 'utf8'), { columns: true }) as Array<Record<string, string>>;
    expect(rows.slice(0, -1).map((row) => ({ eventId: row.eventId, hash: row.hash, type: row.type }))).toEqual(history.events.map((event: any) => ({ eventId: event.eventId, hash: event.hash, type: event.type })));
    expect(rows.at(-1)).toMatchObject({ treeSize: String(history.proof.digest.treeSize), rootHash: history.proof.digest.rootHash });
  }, 120_000);

  it('runs the verifier from the verify panel and shows its clean summary', async () => {
    const { page } = browser;
    await navigate(page, '#/verify');
    await page.locator('#run-verify').click();
    await page.waitForSelector('#verify-verdict', { timeout: 120_000 });
    await expect(page.locator('#verify-verdict').textContent()).resolves.toBe('Ledger verified: no violations');
    const checks = await page.evaluate(() => [...document.querySelectorAll('#verify-checks tbody tr')].map((row) => row.dataset.check));
    expect(checks).toEqual(['chain', 'digests', 'exclusivity', 'pace', 'allocation']);
    await page.screenshot({ path: join(ARTIFACTS, 'verify.png'), fullPage: true });
  }, 180_000);

  it('with a key that lacks pii:read, shows no contact details, and every event still proves', async () => {
    const { page } = browser;
    await page.locator('#change-key').click();
    await page.locator('#api-key').fill(viewerKey);
    await page.locator('#save-key').click();
    await page.waitForFunction(() => !document.getElementById('key-dialog').open);
    await navigate(page, `#/lead/${sampleLeadId}`);
    expect(await page.evaluate(() => sessionStorage.getItem('lead-ledger.apiKey'))).toBe(viewerKey);
    const borrower = await page.evaluate(() => {
      const created = document.querySelector('#timeline > li[data-type="LeadCreated"]');
      const terms = [...created.querySelectorAll('dt')];
      return terms.find((term) => term.textContent === 'borrower').nextElementSibling.textContent;
    });
    expect(borrower).toMatch(/this API key lacks pii:read$/);
    // What the admin sees of this borrower appears nowhere in what the viewer got, nor on the page.
    const contact = (await api(`/v1/leads/${sampleLeadId}/history`)).events[0].pii;
    expect(contact.phone).toMatch(/^\+1\d{10}$/);
    const history = await api(`/v1/leads/${sampleLeadId}/history`, viewerKey);
    for (const value of [contact.phone, contact.email, contact.lastName]) {
      expect(JSON.stringify(history)).not.toContain(value);
      expect(await page.locator('#timeline').textContent()).not.toContain(value);
    }
    const states = await page.evaluate(() => [...document.querySelectorAll('#timeline .badge')].map((badge) => badge.dataset.state));
    expect(new Set(states)).toEqual(new Set(['ok']));
    await page.screenshot({ path: join(ARTIFACTS, 'timeline-without-pii.png'), fullPage: true });
  }, 120_000);

  async function api(path: string, as = key): Promise<any> {
    const response = await fetch(`${baseUrl}${path}`, { headers: { authorization: `Bearer ${as}` } });
    expect(response.status).toBe(200);
    return response.json();
  }
});

function sha256(secret: string) {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}
