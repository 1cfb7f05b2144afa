import { rmSync } from 'node:fs';
import { SqliteLedger } from '@lead-ledger/ledger/sqlite/sqlite-ledger';
import { ALL_PROJECTIONS } from '@lead-ledger/projections';
import { MongoClient } from 'mongodb';
import { buildRealLedger, RealLedger } from '../../../audit/src/verify/testing/real-ledger.fixture';
import { MongoStandin, startMongoStandin } from '../../../../test/support/mongo-wire-standin';
import { MemoryReadStore } from '../memory/memory-read-store';
import { Projector } from '../projector';
import { ReadDocument, ReadStore } from '../read-store.port';
import { rebuildReadModels } from '../replay';
import { CHECKPOINTS_COLLECTION, MongoReadStore } from './mongo-read-store';

jest.setTimeout(180_000);

/**
 * The real projections over a ledger the real application wrote, projected into MongoDB (through
 * the official driver and the wire stand-in) and into the embedded store: the read models must be
 * the same, document for document, and answer the API's indexed queries the same. Replaying the
 * whole log again over the MongoDB store, in other batch sizes, must change nothing.
 */
describe('Real projections into MongoReadStore (wire stand-in)', () => {
  let real: RealLedger;
  let ledger: SqliteLedger;
  let standin: MongoStandin;
  let mongo: MongoReadStore;
  const memory = new MemoryReadStore();

  beforeAll(async () => {
    real = await buildRealLedger();
    ledger = SqliteLedger.open(real.path);
    standin = await startMongoStandin();
    mongo = await MongoReadStore.connect(standin.url, { dbName: 'projections' });
    await rebuildReadModels({ ledger, store: memory, projections: ALL_PROJECTIONS });
    await rebuildReadModels({ ledger, store: mongo, projections: ALL_PROJECTIONS, batchSize: 7 });
  });
  afterAll(async () => {
    await mongo?.close();
    await standin?.close();
    await ledger?.close();
    if (real) rmSync(real.dir, { recursive: true, force: true });
  });

  it('builds the same read models as the embedded store, every projection, every document, every checkpoint', async () => {
    const head = await ledger.headPosition();
    for (const projection of ALL_PROJECTIONS) {
      const expected = await everything(memory, projection.collection);
      expect(expected.length).toBeGreaterThan(0);
      expect(await everything(mongo, projection.collection)).toEqual(expected);
      expect(await mongo.checkpoint(projection.name)).toBe(head);
    }
  });

  it('creates every index the projections declare', async () => {
    for (const projection of ALL_PROJECTIONS) {
      expect(await mongo.indexesOf(projection.collection)).toEqual(projection.indexes);
    }
  });

  it("answers each declared index's equality query, sorted and limited, as the embedded store does", async () => {
    let queries = 0;
    for (const projection of ALL_PROJECTIONS) {
      const docs = await everything(memory, projection.collection);
      for (const fields of projection.indexes) {
        const filters = new Map<string, Record<string, unknown>>();
        for (const doc of docs) {
          const filter = Object.fromEntries(fields.map((field) => [field, firstScalar(valueAt(doc, field))]));
          if (Object.values(filter).every((value) => value !== undefined)) filters.set(JSON.stringify(filter), filter);
        }
        for (const filter of [...filters.values()].slice(0, 5)) {
          for (const options of [{ sort: { _id: 1 as const } }, { sort: { _id: -1 as const }, limit: 2 }]) {
            const expected = await memory.collection(projection.collection).find(filter, options);
            expect(expected.length).toBeGreaterThan(0);
            expect(await mongo.collection(projection.collection).find(filter, options)).toEqual(expected);
            queries++;
          }
          expect(await mongo.collection(projection.collection).count(filter)).toBe(await memory.collection(projection.collection).count(filter));
        }
      }
    }
    expect(queries).toBeGreaterThan(10);
  });

  it('changes nothing when the whole log is replayed again over it, from no checkpoint, one event per batch', async () => {
    const before = new Map<string, ReadDocument[]>();
    for (const projection of ALL_PROJECTIONS) before.set(projection.collection, await everything(mongo, projection.collection));
    const raw = await MongoClient.connect(standin.url);
    try {
      // As if the checkpoints were lost: the projector starts from the beginning of the log.
      await raw.db('projections').collection(CHECKPOINTS_COLLECTION).deleteMany({});
    } finally {
      await raw.close();
    }
    await new Projector(ledger, mongo, ALL_PROJECTIONS, { batchSize: 1 }).catchUpOnce();
    for (const projection of ALL_PROJECTIONS) {
      expect(await everything(mongo, projection.collection)).toEqual(before.get(projection.collection));
      expect(await mongo.checkpoint(projection.name)).toBe(await ledger.headPosition());
    }
  });
});

async function everything(store: ReadStore, collection: string): Promise<ReadDocument[]> {
  return store.collection(collection).find({}, { sort: { _id: 1 } });
}

function valueAt(doc: object, path: string): unknown {
  let value: unknown = doc;
  for (const part of path.split('.')) value = (value as Record<string, unknown> | undefined)?.[part];
  return value;
}

function firstScalar(value: unknown): unknown {
  const one = Array.isArray(value) ? value[0] : value;
  return typeof one === 'string' || typeof one === 'number' || typeof one === 'boolean' ? one : undefined;
}
