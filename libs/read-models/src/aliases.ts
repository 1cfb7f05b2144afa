import { Projection } from './projection';
import { DocumentChange, Filter, FindOptions, ReadCollection, ReadDocument, ReadStore } from './read-store.port';

/**
 * Blue/green read models. A projection's `collection` is its logical name (`leads_v1`); the
 * documents live in a physical collection, which is the logical name itself until a rebuild builds
 * a fresh one (`leads_v1__rebuild_2`) and points the logical name at it with one alias document in
 * this collection. Readers and the projector resolve names through the alias documents, so the
 * switch is a single-document write: atomic for every reader.
 */
export const ALIASES_COLLECTION = 'read_model_aliases';
/** The checkpoint key alias switches are committed under (the port commits changes with a checkpoint). */
export const ALIASES_CHECKPOINT = 'read_model_aliases';

export type ReadModelAlias = ReadDocument & {
  /** The physical collection readers use for this logical collection. */
  target: string;
  /** Bumped by every rebuild; names the next physical collection. */
  generation: number;
  /** The physical collection the switch replaced (dropped after a grace period). */
  previous: string;
  switchedAt: string;
};

/** Where one projection's documents and checkpoint live right now. */
export interface ProjectionTarget {
  collection: string;
  checkpointKey: string;
}

export async function readAliases(store: ReadStore): Promise<Map<string, ReadModelAlias>> {
  const docs = await store.collection<ReadModelAlias>(ALIASES_COLLECTION).find({});
  return new Map(docs.map((doc) => [doc._id, doc]));
}

/**
 * Un-rebuilt projections keep their original checkpoint key (the projection's name); a rebuilt one
 * is checkpointed under its physical collection, so the old and the new never share a checkpoint.
 */
export function targetOf(projection: Projection, aliases: Map<string, ReadModelAlias>): ProjectionTarget {
  const alias = aliases.get(projection.collection);
  return alias ? { collection: alias.target, checkpointKey: alias.target } : { collection: projection.collection, checkpointKey: projection.name };
}

/**
 * The lowest checkpoint over the projections' current targets: the position every read model has
 * reached in the store, whoever projects into it (this process or the projector app).
 */
export async function storedCheckpoint(store: ReadStore, projections: Projection[], aliases?: Map<string, ReadModelAlias>): Promise<bigint | null> {
  aliases ??= await readAliases(store);
  let lowest: bigint | null = null;
  for (const [i, projection] of projections.entries()) {
    const checkpoint = await store.checkpoint(targetOf(projection, aliases).checkpointKey);
    if (checkpoint === null) return null;
    if (i === 0 || checkpoint < lowest!) lowest = checkpoint;
  }
  return lowest;
}

/**
 * A ReadStore for readers that resolves logical collection names through the alias documents. The
 * aliases are cached for `refreshMs` (a rebuild waits longer than that before dropping the old
 * collection, so a reader with a cached alias never reads a dropped one); `refresh()` forces a read.
 */
export class AliasedReadStore implements ReadStore {
  private aliases = new Map<string, ReadModelAlias>();
  private readAt = -Infinity;
  private reading: Promise<void> | null = null;

  constructor(
    readonly inner: ReadStore,
    private readonly refreshMs = 1000,
  ) {}

  collection<T extends ReadDocument>(name: string): ReadCollection<T> {
    const physical = async () => this.inner.collection<T>(await this.resolve(name));
    return {
      findOne: async (filter: Filter) => (await physical()).findOne(filter),
      find: async (filter: Filter, options?: FindOptions) => (await physical()).find(filter, options),
      count: async (filter: Filter) => (await physical()).count(filter),
    };
  }

  /** Re-reads the alias documents now, and returns what readers will use from here on. */
  async refresh(): Promise<Map<string, ReadModelAlias>> {
    this.reading ??= readAliases(this.inner)
      .then((aliases) => {
        this.aliases = aliases;
        this.readAt = performance.now();
      })
      .finally(() => (this.reading = null));
    await this.reading;
    return this.aliases;
  }

  async resolve(name: string): Promise<string> {
    if (name === ALIASES_COLLECTION) return name;
    if (performance.now() - this.readAt > this.refreshMs) await this.refresh();
    return this.aliases.get(name)?.target ?? name;
  }

  ensureIndexes(collection: string, indexes: string[][]): Promise<void> {
    return this.inner.ensureIndexes(collection, indexes);
  }
  checkpoint(projection: string): Promise<bigint | null> {
    return this.inner.checkpoint(projection);
  }
  commit(projection: string, changes: DocumentChange[], checkpoint: bigint): Promise<void> {
    return this.inner.commit(projection, changes, checkpoint);
  }
  drop(projection: string, collections: string[]): Promise<void> {
    return this.inner.drop(projection, collections);
  }
  ping(): Promise<void> {
    return this.inner.ping();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}
