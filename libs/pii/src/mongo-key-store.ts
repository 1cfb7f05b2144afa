import { Collection, MongoClient, MongoServerError } from 'mongodb';
import { DataKeyRecord, DataKeyStore, ErasureNote } from './key-store.port';

type KeyDoc = Omit<DataKeyRecord, 'keyId'> & { _id: string };

const DUPLICATE_KEY = 11000;

/**
 * The key store in MongoDB (collection `pii_data_keys`), for deployments whose read models are
 * there too. A destroy sets the wrapped key to null; MongoDB's journal, oplog and backups may keep
 * older copies for a while (SECURITY.md).
 */
export class MongoDataKeyStore implements DataKeyStore {
  private constructor(
    private readonly client: MongoClient | null,
    private readonly keys: Collection<KeyDoc>,
  ) {}

  /** Connects (owning the client) and makes sure the borrower index exists. */
  static async connect(url: string, databaseName?: string): Promise<MongoDataKeyStore> {
    const client = new MongoClient(url);
    await client.connect();
    return MongoDataKeyStore.on(client.db(databaseName).collection<KeyDoc>('pii_data_keys'), client);
  }

  static async on(collection: Collection<KeyDoc>, owned: MongoClient | null = null): Promise<MongoDataKeyStore> {
    await collection.createIndex({ borrowerRef: 1, createdAt: 1 });
    return new MongoDataKeyStore(owned, collection);
  }

  async insert(record: Omit<DataKeyRecord, 'destroyedAt' | 'erasure' | 'recordedAt'>): Promise<boolean> {
    const { keyId, ...rest } = record;
    try {
      await this.keys.insertOne({ _id: keyId, ...rest, destroyedAt: null, erasure: null, recordedAt: null });
      return true;
    } catch (error) {
      if (error instanceof MongoServerError && error.code === DUPLICATE_KEY) return false;
      throw error;
    }
  }

  async get(keyId: string): Promise<DataKeyRecord | null> {
    const doc = await this.keys.findOne({ _id: keyId });
    return doc ? recordOf(doc) : null;
  }

  async keysOf(borrowerRef: string): Promise<DataKeyRecord[]> {
    return (await this.keys.find({ borrowerRef }).sort({ createdAt: 1, _id: 1 }).toArray()).map(recordOf);
  }

  async destroy(borrowerRef: string, erasure: ErasureNote, at: string, onlyKeyIds?: string[]): Promise<string[]> {
    const filter = onlyKeyIds === undefined ? { borrowerRef, destroyedAt: null } : { borrowerRef, destroyedAt: null, _id: { $in: onlyKeyIds } };
    const live = await this.keys.find(filter, { projection: { _id: 1 } }).toArray();
    const destroyed: string[] = [];
    for (const { _id } of live) {
      // Guarded by destroyedAt: of two concurrent erasures each key is destroyed (and reported) once.
      const result = await this.keys.updateOne({ _id, destroyedAt: null }, { $set: { wrappedKey: null, destroyedAt: at, erasure } });
      if (result.modifiedCount === 1) destroyed.push(_id);
    }
    return destroyed;
  }

  async markRecorded(keyIds: string[], at: string): Promise<void> {
    if (keyIds.length > 0) await this.keys.updateMany({ _id: { $in: keyIds }, recordedAt: null }, { $set: { recordedAt: at } });
  }

  async unrecorded(): Promise<DataKeyRecord[]> {
    return (await this.keys.find({ destroyedAt: { $ne: null }, recordedAt: null }).sort({ destroyedAt: 1, _id: 1 }).toArray()).map(recordOf);
  }

  async *liveKeys(): AsyncIterable<DataKeyRecord> {
    for await (const doc of this.keys.find({ destroyedAt: null }).sort({ _id: 1 })) yield recordOf(doc);
  }

  async close(): Promise<void> {
    await this.client?.close();
  }
}

function recordOf({ _id, ...rest }: KeyDoc): DataKeyRecord {
  return {
    keyId: _id,
    borrowerRef: rest.borrowerRef,
    wrappedKey: rest.wrappedKey ?? null,
    wrappedBy: rest.wrappedBy,
    createdAt: rest.createdAt,
    destroyedAt: rest.destroyedAt ?? null,
    erasure: rest.erasure ?? null,
    recordedAt: rest.recordedAt ?? null,
  };
}
