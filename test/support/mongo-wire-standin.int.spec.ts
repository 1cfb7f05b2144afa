import { spawn } from 'node:child_process';
import { once } from 'node:events';
import * as path from 'node:path';
import { CommandStartedEvent, Document, MongoBulkWriteError, MongoClient, MongoServerError, ObjectId } from 'mongodb';
import { MongoStandin, startMongoStandin } from './mongo-wire-standin';

jest.setTimeout(60_000);

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the tests store documents of any shape
type Loose = { _id?: string | number | ObjectId; [field: string]: any };

/**
 * The stand-in's own contract, driven through the official driver: what it must do like mongod
 * for the read store (and the other users of it) to be tested faithfully.
 */
describe('MongoDB wire stand-in, through the official driver', () => {
  let standin: MongoStandin;
  let client: MongoClient;
  const commands: CommandStartedEvent[] = [];
  let run = 0;
  const fresh = () => client.db('standin').collection<Loose>(`c${++run}`);
  const failCommand = (mode: unknown, data: Document = {}) => client.db('admin').command({ configureFailPoint: 'failCommand', mode, data });

  beforeAll(async () => {
    standin = await startMongoStandin();
    client = new MongoClient(standin.url, { monitorCommands: true });
    client.on('commandStarted', (event) => commands.push(event));
    await client.connect();
  });
  afterAll(async () => {
    await client?.close();
    await standin?.close();
  });
  afterEach(async () => {
    await failCommand('off');
    commands.length = 0;
  });

  describe('handshake and server info', () => {
    it('presents the primary of replica set rs0 with sessions, and answers ping and buildInfo', async () => {
      const hello = await client.db('admin').command({ hello: 1 });
      expect(hello).toEqual(expect.objectContaining({ isWritablePrimary: true, setName: 'rs0', hosts: [standin.url.split('/')[2]], logicalSessionTimeoutMinutes: 30, maxWireVersion: 21 }));
      expect(await client.db('admin').command({ ping: 1 })).toEqual({ ok: 1 });
      expect((await client.db('admin').command({ buildInfo: 1 })).versionArray).toEqual([7, 0, 0, 0]);
    });

    it('refuses commands it does not model with CommandNotFound (59), rather than pretending', async () => {
      const error = await client.db('admin').command({ serverStatus: 1 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MongoServerError);
      expect(error).toMatchObject({ code: 59, codeName: 'CommandNotFound' });
      await expect(fresh().aggregate([{ $lookup: { from: 'x', localField: 'a', foreignField: 'b', as: 'c' } }]).toArray()).rejects.toThrow(/not modelled/);
      // Options mongod honours and the stand-in cannot: refused, never silently ignored.
      await expect(fresh().createIndex({ at: 1 }, { expireAfterSeconds: 60 })).rejects.toThrow(/expireAfterSeconds' is not modelled/);
      await expect(fresh().createIndex({ text: 'text' })).rejects.toThrow(/only ascending\/descending/);
      await expect(fresh().find({}, { collation: { locale: 'en', strength: 2 } }).toArray()).rejects.toThrow(/'collation' is not modelled/);
      await expect(fresh().updateOne({ _id: 1 }, { $set: { 'a.$[x]': 1 } }, { arrayFilters: [{ x: 1 }] })).rejects.toThrow(/arrayFilters are not modelled/);
    });
  });

  describe('CRUD', () => {
    it('inserts, finds with filter, projection, sort, skip and limit, counts and deletes', async () => {
      const c = fresh();
      await c.insertMany([1, 2, 3, 4, 5].map((n) => ({ _id: `d${n}`, n, even: n % 2 === 0, tags: n > 3 ? ['big'] : [] })));
      expect(await c.find({ n: { $gte: 2 } }, { projection: { tags: 0 } }).sort({ n: -1 }).skip(1).limit(2).toArray()).toEqual([
        { _id: 'd4', n: 4, even: true },
        { _id: 'd3', n: 3, even: false },
      ]);
      expect(await c.findOne({ tags: 'big', even: false })).toEqual({ _id: 'd5', n: 5, even: false, tags: ['big'] });
      expect(await c.countDocuments({ even: true })).toBe(2);
      expect(await c.estimatedDocumentCount()).toBe(5);
      expect((await c.distinct('even')).sort()).toEqual([false, true]);
      expect(await c.aggregate([{ $match: { n: { $lte: 4 } } }, { $group: { _id: '$even', total: { $sum: '$n' } } }, { $sort: { _id: 1 } }]).toArray()).toEqual([
        { _id: false, total: 4 },
        { _id: true, total: 6 },
      ]);
      expect((await c.deleteMany({ even: true })).deletedCount).toBe(2);
      expect((await c.deleteOne({ _id: 'nope' })).deletedCount).toBe(0);
      expect(await c.find({}).sort({ _id: 1 }).map((doc) => doc._id).toArray()).toEqual(['d1', 'd3', 'd5']);
    });

    it('updates with operators, replacement, aggregation pipelines and upserts, and keeps _id immutable', async () => {
      const c = fresh();
      await c.insertOne({ _id: 'u', n: 1, list: ['a'], nested: { x: 1 } });
      const result = await c.updateOne({ _id: 'u' }, { $inc: { n: 2 }, $set: { 'nested.y': 2 }, $push: { list: 'b' } as never, $addToSet: { set: { $each: ['p', 'p', 'q'] } }, $unset: { 'nested.x': '' } });
      expect(result).toEqual(expect.objectContaining({ matchedCount: 1, modifiedCount: 1 }));
      expect(await c.findOne({ _id: 'u' })).toEqual({ _id: 'u', n: 3, list: ['a', 'b'], nested: { y: 2 }, set: ['p', 'q'] });
      expect((await c.updateOne({ _id: 'u' }, { $set: { n: 3 } })).modifiedCount).toBe(0);

      await c.replaceOne({ _id: 'u' }, { only: true });
      expect(await c.findOne({ _id: 'u' })).toEqual({ _id: 'u', only: true });

      await c.updateOne({ _id: 'u' }, [{ $replaceWith: { $cond: [{ $eq: ['$only', true] }, { $literal: { _id: 'u', v: '$not-a-path' } }, '$$ROOT'] } }]);
      expect(await c.findOne({ _id: 'u' })).toEqual({ _id: 'u', v: '$not-a-path' });

      const upsert = await c.updateOne({ _id: 'new', kind: 'k' }, { $set: { a: 1 }, $setOnInsert: { created: true } }, { upsert: true });
      expect(upsert).toEqual(expect.objectContaining({ upsertedCount: 1, upsertedId: 'new' }));
      expect(await c.findOne({ _id: 'new' })).toEqual({ _id: 'new', kind: 'k', a: 1, created: true });
      await c.updateOne({ _id: 'new' }, { $set: { a: 2 }, $setOnInsert: { created: false } }, { upsert: true });
      expect(await c.findOne({ _id: 'new' })).toEqual({ _id: 'new', kind: 'k', a: 2, created: true });

      expect((await c.updateMany({}, { $set: { all: 1 } })).modifiedCount).toBe(2);
      await expect(c.updateOne({ _id: 'u' }, { $set: { _id: 'other' } })).rejects.toMatchObject({ code: 66 });
      await expect(c.updateOne({ _id: 'u' }, { $bogus: { a: 1 } } as never)).rejects.toMatchObject({ code: 9 });

      const after = await c.findOneAndUpdate({ _id: 'new' }, { $inc: { a: 10 } }, { returnDocument: 'after' });
      expect(after).toEqual(expect.objectContaining({ _id: 'new', a: 12 }));
      const removed = await c.findOneAndDelete({ _id: 'u' });
      expect(removed).toEqual(expect.objectContaining({ _id: 'u' }));
      expect(await c.countDocuments({})).toBe(1);
    });

    it('generates an ObjectId _id when the document has none', async () => {
      const c = fresh();
      const { insertedId } = await c.insertOne({ a: 1 });
      expect(await c.findOne({ _id: insertedId })).toEqual({ _id: insertedId, a: 1 });
    });

    it('pages a cursor with getMore past the first batch of 101, and kills an abandoned cursor', async () => {
      const c = fresh();
      await c.insertMany(Array.from({ length: 250 }, (_, i) => ({ _id: i, n: i })));
      commands.length = 0;
      const all = await c.find({}).sort({ n: -1 }).toArray();
      expect(all).toHaveLength(250);
      expect(all[0]).toEqual({ _id: 249, n: 249 });
      expect(all[249]).toEqual({ _id: 0, n: 0 });
      expect(commands.filter((e) => e.commandName === 'getMore').length).toBeGreaterThanOrEqual(1);

      commands.length = 0;
      const paged = await c.find({}, { batchSize: 40 }).toArray();
      expect(new Set(paged.map((doc) => doc._id)).size).toBe(250);
      expect(commands.filter((e) => e.commandName === 'getMore')).toHaveLength(6);

      const cursor = c.find({}, { batchSize: 10 });
      await cursor.next();
      await cursor.close();
      expect(commands.some((e) => e.commandName === 'killCursors')).toBe(true);
    });
  });

  describe('indexes', () => {
    it('enforces unique indexes with E11000 DuplicateKey in the shape the driver expects', async () => {
      const c = fresh();
      await c.createIndex({ email: 1 }, { unique: true });
      await c.insertOne({ _id: 1, email: 'a@x' });
      const single = await c.insertOne({ _id: 2, email: 'a@x' }).catch((e: unknown) => e);
      expect(single).toBeInstanceOf(MongoServerError);
      expect(single).toMatchObject({ code: 11000, keyPattern: { email: 1 }, keyValue: { email: 'a@x' } });
      expect((single as Error).message).toMatch(/E11000 duplicate key error collection: standin\.c\d+ index: email_1 dup key/);

      const bulk = await c.insertMany([{ _id: 3, email: 'b@x' }, { _id: 4, email: 'a@x' }, { _id: 5, email: 'c@x' }, { _id: 1, email: 'z@x' }], { ordered: false }).catch((e: unknown) => e);
      expect(bulk).toBeInstanceOf(MongoBulkWriteError);
      expect((bulk as MongoBulkWriteError).insertedCount).toBe(2);
      expect((bulk as MongoBulkWriteError).writeErrors).toEqual([expect.objectContaining({ index: 1, code: 11000 }), expect.objectContaining({ index: 3, code: 11000 })]);

      await expect(c.updateOne({ _id: 3 }, { $set: { email: 'c@x' } })).rejects.toMatchObject({ code: 11000 });
      // An upsert whose filter misses but whose _id exists collides on the _id index.
      await expect(c.updateOne({ _id: 3, email: 'nope' }, { $set: { n: 1 } }, { upsert: true })).rejects.toMatchObject({ code: 11000, keyPattern: { _id: 1 } });
      expect(await c.countDocuments({})).toBe(3);
    });

    it('refuses to build a unique index over duplicates, and lists and drops indexes', async () => {
      const c = fresh();
      await c.insertMany([{ k: 1 }, { k: 1 }]);
      await expect(c.createIndex({ k: 1 }, { unique: true })).rejects.toMatchObject({ code: 11000 });
      await c.createIndex({ k: 1, j: -1 }, { name: 'k_j' });
      expect((await c.listIndexes().toArray()).map((index) => index.name)).toEqual(['_id_', 'k_j']);
      await expect(c.createIndex({ k: 1 }, { name: 'k_j' })).rejects.toMatchObject({ code: 86 });
      await c.dropIndex('k_j');
      await expect(c.dropIndex('k_j')).rejects.toMatchObject({ code: 27 });
      expect((await c.listIndexes().toArray()).map((index) => index.name)).toEqual(['_id_']);
    });
  });

  describe('collections', () => {
    it('creates, lists, renames and drops collections and databases', async () => {
      const db = client.db(`collections_${++run}`);
      await db.createCollection('a');
      await expect(db.createCollection('a')).rejects.toMatchObject({ code: 48 });
      await db.collection<Loose>('b').insertOne({ _id: 'b' });
      expect((await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name).sort()).toEqual(['a', 'b']);
      await expect(db.renameCollection('b', 'a')).rejects.toMatchObject({ code: 48 });
      await db.renameCollection('b', 'a', { dropTarget: true });
      expect(await db.collection<Loose>('a').findOne({})).toEqual({ _id: 'b' });
      await expect(db.renameCollection('missing', 'z')).rejects.toMatchObject({ code: 26 });
      expect(await db.collection<Loose>('a').drop()).toBe(true);
      expect(await db.listCollections().toArray()).toEqual([]);
      await db.collection<Loose>('c').insertOne({});
      await db.dropDatabase();
      expect((await client.db('admin').admin().listDatabases({ nameOnly: true })).databases.map((d) => d.name)).not.toContain(db.databaseName);
    });
  });

  describe('transactions', () => {
    it('applies a transaction atomically on commit; readers outside see nothing before, and the transaction sees its own writes', async () => {
      const c = fresh();
      await c.insertOne({ _id: 'base', n: 0 });
      const session = client.startSession();
      try {
        session.startTransaction();
        await c.insertOne({ _id: 't1' }, { session });
        await c.updateOne({ _id: 'base' }, { $inc: { n: 1 } }, { session });
        await c.deleteOne({ _id: 'base' }, { session });
        await c.insertOne({ _id: 'base', n: 10 }, { session });
        expect(await c.find({}, { session }).sort({ _id: 1 }).toArray()).toEqual([{ _id: 'base', n: 10 }, { _id: 't1' }]);
        expect(await c.find({}).toArray()).toEqual([{ _id: 'base', n: 0 }]);
        await session.commitTransaction();
      } finally {
        await session.endSession();
      }
      expect(await c.find({}).sort({ _id: 1 }).toArray()).toEqual([{ _id: 'base', n: 10 }, { _id: 't1' }]);
    });

    it('discards everything on abort, including a collection the transaction created', async () => {
      const db = client.db('standin');
      const name = `created_in_txn_${++run}`;
      const session = client.startSession();
      try {
        session.startTransaction();
        await db.collection<Loose>(name).insertOne({ _id: 'x' }, { session });
        await session.abortTransaction();
      } finally {
        await session.endSession();
      }
      expect(await db.collection<Loose>(name).countDocuments({})).toBe(0);
      expect((await db.listCollections({ name }).toArray()).length).toBe(0);
    });

    it('reads from a snapshot: a write committed by someone else after the transaction began is not visible in it', async () => {
      const c = fresh();
      await c.insertOne({ _id: 's', v: 1 });
      const session = client.startSession();
      try {
        session.startTransaction();
        expect(await c.findOne({ _id: 's' }, { session })).toEqual({ _id: 's', v: 1 });
        await c.insertOne({ _id: 'other' });
        await c.deleteOne({ _id: 's' });
        expect(await c.find({}, { session }).toArray()).toEqual([{ _id: 's', v: 1 }]);
        // Writing what changed since the snapshot is a write conflict.
        await expect(c.updateOne({ _id: 's' }, { $set: { v: 2 } }, { session })).rejects.toMatchObject({ code: 112 });
        await session.abortTransaction().catch(() => undefined);
      } finally {
        await session.endSession();
      }
    });

    it('fails the second writer of a document with WriteConflict (112, TransientTransactionError) and aborts its transaction', async () => {
      const c = fresh();
      await c.insertOne({ _id: 'w', n: 0 });
      const first = client.startSession();
      const second = client.startSession();
      try {
        first.startTransaction();
        second.startTransaction();
        await c.updateOne({ _id: 'w' }, { $inc: { n: 1 } }, { session: first });
        const conflict = await c.updateOne({ _id: 'w' }, { $inc: { n: 100 } }, { session: second }).catch((e: unknown) => e);
        expect(conflict).toBeInstanceOf(MongoServerError);
        expect(conflict).toMatchObject({ code: 112, codeName: 'WriteConflict' });
        expect((conflict as MongoServerError).hasErrorLabel('TransientTransactionError')).toBe(true);
        await expect(second.commitTransaction()).rejects.toMatchObject({ code: 251 });
        await first.commitTransaction();
      } finally {
        await first.endSession();
        await second.endSession();
      }
      expect(await c.findOne({ _id: 'w' })).toEqual({ _id: 'w', n: 1 });
    });

    it('treats a unique key held by an open transaction as held: a conflict inside transactions, a wait outside', async () => {
      const c = fresh();
      await c.createIndex({ email: 1 }, { unique: true });
      const first = client.startSession();
      const second = client.startSession();
      try {
        first.startTransaction();
        second.startTransaction();
        await c.insertOne({ _id: 1, email: 'same@x' }, { session: first });
        await expect(c.insertOne({ _id: 2, email: 'same@x' }, { session: second })).rejects.toMatchObject({ code: 112 });
        let outsideDone = false;
        const outside = c.insertOne({ _id: 3, email: 'same@x' }).then(
          () => (outsideDone = true),
          (error: unknown) => error,
        );
        await c.findOne({ _id: 1 });
        expect(outsideDone).toBe(false);
        await first.commitTransaction();
        expect(await outside).toMatchObject({ code: 11000, keyValue: { email: 'same@x' } });
      } finally {
        await first.endSession();
        await second.endSession();
      }
      expect(await c.find({}).toArray()).toEqual([{ _id: 1, email: 'same@x' }]);
    });

    it('lets withTransaction retry conflicting transactions until both apply', async () => {
      const c = fresh();
      await c.insertOne({ _id: 'counter', n: 0 });
      const increment = async () => {
        const session = client.startSession();
        try {
          await session.withTransaction(async () => {
            const current = await c.findOne({ _id: 'counter' }, { session });
            await new Promise((resolve) => setImmediate(resolve));
            await c.updateOne({ _id: 'counter' }, { $set: { n: (current!.n as number) + 1 } }, { session });
          });
        } finally {
          await session.endSession();
        }
      };
      await Promise.all([increment(), increment(), increment()]);
      expect(await c.findOne({ _id: 'counter' })).toEqual({ _id: 'counter', n: 3 });
    });

    it('makes a write outside a transaction wait for the transaction that holds the document', async () => {
      const c = fresh();
      await c.insertOne({ _id: 'held', n: 0 });
      const session = client.startSession();
      try {
        session.startTransaction();
        await c.updateOne({ _id: 'held' }, { $inc: { n: 1 } }, { session });
        let outsideDone = false;
        const outside = c.updateOne({ _id: 'held' }, { $inc: { n: 10 } }).then(() => (outsideDone = true));
        await c.findOne({ _id: 'held' }); // a full round trip later, the outside write is still waiting
        expect(outsideDone).toBe(false);
        await session.commitTransaction();
        await outside;
      } finally {
        await session.endSession();
      }
      expect(await c.findOne({ _id: 'held' })).toEqual({ _id: 'held', n: 11 });
    });
  });

  describe('failCommand fail point', () => {
    it('fails the named command the given number of times with the given code and labels', async () => {
      const c = fresh();
      await failCommand({ times: 2 }, { failCommands: ['find'], errorCode: 91, errorLabels: ['Custom'] });
      // The driver retries a read once on ShutdownInProgress (91): both failures are spent on the first find.
      const error = await c.findOne({}).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 91 });
      expect((error as MongoServerError).hasErrorLabel('Custom')).toBe(true);
      expect(await c.findOne({})).toBeNull();
    });

    it('skips the first n matching commands, then fails', async () => {
      const c = fresh();
      await failCommand({ skip: 1 }, { failCommands: ['insert'], errorCode: 2 });
      await c.insertOne({ _id: 1 });
      await expect(c.insertOne({ _id: 2 })).rejects.toMatchObject({ code: 2 });
      await failCommand('off');
      expect(await c.countDocuments({})).toBe(1);
    });

    it('closes the connection: a retryable write is retried by the driver and applied once', async () => {
      const c = fresh();
      await failCommand({ times: 1 }, { failCommands: ['insert'], closeConnection: true });
      await c.insertOne({ _id: 'once' });
      expect(await c.find({}).toArray()).toEqual([{ _id: 'once' }]);
      expect(commands.filter((e) => e.commandName === 'insert')).toHaveLength(2);
    });

    it('closes the connection: without retryable writes the driver reports the network error', async () => {
      const noRetry = await MongoClient.connect(standin.url, { retryWrites: false });
      try {
        await failCommand({ times: 1 }, { failCommands: ['insert'], closeConnection: true });
        await expect(noRetry.db('standin').collection<Loose>('net').insertOne({ _id: 1 })).rejects.toThrow(/closed|connection/i);
      } finally {
        await noRetry.close();
      }
    });

    it('adds RetryableWriteError to retryable codes on writes, so the driver retries them', async () => {
      const c = fresh();
      await failCommand({ times: 1 }, { failCommands: ['update'], errorCode: 189 });
      await c.updateOne({ _id: 'r' }, { $set: { a: 1 } }, { upsert: true });
      expect(await c.findOne({ _id: 'r' })).toEqual({ _id: 'r', a: 1 });
    });

    it('only fails connections with the given appName', async () => {
      // Under jest the driver's handshake metadata comes out empty (bson does not recognise jest's
      // Map), so the app-named client runs in a plain Node process.
      await failCommand({ times: 1 }, { failCommands: ['ping'], errorCode: 2, appName: 'other-app' });
      expect(await client.db('admin').command({ ping: 1 })).toEqual({ ok: 1 });
      const script = `
        const { MongoClient } = require('mongodb');
        MongoClient.connect(process.argv[1], { appName: 'other-app' }).then(async (client) => {
          const outcome = await client.db('admin').command({ ping: 1 }).then(() => 'ok', (e) => String(e.code));
          await client.close();
          process.stdout.write(outcome);
        });`;
      const child = spawn(process.execPath, ['-e', script, standin.url], { cwd: path.resolve(__dirname, '../..'), stdio: ['ignore', 'pipe', 'inherit'] });
      let output = '';
      child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      await once(child, 'exit');
      expect(output).toBe('2');
    });
  });
});

describe('MongoDB wire stand-in options', () => {
  it('expires an open transaction after transactionLifetimeLimitSeconds, freeing the documents it held', async () => {
    const standin = await startMongoStandin({ transactionLifetimeLimitSeconds: 1 });
    const client = await MongoClient.connect(standin.url);
    const session = client.startSession();
    try {
      const c = client.db('x').collection<Loose>('held');
      await c.insertOne({ _id: 'd', n: 0 });
      session.startTransaction();
      await c.updateOne({ _id: 'd' }, { $inc: { n: 1 } }, { session });
      // Waits for the expiry (as a write outside the transaction waits on mongod), then applies.
      await c.updateOne({ _id: 'd' }, { $inc: { n: 10 } });
      await expect(session.commitTransaction()).rejects.toMatchObject({ code: 251 });
      expect(await c.findOne({ _id: 'd' })).toEqual({ _id: 'd', n: 10 });
    } finally {
      await session.endSession();
      await client.close();
      await standin.close();
    }
  });

  it('presents a standalone server on request, refusing transactions as mongod does', async () => {
    const standin = await startMongoStandin({ standalone: true });
    const client = await MongoClient.connect(standin.url);
    const session = client.startSession();
    try {
      expect((await client.db('admin').command({ hello: 1 })).setName).toBeUndefined();
      session.startTransaction();
      // mongod answers IllegalOperation (20); the driver rewords it.
      await expect(client.db('x').collection<Loose>('c').insertOne({ _id: 1 }, { session })).rejects.toThrow(/does not support retryable writes|only allowed on a replica set/);
      await session.abortTransaction().catch(() => undefined);
      await client.db('x').collection<Loose>('c').insertOne({ _id: 2 });
      expect(await client.db('x').collection<Loose>('c').countDocuments({})).toBe(1);
    } finally {
      await session.endSession();
      await client.close();
      await standin.close();
    }
  });

  it('runs as its own process, printing its URL, and stops on SIGTERM', async () => {
    const root = path.resolve(__dirname, '../..');
    const child = spawn(process.execPath, ['-r', '@swc-node/register', 'test/support/mongo-wire-standin.ts', '--port', '0'], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const [chunk] = (await once(child.stdout!, 'data')) as [Buffer];
      const url = chunk.toString().trim();
      expect(url).toMatch(/^mongodb:\/\/127\.0\.0\.1:\d+\/\?replicaSet=rs0&directConnection=true$/);
      const client = await MongoClient.connect(url);
      try {
        await client.db('p').collection<Loose>('c').insertOne({ _id: 'from-another-process' });
        expect(await client.db('p').collection<Loose>('c').findOne({})).toEqual({ _id: 'from-another-process' });
      } finally {
        await client.close();
      }
      child.kill('SIGTERM');
      const [code] = await once(child, 'exit');
      expect(code).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
