import { DataKeyStore } from '../key-store.port';

/** The behaviour every DataKeyStore adapter must have; run against each adapter. */
export function dataKeyStoreContract(name: string, open: () => Promise<{ store: DataKeyStore; cleanup(): Promise<void> }>) {
  describe(`DataKeyStore contract: ${name}`, () => {
    let store: DataKeyStore;
    let cleanup: () => Promise<void>;
    let n = 0;
    const fresh = () => `${Date.now().toString(16)}${(n++).toString(16).padStart(4, '0')}`.padEnd(32, '0');
    const erasure = { actor: 'key:admin', reason: 'borrower asked', requestReference: 'DSR-1', correlationId: 'c-1' };
    const aKey = (borrowerRef: string, keyId = `dk_${borrowerRef}_${n++}`) => ({
      keyId,
      borrowerRef,
      wrappedKey: 'd3JhcHBlZA==',
      wrappedBy: 'mk-0123456789abcdef',
      createdAt: `2026-11-0${1 + (n % 8)}T00:00:00.000Z`,
    });

    beforeEach(async () => {
      ({ store, cleanup } = await open());
    });
    afterEach(async () => {
      await cleanup();
    });

    it('given a new key, when it is inserted, then it reads back live, and a second insert of the same id changes nothing', async () => {
      const key = aKey(fresh());
      expect(await store.insert(key)).toBe(true);
      expect(await store.insert({ ...key, wrappedKey: 'b3RoZXI=' })).toBe(false);
      expect(await store.get(key.keyId)).toEqual({ ...key, destroyedAt: null, erasure: null, recordedAt: null });
      expect(await store.keysOf(key.borrowerRef)).toEqual([{ ...key, destroyedAt: null, erasure: null, recordedAt: null }]);
    });

    it('given an unknown key id or borrower, then nothing is found', async () => {
      expect(await store.get('dk_nothing')).toBeNull();
      expect(await store.keysOf(fresh())).toEqual([]);
    });

    it('given two live keys of a borrower and one of another, when the borrower is destroyed, then only theirs lose the wrapped key and keep a tombstone', async () => {
      const ref = fresh();
      const other = aKey(fresh());
      const [a, b] = [aKey(ref), aKey(ref)];
      for (const key of [a, b, other]) await store.insert(key);
      const destroyed = await store.destroy(ref, erasure, '2026-11-20T10:00:00.000Z');
      expect(destroyed.sort()).toEqual([a.keyId, b.keyId].sort());
      for (const key of [a, b]) {
        expect(await store.get(key.keyId)).toEqual({ ...key, wrappedKey: null, destroyedAt: '2026-11-20T10:00:00.000Z', erasure, recordedAt: null });
      }
      expect((await store.get(other.keyId))!.wrappedKey).toBe(other.wrappedKey);
      // Destroying again destroys nothing: the keys are already gone.
      expect(await store.destroy(ref, erasure, '2026-11-21T10:00:00.000Z')).toEqual([]);
      expect((await store.get(a.keyId))!.destroyedAt).toBe('2026-11-20T10:00:00.000Z');
    });

    it('given two live keys, when only one is named, then only that one is destroyed', async () => {
      const ref = fresh();
      const [a, b] = [aKey(ref), aKey(ref)];
      await store.insert(a);
      await store.insert(b);
      expect(await store.destroy(ref, erasure, '2026-11-20T10:00:00.000Z', [b.keyId])).toEqual([b.keyId]);
      expect((await store.get(a.keyId))!.wrappedKey).toBe(a.wrappedKey);
      expect((await store.get(b.keyId))!.wrappedKey).toBeNull();
    });

    it('given destroyed keys, then they are unrecorded until marked recorded, and only live keys are listed as live', async () => {
      const ref = fresh();
      const key = aKey(ref);
      const live = aKey(fresh());
      await store.insert(key);
      await store.insert(live);
      await store.destroy(ref, erasure, '2026-11-20T10:00:00.000Z');
      expect((await store.unrecorded()).map((r) => r.keyId)).toContain(key.keyId);
      await store.markRecorded([key.keyId], '2026-11-20T10:00:01.000Z');
      expect((await store.unrecorded()).map((r) => r.keyId)).not.toContain(key.keyId);
      expect((await store.get(key.keyId))!.recordedAt).toBe('2026-11-20T10:00:01.000Z');
      const liveIds: string[] = [];
      for await (const record of store.liveKeys()) liveIds.push(record.keyId);
      expect(liveIds).toContain(live.keyId);
      expect(liveIds).not.toContain(key.keyId);
    });
  });
}
