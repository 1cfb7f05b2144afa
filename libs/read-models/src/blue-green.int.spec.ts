import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NewEvent } from '@lead-ledger/ledger/ledger.port';
import { SqliteLedger } from '@lead-ledger/ledger/sqlite/sqlite-ledger';
import { AliasedReadStore, readAliases } from './aliases';
import { rebuildBlueGreen } from './blue-green';
import { MemoryReadStore } from './memory/memory-read-store';
import { Projection } from './projection';
import { Projector } from './projector';
import { ReadDocument, ReadStore } from './read-store.port';
import { MongoReadStore } from './mongo/mongo-read-store';
import { MongoStandin, startMongoStandin } from '../../../test/support/mongo-wire-standin';

jest.setTimeout(120_000);

let standin: MongoStandin;
beforeAll(async () => {
  standin = await startMongoStandin();
});
afterAll(async () => standin?.close());

let databases = 0;
const stores: Array<[string, () => Promise<ReadStore>]> = [
  ['the embedded memory store', async () => new MemoryReadStore()],
  ['MongoReadStore on the MongoDB wire stand-in', async () => MongoReadStore.connect(standin.url.replace('/?', `/blue_green_${++databases}?`))],
];

/**
 * Blue/green rebuild with a live projector running and readers querying throughout, on the
 * embedded store and through the real MongoDB driver on the wire stand-in.
 */
describe.each(stores)('rebuildBlueGreen on %s', (_name, openStore) => {
  let dir: string;
  let ledger: SqliteLedger;
  let store: ReadStore;
  beforeEach(async () => {
    store = await openStore();
    dir = mkdtempSync(join(tmpdir(), 'blue-green-int-'));
    ledger = SqliteLedger.open(join(dir, 'ledger.db'));
  });
  afterEach(async () => {
    await store.close();
    await ledger.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('given a live projector and busy readers, when a projection is rebuilt, then readers never see a partial collection and end on the new one', async () => {
    await givenEvents(300);
    const live = new Projector(ledger, store, [perStream], { batchSize: 50, logger: quiet });
    await live.start();
    const reader = new AliasedReadStore(store, 0);
    const seen: Array<{ streams: number; events: number }> = [];
    let reading = true;
    const readers = (async () => {
      while (reading) {
        const docs = await reader.collection<StreamDoc>('per_stream_v1').find({});
        seen.push({ streams: docs.length, events: docs.reduce((n, d) => n + d.count, 0) });
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();

    const rebuilt = rebuildBlueGreen({ ledger, store, projection: perStream, graceMs: 1000, batchSize: 7 });
    let last = 0n;
    for (let i = 0; i < 30; i++) last = (await givenEvents(1)).position;
    const result = await rebuilt;
    await live.waitFor(last, 20_000);
    // One more event after the switch: the live projector moves to the new collection and writes it there.
    last = (await givenEvents(1)).position;
    await live.waitFor(last, 20_000);
    reading = false;
    await readers;
    await live.stop();

    expect(result).toMatchObject({ from: 'per_stream_v1', to: 'per_stream_v1__rebuild_1', generation: 1 });
    expect(await reader.resolve('per_stream_v1')).toBe('per_stream_v1__rebuild_1');
    expect(seen.length).toBeGreaterThan(10);
    // Every read saw every stream, with at least the 300 events that were there before the rebuild.
    expect(seen.every((s) => s.streams === 7 && s.events >= 300)).toBe(true);
    const docs = await reader.collection<StreamDoc>('per_stream_v1').find({});
    expect(docs.reduce((n, d) => n + d.count, 0)).toBe(331);
    expect(await store.checkpoint('per_stream_v1__rebuild_1')).toBe(331n);
    // The old collection and its checkpoint are gone.
    expect(await store.collection('per_stream_v1').count({})).toBe(0);
    expect(await store.checkpoint('per_stream_v1')).toBeNull();
  });

  it('given a rebuilt projection, when it is rebuilt again, then the next generation replaces the previous one', async () => {
    await givenEvents(40);

    const first = await rebuildBlueGreen({ ledger, store, projection: perStream, graceMs: 0 });
    const second = await rebuildBlueGreen({ ledger, store, projection: perStream, graceMs: 0 });

    expect(first.to).toBe('per_stream_v1__rebuild_1');
    expect(second).toMatchObject({ from: 'per_stream_v1__rebuild_1', to: 'per_stream_v1__rebuild_2', generation: 2, documents: 7, checkpoint: 40n });
    expect((await readAliases(store)).get('per_stream_v1')).toMatchObject({ target: 'per_stream_v1__rebuild_2', previous: 'per_stream_v1__rebuild_1' });
    expect(await store.collection('per_stream_v1__rebuild_1').count({})).toBe(0);
  });

  // ---- helpers ----

  type StreamDoc = ReadDocument & { count: number };
  const quiet = { log: () => {}, warn: () => {} };
  const perStream: Projection<StreamDoc> = {
    name: 'per_stream_v1',
    collection: 'per_stream_v1',
    indexes: [],
    documentsFor: (event) => [event.stream],
    evolve: (doc) => ({ count: (doc?.count ?? 0) + 1 }),
  };

  let appended = 0;
  async function givenEvents(n: number) {
    let result!: Awaited<ReturnType<SqliteLedger['append']>>;
    for (let i = 0; i < n; i++) {
      appended += 1;
      const event: NewEvent = {
        type: 'ThingHappened',
        schemaVersion: 1,
        data: { n: appended },
        recordedAt: new Date().toISOString(),
        metadata: { correlationId: 'c', causationId: 'c', commandId: `cmd-${appended}`, actor: 'test' },
      };
      result = await ledger.append(`thing-${appended % 7}`, [event], { expectedRevision: 'any' });
    }
    return result;
  }
});
