import { randomUUID } from 'node:crypto';
import { SqliteLedger } from '@lead-ledger/ledger/sqlite/sqlite-ledger';
import { ALL_PROJECTIONS } from '@lead-ledger/projections';
import { MemoryReadStore, Projector, ReadDocument, ReadStore } from '@lead-ledger/read-models';
import { READ_STORE, ReadModels } from '../../../apps/api/src/read-models/read-models';
import { aLeadBody, RunningApp, startApp } from '../../../test/support/app-harness';
import { rebuildReadModels, RebuildProgress } from './replay';

/**
 * Rebuilding the read models from a ledger the real application wrote: the result must be the live
 * application's read models, document for document, for every projection.
 */
describe('rebuildReadModels', () => {
  let api: RunningApp;
  let ledger: SqliteLedger;
  const market = `m-${randomUUID().slice(0, 8)}`;
  const officers = ['lo-a', 'lo-b', 'lo-c'].map((o) => `${o}-${randomUUID().slice(0, 6)}`);
  let phone = 1000;

  beforeAll(async () => {
    api = await startApp({ env: { CLOCK: 'manual' } });
    await api.http.put('/v1/admin/clock').send({ now: '2026-11-10T15:00:00Z' }).expect(200);
    await api.http.put(`/v1/markets/${market}`).send({ name: 'M', states: ['TX'], seatCap: 10, timeZone: 'America/Chicago' }).expect(201);
    await api.http.put('/v1/markets/other').send({ name: 'Other', states: ['AZ'], seatCap: 2, timeZone: 'America/Phoenix' }).expect(201);
    for (const officerId of officers) {
      await api.http.put(`/v1/officers/${officerId}`).send({ name: officerId, nmlsId: '1234567', licensedStates: ['TX', 'AZ'], active: true }).expect(201);
      await api.http.put(`/v1/officers/${officerId}/allocations/2026-11`).send({ marketId: market, leads: 20 }).expect(201);
    }
    await api.http.post(`/v1/officers/${officers[2]}/allocations/2026-11/pause`).send({ reason: 'vacation' }).expect(200);
    // Leads through every part of the lifecycle: routed automatically, delivered, credited, failed and re-routed, unroutable.
    for (let i = 0; i < 12; i++) {
      const leadId = await scoredLead(market);
      const routed = await api.http.post(`/v1/leads/${leadId}/route`).send({});
      if (routed.status !== 200) continue;
      const officerId = routed.body.officerId;
      if (i % 4 === 1) {
        await api.http.post(`/v1/leads/${leadId}/delivery-failures`).send({ officerId, reason: 'bounced' }).expect(200);
        await api.http.post(`/v1/leads/${leadId}/route`).send({});
      } else if (i % 4 !== 3) {
        await api.http.post(`/v1/leads/${leadId}/deliver`).send({ officerId, channel: 'crm' }).expect(200);
        if (i % 4 === 2) await api.http.post(`/v1/leads/${leadId}/credit`).send({ reason: 'fake_identity' }).expect(200);
      }
    }
    const unroutable = await scoredLead('other');
    expect((await api.http.post(`/v1/leads/${unroutable}/route`).send({})).status).toBe(422);
    await api.http.post('/v1/leads').send(aLeadBody({ borrower: borrower(), property: { state: 'NV', zip: '89501' } })).expect(201);
    await api.http.post(`/v1/officers/${officers[2]}/allocations/2026-11/resume`).send({}).expect(200);
    await api.app.get(ReadModels).catchUpWithLedger();
    ledger = SqliteLedger.open(api.ledgerPath);
  });
  afterAll(async () => {
    await ledger?.close();
    await api?.close();
  });

  it('builds, into a fresh store, exactly the live read models: every projection, every document', async () => {
    const store = new MemoryReadStore();
    const progress: RebuildProgress[] = [];

    const result = await rebuildReadModels({ ledger, store, projections: ALL_PROJECTIONS, onProgress: (p) => progress.push(p) });

    const live = api.app.get<ReadStore>(READ_STORE);
    const head = await ledger.headPosition();
    expect(result.head).toBe(head);
    expect(result.events).toBe(api.countEvents());
    for (const projection of ALL_PROJECTIONS) {
      const expected = await documents(live, projection.collection);
      expect(expected.length).toBeGreaterThan(0);
      expect(await documents(store, projection.collection)).toEqual(expected);
      expect(await store.checkpoint(projection.name)).toBe(head);
      expect(result.projections.find((p) => p.name === projection.name)).toEqual({
        name: projection.name,
        collection: projection.collection,
        documents: expected.length,
        checkpoint: head,
      });
    }
    // Progress only moves forward and ends at the head.
    expect(progress.length).toBeGreaterThan(1);
    for (let i = 1; i < progress.length; i++) expect(progress[i].events).toBeGreaterThanOrEqual(progress[i - 1].events);
    expect(progress[progress.length - 1]).toEqual({ events: result.events, position: head, head, ratio: 1 });
  });

  it('a second rebuild into the same store drops the first and gives the same documents', async () => {
    const store = new MemoryReadStore();
    await rebuildReadModels({ ledger, store, projections: ALL_PROJECTIONS });
    const first = await everything(store);

    const again = await rebuildReadModels({ ledger, store, projections: ALL_PROJECTIONS });

    expect(await everything(store)).toEqual(first);
    expect(again.events).toBe(api.countEvents());
    expect(first).toEqual(await everything(api.app.get<ReadStore>(READ_STORE)));
  });

  it('stops at the head it started from; a projector started afterwards on the rebuilt store (blue/green) catches up to the live models', async () => {
    const store = new MemoryReadStore();
    await rebuildReadModels({ ledger, store, projections: ALL_PROJECTIONS });
    const rebuiltHead = await store.checkpoint(ALL_PROJECTIONS[0].name);
    await scoredLead(market);
    await api.app.get(ReadModels).catchUpWithLedger();
    expect(await ledger.headPosition()).toBeGreaterThan(rebuiltHead!);

    const projector = new Projector(ledger, store, ALL_PROJECTIONS);
    await projector.start();
    await projector.stop();

    expect(await everything(store)).toEqual(await everything(api.app.get<ReadStore>(READ_STORE)));
  });

  it('an empty ledger gives empty read models, and progress says done', async () => {
    const empty = SqliteLedger.open(':memory:');
    const store = new MemoryReadStore();
    const progress: RebuildProgress[] = [];
    const result = await rebuildReadModels({ ledger: empty, store, projections: ALL_PROJECTIONS, onProgress: (p) => progress.push(p) });
    await empty.close();
    expect(result.events).toBe(0);
    expect(result.head).toBeNull();
    expect(result.projections.every((p) => p.documents === 0 && p.checkpoint === null)).toBe(true);
    expect(progress).toEqual([{ events: 0, position: null, head: null, ratio: 1 }]);
  });

  async function scoredLead(marketId: string): Promise<string> {
    const created = await api.http.post('/v1/leads').send(aLeadBody({ marketId, borrower: borrower(), property: { state: marketId === 'other' ? 'AZ' : 'TX', zip: '75201' } })).expect(201);
    await api.http.post(`/v1/leads/${created.body.leadId}/score`).send({ score: 70 }).expect(200);
    return created.body.leadId;
  }

  function borrower() {
    const n = phone++;
    return { firstName: 'Ann', lastName: 'Bee', phone: `+1214555${n}`, email: `ann.${n}@example.com` };
  }
});

async function documents(store: ReadStore, collection: string): Promise<ReadDocument[]> {
  return store.collection(collection).find({}, { sort: { _id: 1 } });
}

async function everything(store: ReadStore): Promise<Record<string, ReadDocument[]>> {
  const out: Record<string, ReadDocument[]> = {};
  for (const projection of ALL_PROJECTIONS) out[projection.collection] = await documents(store, projection.collection);
  return out;
}
