import { randomUUID } from 'node:crypto';
import { ReadDocument, ReadStore } from '@lead-ledger/read-models/read-store.port';

type Doc = ReadDocument & { month: string; marketId: string; officerId: string; leads: number; tags: string[]; nested: { n: number } };

/**
 * The contract every read-store adapter passes (embedded memory store now; MongoDB later). Each
 * test uses its own collection name, so the suite can run against a shared real server.
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
