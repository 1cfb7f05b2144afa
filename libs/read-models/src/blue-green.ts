import { Ledger } from '@lead-ledger/ledger/ledger.port';
import { ALIASES_COLLECTION, ReadModelAlias, readAliases, targetOf } from './aliases';
import { Projection } from './projection';
import { CommittedBatch, Projector, ProjectorLogger } from './projector';
import { ReadStore } from './read-store.port';

export interface BlueGreenRebuildOptions {
  ledger: Ledger;
  /** The store itself (not an AliasedReadStore): the rebuild writes physical collections. */
  store: ReadStore;
  projection: Projection;
  /** How long the old collection is kept after the switch, for readers still holding the old alias (default 5 s). */
  graceMs?: number;
  batchSize?: number;
  onBatch?: (batch: CommittedBatch) => void;
  logger?: ProjectorLogger;
}

export interface BlueGreenRebuildResult {
  projection: string;
  /** The physical collection readers used before, now dropped. */
  from: string;
  /** The freshly built physical collection readers use now. */
  to: string;
  generation: number;
  /** The position the new collection had reached at the switch. */
  checkpoint: bigint | null;
  documents: number;
  ms: number;
}

/**
 * Rebuilds one projection blue/green: builds it from position 0 into a new physical collection
 * (`<collection>__rebuild_<generation>`) while readers keep using the current one, catches up to
 * the head, then switches readers with one alias write (atomic) and, after a grace period, drops
 * the old collection and its checkpoint. Nothing is migrated in place.
 *
 * A running projector app notices the switch at its next batch and continues from the new
 * collection's checkpoint; events it committed to the old collection in between are simply dropped
 * with it. Run one rebuild of a projection at a time.
 */
export async function rebuildBlueGreen(options: BlueGreenRebuildOptions): Promise<BlueGreenRebuildResult> {
  const { ledger, store, projection } = options;
  const started = performance.now();
  const aliases = await readAliases(store);
  const current = targetOf(projection, aliases);
  const generation = (aliases.get(projection.collection)?.generation ?? 0) + 1;
  const next = `${projection.collection}__rebuild_${generation}`;
  // Leftovers of an interrupted rebuild of the same generation are never reused.
  await store.drop(next, [next]);

  const builder = new Projector(ledger, store, [projection], {
    batchSize: options.batchSize,
    onBatch: options.onBatch,
    logger: options.logger,
    targets: { [projection.name]: next },
  });
  await builder.catchUpOnce();
  // Switch only once the new collection is at least where the old one is, so readers do not step
  // back (a live projector may have moved the old one on meanwhile; a few rounds at most).
  for (let round = 0; round < 10; round++) {
    const old = await store.checkpoint(current.checkpointKey);
    const built = await store.checkpoint(next);
    if (old === null || (built !== null && built >= old)) break;
    await builder.catchUpOnce();
  }
  const checkpoint = await store.checkpoint(next);

  const alias: ReadModelAlias = {
    _id: projection.collection,
    _position: (checkpoint ?? 0n).toString(),
    target: next,
    generation,
    previous: current.collection,
    switchedAt: new Date().toISOString(),
  };
  await store.commit(`${ALIASES_COLLECTION}:${projection.collection}`, [{ collection: ALIASES_COLLECTION, id: alias._id, doc: alias }], checkpoint ?? 0n);
  options.logger?.log(`${projection.collection}: readers switched from ${current.collection} to ${next} at position ${checkpoint ?? 'none'}`);

  await new Promise((resolve) => setTimeout(resolve, options.graceMs ?? 5000));
  await store.drop(current.checkpointKey, [current.collection]);
  return {
    projection: projection.name,
    from: current.collection,
    to: next,
    generation,
    checkpoint,
    documents: await store.collection(next).count({}),
    ms: performance.now() - started,
  };
}
