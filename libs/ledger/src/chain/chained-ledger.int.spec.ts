import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeLedgerContract } from '../../../../test/ledger-contract/ledger.contract';
import { SqliteLedger } from '../sqlite/sqlite-ledger';
import { ChainedLedger } from './chained-ledger';
import { eventHash, GENESIS_HASH } from './event-hash';

describe('hash-chained ledger', () => {
  let dir: string;
  let ledger: ChainedLedger;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'chained-'));
    ledger = new ChainedLedger(SqliteLedger.open(join(dir, 'ledger.db')));
  });
  afterEach(async () => {
    await ledger.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('chains each event to the previous event of its stream, from the genesis hash', async () => {
    await ledger.append('lead-a', [anEvent('One'), anEvent('Two')], { expectedRevision: 'no_stream' });
    await ledger.append('lead-b', [anEvent('Other')], { expectedRevision: 'no_stream' });
    await ledger.append('lead-a', [anEvent('Three')], { expectedRevision: 1n });
    const events = await ledger.readStream('lead-a');
    expect(events[0].chain!.prevHash).toBe(GENESIS_HASH);
    expect(events[1].chain!.prevHash).toBe(events[0].chain!.hash);
    expect(events[2].chain!.prevHash).toBe(events[1].chain!.hash);
    for (const event of events) expect(event.chain!.hash).toBe(eventHash(event, event.chain!.prevHash));
    expect((await ledger.readStream('lead-b'))[0].chain!.prevHash).toBe(GENESIS_HASH);
  });

  it('changes the hash when any covered byte changes', async () => {
    const [event] = (await ledger.append('lead-c', [anEvent('One')], { expectedRevision: 'no_stream' })).events;
    const hash = eventHash(event, GENESIS_HASH);
    expect(eventHash({ ...event, data: { ...event.data, n: 2 } }, GENESIS_HASH)).not.toBe(hash);
    expect(eventHash({ ...event, revision: 1n }, GENESIS_HASH)).not.toBe(hash);
    expect(eventHash({ ...event, metadata: { ...event.metadata, actor: 'mallory' } }, GENESIS_HASH)).not.toBe(hash);
    expect(eventHash(event, 'f'.repeat(64))).not.toBe(hash);
    // Key order is not covered: canonical JSON sorts keys.
    expect(eventHash({ ...event, data: { n: 1, type: 'One' } }, GENESIS_HASH)).toBe(eventHash({ ...event, data: { type: 'One', n: 1 } }, GENESIS_HASH));
  });

  it('keeps the chain single under concurrent appends to one stream', async () => {
    await ledger.append('lead-d', [anEvent('Start')], { expectedRevision: 'no_stream' });
    await Promise.allSettled(Array.from({ length: 8 }, () => ledger.append('lead-d', [anEvent('Racer')], { expectedRevision: 'any' })));
    const events = await ledger.readStream('lead-d');
    expect(events).toHaveLength(9);
    for (let i = 1; i < events.length; i++) expect(events[i].chain!.prevHash).toBe(events[i - 1].chain!.hash);
  });
});

describeLedgerContract('hash-chained embedded SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'chained-contract-'));
  const ledger = new ChainedLedger(SqliteLedger.open(join(dir, 'ledger.db')));
  return { ledger, dispose: async () => (await ledger.close(), rmSync(dir, { recursive: true, force: true })) };
}, { chainsItself: true });

function anEvent(type: string) {
  return {
    type,
    schemaVersion: 1,
    data: { type, n: 1 },
    recordedAt: '2026-11-22T12:00:00.000Z',
    metadata: { correlationId: 'c', causationId: 'c', commandId: 'k', actor: 'test' },
  };
}
