import { randomUUID } from 'node:crypto';
import { Document, MongoClient } from 'mongodb';
import { describeReadStoreContract } from '../../../../test/read-store-contract/read-store.contract';
import { MongoStandin, startMongoStandin } from '../../../../test/support/mongo-wire-standin';
import { ReadDocument } from '../read-store.port';
import { CHECKPOINTS_COLLECTION, databaseInUrl, MongoReadStore, positionKey } from './mongo-read-store';

jest.setTimeout(60_000);

const REAL_URL = process.env.MONGODB_TEST_URL;
const REAL_SKIP_REASON = 'MONGODB_TEST_URL not set — no MongoDB server on this machine';

async function overStandin(options: { standalone?: boolean } = {}) {
  const standin = await startMongoStandin(options);
  const store = await MongoReadStore.connect(standin.url, { dbName: 'contract' });
  return { store, dispose: async () => (await store.close(), await standin.close()) };
}

describeReadStoreContract('MongoDB (real driver → wire stand-in, replica set)', () => overStandin());
describeReadStoreContract('MongoDB (real driver → wire stand-in, standalone: no transactions)', () => overStandin({ standalone: true }));

if (REAL_URL) {
  describeReadStoreContract(`real MongoDB (${redacted(REAL_URL)})`, async () => {
    const store = await MongoReadStore.connect(REAL_URL, { dbName: databaseInUrl(REAL_URL) ?? 'lead_ledger_contract' });
    return { store, dispose: () => store.close() };
  });
} else {
  console.info(`MongoDB read-store contract against a real server skipped: ${REAL_SKIP_REASON}. Set MONGODB_TEST_URL=mongodb://localhost:27017/?replicaSet=rs0 to run it.`);
  describe.skip(`Read-store contract: real MongoDB (skipped: ${REAL_SKIP_REASON})`, () => {
    it('runs the whole read-store contract against MONGODB_TEST_URL', () => undefined);
  });
}

type Doc = ReadDocument & { marketId: string; leads: number };
const doc = (id: string, position: bigint, fields: Partial<Doc> = {}): Doc => ({ _id: id, _position: position.toString(), marketId: 'dfw', leads: 1, ...fields });

describe('MongoReadStore: connection string', () => {
  it('takes the database from the URL path, defaults to lead_ledger, and detects transactions on a replica set', async () => {
    const standin = await startMongoStandin();
    try {
      const named = await MongoReadStore.connect(standin.url.replace('/?', '/read_models?'));
      const defaulted = await MongoReadStore.connect(standin.url);
      try {
        expect(named.db.databaseName).toBe('read_models');
        expect(named.transactional).toBe(true);
        expect(defaulted.db.databaseName).toBe('lead_ledger');
        await defaulted.ping();
      } finally {
        await named.close();
        await defaulted.close();
      }
    } finally {
      await standin.close();
    }
    expect(databaseInUrl('mongodb://a:1,b:2/ledger%20db?replicaSet=rs0')).toBe('ledger db');
    expect(databaseInUrl('mongodb+srv://cluster.example.net/?retryWrites=true')).toBeUndefined();
  });
});

/**
 * What the adapter does in MongoDB itself (stored shape, indexes, transactions), checked through a
 * second raw driver client. Fail-point cases need `failCommand`: always there on the stand-in; on a
 * real server only with test commands enabled (`--setParameter enableTestCommands=1`), signalled by
 * MONGODB_TEST_FAILPOINTS=1.
 */
function describeMongoReadStore(title: string, start: () => Promise<{ url: string; dbName: string; close: () => Promise<void> }>, failPoints: boolean | string) {
  describe(`MongoReadStore: ${title}`, () => {
    let target: { url: string; dbName: string; close: () => Promise<void> };
    let store: MongoReadStore;
    let raw: MongoClient;
    const suffix = randomUUID().replace(/-/g, '').slice(0, 10);
    let run = 0;
    const names = () => ({ collection: `mongo_store_${suffix}_${++run}`, projection: `mongo_projection_${suffix}_${run}` });
    const failCommand = (mode: unknown, data: Record<string, unknown>) => raw.db('admin').command({ configureFailPoint: 'failCommand', mode, data });
    const withFailPoints = failPoints === true ? it : (name: string, fn: () => Promise<void>) => it.skip(`${name} (skipped: ${failPoints})`, fn);
    const stored = (collection: string) => raw.db(target.dbName).collection<Document>(collection);

    beforeAll(async () => {
      target = await start();
      store = await MongoReadStore.connect(target.url, { dbName: target.dbName });
      raw = await MongoClient.connect(target.url);
    });
    afterAll(async () => {
      await raw?.close();
      await store?.close();
      await target?.close();
    });
    afterEach(async () => {
      if (failPoints === true) await failCommand('off', {});
    });

    it('creates real indexes for the declared field lists, idempotently', async () => {
      const { collection } = names();
      await store.ensureIndexes(collection, [['month', 'marketId'], ['officerId', 'month']]);
      await store.ensureIndexes(collection, [['month', 'marketId'], ['officerId', 'month']]);
      const indexes = await stored(collection).listIndexes().toArray();
      expect(indexes.map((index) => [index.name, index.key])).toEqual([
        ['_id_', { _id: 1 }],
        ['month_1_marketId_1', { month: 1, marketId: 1 }],
        ['officerId_1_month_1', { officerId: 1, month: 1 }],
      ]);
      expect(await store.indexesOf(collection)).toEqual([['month', 'marketId'], ['officerId', 'month']]);
    });

    it('stores the position guard as a fixed-width key, and hides it and tombstones from readers', async () => {
      const { collection, projection } = names();
      await store.commit(projection, [{ collection, id: 'a', doc: doc('a', 42n) }, { collection, id: 'b', doc: doc('b', 42n) }], 42n);
      await store.commit(projection, [{ collection, id: 'b', doc: null }], 43n);
      expect(await stored(collection).find({}).sort({ _id: 1 }).toArray()).toEqual([
        { ...doc('a', 42n), _positionKey: '00000000000000000042' },
        { _id: 'b', _position: '43', _positionKey: '00000000000000000043', _deleted: true },
      ]);
      expect(await stored(CHECKPOINTS_COLLECTION).findOne({ _id: projection as never })).toEqual({ _id: projection, position: '43', positionKey: positionKey(43n) });
      expect(await store.collection<Doc>(collection).find({})).toEqual([doc('a', 42n)]);
      expect(await store.tombstones(collection)).toBe(1);
      expect(() => positionKey(-1n)).toThrow(RangeError);
      expect(() => positionKey(10n ** 20n)).toThrow(RangeError);
    });

    withFailPoints('commits a batch and its checkpoint in one transaction: a failed checkpoint write leaves neither', async () => {
      expect(store.transactional).toBe(true);
      const { collection, projection } = names();
      await store.commit(projection, [{ collection, id: 'kept', doc: doc('kept', 1n) }], 1n);
      // The batch's documents are one `update` command, the checkpoint the next; fail from the second on.
      await failCommand({ skip: 1 }, { failCommands: ['update'], errorCode: 2 });
      await expect(store.commit(projection, [{ collection, id: 'new', doc: doc('new', 2n) }, { collection, id: 'kept', doc: doc('kept', 2n, { leads: 9 }) }], 2n)).rejects.toThrow(/failCommand/);
      await failCommand('off', {});
      expect(await store.collection<Doc>(collection).find({})).toEqual([doc('kept', 1n)]);
      expect(await store.checkpoint(projection)).toBe(1n);
    });

    withFailPoints('retries a batch whose transaction hit a transient error, and applies it exactly once', async () => {
      const { collection, projection } = names();
      await failCommand({ times: 1 }, { failCommands: ['update'], errorCode: 112, errorLabels: ['TransientTransactionError'] });
      await store.commit(projection, [{ collection, id: 'x', doc: doc('x', 5n, { leads: 5 }) }], 5n);
      expect(await store.collection<Doc>(collection).find({})).toEqual([doc('x', 5n, { leads: 5 })]);
      expect(await store.checkpoint(projection)).toBe(5n);
    });

    withFailPoints('survives a dropped connection in the middle of a commit (the driver retries; the guards make it harmless)', async () => {
      const { collection, projection } = names();
      await failCommand({ times: 1 }, { failCommands: ['commitTransaction'], closeConnection: true });
      await store.commit(projection, [{ collection, id: 'y', doc: doc('y', 6n) }], 6n);
      expect(await store.collection<Doc>(collection).find({})).toEqual([doc('y', 6n)]);
      expect(await store.checkpoint(projection)).toBe(6n);
    });

    it('renames a collection for a blue/green switch and lists collections', async () => {
      const { collection, projection } = names();
      await store.commit(projection, [{ collection: `${collection}_green`, id: 'g', doc: doc('g', 1n) }], 1n);
      await store.commit(projection, [{ collection, id: 'b', doc: doc('b', 1n) }], 1n);
      await store.renameCollection(`${collection}_green`, collection, { dropTarget: true });
      expect(await store.collection<Doc>(collection).find({})).toEqual([doc('g', 1n)]);
      expect(await store.collectionNames()).toContain(collection);
      expect(await store.collectionNames()).not.toContain(`${collection}_green`);
    });

    it('drops collections with their indexes, and a missing collection is not an error', async () => {
      const { collection, projection } = names();
      await store.ensureIndexes(collection, [['marketId']]);
      await store.commit(projection, [{ collection, id: 'd', doc: doc('d', 1n) }], 1n);
      await store.drop(projection, [collection, `${collection}_never_created`]);
      expect(await store.indexesOf(collection)).toEqual([]);
      expect(await store.checkpoint(projection)).toBeNull();
    });
  });
}

describeMongoReadStore(
  'through the wire stand-in',
  async () => {
    const standin = await startMongoStandin();
    return { url: standin.url, dbName: 'read_models', close: standin.close };
  },
  true,
);
if (REAL_URL) {
  describeMongoReadStore(
    `real MongoDB (${redacted(REAL_URL)})`,
    async () => ({ url: REAL_URL, dbName: databaseInUrl(REAL_URL) ?? 'lead_ledger_contract', close: async () => undefined }),
    process.env.MONGODB_TEST_FAILPOINTS === '1' || 'MONGODB_TEST_FAILPOINTS=1 not set (needs a server with enableTestCommands=1)',
  );
}

describe('MongoReadStore on a standalone server (no transactions)', () => {
  let standin: MongoStandin;
  let store: MongoReadStore;
  let raw: MongoClient;

  beforeAll(async () => {
    standin = await startMongoStandin({ standalone: true });
    store = await MongoReadStore.connect(standin.url);
    raw = await MongoClient.connect(standin.url);
  });
  afterAll(async () => {
    await raw?.close();
    await store?.close();
    await standin?.close();
  });

  it('converges when a commit dies between the documents and the checkpoint: the replayed batch changes nothing more', async () => {
    expect(store.transactional).toBe(false);
    const collection = 'standalone_leads';
    const projection = 'standalone_projection';
    await store.commit(projection, [{ collection, id: 'a', doc: doc('a', 1n) }, { collection, id: 'gone', doc: doc('gone', 1n) }], 1n);
    const batch = [
      { collection, id: 'a', doc: doc('a', 2n, { leads: 2 }) },
      { collection, id: 'b', doc: doc('b', 3n) },
      { collection, id: 'gone', doc: null },
    ];
    // Documents land, the checkpoint write fails (as if the projector died right there).
    await raw.db('admin').command({ configureFailPoint: 'failCommand', mode: { skip: 1 }, data: { failCommands: ['update'], errorCode: 2 } });
    await expect(store.commit(projection, batch, 3n)).rejects.toThrow(/failCommand/);
    await raw.db('admin').command({ configureFailPoint: 'failCommand', mode: 'off' });
    expect(await store.checkpoint(projection)).toBe(1n);
    const afterCrash = await store.collection<Doc>(collection).find({}, { sort: { _id: 1 } });
    expect(afterCrash).toEqual([doc('a', 2n, { leads: 2 }), doc('b', 3n)]);

    // The restarted projector replays from the checkpoint: the older batch first, then this one.
    await store.commit(projection, [{ collection, id: 'a', doc: doc('a', 1n) }, { collection, id: 'gone', doc: doc('gone', 1n) }], 1n);
    expect(await store.collection<Doc>(collection).find({}, { sort: { _id: 1 } })).toEqual(afterCrash);
    await store.commit(projection, batch, 3n);
    expect(await store.collection<Doc>(collection).find({}, { sort: { _id: 1 } })).toEqual(afterCrash);
    expect(await store.checkpoint(projection)).toBe(3n);
  });
});

function redacted(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}
