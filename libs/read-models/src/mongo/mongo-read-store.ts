import { AnyBulkWriteOperation, ClientSession, Db, Document, MongoClient, MongoClientOptions, MongoServerError } from 'mongodb';
import { DocumentChange, Filter, FindOptions, ReadCollection, ReadDocument, ReadStore } from '../read-store.port';

/** Where each projection's checkpoint is kept: `{ _id: projection, position, positionKey }`. */
export const CHECKPOINTS_COLLECTION = 'read_model_checkpoints';
export const DEFAULT_DATABASE = 'lead_ledger';

/**
 * The guard field stored next to `_position`: the same position as a zero-padded 20-digit string,
 * so MongoDB orders positions numerically by plain string comparison (any unsigned 64-bit position
 * fits), in queries and in update pipelines alike. Readers never see it.
 */
const POSITION_KEY = '_positionKey';
/**
 * A deleted document is kept as a tombstone `{ _id, _position, _positionKey, _deleted: true }` so an
 * older write replayed after the delete cannot bring it back. Readers never see tombstones.
 */
const DELETED = '_deleted';
const POSITION_DIGITS = 20;
const NOT_DELETED = { [DELETED]: { $exists: false } };
const HIDDEN_FIELDS = { [POSITION_KEY]: 0 };
const NAMESPACE_NOT_FOUND = 26;

export interface MongoReadStoreOptions {
  /** Database name; default: the URL's path, else `lead_ledger`. */
  dbName?: string;
  /** Passed to the driver's MongoClient (timeouts, pool size, appName…). */
  clientOptions?: MongoClientOptions;
}

/**
 * The MongoDB read store, through the official driver.
 *
 * Every write is idempotent by construction: a document is replaced by an update pipeline that
 * keeps the stored document if it reflects a later global position (`$replaceWith: $cond`), and a
 * delete leaves a tombstone guarded the same way; the checkpoint only moves forward. So a replayed
 * or duplicated batch changes nothing, and the store converges even where multi-document
 * transactions are unavailable. On a replica set (or mongos) a batch and its checkpoint are also
 * committed in one transaction, so readers never see half a batch; on a standalone server the
 * documents are written first and the checkpoint last (a crash in between replays the batch, which
 * the guards make harmless).
 */
export class MongoReadStore implements ReadStore {
  private constructor(
    private readonly client: MongoClient,
    /** The database the read models live in (for blue/green helpers and diagnostics). */
    readonly db: Db,
    /** Whether the server supports multi-document transactions (replica set or sharded cluster). */
    readonly transactional: boolean,
  ) {}

  static async connect(url: string, options: MongoReadStoreOptions = {}): Promise<MongoReadStore> {
    // Undefined fields are left out, as the embedded store leaves them out of JSON answers;
    // the driver would otherwise store them as null.
    const client = new MongoClient(url, { ignoreUndefined: true, ...options.clientOptions });
    await client.connect();
    try {
      const db = client.db(options.dbName ?? databaseInUrl(url) ?? DEFAULT_DATABASE);
      const hello = await db.admin().command({ hello: 1 });
      const transactional = typeof hello.setName === 'string' || hello.msg === 'isdbgrid';
      return new MongoReadStore(client, db, transactional);
    } catch (error) {
      await client.close();
      throw error;
    }
  }

  collection<T extends ReadDocument>(name: string): ReadCollection<T> {
    const collection = this.db.collection<Document>(name);
    return {
      findOne: async (filter: Filter) => (await collection.findOne(visible(filter), { projection: HIDDEN_FIELDS })) as T | null,
      find: async (filter: Filter, options: FindOptions = {}) => {
        if (options.limit === 0) return [];
        // _id breaks ties, so equal sort keys come back in the same order every time.
        const sort = options.sort ? { ...options.sort, ...('_id' in options.sort ? {} : { _id: 1 as const }) } : undefined;
        return (await collection.find(visible(filter), { projection: HIDDEN_FIELDS, sort, limit: options.limit }).toArray()) as unknown as T[];
      },
      count: (filter: Filter) => collection.countDocuments(visible(filter)),
    };
  }

  async ensureIndexes(collection: string, indexes: string[][]): Promise<void> {
    if (indexes.length === 0) return;
    await this.db.collection(collection).createIndexes(indexes.map((fields) => ({ key: Object.fromEntries(fields.map((field) => [field, 1 as const])) })));
  }

  async checkpoint(projection: string): Promise<bigint | null> {
    const stored = await this.db.collection<Document>(CHECKPOINTS_COLLECTION).findOne({ _id: projection as never });
    return stored ? BigInt(stored.position as string) : null;
  }

  async commit(projection: string, changes: DocumentChange[], checkpoint: bigint): Promise<void> {
    const writes = new Map<string, AnyBulkWriteOperation<Document>[]>();
    for (const change of changes) {
      let operations = writes.get(change.collection);
      if (!operations) writes.set(change.collection, (operations = []));
      operations.push(guardedReplace(change.id, change.doc ? stored(change.id, change.doc) : tombstone(change.id, checkpoint)));
    }
    const checkpointDoc = { _id: projection, position: checkpoint.toString(), positionKey: positionKey(checkpoint) };
    const write = async (session?: ClientSession) => {
      for (const [collection, operations] of writes) await this.db.collection(collection).bulkWrite(operations, { ordered: true, session });
      // Last, so without a transaction the checkpoint never gets ahead of the documents.
      await this.db.collection<Document>(CHECKPOINTS_COLLECTION).updateOne({ _id: projection as never }, onlyForward(checkpointDoc, 'positionKey'), { upsert: true, session });
    };
    // A lone checkpoint write is one document: atomic without a transaction.
    if (!this.transactional || writes.size === 0) return write();
    await this.client.withSession((session) => session.withTransaction(() => write(session)));
  }

  /** Drops the collections (documents and indexes) and the projection's checkpoint. */
  async drop(projection: string, collections: string[]): Promise<void> {
    await this.db.collection<Document>(CHECKPOINTS_COLLECTION).deleteOne({ _id: projection as never });
    for (const name of collections) await this.dropCollection(name);
  }

  async ping(): Promise<void> {
    await this.db.command({ ping: 1 });
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  // ---- store-level helpers for blue/green rebuilds and operations (not part of the port) ------

  /** Renames a collection (same database); `dropTarget` replaces an existing target. */
  async renameCollection(from: string, to: string, options: { dropTarget?: boolean } = {}): Promise<void> {
    await this.db.renameCollection(from, to, { dropTarget: options.dropTarget ?? false });
  }

  async collectionNames(): Promise<string[]> {
    return (await this.db.listCollections({}, { nameOnly: true }).toArray()).map((info) => info.name);
  }

  /** The indexes a collection has, as field lists (the `_id` index left out). */
  async indexesOf(collection: string): Promise<string[][]> {
    try {
      const indexes = await this.db.collection(collection).listIndexes().toArray();
      return indexes.filter((index) => index.name !== '_id_').map((index) => Object.keys(index.key as Document));
    } catch (error) {
      if (error instanceof MongoServerError && error.code === NAMESPACE_NOT_FOUND) return [];
      throw error;
    }
  }

  /** Tombstones left by deletes in a collection (they keep replays from resurrecting documents). */
  async tombstones(collection: string): Promise<number> {
    return this.db.collection(collection).countDocuments({ [DELETED]: true });
  }

  private async dropCollection(name: string): Promise<void> {
    try {
      await this.db.collection(name).drop();
    } catch (error) {
      if (!(error instanceof MongoServerError && error.code === NAMESPACE_NOT_FOUND)) throw error;
    }
  }
}

/** The global position as a fixed-width decimal string: string order = numeric order. */
export function positionKey(position: bigint): string {
  if (position < 0n) throw new RangeError(`a global position cannot be negative: ${position}`);
  const digits = position.toString();
  if (digits.length > POSITION_DIGITS) throw new RangeError(`a global position has at most ${POSITION_DIGITS} digits: ${position}`);
  return digits.padStart(POSITION_DIGITS, '0');
}

function positionOfDocument(doc: ReadDocument): bigint {
  if (typeof doc._position !== 'string' || !/^\d+$/.test(doc._position)) throw new TypeError(`document ${doc._id} has no valid _position (a decimal string): ${String(doc._position)}`);
  return BigInt(doc._position);
}

function stored(id: string, doc: ReadDocument): Document {
  return { ...doc, _id: id, [POSITION_KEY]: positionKey(positionOfDocument(doc)) };
}

/** A delete is recorded at the batch's checkpoint: no event of the batch touches the document after it. */
function tombstone(id: string, checkpoint: bigint): Document {
  return { _id: id, _position: checkpoint.toString(), [POSITION_KEY]: positionKey(checkpoint), [DELETED]: true };
}

/**
 * Replaces document `id` with `next` unless the stored one reflects a later position (an equal
 * position is the same state, so rewriting it is harmless). An upsert, in one server-side step.
 */
function guardedReplace(id: string, next: Document): AnyBulkWriteOperation<Document> {
  return { updateOne: { filter: { _id: id as never }, update: onlyForward(next, POSITION_KEY), upsert: true } };
}

function onlyForward(next: Document, keyField: string): Document[] {
  return [
    {
      $replaceWith: {
        // A missing key ('' sorts first) is a document that does not exist yet.
        $cond: [{ $lte: [{ $ifNull: [`$${keyField}`, ''] }, next[keyField]] }, { $literal: next }, '$$ROOT'],
      },
    },
  ];
}

function visible(filter: Filter): Filter {
  return { ...filter, ...NOT_DELETED };
}

/** The database named in a connection string's path (`mongodb://host/db?…`), if any. */
export function databaseInUrl(url: string): string | undefined {
  const match = /^mongodb(?:\+srv)?:\/\/[^/?]*\/([^?]*)/.exec(url);
  const name = match?.[1] ? decodeURIComponent(match[1]) : '';
  return name === '' ? undefined : name;
}
