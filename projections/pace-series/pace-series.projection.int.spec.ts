import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { allocationStream, leadStream } from '@lead-ledger/domain';
import { NewEvent } from '@lead-ledger/ledger/ledger.port';
import { SqliteLedger } from '@lead-ledger/ledger/sqlite/sqlite-ledger';
import { MemoryReadStore, Projector } from '@lead-ledger/read-models';
import { ALL_PROJECTIONS, AllocationPaceDoc, allocationPaceProjection, officerSeries, PaceSeriesDoc, paceSeriesProjection } from '@lead-ledger/projections';

describe('pace series projection over a real embedded ledger', () => {
  let dir: string;
  let ledger: SqliteLedger;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pace-series-'));
    ledger = SqliteLedger.open(join(dir, 'ledger.db'));
  });
  afterEach(async () => {
    await ledger.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('given routes, a failure, deliveries and a credit on different days, then buckets them by the hour and the totals match the pace table', async () => {
    await givenAllocation();
    await givenLead('l-1', [['LeadRouted', '2026-11-02T15:10:00.000Z'], ['LeadDelivered', '2026-11-02T15:20:00.000Z'], ['LeadCredited', '2026-11-05T18:00:00.000Z']]);
    await givenLead('l-2', [['LeadRouted', '2026-11-03T16:00:00.000Z'], ['LeadDeliveryFailed', '2026-11-03T16:30:00.000Z']]);
    await givenLead('l-3', [['LeadRouted', '2026-11-04T17:00:00.000Z'], ['LeadDelivered', '2026-11-04T17:05:00.000Z']]);
    const { store, projector } = await project();

    const doc = await seriesDoc(store);
    expect(doc).toMatchObject({ leads: 30, assigned: 2, delivered: 2, credited: 1, failed: 1, netAfterMonth: 0 });
    expect(doc.netByHour).toHaveLength(721); // November in Chicago: 30 days and the hour DST gives back
    expect(nonZero(doc.netByHour)).toEqual({ [hour('2026-11-02T15:10:00.000Z')]: 1, [hour('2026-11-04T17:00:00.000Z')]: 1, [hour('2026-11-05T18:00:00.000Z')]: -1 });
    expect(doc.credits).toEqual([{ leadId: 'l-1', at: '2026-11-05T18:00:00.000Z', reason: 'disconnected_number' }]);
    expect(doc.recentLeads.map((lead) => lead.leadId)).toEqual(['l-3', 'l-2', 'l-1']);

    const pace = (await store.collection<AllocationPaceDoc>(allocationPaceProjection.collection).findOne({ officerId: 'lo-1', month: '2026-11' }))!;
    const series = officerSeries(doc, { asOf: '2026-11-10T12:00:00.000Z', timeZone: 'America/Chicago', resolution: 'day' });
    expect(series.summary).toMatchObject({ assigned: pace.assigned, delivered: pace.delivered, credited: pace.credited, net: pace.assigned - pace.credited });
    // Cumulative net at local midnights: +1 on the 2nd, the failed route of the 3rd nets 0, +1 on the 4th, −1 on the 5th.
    const netByDay = series.points.filter((point) => Number.isInteger(point.day) && point.net !== null).map((point) => point.net);
    expect(netByDay.slice(0, 7)).toEqual([0, 0, 1, 1, 2, 1, 1]);
    expect(series.credits).toEqual([{ leadId: 'l-1', at: '2026-11-05T18:00:00.000Z', reason: 'disconnected_number', day: 4.5, net: 1 }]);
    await projector.stop();
  });

  it('given a credit booked after the month ended, then it counts in the month\'s final value, not in any hour', async () => {
    await givenAllocation();
    await givenLead('l-1', [['LeadRouted', '2026-11-20T15:00:00.000Z'], ['LeadDelivered', '2026-11-20T15:01:00.000Z'], ['LeadCredited', '2026-12-03T15:00:00.000Z']]);
    const { store, projector } = await project();
    const doc = await seriesDoc(store);
    expect(doc.netAfterMonth).toBe(-1);
    const series = officerSeries(doc, { asOf: '2026-12-04T00:00:00.000Z', timeZone: 'America/Chicago', resolution: 'day' });
    expect(series.points[series.points.length - 1]).toMatchObject({ at: '2026-12-01T06:00:00.000Z', day: 30, net: 0, expected: 30, projected: false });
    await projector.stop();
  });

  it('run twice from the start over the same store: unchanged (every document is guarded by its position)', async () => {
    await givenAllocation();
    await givenLead('l-1', [['LeadRouted', '2026-11-02T15:10:00.000Z'], ['LeadCredited', '2026-11-05T18:00:00.000Z']]);
    const { store, projector } = await project();
    const first = await seriesDoc(store);
    await projector.stop();
    await store.commit(paceSeriesProjection.name, [], 0n);
    const again = new Projector(ledger, store, ALL_PROJECTIONS);
    await again.start();
    expect(await seriesDoc(store)).toEqual(first);
    await again.stop();
  });

  async function project() {
    const store = new MemoryReadStore();
    const projector = new Projector(ledger, store, ALL_PROJECTIONS);
    await projector.start();
    return { store, projector };
  }

  async function seriesDoc(store: MemoryReadStore) {
    return (await store.collection<PaceSeriesDoc>(paceSeriesProjection.collection).findOne({ officerId: 'lo-1', month: '2026-11' }))!;
  }

  async function givenAllocation() {
    await ledger.append(allocationStream('lo-1', '2026-11'), [event('AllocationContracted', { ...ALLOCATION, leads: 30, startsOn: null, filters: {}, monthWindow: WINDOW, activeFrom: WINDOW.from, contractedAt: WINDOW.from })], {
      expectedRevision: 'no_stream',
    });
  }

  async function givenLead(leadId: string, steps: Array<[string, string]>) {
    const events = steps.map(([type, at]) =>
      event(type, { leadId, officerId: 'lo-1', allocation: ALLOCATION, borrowerKeys: [], reason: 'disconnected_number', routedAt: at, deliveredAt: at, creditedAt: at, failedAt: at }),
    );
    await ledger.append(leadStream(leadId), events, { expectedRevision: 'no_stream' });
  }

  function hour(at: string) {
    return Math.floor((Date.parse(at) - Date.parse(WINDOW.from)) / 3_600_000);
  }

  function nonZero(values: number[]) {
    return Object.fromEntries(values.flatMap((value, index) => (value === 0 ? [] : [[index, value]])));
  }
});

const WINDOW = { from: '2026-11-01T05:00:00.000Z', to: '2026-12-01T06:00:00.000Z' };
const ALLOCATION = { officerId: 'lo-1', month: '2026-11', marketId: 'dfw' };

function event(type: string, data: Record<string, unknown>): NewEvent {
  return { type, schemaVersion: 1, data, recordedAt: String(data.routedAt ?? data.contractedAt), metadata: { correlationId: 'c', causationId: 'c', commandId: 'k', actor: 'test' } };
}
