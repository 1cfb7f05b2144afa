import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { ChainedLedger } from '@lead-ledger/ledger/chain/chained-ledger';
import { NewEvent } from '@lead-ledger/ledger/ledger.port';
import { SqliteLedger } from '@lead-ledger/ledger/sqlite/sqlite-ledger';
import { VerificationReport } from './findings';
import { sqliteFileSource } from './sources';
import { buildRealLedger, copyLedger, RealLedger } from './testing/real-ledger.fixture';
import { verifyLedger } from './verifier';

/**
 * Events forged with a perfectly valid chain (appended through ChainedLedger, after the last
 * digest), so only the domain checks can object: exclusivity and allocation, each named at the
 * forged event's position.
 */
describe('domain checks behind a valid chain', () => {
  let real: RealLedger;
  const dirs: string[] = [];

  beforeAll(async () => {
    real = await buildRealLedger();
  }, 60_000);
  afterAll(() => {
    for (const dir of [real?.dir, ...dirs]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('names a second delivery, a route after delivery, and credits of undelivered or credited leads', async () => {
    const delivered = real.leads.delivered[0];
    const holder = lastOf(real.path, delivered, 'LeadDelivered');
    const other = holder.data.officerId === 'lo-ana' ? 'lo-bo' : 'lo-ana';
    const { path, positions } = await forged([
      [delivered, event('LeadDelivered', { leadId: delivered, officerId: other, allocation: null, channel: 'crm', deliveredAt: AT })],
      [delivered, event('LeadRouted', { leadId: delivered, officerId: other, marketId: 'dfw', decision: { rule: 'override', reason: 'again', by: 'mallory', at: AT }, allocation: null, borrowerKeys: [], routedAt: AT })],
      [real.leads.unroutable, event('LeadCredited', { leadId: real.leads.unroutable, officerId: other, allocation: null, reason: 'duplicate', creditedAt: AT })],
      [real.leads.credited, event('LeadCredited', { leadId: real.leads.credited, officerId: other, allocation: null, reason: 'duplicate', creditedAt: AT })],
    ]);

    const report = await verify(path);

    expect(report.checks.chain.violations).toBe(0);
    expect(report.checks.digests.violations).toBe(0);
    expect(kinds(report)).toEqual([
      ['DELIVERED_TWICE', positions[0]],
      ['ROUTED_AFTER_DELIVERY', positions[1]],
      ['CREDIT_NOT_DELIVERED', positions[2]],
      ['CREDITED_TWICE', positions[3]],
    ]);
  });

  it('names a borrower routed to a second officer inside the dedupe window, and an automatic route past allocation', async () => {
    const earlier = lastOf(real.path, real.leads.delivered[2], 'LeadRouted');
    const holder = earlier.data.officerId as string;
    const other = holder === 'lo-ana' ? 'lo-bo' : 'lo-ana';
    const lead = randomUUID();
    const created = lastOf(real.path, real.leads.delivered[2], 'LeadCreated').data;
    const { path, positions } = await forged([
      [lead, event('LeadCreated', { ...created, leadId: lead })],
      [lead, event('LeadScored', { leadId: lead, score: 80, reasons: [], scoredAt: AT })],
      [lead, event('LeadRouted', { leadId: lead, officerId: other, marketId: 'dfw', decision: { rule: 'override', reason: 'steal', by: 'mallory', at: AT }, allocation: null, borrowerKeys: created.borrowerKeys, routedAt: AT })],
    ]);

    const report = await verify(path);

    expect(report.checks.chain.violations).toBe(0);
    expect(report.violations).toEqual([
      expect.objectContaining({ kind: 'BORROWER_TWO_OFFICERS', position: String(positions[2]), message: expect.stringContaining(`already with ${holder}`) }),
    ]);
    expect(report.overrides.map((o) => o.leadId)).toContain(lead);
  });

  // ---- helpers ----

  const AT = '2026-11-12T12:00:00.000Z';

  function event(type: string, data: Record<string, unknown>): NewEvent {
    return { type, schemaVersion: 1, data, recordedAt: AT, metadata: { correlationId: 'forged', causationId: 'forged', commandId: randomUUID(), actor: 'mallory' } };
  }

  /** Appends the events to a copy of the ledger through ChainedLedger: hashes and links are valid. */
  async function forged(events: Array<[string, NewEvent]>): Promise<{ path: string; positions: number[] }> {
    const path = copyLedger(real.path);
    dirs.push(dirname(path));
    const ledger = new ChainedLedger(SqliteLedger.open(path));
    const positions: number[] = [];
    for (const [leadId, one] of events) positions.push(Number((await ledger.append(`lead-${leadId}`, [one], { expectedRevision: 'any' })).position));
    await ledger.close();
    return { path, positions };
  }

  async function verify(path: string): Promise<VerificationReport> {
    const source = sqliteFileSource(path, { workers: 0 });
    return verifyLedger(source).finally(() => source.close());
  }

  function lastOf(path: string, leadId: string, type: string): { data: any } {
    const db = new Database(path, { readonly: true });
    try {
      const row = db.prepare('SELECT data FROM events WHERE stream = ? AND type = ? ORDER BY revision DESC LIMIT 1').get(`lead-${leadId}`, type) as { data: string };
      return { data: JSON.parse(row.data) };
    } finally {
      db.close();
    }
  }

  function kinds(report: VerificationReport): Array<[string, number]> {
    return report.violations.map((v) => [v.kind, Number(v.position)]);
  }
});
