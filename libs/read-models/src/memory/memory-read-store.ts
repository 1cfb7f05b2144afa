import { Query } from 'mingo';
import { DocumentChange, Filter, FindOptions, ReadCollection, ReadDocument, ReadStore } from '../read-store.port';

type Index = { fields: string[]; entries: Map<string, Set<string>> };

/**
 * The embedded read store: documents in process memory, rebuilt from the ledger on start.
 * Queries use declared indexes when a filter pins every indexed field to one value (as MongoDB
 * would), so a lookup costs the same however many documents the store holds; mingo evaluates
 * the rest of the filter.
 */
export class MemoryReadStore implements ReadStore {
  private readonly collections = new Map<string, MemoryCollection>();
  private readonly checkpoints = new Map<string, bigint>();

  collection<T extends ReadDocument>(name: string): ReadCollection<T> {
    return this.collectionNamed(name) as unknown as ReadCollection<T>;
  }

  async ensureIndexes(collection: string, indexes: string[][]): Promise<void> {
    const target = this.collectionNamed(collection);
    for (const fields of indexes) target.addIndex(fields);
  }

  async checkpoint(projection: string): Promise<bigint | null> {
    return this.checkpoints.get(projection) ?? null;
  }

  async commit(projection: string, changes: DocumentChange[], checkpoint: bigint): Promise<void> {
    // Synchronous from here on: no reader can observe half a batch. Like the MongoDB store, a write
    // older than what is stored is a no-op (a delete counts at the batch's checkpoint), and the
    // checkpoint only moves forward, so replaying a batch changes nothing.
    for (const change of changes) {
      this.collectionNamed(change.collection).put(change.id, change.doc, change.doc ? BigInt(change.doc._position) : checkpoint);
    }
    const current = this.checkpoints.get(projection);
    if (current === undefined || current <= checkpoint) this.checkpoints.set(projection, checkpoint);
  }

  async drop(projection: string, collections: string[]): Promise<void> {
    for (const name of collections) this.collections.get(name)?.clear();
    this.checkpoints.delete(projection);
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {}

  private collectionNamed(name: string): MemoryCollection {
    let collection = this.collections.get(name);
    if (!collection) {
      collection = new MemoryCollection();
      this.collections.set(name, collection);
    }
    return collection;
  }
}

class MemoryCollection implements ReadCollection<ReadDocument> {
  private readonly docs = new Map<string, ReadDocument>();
  /** The position each deleted document was deleted at, so an older write cannot bring it back. */
  private readonly deletedAt = new Map<string, bigint>();
  private readonly indexes: Index[] = [];

  addIndex(fields: string[]): void {
    if (this.indexes.some((index) => index.fields.join() === fields.join())) return;
    const index: Index = { fields, entries: new Map() };
    for (const doc of this.docs.values()) addToIndex(index, doc);
    this.indexes.push(index);
  }

  put(id: string, doc: ReadDocument | null, position: bigint): void {
    const previous = this.docs.get(id);
    const storedPosition = previous ? BigInt(previous._position) : this.deletedAt.get(id);
    if (storedPosition !== undefined && storedPosition > position) return;
    if (previous) for (const index of this.indexes) removeFromIndex(index, previous);
    if (doc === null) {
      this.docs.delete(id);
      this.deletedAt.set(id, position);
      return;
    }
    this.deletedAt.delete(id);
    // Stored frozen copies: a caller can never mutate the store by editing what a query returned.
    const stored = deepFreeze(structuredClone(doc));
    this.docs.set(id, stored);
    for (const index of this.indexes) addToIndex(index, stored);
  }

  clear(): void {
    this.docs.clear();
    this.deletedAt.clear();
    for (const index of this.indexes) index.entries.clear();
  }

  async findOne(filter: Filter): Promise<ReadDocument | null> {
    return this.match(filter, 1)[0] ?? null;
  }

  async find(filter: Filter, options: FindOptions = {}): Promise<ReadDocument[]> {
    let found = this.match(filter, options.sort ? Infinity : (options.limit ?? Infinity));
    if (options.sort) {
      const sort = Object.entries(options.sort);
      found = [...found].sort((a, b) => {
        for (const [field, direction] of sort) {
          const x = valueAt(a, field) as never;
          const y = valueAt(b, field) as never;
          if (x < y) return -direction;
          if (x > y) return direction;
        }
        return 0;
      });
      if (options.limit !== undefined) found = found.slice(0, options.limit);
    }
    return found;
  }

  async count(filter: Filter): Promise<number> {
    return this.match(filter, Infinity).length;
  }

  private match(filter: Filter, limit: number): ReadDocument[] {
    const test = compile(filter);
    const out: ReadDocument[] = [];
    for (const doc of this.candidates(filter)) {
      if (test(doc)) {
        out.push(doc);
        if (out.length >= limit) break;
      }
    }
    return out;
  }

  /** The smallest set of documents the filter can match, from _id or an index, else all. */
  private candidates(filter: Filter): Iterable<ReadDocument> {
    const id = filter._id;
    if (typeof id === 'string') {
      const doc = this.docs.get(id);
      return doc ? [doc] : [];
    }
    if (isInOperator(id)) return id.$in.map((one) => this.docs.get(String(one))).filter((doc): doc is ReadDocument => !!doc);
    for (const index of this.indexes) {
      if (index.fields.every((field) => isScalar(filter[field]))) {
        const ids = index.entries.get(indexKey(index.fields.map((field) => filter[field])));
        return ids ? [...ids].map((one) => this.docs.get(one)!) : [];
      }
    }
    return this.docs.values();
  }
}

/**
 * A filter of plain equalities (the common case: by id, by month and market) is tested directly,
 * with MongoDB's semantics for array fields (equal to any element); anything else goes to mingo.
 */
function compile(filter: Filter): (doc: ReadDocument) => boolean {
  const entries = Object.entries(filter);
  if (entries.every(([key, value]) => !key.startsWith('$') && !key.includes('.') && isScalar(value))) {
    return (doc) =>
      entries.every(([key, expected]) => {
        const actual = valueAt(doc, key);
        return Array.isArray(actual) ? actual.includes(expected) : actual === expected;
      });
  }
  const query = new Query(filter);
  return (doc) => query.test(doc);
}

function addToIndex(index: Index, doc: ReadDocument): void {
  for (const key of indexKeysOf(index, doc)) {
    let ids = index.entries.get(key);
    if (!ids) index.entries.set(key, (ids = new Set()));
    ids.add(doc._id);
  }
}

function removeFromIndex(index: Index, doc: ReadDocument): void {
  for (const key of indexKeysOf(index, doc)) {
    const ids = index.entries.get(key);
    ids?.delete(doc._id);
    if (ids?.size === 0) index.entries.delete(key);
  }
}

/** Like a MongoDB multikey index: an array field is indexed under each of its elements. */
function indexKeysOf(index: Index, doc: ReadDocument): string[] {
  let combinations: unknown[][] = [[]];
  for (const field of index.fields) {
    const value = valueAt(doc, field);
    const values = Array.isArray(value) ? (value.length > 0 ? [...new Set(value)] : [undefined]) : [value];
    combinations = combinations.flatMap((prefix) => values.map((one) => [...prefix, one]));
  }
  return combinations.map(indexKey);
}

const indexKey = (values: unknown[]) => JSON.stringify(values);
const isScalar = (value: unknown) => typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
const isInOperator = (value: unknown): value is { $in: unknown[] } =>
  typeof value === 'object' && value !== null && Object.keys(value).length === 1 && Array.isArray((value as { $in?: unknown }).$in);

function valueAt(doc: object, path: string): unknown {
  let value: unknown = doc;
  for (const part of path.split('.')) value = (value as Record<string, unknown> | undefined)?.[part];
  return value;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
