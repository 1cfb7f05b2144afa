import { Ledger, LedgerSubscription, RecordedEvent } from '@lead-ledger/ledger/ledger.port';
import { ProjectionTarget, readAliases, ReadModelAlias, targetOf } from './aliases';
import { Projection } from './projection';
import { DocumentChange, ReadDocument, ReadStore } from './read-store.port';

export class ProjectionTimeoutError extends Error {
  constructor(readonly position: bigint, readonly checkpoint: bigint | null, timeoutMs: number) {
    super(`read models did not reach position ${position} within ${timeoutMs} ms (at ${checkpoint ?? 'nothing'})`);
    this.name = 'ProjectionTimeoutError';
  }
}

/** How far the read models are behind the ledger. */
export interface ProjectionLag {
  /** head − checkpoint, in global positions (0 when caught up). */
  events: number;
  /** Age of the oldest event not yet projected, by its recordedAt (0 when caught up). */
  seconds: number;
  checkpoint: string | null;
  head: string | null;
}

export interface ProjectorLogger {
  log(message: string): void;
  warn(message: string): void;
}

export interface CommittedBatch {
  events: number;
  position: bigint;
  /** Time to compute and commit the batch, every projection included. */
  ms: number;
}

export interface ProjectorOptions {
  /** Events per committed batch while catching up (default 1000). Live events are committed one by one. */
  batchSize?: number;
  /** Backoff after a failure: doubles from `initialMs` up to `maxMs` (defaults 100 ms, 10 s). */
  backoff?: { initialMs: number; maxMs: number };
  /** When caught up live but this many positions behind the head, go back to batched catch-up (default batchSize). */
  liveLagForBatching?: number;
  /** How often, while live, it compares its checkpoint with the head (default 1000 ms). */
  headCheckEveryMs?: number;
  logger?: ProjectorLogger;
  /** Called after every committed batch (metrics). */
  onBatch?: (batch: CommittedBatch) => void;
  /**
   * Write into these physical collections (projection name → collection) instead of following the
   * blue/green aliases; a rebuild uses it to build into a fresh collection.
   */
  targets?: Record<string, string>;
}

const DEFAULTS = { batchSize: 1000, backoff: { initialMs: 100, maxMs: 10_000 } };
const HEAD_CHECK_EVERY_MS = 1000;

/** Thrown inside the loop when a rebuild switched an alias: reload targets and checkpoints, no backoff. */
class ReadModelsSwitched extends Error {}

/**
 * Runs projections over the global log, strictly in position order, through the same code whether
 * catching up (pages of `batchSize` events, one commit per projection per page) or live (one event
 * at a time, from a `for await` over the subscription: never concurrent handlers).
 *
 * Exactly-once effect, with at-least-once delivery: each projection's documents are committed
 * together with its checkpoint (ReadStore.commit is atomic), an event at or below a projection's
 * checkpoint is skipped, and every document also carries the position it reflects, so a replay or
 * a duplicate delivery changes nothing. Any failure (ledger, subscription, store) is logged and the
 * loop resumes from the committed checkpoints after a bounded exponential backoff, so a lost
 * connection can neither skip nor double-apply an event.
 */
export class Projector {
  private readonly batchSize: number;
  private readonly backoff: { initialMs: number; maxMs: number };
  private readonly logger: ProjectorLogger;
  private checkpoint: bigint | null = null;
  private readonly checkpoints = new Map<string, bigint | null>();
  private targets = new Map<string, ProjectionTarget>();
  private aliasSignature = '';
  private subscription: LedgerSubscription | null = null;
  private waiters: Array<{ position: bigint; resolve: () => void }> = [];
  private loop: Promise<void> | null = null;
  private stopping = false;
  private wakeFromBackoff: (() => void) | null = null;
  private caughtUpOnce = false;
  private failures = 0;
  private lastError: Error | null = null;
  private headCheckedAt = 0;

  constructor(
    private readonly ledger: Ledger,
    private readonly store: ReadStore,
    private readonly projections: Projection[],
    private readonly options: ProjectorOptions = {},
  ) {
    this.batchSize = options.batchSize ?? DEFAULTS.batchSize;
    this.backoff = options.backoff ?? DEFAULTS.backoff;
    this.logger = options.logger ?? { log: () => {}, warn: (message) => console.warn(message) };
  }

  /**
   * Catches up to the head of the log, then keeps following it in the background. With
   * `retryUntilCaughtUp` false (the embedded API) a failure before the first catch-up rejects, so a
   * broken ledger stops the boot; the projector app retries instead.
   */
  start({ retryUntilCaughtUp = false }: { retryUntilCaughtUp?: boolean } = {}): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.loop = this.run({ caughtUp: resolve, failed: retryUntilCaughtUp ? null : reject });
    });
  }

  /** Catches up to the head as it is now, once, and returns (a rebuild's use; no live tail, no retry). */
  async catchUpOnce(): Promise<void> {
    await this.load();
    await this.catchUp();
  }

  /** The last position every projection has applied (in this process). */
  position(): bigint | null {
    return this.checkpoint;
  }

  /** Consecutive failures since the last successful batch, and the last error (for health and logs). */
  health(): { caughtUpOnce: boolean; failures: number; lastError: string | null } {
    return { caughtUpOnce: this.caughtUpOnce, failures: this.failures, lastError: this.lastError?.message ?? null };
  }

  lag(): Promise<ProjectionLag> {
    return projectionLag(this.ledger, this.checkpoint);
  }

  /** Resolves once the read models reflect every event up to `position` (read-your-writes). */
  waitFor(position: bigint, timeoutMs = 5000): Promise<void> {
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

  /** Lets the batch under way finish and commit, then stops. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wakeFromBackoff?.();
    await this.subscription?.close();
    await this.loop?.catch(() => {});
  }

  private async run(first: { caughtUp: () => void; failed: ((error: Error) => void) | null }): Promise<void> {
    while (!this.stopping) {
      try {
        await this.load();
        await this.catchUp();
        if (this.stopping) break;
        if (!this.caughtUpOnce) {
          this.caughtUpOnce = true;
          first.caughtUp();
        }
        const behind = await this.followLive();
        // Falling behind goes back to paging; a subscription that just ends is a lost connection.
        if (!behind && !this.stopping) throw new Error('the ledger subscription ended');
      } catch (error) {
        if (this.stopping) break;
        if (error instanceof ReadModelsSwitched) {
          this.logger.log(`projector: ${error.message}; resuming from the new targets' checkpoints`);
          continue;
        }
        this.lastError = error as Error;
        if (!this.caughtUpOnce && first.failed) {
          first.failed(error as Error);
          return;
        }
        this.failures += 1;
        const delay = Math.min(this.backoff.maxMs, this.backoff.initialMs * 2 ** Math.min(this.failures - 1, 30));
        this.logger.warn(
          `projector: ${(error as Error).message} (failure ${this.failures}); resuming from checkpoint ${this.checkpoint ?? 'none'} in ${delay} ms`,
        );
        await this.sleep(delay);
      }
    }
    if (!this.caughtUpOnce) first.caughtUp();
  }

  /** Reads where each projection writes and how far its committed checkpoint is. */
  private async load(): Promise<void> {
    const aliases = await this.aliases();
    this.aliasSignature = signatureOf(aliases);
    this.targets = new Map(
      this.projections.map((projection) => {
        const forced = this.options.targets?.[projection.name];
        return [projection.name, forced ? { collection: forced, checkpointKey: forced } : targetOf(projection, aliases)];
      }),
    );
    for (const projection of this.projections) {
      const target = this.targets.get(projection.name)!;
      await this.store.ensureIndexes(target.collection, projection.indexes);
      this.checkpoints.set(projection.name, await this.store.checkpoint(target.checkpointKey));
    }
    // The loop restarts from the lowest checkpoint; projections that are further on skip what they have.
    this.checkpoint = lowest([...this.checkpoints.values()]);
  }

  private async catchUp(): Promise<void> {
    while (!this.stopping) {
      const page = await this.ledger.readAll({ after: this.checkpoint ?? undefined, maxCount: this.batchSize });
      if (page.length === 0) return;
      await this.apply(page);
    }
  }

  /** Applies live events one by one; true when it stopped because it fell behind. */
  private async followLive(): Promise<boolean> {
    const subscription = this.ledger.subscribeToAll({ after: this.checkpoint ?? undefined });
    this.subscription = subscription;
    try {
      if (this.stopping) return false;
      for await (const event of subscription) {
        await this.apply([event]);
        if (this.stopping) return false;
        if (await this.fallenBehind()) return true;
      }
      return false;
    } finally {
      this.subscription = null;
      await subscription.close();
    }
  }

  /** One commit per event is slow when far behind (a burst of writes): page through them instead. */
  private async fallenBehind(): Promise<boolean> {
    const now = performance.now();
    if (now - this.headCheckedAt < (this.options.headCheckEveryMs ?? HEAD_CHECK_EVERY_MS)) return false;
    this.headCheckedAt = now;
    const head = await this.ledger.headPosition();
    return head !== null && this.checkpoint !== null && head - this.checkpoint > BigInt(this.options.liveLagForBatching ?? this.batchSize);
  }

  private async apply(events: RecordedEvent[]): Promise<void> {
    const started = performance.now();
    if (!this.options.targets) {
      const aliases = await this.aliases();
      if (signatureOf(aliases) !== this.aliasSignature) throw new ReadModelsSwitched('a read model was switched to a rebuilt collection');
    }
    const last = events[events.length - 1].position;
    for (const projection of this.projections) {
      const done = this.checkpoints.get(projection.name) ?? null;
      const pending = done === null ? events : events.filter((event) => event.position > done);
      if (pending.length === 0) continue;
      const target = this.targets.get(projection.name)!;
      const changes = await this.changesFor(projection, target.collection, pending);
      // The checkpoint moves even when nothing changed: a reader waiting for a position must see it.
      await this.store.commit(target.checkpointKey, changes, last);
      this.checkpoints.set(projection.name, last);
    }
    this.checkpoint = lowest([...this.checkpoints.values()]);
    this.failures = 0;
    this.lastError = null;
    this.options.onBatch?.({ events: events.length, position: last, ms: performance.now() - started });
    const ready = this.waiters.filter((w) => w.position <= last);
    if (ready.length > 0) {
      this.waiters = this.waiters.filter((w) => w.position > last);
      for (const waiter of ready) waiter.resolve();
    }
  }

  private async changesFor(projection: Projection, collectionName: string, events: RecordedEvent[]): Promise<DocumentChange[]> {
    const touched = events.map((event) => projection.documentsFor(event));
    const ids = [...new Set(touched.flat())];
    if (ids.length === 0) return [];
    // One query for every document the batch touches, not one per event.
    const collection = this.store.collection<ReadDocument>(collectionName);
    const working = new Map<string, ReadDocument | null>((await collection.find({ _id: { $in: ids } })).map((doc) => [doc._id, doc]));
    const changed = new Set<string>();
    events.forEach((event, i) => {
      for (const id of touched[i]) {
        const current = working.get(id) ?? null;
        if (current && BigInt(current._position) >= event.position) continue;
        const next = projection.evolve(current, event, id);
        working.set(id, next === null ? null : ({ ...next, _id: id, _position: event.position.toString() } as ReadDocument));
        changed.add(id);
      }
    });
    return [...changed].map((id) => ({ collection: collectionName, id, doc: working.get(id) ?? null }));
  }

  private async aliases(): Promise<Map<string, ReadModelAlias>> {
    return this.options.targets ? new Map() : readAliases(this.store);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.wakeFromBackoff = null;
        resolve();
      }, ms);
      this.wakeFromBackoff = () => {
        clearTimeout(timer);
        this.wakeFromBackoff = null;
        resolve();
      };
    });
  }
}

/** Lag of read models at `checkpoint` behind the ledger's head, in positions and in seconds. */
export async function projectionLag(ledger: Ledger, checkpoint: bigint | null): Promise<ProjectionLag> {
  const head = await ledger.headPosition();
  const status = { checkpoint: checkpoint?.toString() ?? null, head: head?.toString() ?? null };
  if (head === null || (checkpoint !== null && checkpoint >= head)) return { events: 0, seconds: 0, ...status };
  const [oldest] = await ledger.readAll({ after: checkpoint ?? undefined, maxCount: 1 });
  const seconds = oldest ? Math.max(0, (Date.now() - Date.parse(oldest.recordedAt)) / 1000) : 0;
  return { events: Number(head - (checkpoint ?? 0n)), seconds, ...status };
}

function lowest(checkpoints: Array<bigint | null>): bigint | null {
  let min: bigint | null = null;
  for (const [i, checkpoint] of checkpoints.entries()) {
    if (checkpoint === null) return null;
    if (i === 0 || checkpoint < min!) min = checkpoint;
  }
  return min;
}

const signatureOf = (aliases: Map<string, ReadModelAlias>) =>
  [...aliases.values()]
    .map((alias) => `${alias._id}=${alias.target}`)
    .sort()
    .join(',');
