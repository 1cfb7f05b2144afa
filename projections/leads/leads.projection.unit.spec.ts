import { fold, LeadEvent, leadDecider } from '@lead-ledger/domain';
import { RecordedEvent } from '@lead-ledger/ledger/ledger.port';
import { evolveLeadDoc, LeadDocFields, leadsProjection } from './leads.projection';

const leadId = '7d1b2f5c-1111-4a2b-9c3d-000000000001';
const allocation = { officerId: 'lo-a', month: '2026-11', marketId: 'dfw' };

/** Each lead event of a lifecycle, in a shape the decider and the projection both read. */
const events = {
  created: (marketId: string | null) => ({ type: 'LeadCreated', data: { leadId, marketId, createdAt: '2026-11-03T14:00:00.000Z' } }),
  scored: () => ({ type: 'LeadScored', data: { leadId, score: 80, reasons: [], scoredAt: '2026-11-03T14:01:00.000Z' } }),
  routed: (officerId: string, marketId: string | null) => ({
    type: 'LeadRouted',
    data: { leadId, officerId, marketId, decision: {}, allocation, borrowerKeys: [], routedAt: '2026-11-03T14:02:00.000Z' },
  }),
  unroutable: (marketId: string) => ({ type: 'LeadUnroutable', data: { leadId, marketId, decision: {}, at: '2026-11-03T14:02:00.000Z' } }),
  failed: (officerId: string) => ({ type: 'LeadDeliveryFailed', data: { leadId, officerId, allocation, borrowerKeys: [], reason: 'x', failedAt: '2026-11-03T14:03:00.000Z' } }),
  delivered: (officerId: string) => ({ type: 'LeadDelivered', data: { leadId, officerId, allocation, channel: 'crm', deliveredAt: '2026-11-03T14:04:00.000Z' } }),
  credited: (officerId: string) => ({ type: 'LeadCredited', data: { leadId, officerId, allocation, reason: 'duplicate', creditedAt: '2026-11-04T09:00:00.000Z' } }),
};

function recorded(list: Array<{ type: string; data: object }>): RecordedEvent[] {
  return list.map((e, i) => ({
    id: `e${i}`,
    type: e.type,
    schemaVersion: 1,
    data: e.data as Record<string, unknown>,
    recordedAt: '2026-11-03T14:00:00.000Z',
    metadata: { correlationId: 'c', causationId: 'c', commandId: 'c', actor: 'test' },
    stream: `lead-${leadId}`,
    revision: BigInt(i),
    position: BigInt(100 + i * 7),
    chain: null,
  }));
}

function docOf(list: RecordedEvent[]): LeadDocFields | null {
  let doc: LeadDocFields | null = null;
  for (const event of list) doc = evolveLeadDoc(doc, event as unknown as LeadEvent & { revision: bigint; position: bigint });
  return doc;
}

describe('leads_v1 projection', () => {
  it.each([
    ['created', [events.created('dfw')]],
    ['scored', [events.created('dfw'), events.scored()]],
    ['routed', [events.created(null), events.scored(), events.routed('lo-a', 'dfw')]],
    ['unroutable', [events.created(null), events.scored(), events.unroutable('phx')]],
    ['failed', [events.created('dfw'), events.scored(), events.routed('lo-a', 'dfw'), events.failed('lo-a')]],
    ['failed and re-routed', [events.created('dfw'), events.scored(), events.routed('lo-a', 'dfw'), events.failed('lo-a'), events.routed('lo-b', 'dfw')]],
    ['delivered', [events.created('dfw'), events.scored(), events.routed('lo-a', 'dfw'), events.delivered('lo-a')]],
    ['credited', [events.created('dfw'), events.scored(), events.routed('lo-a', 'dfw'), events.delivered('lo-a'), events.credited('lo-a')]],
  ])('%s: status and officer as the lead decider folds them', (_name, list) => {
    const history = recorded(list);
    const state = fold(leadDecider, history as unknown as LeadEvent[]);
    const doc = docOf(history)!;
    expect(doc.status).toBe(state.status);
    expect(doc.officerId).toBe(state.officerId);
    expect(doc.revision).toBe(history.length - 1);
    expect(doc.lastPosition).toBe(Number(history[history.length - 1].position));
    expect(doc.createdPosition).toBe(100);
  });

  it('keeps the market: named, then the one routed in or resolved, and after a failed delivery', () => {
    expect(docOf(recorded([events.created(null)]))!.marketId).toBeNull();
    expect(docOf(recorded([events.created(null), events.scored(), events.unroutable('phx')]))!.marketId).toBe('phx');
    expect(docOf(recorded([events.created('dfw'), events.scored(), events.unroutable('phx')]))!.marketId).toBe('dfw');
    expect(docOf(recorded([events.created(null), events.scored(), events.routed('lo-a', 'aus'), events.failed('lo-a')]))).toMatchObject({
      marketId: 'aus',
      officerId: null,
      routedAt: null,
      status: 'scored',
    });
  });

  it('records when: created, routed, delivered, credited', () => {
    expect(docOf(recorded([events.created('dfw'), events.scored(), events.routed('lo-a', 'dfw'), events.delivered('lo-a'), events.credited('lo-a')]))).toStrictEqual({
      leadId,
      marketId: 'dfw',
      officerId: 'lo-a',
      status: 'credited',
      createdAt: '2026-11-03T14:00:00.000Z',
      borrowerRef: null,
      routedAt: '2026-11-03T14:02:00.000Z',
      deliveredAt: '2026-11-03T14:04:00.000Z',
      creditedAt: '2026-11-04T09:00:00.000Z',
      revision: 4,
      createdPosition: 100,
      lastPosition: 128,
    });
  });

  it('keeps the borrower\'s pseudonymous ref of a LeadCreated v2, and nothing of its sealed contact details', () => {
    const sealed = { alg: 'A256GCM', keyId: 'dk_1', borrowerRef: 'ab'.repeat(16), iv: 'aXY=', ciphertext: 'Y3Q=', tag: 'dGFn' };
    const [v2] = recorded([{ type: 'LeadCreated', data: { leadId, marketId: 'dfw', borrowerRef: 'ab'.repeat(16), sealedBorrower: sealed, createdAt: '2026-11-03T14:00:00.000Z' } }]);
    const doc = docOf([{ ...v2, schemaVersion: 2 }])!;
    expect(doc.borrowerRef).toBe('ab'.repeat(16));
    expect(JSON.stringify(doc)).not.toContain('Y3Q=');
  });

    it('one document per lead, for lead events only', () => {
    const [created] = recorded([events.created('dfw')]);
    expect(leadsProjection.documentsFor(created)).toEqual([leadId]);
    expect(leadsProjection.documentsFor({ ...created, type: 'MarketOpened', data: { marketId: 'dfw' } })).toEqual([]);
    expect(leadsProjection.documentsFor({ ...created, type: 'LeadsExportStarted', data: { exportId: 'x' } })).toEqual([]);
  });
});
