import { Ledger, LedgerSubscription, ReadAllOptions, RecordedEvent } from '@lead-ledger/ledger/ledger.port';
import { Projection } from './projection';
import { Projector } from './projector';
import { ReadStore } from './read-store.port';

export interface RebuildProgress {
  /** Events read from the ledger and applied to every projection so far. */
  events: number;
  /** The global position reached (null before the first event). */
  position: bigint | null;
  /** The position the rebuild runs to: the ledger's head when it started (null: empty ledger). */
  head: bigint | null;
  /** position ÷ head, from 0 to 1 (1 for an empty ledger). Positions may have gaps (EventStoreDB), so this is the honest progress measure, not events ÷ anything. */
  ratio: number;
}

export interface RebuildOptions {
  ledger: Ledger;
  /** The store to build into. Blue/green: pass a fresh store, swap it in when this resolves. */
  store: ReadStore;
  projections: Projection[];
  /** Called after every page of events is applied, and once at the end. */
  onProgress?: (progress: RebuildProgress) => void;
  /** Stop early; the store is then left partly built (and says so in its checkpoints). */
  signal?: AbortSignal;
  /** Events per committed batch (default 1000). */
  batchSize?: number;
}

export interface RebuildResult {
  events: number;
  /** The position the read models now reflect (the ledger's head when the rebuild started). */
  head: bigint | null;
  ms: number;
  projections: Array<{ name: string; collection: string; documents: number; checkpoint: bigint | null }>;
}

/**
 * Drops every given projection from `store` and rebuilds it from position 0 up to the ledger's
 * head as it was when the rebuild started. Events are applied by the same Projector the API runs
 * (the same batching, the same position guards), so the result is the live read models, document
 * for document. Appends made during the rebuild are left out; a Projector started afterwards on
 * the same store continues from the checkpoints and picks them up.
 */
export async function rebuildReadModels({ ledger, store, projections, onProgress, signal, batchSize }: RebuildOptions): Promise<RebuildResult> {
  const started = performance.now();
  const head = await ledger.headPosition();
  for (const projection of projections) await store.drop(projection.name, [projection.collection]);
  let events = 0;
  let position: bigint | null = null;
  const report = () => onProgress?.({ events, position, head, ratio: head === null || head === 0n ? 1 : Number(position ?? 0n) / Number(head) });
  if (head !== null) {
    // The projector reads pages through this view of the ledger: capped at `head` and counted.
    const capped = new CappedLedger(ledger, head, (page) => {
      signal?.throwIfAborted();
      if (page.length > 0) {
        // `page` is applied right after this; report what has been applied before it.
        report();
        events += page.length;
        position = page[page.length - 1].position;
      }
    });
    const projector = new Projector(capped, store, projections, { batchSize });
    await projector.catchUpOnce();
  } else {
    for (const projection of projections) await store.ensureIndexes(projection.collection, projection.indexes);
  }
  report();
  const counts = [];
  for (const projection of projections) {
    counts.push({
      name: projection.name,
      collection: projection.collection,
      documents: await store.collection(projection.collection).count({}),
      checkpoint: await store.checkpoint(projection.name),
    });
  }
  return { events, head, ms: performance.now() - started, projections: counts };
}

/** Reads only: readAll up to `head`, an already-finished subscription. Appends are refused. */
class CappedLedger implements Ledger {
  constructor(
    private readonly inner: Ledger,
    private readonly head: bigint,
    private readonly onPage: (page: RecordedEvent[]) => void,
  ) {}

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    if (options.after !== undefined && options.after >= this.head) {
      this.onPage([]);
      return [];
    }
    const page = await this.inner.readAll(options);
    let n = page.length;
    while (n > 0 && page[n - 1].position > this.head) n -= 1;
    const capped = n === page.length ? page : page.slice(0, n);
    this.onPage(capped);
    return capped;
  }

  subscribeToAll(): LedgerSubscription {
    const ended = (async function* (): AsyncGenerator<RecordedEvent> {})();
    return { [Symbol.asyncIterator]: () => ended, close: async () => {} };
  }

  headPosition(): Promise<bigint | null> {
    return Promise.resolve(this.head);
  }

  append(): never {
    throw new Error('a read-model rebuild never appends to the ledger');
  }

  readStream(...args: Parameters<Ledger['readStream']>) {
    return this.inner.readStream(...args);
  }

  streamRevision(stream: string) {
    return this.inner.streamRevision(stream);
  }

  ping() {
    return this.inner.ping();
  }

  async close(): Promise<void> {
    // The caller owns the ledger.
  }
}
