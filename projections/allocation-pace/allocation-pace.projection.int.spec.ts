import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { allocationStream, leadStream } from '@lead-ledger/domain';
import { NewEvent } from '@lead-ledger/ledger/ledger.port';
import { SqliteLedger } from '@lead-ledger/ledger/sqlite/sqlite-ledger';
import { MemoryReadStore, Projector } from '@lead-ledger/read-models';
import { ALL_PROJECTIONS, AllocationPaceDoc, allocationPaceProjection } from '@lead-ledger/projections';

describe('allocation pace projection over a real embedded ledger', () => {
  let dir: string;
  let ledger: SqliteLedger;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pace-projection-'));
    ledger = SqliteLedger.open(join(dir, 'ledger.db'));
  });
  afterEach(async () => {
    await ledger.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('given an allocation and routed, failed, delivered and credited leads, then counts them', async () => {
    await givenAllocationWithActivity();
    const { store, projector } = await project();
    const doc = await paceDoc(store);
    expect(doc).toMatchObject({ leads: 10, assigned: 2, delivered: 1, credited: 1, failed: 1, paused: true, lastDeliveredAt: NOW });
    expect(doc.pauses).toEqual([{ from: NOW, to: null }]);
    await projector.stop();
  });

  it('run twice from the start over the same store: unchanged (every document is guarded by its position)', async () => {
    await givenAllocationWithActivity();
    const { store, projector } = await project();
    const first = await paceDoc(store);
    await projector.stop();
    // Forget the checkpoint but keep the documents: a full replay must be a no-op.
    await store.commit(allocationPaceProjection.name, [], 0n);
    const again = new Projector(ledger, store, ALL_PROJECTIONS);
    await again.start();
    expect(await paceDoc(store)).toEqual(first);
    await again.stop();
  });

  it('follows live appends, and waitFor resolves once the read model reflects a position', async () => {
    await givenAllocationWithActivity();
    const { store, projector } = await project();
    const routed = await ledger.append(leadStream('l-live'), [leadEvent('LeadRouted', 'l-live')], { expectedRevision: 'no_stream' });
    await projector.waitFor(routed.position);
    expect((await paceDoc(store)).assigned).toBe(3);
    await projector.stop();
  });

  async function project() {
    const store = new MemoryReadStore();
    const projector = new Projector(ledger, store, ALL_PROJECTIONS);
    await projector.start();
    return { store, projector };
  }

  async function paceDoc(store: MemoryReadStore) {
    return (await store.collection<AllocationPaceDoc>(allocationPaceProjection.collection).findOne({ officerId: 'lo-1', month: '2026-11' }))!;
  }

  async function givenAllocationWithActivity() {
    await ledger.append(
      allocationStream('lo-1', '2026-11'),
      [
        event('AllocationContracted', {
          ...ALLOCATION,
          leads: 10,
          startsOn: null,
          filters: {},
          monthWindow: { from: '2026-11-01T05:00:00.000Z', to: '2026-12-01T06:00:00.000Z' },
          activeFrom: '2026-11-01T05:00:00.000Z',
          contractedAt: NOW,
        }),
        event('AllocationPaused', { ...ALLOCATION, reason: 'vacation', pausedAt: NOW }),
      ],
      { expectedRevision: 'no_stream' },
    );
    await ledger.append(leadStream('l-1'), [leadEvent('LeadRouted', 'l-1'), leadEvent('LeadDelivered', 'l-1'), leadEvent('LeadCredited', 'l-1')], {
      expectedRevision: 'no_stream',
    });
    await ledger.append(leadStream('l-2'), [leadEvent('LeadRouted', 'l-2'), leadEvent('LeadDeliveryFailed', 'l-2')], { expectedRevision: 'no_stream' });
    await ledger.append(leadStream('l-3'), [leadEvent('LeadRouted', 'l-3')], { expectedRevision: 'no_stream' });
  }
});

const NOW = '2026-11-10T15:00:00.000Z';
const ALLOCATION = { officerId: 'lo-1', month: '2026-11', marketId: 'dfw' };

function leadEvent(type: string, leadId: string): NewEvent {
  return event(type, { leadId, officerId: 'lo-1', allocation: ALLOCATION, borrowerKeys: [], routedAt: NOW, deliveredAt: NOW, creditedAt: NOW, failedAt: NOW });
}

function event(type: string, data: Record<string, unknown>): NewEvent {
  return { type, schemaVersion: 1, data, recordedAt: NOW, metadata: { correlationId: 'c', causationId: 'c', commandId: 'k', actor: 'test' } };
}
