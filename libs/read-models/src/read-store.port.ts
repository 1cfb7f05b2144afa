/**
 * The read-model store port. Projections write documents through it; queries read them. Filters are
 * MongoDB query documents (a subset: equality, dotted paths, $in, $ne, $gte/$lte/$gt/$lt, $exists),
 * so the MongoDB adapter passes them straight to the driver and the embedded store evaluates them
 * with mingo.
 */
export type Filter = Record<string, unknown>;
export type Sort = Record<string, 1 | -1>;

export interface ReadDocument {
  _id: string;
  /** The global position of the last event applied to this document; guards replays. */
  _position: string;
}

export interface FindOptions {
  sort?: Sort;
  limit?: number;
}

export interface ReadCollection<T extends ReadDocument> {
  findOne(filter: Filter): Promise<T | null>;
  find(filter: Filter, options?: FindOptions): Promise<T[]>;
  count(filter: Filter): Promise<number>;
}

/** One document's new state (or null to delete it), written by a projection. */
export interface DocumentChange {
  collection: string;
  id: string;
  doc: ReadDocument | null;
}

export interface ReadStore {
  collection<T extends ReadDocument>(name: string): ReadCollection<T>;
  /** Declares the indexes a collection's queries need (field lists, in order). Idempotent. */
  ensureIndexes(collection: string, indexes: string[][]): Promise<void>;
  /** The last global position a projection has applied, or null if it has applied nothing. */
  checkpoint(projection: string): Promise<bigint | null>;
  /** Applies the changes and moves the projection's checkpoint, atomically. */
  commit(projection: string, changes: DocumentChange[], checkpoint: bigint): Promise<void>;
  /** Removes a projection's collection and checkpoint (for a rebuild). */
  drop(projection: string, collections: string[]): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
