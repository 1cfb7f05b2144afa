import Database from 'better-sqlite3';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DemoRefusedError, generateDemo } from '../../apps/cli/src/demo/generate-demo';

/** `npm run demo`'s generator, on a real data dir: what it writes, and what it refuses to overwrite. */
describe('demo data', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'lead-ledger-demo-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('given an empty data dir, then it writes a month through the command path, every event at or before now, consent just before each lead', async () => {
    const now = new Date('2026-10-03T18:00:00Z');
    const { app, result } = await generateDemo({ dataDir, month: '2026-10', now, markets: 2, officers: 4, seed: 3 });
    await app.close();
    const events = eventsIn(dataDir);
    const count = (type: string) => events.filter((event) => event.type === type).length;
    expect(count('MarketOpened')).toBe(2);
    expect(count('OfficerOnboarded')).toBe(4);
    expect(count('AllocationContracted')).toBe(4);
    expect(result.leads.created).toBeGreaterThan(5);
    expect(count('LeadCreated')).toBe(result.leads.created);
    expect(count('LeadRouted')).toBe(result.leads.routed);
    expect(count('LeadDelivered')).toBe(result.leads.delivered);
    expect(count('LeadCredited')).toBe(result.leads.credited);
    expect(count('LeadScored')).toBeGreaterThan(0);
    // Every write went through the API: each event names the request that caused it.
    expect(events.every((event) => typeof event.metadata.requestHash === 'string' || event.stream === 'ledger-digests')).toBe(true);
    expect(events.every((event) => Date.parse(event.recorded_at) <= now.getTime())).toBe(true);
    for (const created of events.filter((event) => event.type === 'LeadCreated')) {
      const lag = Date.parse(created.recorded_at) - Date.parse(created.data.consent.capturedAt);
      expect(lag).toBeGreaterThanOrEqual(0);
      expect(lag).toBeLessThan(5 * 60_000);
    }
  }, 240_000);

  it('given a ledger with events, then it refuses without --force, and with --force replaces the ledger and keeps the admin key', async () => {
    const first = await generateDemo({ dataDir, month: '2026-10', now: new Date('2026-10-01T20:00:00Z'), markets: 1, officers: 2, seed: 1 });
    await first.app.close();
    const eventsBefore = eventsIn(dataDir).length;
    await expect(generateDemo({ dataDir, month: '2026-10', now: new Date('2026-10-01T20:00:00Z'), markets: 1, officers: 2 })).rejects.toThrow(DemoRefusedError);
    await expect(generateDemo({ dataDir, month: '2026-10', now: new Date('2026-10-01T20:00:00Z'), markets: 1, officers: 2 })).rejects.toThrow(/--force/);
    expect(eventsIn(dataDir)).toHaveLength(eventsBefore);

    const again = await generateDemo({ dataDir, force: true, month: '2026-10', now: new Date('2026-10-01T20:00:00Z'), markets: 1, officers: 3, seed: 2 });
    await again.app.close();
    expect(again.adminKey).toBe(first.adminKey);
    expect(readFileSync(join(dataDir, 'admin-api-key'), 'utf8').trim()).toBe(first.adminKey);
    const events = eventsIn(dataDir);
    expect(events[0].position).toBe(1);
    expect(events.filter((event) => event.type === 'OfficerOnboarded')).toHaveLength(3);
  }, 240_000);

  it('refuses a month that has not started yet', async () => {
    await expect(generateDemo({ dataDir, month: '2026-12', now: new Date('2026-11-20T00:00:00Z') })).rejects.toThrow(/has not started/);
  });
});

function eventsIn(dataDir: string): Array<{ position: number; stream: string; type: string; recorded_at: string; data: any; metadata: any }> {
  const db = new Database(join(dataDir, 'ledger.db'), { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('SELECT position, stream, type, recorded_at, data, metadata FROM events ORDER BY position').all() as any[]).map((row) => ({ ...row, data: JSON.parse(row.data), metadata: JSON.parse(row.metadata) }));
  } finally {
    db.close();
  }
}
