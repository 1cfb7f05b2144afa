import { Ledger, LedgerSubscription, RecordedEvent } from '@lead-ledger/ledger/ledger.port';
import { Projection } from './projection';
import { DocumentChange, ReadDocument, ReadStore } from './read-store.port';

export class ProjectionTimeoutError extends Error {
  constructor(readonly position: bigint, readonly checkpoint: bigint | null, timeoutMs: number) {
    super(`read models did not reach position ${position} within ${timeoutMs} ms (at ${checkpoint ?? 'nothing'})`);
    this.name = 'ProjectionTimeoutError';
  }
}

const CATCH_UP_PAGE = 1000;

/**
 * Runs projections over the global log, in position order, one event at a time through the same
 * code whether catching up or live. Each batch of document changes is committed together with the
 * projection's checkpoint, and every document is guarded by the position it reflects, so a replay
 * or a duplicate delivery changes nothing.
 */
export class Projector {
  private checkpoint: bigint | null = null;
  private subscription: LedgerSubscription | null = null;
  private waiters: Array<{ position: bigint; resolve: () => void }> = [];
  private running: Promise<void> | null = null;
  private failure: Error | null = null;

  constructor(
    private readonly ledger: Ledger,
    private readonly store: ReadStore,
    private readonly projections: Projection[],
  ) {}

  /** Catches up to the head of the log, then keeps following it in the background. */
  async start(): Promise<void> {
    for (const projection of this.projections) await this.store.ensureIndexes(projection.collection, projection.indexes);
    const checkpoints = await Promise.all(this.projections.map((p) => this.store.checkpoint(p.name)));
    // Projections that are behind replay from the earliest checkpoint; their guards skip the rest.
    this.checkpoint = checkpoints.reduce<bigint | null>((min, c) => (min === null || c === null ? null : c < min ? c : min), checkpoints[0] ?? null);
    for (;;) {
      const page = await this.ledger.readAll({ after: this.checkpoint ?? undefined, maxCount: CATCH_UP_PAGE });
      if (page.length === 0) break;
      await this.apply(page);
    }
    this.subscription = this.ledger.subscribeToAll({ after: this.checkpoint ?? undefined });
    this.running = this.follow(this.subscription);
  }

  /** The last position every projection has applied. */
  position(): bigint | null {
    return this.checkpoint;
  }

  /** Resolves once the read models reflect every event up to `position` (read-your-writes). */
  waitFor(position: bigint, timeoutMs = 5000): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.checkpoint !== null && this.checkpoint >= position) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter = { position, resolve: () => (clearTimeout(timer), resolve()) };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new ProjectionTimeoutError(position, this.checkpoint, timeoutMs));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  async stop(): Promise<void> {
    await this.subscription?.close();
    await this.running;
  }

  private async follow(subscription: LedgerSubscription): Promise<void> {
    try {
      for await (const event of subscription) await this.apply([event]);
    } catch (error) {
      this.failure = error as Error;
      throw error;
    }
  }

  private async apply(events: RecordedEvent[]): Promise<void> {
    const last = events[events.length - 1].position;
    for (const projection of this.projections) {
      const changes = await this.changesFor(projection, events);
      await this.store.commit(projection.name, changes, last);
    }
    this.checkpoint = last;
    const ready = this.waiters.filter((w) => w.position <= last);
    if (ready.length > 0) {
      this.waiters = this.waiters.filter((w) => w.position > last);
      for (const waiter of ready) waiter.resolve();
    }
  }

  private async changesFor(projection: Projection, events: RecordedEvent[]): Promise<DocumentChange[]> {
    const working = new Map<string, ReadDocument | null>();
    const collection = this.store.collection<ReadDocument>(projection.collection);
    for (const event of events) {
      for (const id of projection.documentsFor(event)) {
        const current = working.has(id) ? working.get(id)! : await collection.findOne({ _id: id });
        if (current && BigInt(current._position) >= event.position) continue;
        const next = projection.evolve(current, event, id);
        working.set(id, next === null ? null : ({ ...next, _id: id, _position: event.position.toString() } as ReadDocument));
      }
    }
    return [...working].map(([id, doc]) => ({ collection: projection.collection, id, doc }));
  }
}
