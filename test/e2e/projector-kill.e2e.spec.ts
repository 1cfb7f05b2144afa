import { rmSync } from 'node:fs';
import { MongoClient } from 'mongodb';
import { SqliteLedger } from '@lead-ledger/ledger/sqlite/sqlite-ledger';
import { MemoryReadStore, ReadDocument, ReadStore, readAliases, storedCheckpoint, targetOf } from '@lead-ledger/read-models';
import { MongoReadStore } from '@lead-ledger/read-models/mongo/mongo-read-store';
import { rebuildReadModels } from '@lead-ledger/read-models/replay';
import { ALL_PROJECTIONS } from '@lead-ledger/projections';
import { aLeadBody, RunningApp, startApp } from '../support/app-harness';
import { MongoStandin, startMongoStandin } from '../support/mongo-wire-standin';
import { killAllProjectorProcesses, startProjectorProcess, waitUntil } from '../support/projector-process';

jest.setTimeout(15 * 60_000);

/**
 * The projector app as a real child process, killed with SIGKILL in the middle of its work several
 * times and restarted, over a real ledger the real API wrote; then the read models it left in the
 * MongoDB stand-in must equal a fresh rebuild, document for document (so no event was skipped or
 * applied twice), and its checkpoint must be the ledger's head. Then the same with the connection
 * to MongoDB failing under it (failCommand fail points).
 */
describe('projector app: SIGKILL mid-batch, restarts and connection loss', () => {
  let api: RunningApp;
  let standin: MongoStandin;
  let ledger: SqliteLedger;
  let head: bigint;
  let expected: MemoryReadStore;

  beforeAll(async () => {
    api = await startApp({ env: { CLOCK: 'manual', RATE_LIMIT_PER_MINUTE: '0' } });
    await givenLeadLifecycles(api, 240);
    await api.stop();
    ledger = SqliteLedger.open(api.ledgerPath);
    head = (await ledger.headPosition())!;
    expected = new MemoryReadStore();
    await rebuildReadModels({ ledger, store: expected, projections: ALL_PROJECTIONS });
    // Orphaned transactions of a killed projector hold their documents until they expire (mongod: 60 s).
    standin = await startMongoStandin({ transactionLifetimeLimitSeconds: 2 });
  });
  afterAll(async () => {
    killAllProjectorProcesses();
    await ledger?.close();
    await standin?.close();
    if (api) rmSync(api.dataDir, { recursive: true, force: true });
  });

  it('given a ledger of a few hundred lead lifecycles, when the projector is SIGKILLed mid-run 4 times and restarted, then the read models equal a rebuild and the checkpoint is the head', async () => {
    expect(head).toBeGreaterThan(900n);
    const url = databaseUrl('kill');
    const store = await MongoReadStore.connect(url);
    try {
      const killedAt: bigint[] = [];
      for (let kill = 1; kill <= 4; kill++) {
        const projector = startProjector(url, { PROJECTOR_BATCH_SIZE: '5' });
        // Let it get a little further than the previous run, then kill it without warning.
        const target = (head * BigInt(kill)) / 5n;
        const reached = await waitUntil(async () => {
          const checkpoint = await storedCheckpoint(store, ALL_PROJECTIONS);
          return checkpoint !== null && checkpoint >= target ? checkpoint : null;
        });
        projector.child.kill('SIGKILL');
        await projector.exited;
        expect(projector.child.signalCode).toBe('SIGKILL');
        killedAt.push(reached);
      }
      // Every kill happened with work left: between 0 and the head, each one further than the last.
      for (const [i, at] of killedAt.entries()) {
        expect(at).toBeGreaterThan(i === 0 ? 0n : killedAt[i - 1]);
        expect(at).toBeLessThan(head);
      }

      const last = startProjector(url, { PROJECTOR_BATCH_SIZE: '5' });
      const port = await last.port;
      await waitUntil(async () => ((await fetch(`http://127.0.0.1:${port}/health/ready`)).status === 200 ? true : null));
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(metrics).toMatch(/^lead_ledger_projection_lag_events 0$/m);
      expect(metrics).toMatch(/^lead_ledger_projection_lag_seconds 0$/m);
      expect(metrics).toMatch(/^lead_ledger_projection_batch_commit_seconds_count [1-9]/m);
      last.child.kill('SIGTERM');
      expect(await last.exited).toBe(0);

      expect(await storedCheckpoint(store, ALL_PROJECTIONS)).toBe(head);
      await expectSameReadModels(store);
      await expectCountersAndPositionsOfTheLedger(store);
    } finally {
      await store.close();
    }
  });

  it('given the connection to MongoDB drops and commands fail under it, when the fail points are lifted, then the projector recovers and converges', async () => {
    const url = databaseUrl('failpoints');
    const store = await MongoReadStore.connect(url);
    const admin = new MongoClient(standin.url);
    await admin.connect();
    const failPoint = (mode: unknown, data: Record<string, unknown> = {}) =>
      admin.db('admin').command({ configureFailPoint: 'failCommand', mode, data: { appName: 'projector-under-test', ...data } });
    try {
      const projector = startProjector(`${url}&appName=projector-under-test`, { PROJECTOR_BATCH_SIZE: '3' });
      const port = await projector.port;
      await waitUntil(async () => ((await storedCheckpoint(store, ALL_PROJECTIONS)) ?? 0n) > head / 10n || null);

      // Its writes are refused with an error the driver does not retry, four times…
      await failPoint({ times: 4 }, { failCommands: ['update'], errorCode: 2 });
      await waitUntil(async () => (projector.warnings() >= 4 ? true : null));
      // …its reads lose their connection, again and again: it backs off, retries, and stands still…
      await failPoint('alwaysOn', { failCommands: ['find'], closeConnection: true });
      const warned = projector.warnings();
      await waitUntil(async () => (projector.warnings() >= warned + 2 ? true : null));
      const stalledAt = await storedCheckpoint(store, ALL_PROJECTIONS);
      await waitUntil(async () => (projector.warnings() >= warned + 4 ? true : null));
      expect(await storedCheckpoint(store, ALL_PROJECTIONS)).toBe(stalledAt);
      expect(stalledAt).toBeLessThan(head);
      // …then connections drop during its commits (the driver retries inside the transaction, or gives up to the projector).
      await failPoint({ times: 6 }, { failCommands: ['update', 'commitTransaction'], closeConnection: true });
      await failPoint('off');

      await waitUntil(async () => ((await storedCheckpoint(store, ALL_PROJECTIONS)) === head ? true : null));
      await waitUntil(async () => ((await fetch(`http://127.0.0.1:${port}/health/ready`)).status === 200 ? true : null));
      projector.child.kill('SIGTERM');
      expect(await projector.exited).toBe(0);

      expect(projector.warnings()).toBeGreaterThanOrEqual(8);
      await expectSameReadModels(store);
      await expectCountersAndPositionsOfTheLedger(store);
    } finally {
      await failPoint('off').catch(() => {});
      await admin.close();
      await store.close();
    }
  });

  // ---- helpers ----

  function databaseUrl(name: string): string {
    return standin.url.replace('/?', `/projector_${name}?`);
  }

  function startProjector(mongodbUrl: string, env: Record<string, string> = {}) {
    return startProjectorProcess({ LEDGER_URL: `sqlite:${api.ledgerPath}`, MONGODB_URL: mongodbUrl, ...env });
  }

  async function expectSameReadModels(store: ReadStore) {
    const aliases = await readAliases(store);
    for (const projection of ALL_PROJECTIONS) {
      const actual = await everything(store, targetOf(projection, aliases).collection);
      const wanted = await everything(expected, projection.collection);
      expect({ collection: projection.collection, documents: actual }).toEqual({ collection: projection.collection, documents: wanted });
    }
  }

  /** Double application would inflate a counter; a skipped event would leave a document behind its stream. */
  async function expectCountersAndPositionsOfTheLedger(store: ReadStore) {
    const allocations = await everything(store, 'allocation_pace_v1');
    const sum = (field: string) => allocations.reduce((n, doc) => n + (doc as unknown as Record<string, number>)[field], 0);
    const events = await ledger.readAll();
    const count = (type: string) => events.filter((e) => e.type === type && e.data.allocation).length;
    expect({ delivered: sum('delivered'), credited: sum('credited'), failed: sum('failed') }).toEqual({
      delivered: count('LeadDelivered'),
      credited: count('LeadCredited'),
      failed: count('LeadDeliveryFailed'),
    });
    expect(sum('assigned')).toBe(count('LeadRouted') - count('LeadDeliveryFailed'));
    expect(sum('delivered')).toBeGreaterThan(50);
    expect(sum('credited')).toBeGreaterThan(5);
    const lastOfStream = new Map<string, bigint>();
    for (const event of events) lastOfStream.set(event.stream, event.position);
    const leads = await everything(store, 'leads_v1');
    expect(leads.length).toBeGreaterThan(200);
    for (const lead of leads) expect({ lead: lead._id, position: lead._position }).toEqual({ lead: lead._id, position: lastOfStream.get(`lead-${lead._id}`)!.toString() });
  }

  async function everything(store: ReadStore, collection: string): Promise<ReadDocument[]> {
    return (await store.collection<ReadDocument>(collection).find({})).sort((a, b) => (a._id < b._id ? -1 : a._id > b._id ? 1 : 0));
  }
});

/**
 * Lead lifecycles through the real API in three markets: created, scored, routed; most delivered,
 * some credited, some failed and re-routed, some left routed or scored, a few unroutable.
 */
async function givenLeadLifecycles(api: RunningApp, leads: number) {
  const now = '2026-11-29T20:00:00Z';
  await api.http.put('/v1/admin/clock').send({ now }).expect(200);
  const markets = ['kill-a', 'kill-b', 'kill-c'];
  for (const [m, marketId] of markets.entries()) {
    await api.http.put(`/v1/markets/${marketId}`).send({ name: marketId, states: ['TX'], seatCap: 10, timeZone: 'America/Chicago' }).expect(201);
    for (let o = 0; o < 4; o++) {
      const officerId = `lo-${m}-${o}`;
      await api.http.put(`/v1/officers/${officerId}`).send({ name: officerId, nmlsId: `${1000000 + m * 10 + o}`, licensedStates: ['TX'], active: true }).expect(201);
      await api.http.put(`/v1/officers/${officerId}/allocations/2026-11`).send({ marketId, leads: 30 }).expect(201);
    }
  }
  await api.http.put('/v1/markets/kill-empty').send({ name: 'no officers', states: ['TX'], seatCap: 1, timeZone: 'America/Chicago' }).expect(201);
  const consent = { ...(aLeadBody().consent as Record<string, unknown>), capturedAt: '2026-11-29T19:00:00Z' };

  const lifecycle = async (i: number) => {
    const marketId = i % 40 === 39 ? 'kill-empty' : markets[i % 3];
    const borrower = { firstName: 'Kim', lastName: `Lee${i}`, phone: `+1214555${String(1000 + i).padStart(4, '0')}`, email: `kim.${i}@example.com` };
    const created = await api.http.post('/v1/leads').send(aLeadBody({ marketId, borrower, consent })).expect(201);
    const leadId = created.body.leadId as string;
    await api.http.post(`/v1/leads/${leadId}/score`).send({ score: 50 + (i % 50) }).expect(200);
    if (i % 10 === 9) return;
    const routed = await api.http.post(`/v1/leads/${leadId}/route`).send({});
    if (marketId === 'kill-empty') return expect(routed.status).toBe(422);
    expect(routed.status).toBe(200);
    let officerId = routed.body.officerId as string;
    if (i % 10 === 8) return;
    if (i % 10 === 7) {
      await api.http.post(`/v1/leads/${leadId}/delivery-failures`).send({ officerId, reason: 'crm_rejected' }).expect(200);
      const again = await api.http.post(`/v1/leads/${leadId}/route`).send({}).expect(200);
      officerId = again.body.officerId;
    }
    await api.http.post(`/v1/leads/${leadId}/deliver`).send({ officerId, channel: 'crm', receipt: `r-${i}` }).expect(200);
    if (i % 10 === 6) await api.http.post(`/v1/leads/${leadId}/credit`).send({ reason: 'disconnected_number' }).expect(200);
  };
  // A few lifecycles at a time: routes in one market queue behind each other, the rest overlaps.
  let next = 0;
  await Promise.all(
    Array.from({ length: 6 }, async () => {
      while (next < leads) await lifecycle(next++);
    }),
  );
}
