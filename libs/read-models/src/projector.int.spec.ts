import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ledger, LedgerSubscription, NewEvent, RecordedEvent } from '@lead-ledger/ledger/ledger.port';
import { SqliteLedger } from '@lead-ledger/ledger/sqlite/sqlite-ledger';
import { MemoryReadStore } from './memory/memory-read-store';
import { Projection } from './projection';
import { CommittedBatch, Projector, ProjectorLogger } from './projector';
import { DocumentChange, ReadDocument, ReadStore } from './read-store.port';

/**
 * The projector over a real embedded ledger file: batching, restarts, live following, and recovery
 * from store and subscription failures without skipping or double-applying an event. The test
 * projections count what they are given, so a double application or a skipped event shows up as a
 * wrong count (the position guards are checked separately, by a projection that would notice).
 */
describe('Projector', () => {
  let dir: string;
  let ledger: SqliteLedger;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'projector-int-'));
    ledger = SqliteLedger.open(join(dir, 'ledger.db'));
  });
  afterEach(async () => {
    await ledger.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('given 95 events, when it starts with batches of 10, then it commits 10 batches and every projection reaches the head', async () => {
    await givenEvents(95);
    const store = new MemoryReadStore();
    const batches: CommittedBatch[] = [];

    const projector = new Projector(ledger, store, [counting, perStream], { batchSize: 10, onBatch: (b) => batches.push(b), logger: quiet });
    await projector.start();
    await projector.stop();

    expect(batches.map((b) => b.events)).toEqual([10, 10, 10, 10, 10, 10, 10, 10, 10, 5]);
    expect(await store.checkpoint('counting')).toBe(95n);
    expect(await store.checkpoint('per_stream')).toBe(95n);
    expect(await total(store)).toEqual({ count: 95, sum: sumOfPositions(95), _position: '95' });
    expect(await store.collection('per_stream').count({})).toBe(5);
    expect(projector.position()).toBe(95n);
  });

  it('given a store projected up to 40, when a new projector starts on it, then it applies only what follows the checkpoint', async () => {
    await givenEvents(40);
    const store = new MemoryReadStore();
    const first = new Projector(ledger, store, [counting], { batchSize: 16, logger: quiet });
    await first.start();
    await first.stop();
    await givenEvents(25);
    const batches: CommittedBatch[] = [];

    const second = new Projector(ledger, store, [counting], { batchSize: 16, onBatch: (b) => batches.push(b), logger: quiet });
    await second.start();
    await second.stop();

    expect(batches.reduce((n, b) => n + b.events, 0)).toBe(25);
    expect(await total(store)).toMatchObject({ count: 65, sum: sumOfPositions(65) });
  });

  it('given projections at different checkpoints (killed between two commits), when it restarts, then each resumes from its own', async () => {
    await givenEvents(30);
    const store = new MemoryReadStore();
    const ahead = new Projector(ledger, store, [counting], { logger: quiet });
    await ahead.start();
    await ahead.stop();

    const both = new Projector(ledger, store, [counting, perStream], { batchSize: 7, logger: quiet });
    await both.start();
    await both.stop();

    expect(await total(store)).toMatchObject({ count: 30, sum: sumOfPositions(30) });
    expect((await store.collection<ReadDocument & { count: number }>('per_stream').find({})).reduce((n, d) => n + d.count, 0)).toBe(30);
  });

  it('given it is caught up, when events are appended, then it applies them live one by one and waitFor resolves at their position', async () => {
    await givenEvents(3);
    const store = new MemoryReadStore();
    const batches: CommittedBatch[] = [];
    const projector = new Projector(ledger, store, [counting], { onBatch: (b) => batches.push(b), logger: quiet });
    await projector.start();

    const appended = await givenEvents(4);
    await projector.waitFor(appended.position, 20_000);
    await projector.stop();

    expect(await total(store)).toMatchObject({ count: 7, sum: sumOfPositions(7), _position: '7' });
    expect(batches.slice(1).map((b) => b.events)).toEqual([1, 1, 1, 1]);
  });

  it('given it is live, when a burst leaves it more than a batch behind, then it goes back to committing in batches', async () => {
    const store = new MemoryReadStore();
    const batches: CommittedBatch[] = [];
    const projector = new Projector(ledger, store, [counting], { batchSize: 20, liveLagForBatching: 5, headCheckEveryMs: 0, onBatch: (b) => batches.push(b), logger: quiet });
    await projector.start();

    const burst = await ledger.append('burst-1', Array.from({ length: 100 }, (_, i) => anEvent(i)), { expectedRevision: 'any' });
    await projector.waitFor(burst.position, 20_000);
    await projector.stop();

    expect(batches[0].events).toBe(1);
    expect(batches.every((b) => b.events <= 20)).toBe(true);
    expect(Math.max(...batches.map((b) => b.events))).toBe(20);
    expect(await total(store)).toMatchObject({ count: 100, sum: sumOfPositions(100) });
  });

  it('given the store fails after committing (the answer is lost), when it retries, then nothing is applied twice and it converges', async () => {
    await givenEvents(120);
    const store = new FlakyStore(new MemoryReadStore(), (call) => call % 3 === 2, 'after');
    const warnings: string[] = [];

    const projector = new Projector(ledger, store, [counting, perStream], {
      batchSize: 9,
      backoff: { initialMs: 1, maxMs: 5 },
      logger: { log: () => {}, warn: (m) => warnings.push(m) },
    });
    await projector.start({ retryUntilCaughtUp: true });
    await projector.stop();

    expect(store.failures).toBeGreaterThan(5);
    expect(warnings.length).toBe(store.failures);
    expect(await total(store)).toMatchObject({ count: 120, sum: sumOfPositions(120), _position: '120' });
    expect(await store.checkpoint('per_stream')).toBe(120n);
  });

  it('given the store fails before committing, when it retries with backoff, then no event is skipped', async () => {
    await givenEvents(50);
    const store = new FlakyStore(new MemoryReadStore(), (call) => call % 4 === 1, 'before');

    const projector = new Projector(ledger, store, [counting], { batchSize: 6, backoff: { initialMs: 1, maxMs: 5 }, logger: quiet });
    await projector.start({ retryUntilCaughtUp: true });
    await projector.stop();

    expect(store.failures).toBeGreaterThanOrEqual(3);
    expect(await total(store)).toMatchObject({ count: 50, sum: sumOfPositions(50) });
  });

  it('given the live subscription breaks, when it resubscribes from the checkpoint, then live events are neither lost nor repeated', async () => {
    await givenEvents(5);
    const flaky = new BreakingLedger(ledger, 3);
    const store = new MemoryReadStore();
    const projector = new Projector(flaky, store, [counting], { backoff: { initialMs: 1, maxMs: 5 }, logger: quiet });
    await projector.start();

    let last = 0n;
    for (let i = 0; i < 10; i++) last = (await givenEvents(1)).position;
    await projector.waitFor(last, 20_000);
    await projector.stop();

    expect(flaky.breaks).toBeGreaterThanOrEqual(2);
    expect(await total(store)).toMatchObject({ count: 15, sum: sumOfPositions(15), _position: '15' });
  });

  it('given a broken store at boot, when the embedded API starts it without retries, then start rejects (the boot fails loudly)', async () => {
    await givenEvents(2);
    const store = new FlakyStore(new MemoryReadStore(), () => true, 'before');

    await expect(new Projector(ledger, store, [counting], { logger: quiet }).start()).rejects.toThrow('store connection lost');
  });

  it('reports lag in events and in seconds, and 0 when caught up', async () => {
    await givenEvents(10, '2026-11-20T10:00:00.000Z');
    const store = new MemoryReadStore();
    const projector = new Projector(ledger, store, [counting], { logger: quiet });
    expect(await projector.lag()).toMatchObject({ events: 10, checkpoint: null, head: '10' });
    expect((await projector.lag()).seconds).toBeGreaterThan((Date.now() - Date.parse('2026-11-20T10:00:00.000Z')) / 1000 - 60);

    await projector.start();
    await projector.stop();

    expect(await projector.lag()).toEqual({ events: 0, seconds: 0, checkpoint: '10', head: '10' });
  });

  it('given a document already past an event (guard), when the event is replayed to it, then the document is unchanged', async () => {
    await givenEvents(4);
    const store = new MemoryReadStore();
    // The document claims position 3 although the projection's checkpoint is empty: events 1..3 must be skipped for it.
    await store.commit('other', [{ collection: 'totals', id: 'total', doc: { _id: 'total', _position: '3', count: 100, sum: 0 } as ReadDocument }], 1n);

    const projector = new Projector(ledger, store, [counting], { logger: quiet });
    await projector.start();
    await projector.stop();

    expect(await total(store)).toEqual({ count: 101, sum: 4, _position: '4' });
  });

  // ---- helpers ----

  const quiet: ProjectorLogger = { log: () => {}, warn: () => {} };

  /** One document counting every event and summing positions: a skip or a repeat changes both. */
  const counting: Projection<ReadDocument & { count: number; sum: number }> = {
    name: 'counting',
    collection: 'totals',
    indexes: [],
    documentsFor: () => ['total'],
    evolve: (doc, event) => ({ count: (doc?.count ?? 0) + 1, sum: (doc?.sum ?? 0) + Number(event.position) }),
  };

  const perStream: Projection<ReadDocument & { count: number }> = {
    name: 'per_stream',
    collection: 'per_stream',
    indexes: [['count']],
    documentsFor: (event) => [event.stream],
    evolve: (doc) => ({ count: (doc?.count ?? 0) + 1 }),
  };

  let appended = 0;
  function anEvent(n: number, recordedAt = new Date().toISOString()): NewEvent {
    return {
      type: 'ThingHappened',
      schemaVersion: 1,
      data: { n },
      recordedAt,
      metadata: { correlationId: 'c', causationId: 'c', commandId: `cmd-${n}`, actor: 'test' },
    };
  }
  async function givenEvents(n: number, recordedAt = new Date().toISOString()) {
    let result!: Awaited<ReturnType<Ledger['append']>>;
    for (let i = 0; i < n; i++) {
      appended += 1;
      result = await ledger.append(`thing-${appended % 5}`, [anEvent(appended, recordedAt)], { expectedRevision: 'any' });
    }
    return result;
  }

  async function total(store: ReadStore) {
    const { _id, ...rest } = (await store.collection<ReadDocument>('totals').findOne({ _id: 'total' })) ?? ({} as ReadDocument);
    return rest;
  }

  const sumOfPositions = (n: number) => (n * (n + 1)) / 2;
});

/** A store whose commit fails on chosen calls, before writing or after (the write happened, the answer was lost). */
class FlakyStore implements ReadStore {
  failures = 0;
  private calls = 0;
  constructor(
    private readonly inner: ReadStore,
    private readonly failOn: (call: number) => boolean,
    private readonly when: 'before' | 'after',
  ) {}
  collection<T extends ReadDocument>(name: string) {
    return this.inner.collection<T>(name);
  }
  ensureIndexes(collection: string, indexes: string[][]) {
    return this.inner.ensureIndexes(collection, indexes);
  }
  checkpoint(projection: string) {
    return this.inner.checkpoint(projection);
  }
  async commit(projection: string, changes: DocumentChange[], checkpoint: bigint) {
    const fail = this.failOn(this.calls++);
    if (fail && this.when === 'before') this.fail();
    await this.inner.commit(projection, changes, checkpoint);
    if (fail) this.fail();
  }
  drop(projection: string, collections: string[]) {
    return this.inner.drop(projection, collections);
  }
  ping() {
    return this.inner.ping();
  }
  close() {
    return this.inner.close();
  }
  private fail(): never {
    this.failures += 1;
    throw new Error('store connection lost');
  }
}

/** The real ledger, but every live subscription throws after `every` events (a dropped connection). */
class BreakingLedger implements Ledger {
  breaks = 0;
  constructor(
    private readonly inner: Ledger,
    private readonly every: number,
  ) {}
  subscribeToAll(options?: { after?: bigint }): LedgerSubscription {
    const inner = this.inner.subscribeToAll(options);
    const self = this;
    async function* breaking(): AsyncGenerator<RecordedEvent> {
      let n = 0;
      for await (const event of inner) {
        yield event;
        if (++n >= self.every) {
          self.breaks += 1;
          throw new Error('subscription dropped');
        }
      }
    }
    const iterator = breaking();
    return { [Symbol.asyncIterator]: () => iterator, close: () => inner.close() };
  }
  append(...args: Parameters<Ledger['append']>) {
    return this.inner.append(...args);
  }
  readStream(...args: Parameters<Ledger['readStream']>) {
    return this.inner.readStream(...args);
  }
  streamRevision(stream: string) {
    return this.inner.streamRevision(stream);
  }
  readAll(...args: Parameters<Ledger['readAll']>) {
    return this.inner.readAll(...args);
  }
  headPosition() {
    return this.inner.headPosition();
  }
  ping() {
    return this.inner.ping();
  }
  close() {
    return this.inner.close();
  }
}
