import { randomUUID } from 'node:crypto';
import { ReadDocument, ReadStore } from '@lead-ledger/read-models/read-store.port';

type Doc = ReadDocument & { month: string; marketId: string; officerId: string; leads: number; tags: string[]; nested: { n: number } };

/**
 * The contract every read-store adapter passes (the embedded memory store, and MongoDB through the
 * wire stand-in or a real server). Each test uses its own collection and projection names, so the
 * suite can run against a shared real server.
 */
export function describeReadStoreContract(adapterName: string, open: () => Promise<{ store: ReadStore; dispose: () => Promise<void> }>) {
  describe(`Read-store contract: ${adapterName}`, () => {
    let store: ReadStore;
    let dispose: () => Promise<void>;
    beforeAll(async () => ({ store, dispose } = await open()));
    afterAll(async () => dispose?.());

    it('commits documents and the checkpoint together, and reads them back by id', async () => {
      const { collection, projection } = names();
      expect(await store.checkpoint(projection)).toBeNull();
      await store.commit(projection, [change(collection, aDoc('a', { leads: 10 }))], 5n);
      expect(await store.checkpoint(projection)).toBe(5n);
      expect(await store.collection<Doc>(collection).findOne({ _id: 'a' })).toEqual(aDoc('a', { leads: 10 }));
      expect(await store.collection<Doc>(collection).findOne({ _id: 'missing' })).toBeNull();
    });

    it('replaces and deletes documents', async () => {
      const { collection, projection } = names();
      await store.commit(projection, [change(collection, aDoc('a', { leads: 1 })), change(collection, aDoc('b'))], 1n);
      await store.commit(projection, [change(collection, aDoc('a', { leads: 2 })), { collection, id: 'b', doc: null }], 2n);
      const all = await store.collection<Doc>(collection).find({});
      expect(all).toEqual([aDoc('a', { leads: 2 })]);
    });

    it('finds by equality on indexed fields, dotted paths, $in, array membership and ranges, with sort and limit', async () => {
      const { collection, projection } = names();
      await store.ensureIndexes(collection, [['month', 'marketId']]);
      await store.commit(
        projection,
        [
          change(collection, aDoc('1', { month: '2026-11', marketId: 'dfw', officerId: 'b', leads: 40, tags: ['x'], nested: { n: 1 } })),
          change(collection, aDoc('2', { month: '2026-11', marketId: 'dfw', officerId: 'a', leads: 10, tags: ['y'], nested: { n: 2 } })),
          change(collection, aDoc('3', { month: '2026-11', marketId: 'hou', officerId: 'c', leads: 20, tags: ['x', 'y'], nested: { n: 3 } })),
          change(collection, aDoc('4', { month: '2026-12', marketId: 'dfw', officerId: 'a', leads: 30, tags: [], nested: { n: 4 } })),
        ],
        9n,
      );
      const docs = store.collection<Doc>(collection);
      expect(ids(await docs.find({ month: '2026-11', marketId: 'dfw' }, { sort: { officerId: 1 } }))).toEqual(['2', '1']);
      expect(ids(await docs.find({ _id: { $in: ['3', '4', 'nope'] } }, { sort: { _id: 1 } }))).toEqual(['3', '4']);
      expect(ids(await docs.find({ tags: 'x' }, { sort: { _id: 1 } }))).toEqual(['1', '3']);
      expect(ids(await docs.find({ 'nested.n': { $gte: 2, $lt: 4 } }, { sort: { _id: 1 } }))).toEqual(['2', '3']);
      expect(ids(await docs.find({ marketId: 'dfw' }, { sort: { leads: -1 }, limit: 2 }))).toEqual(['1', '4']);
      expect(await docs.count({ marketId: { $ne: 'dfw' } })).toBe(1);
      expect(await docs.findOne({ month: '2026-12', marketId: 'dfw' })).toEqual(expect.objectContaining({ _id: '4' }));
    });

    it('finds by one element of an indexed array field (multikey), before and after a change', async () => {
      const { collection, projection } = names();
      await store.ensureIndexes(collection, [['tags']]);
      await store.commit(projection, [change(collection, aDoc('t1', { tags: ['TX', 'OK'] })), change(collection, aDoc('t2', { tags: ['TX'] }))], 1n);
      const docs = store.collection<Doc>(collection);
      expect(ids(await docs.find({ tags: 'TX' }, { sort: { _id: 1 } }))).toEqual(['t1', 't2']);
      expect(ids(await docs.find({ tags: 'OK' }))).toEqual(['t1']);
      await store.commit(projection, [change(collection, aDoc('t1', { tags: ['OK'] }))], 2n);
      expect(ids(await docs.find({ tags: 'TX' }))).toEqual(['t2']);
    });

    it('keeps index lookups right after documents move between index keys', async () => {
      const { collection, projection } = names();
      await store.ensureIndexes(collection, [['month', 'marketId']]);
      await store.commit(projection, [change(collection, aDoc('m', { month: '2026-11', marketId: 'dfw' }))], 1n);
      await store.commit(projection, [change(collection, aDoc('m', { month: '2026-11', marketId: 'hou' }))], 2n);
      const docs = store.collection<Doc>(collection);
      expect(await docs.find({ month: '2026-11', marketId: 'dfw' })).toEqual([]);
      expect(ids(await docs.find({ month: '2026-11', marketId: 'hou' }))).toEqual(['m']);
    });

    it('returns copies: editing a result does not change the store', async () => {
      const { collection, projection } = names();
      await store.commit(projection, [change(collection, aDoc('c', { leads: 3 }))], 1n);
      const found = (await store.collection<Doc>(collection).findOne({ _id: 'c' }))!;
      try {
        (found as { leads: number }).leads = 99;
      } catch {
        // frozen results are fine too
      }
      expect((await store.collection<Doc>(collection).findOne({ _id: 'c' }))!.leads).toBe(3);
    });

    it('ignores a replayed older batch: a document keeps the state of the later position (numeric order)', async () => {
      const { collection, projection } = names();
      await store.commit(projection, [change(collection, aDoc('a', { _position: '10', leads: 10 }))], 10n);
      // '9' > '10' as strings: the guard must compare positions as numbers.
      await store.commit(projection, [change(collection, aDoc('a', { _position: '9', leads: 9 })), change(collection, aDoc('b', { _position: '9' }))], 9n);
      expect(await store.collection<Doc>(collection).findOne({ _id: 'a' })).toEqual(aDoc('a', { _position: '10', leads: 10 }));
      expect(ids(await store.collection<Doc>(collection).find({}, { sort: { _id: 1 } }))).toEqual(['a', 'b']);
      expect(await store.checkpoint(projection)).toBe(10n);
    });

    it('leaves the store unchanged when the same batch is committed twice', async () => {
      const { collection, projection } = names();
      await store.commit(projection, [change(collection, aDoc('gone', { _position: '1' }))], 1n);
      const batch = [
        change(collection, aDoc('x', { _position: '3', leads: 3, tags: ['p', 'q'] })),
        change(collection, aDoc('y', { _position: '4', nested: { n: 4 } })),
        { collection, id: 'gone', doc: null },
      ];
      await store.commit(projection, batch, 4n);
      const once = { docs: await store.collection<Doc>(collection).find({}, { sort: { _id: 1 } }), count: await store.collection<Doc>(collection).count({}) };
      await store.commit(projection, batch, 4n);
      expect(await store.collection<Doc>(collection).find({}, { sort: { _id: 1 } })).toEqual(once.docs);
      expect(await store.collection<Doc>(collection).count({})).toBe(once.count);
      expect(once.count).toBe(2);
      expect(await store.checkpoint(projection)).toBe(4n);
    });

    it('never moves a checkpoint backwards, including positions beyond 2^53 and across digit lengths', async () => {
      const { projection } = names();
      await store.commit(projection, [], 10n);
      await store.commit(projection, [], 9n);
      expect(await store.checkpoint(projection)).toBe(10n);
      await store.commit(projection, [], 11n);
      expect(await store.checkpoint(projection)).toBe(11n);
      await store.commit(projection, [], 9_223_372_036_854_775_808n);
      await store.commit(projection, [], 9_007_199_254_740_993n);
      expect(await store.checkpoint(projection)).toBe(9_223_372_036_854_775_808n);
      await store.commit(projection, [], 10_000_000_000_000_000_000n);
      expect(await store.checkpoint(projection)).toBe(10_000_000_000_000_000_000n);
    });

    it('commits a large batch (5,000 documents) and reads all of it back, by index, sorted and limited', async () => {
      const { collection, projection } = names();
      await store.ensureIndexes(collection, [['month', 'marketId'], ['officerId', 'month']]);
      const docs = Array.from({ length: 5000 }, (_, i) =>
        aDoc(`lead-${String(i).padStart(4, '0')}`, { _position: String(i + 1), marketId: `m${i % 10}`, officerId: `lo-${i % 50}`, leads: i, month: i % 2 === 0 ? '2026-11' : '2026-12' }),
      );
      await store.commit(projection, docs.map((doc) => change(collection, doc)), 5000n);
      const all = store.collection<Doc>(collection);
      expect(await store.checkpoint(projection)).toBe(5000n);
      expect(await all.count({})).toBe(5000);
      const everything = await all.find({}, { sort: { _id: 1 } });
      expect(everything).toHaveLength(5000);
      expect(everything[4999]).toEqual(docs[4999]);
      // Even i: '2026-11'; i % 10 === 4 is always even.
      expect(await all.count({ month: '2026-11', marketId: 'm4' })).toBe(500);
      expect(await all.count({ month: '2026-12', marketId: 'm4' })).toBe(0);
      expect(await all.count({ month: '2026-12', marketId: 'm5' })).toBe(500);
      expect((await all.find({ officerId: 'lo-7', month: '2026-12' }, { sort: { leads: -1 }, limit: 3 })).map((doc) => doc.leads)).toEqual([4957, 4907, 4857]);
    }, 120_000);

    it('sorts and limits on indexed fields, ascending and descending, with a compound sort', async () => {
      const { collection, projection } = names();
      await store.ensureIndexes(collection, [['officerId', 'month']]);
      const rows: Array<[string, string, string, number]> = [
        ['s1', 'lo-a', '2026-09', 1],
        ['s2', 'lo-a', '2026-11', 2],
        ['s3', 'lo-a', '2026-10', 3],
        ['s4', 'lo-b', '2026-11', 4],
        ['s5', 'lo-a', '2026-12', 5],
      ];
      await store.commit(projection, rows.map(([id, officerId, month, leads]) => change(collection, aDoc(id, { officerId, month, leads }))), 1n);
      const docs = store.collection<Doc>(collection);
      expect(ids(await docs.find({ officerId: 'lo-a' }, { sort: { month: -1 }, limit: 2 }))).toEqual(['s5', 's2']);
      expect(ids(await docs.find({ officerId: 'lo-a' }, { sort: { month: 1 }, limit: 3 }))).toEqual(['s1', 's3', 's2']);
      expect(ids(await docs.find({}, { sort: { officerId: -1, month: 1 } }))).toEqual(['s4', 's1', 's3', 's2', 's5']);
      expect(ids(await docs.find({ officerId: 'lo-a', month: { $gte: '2026-10' } }, { sort: { month: 1 }, limit: 10 }))).toEqual(['s3', 's2', 's5']);
    });

    it('deletes then re-creates a document, and a replayed older write does not bring a deleted one back', async () => {
      const { collection, projection } = names();
      const docs = store.collection<Doc>(collection);
      await store.ensureIndexes(collection, [['marketId']]);
      await store.commit(projection, [change(collection, aDoc('r', { _position: '1', marketId: 'dfw' })), change(collection, aDoc('k', { _position: '1', marketId: 'dfw' }))], 1n);
      await store.commit(projection, [{ collection, id: 'r', doc: null }, { collection, id: 'k', doc: null }], 2n);
      expect(await docs.findOne({ _id: 'r' })).toBeNull();
      expect(await docs.find({ marketId: 'dfw' })).toEqual([]);
      expect(await docs.count({})).toBe(0);

      await store.commit(projection, [change(collection, aDoc('r', { _position: '3', marketId: 'hou', leads: 30 }))], 3n);
      expect(await docs.findOne({ _id: 'r' })).toEqual(aDoc('r', { _position: '3', marketId: 'hou', leads: 30 }));
      // Replays of the older batches: the delete of r (2) is older than its re-creation (3); the
      // creation of k (1) is older than its delete (2). Neither changes anything.
      await store.commit(projection, [{ collection, id: 'r', doc: null }, { collection, id: 'k', doc: null }], 2n);
      await store.commit(projection, [change(collection, aDoc('r', { _position: '1', marketId: 'dfw' })), change(collection, aDoc('k', { _position: '1', marketId: 'dfw' }))], 1n);
      expect(ids(await docs.find({}))).toEqual(['r']);
      expect(await docs.findOne({ _id: 'k' })).toBeNull();
      expect(await docs.find({ marketId: 'dfw' })).toEqual([]);
      expect(await docs.count({ marketId: 'hou' })).toBe(1);
      expect(await store.checkpoint(projection)).toBe(3n);
    });

    it('drops a projection: documents and checkpoint', async () => {
      const { collection, projection } = names();
      await store.commit(projection, [change(collection, aDoc('d'))], 7n);
      await store.drop(projection, [collection]);
      expect(await store.checkpoint(projection)).toBeNull();
      expect(await store.collection<Doc>(collection).find({})).toEqual([]);
    });
  });
}

function names() {
  const suffix = randomUUID().replace(/-/g, '').slice(0, 12);
  return { collection: `contract_${suffix}`, projection: `contract_projection_${suffix}` };
}

function aDoc(id: string, overrides: Partial<Doc> = {}): Doc {
  return { _id: id, _position: '1', month: '2026-11', marketId: 'dfw', officerId: 'lo-1', leads: 5, tags: [], nested: { n: 0 }, ...overrides };
}

function change(collection: string, doc: Doc) {
  return { collection, id: doc._id, doc };
}

const ids = (docs: ReadDocument[]) => docs.map((doc) => doc._id);
