/**
 * MongoDB wire-protocol stand-in — FOR TESTS ONLY.
 *
 * There is no MongoDB server on the build machine and none can be installed, so this is an
 * in-process TCP server that speaks the protocol the official `mongodb` driver speaks (OP_MSG, and
 * OP_QUERY/OP_REPLY for the legacy `isMaster` handshake), with documents encoded by the driver's
 * own `bson` package, in-memory collections, and queries, sorts and pipelines evaluated by mingo.
 * It presents itself as the primary of a one-node replica set (`rs0`), so the driver uses
 * sessions, retryable writes and real transactions against it.
 *
 * Modelled: hello/isMaster handshake and monitoring, ping, buildInfo, getParameter, listDatabases;
 * find (filter, projection, sort, skip, limit, batchSize, singleBatch) with getMore/killCursors;
 * insert, update (replacement, update operators, aggregation-pipeline updates, upsert, multi),
 * delete, findAndModify, count, distinct, aggregate (a whitelist of stages); create, drop,
 * dropDatabase, listCollections, renameCollection; createIndexes/listIndexes/dropIndexes with
 * ENFORCED unique indexes (E11000, code 11000, in the driver's writeErrors shape); sessions
 * (endSessions), retryable writes (a retried lsid+txnNumber returns the first answer), multi-document
 * transactions keyed by lsid+txnNumber (writes buffered and applied atomically on commit, snapshot
 * reads that see the transaction's own writes, first-writer-wins WriteConflict (112) with the
 * TransientTransactionError label, non-transactional writers wait for a transaction holding the
 * document, transactions expire after `transactionLifetimeLimitSeconds`), and the `failCommand`
 * fail point (times/skip/alwaysOn, failCommands, errorCode, errorLabels, closeConnection,
 * blockConnection/blockTimeMS, writeConcernError, appName).
 *
 * NOT modelled (it is not a MongoDB): storage engine, durability/journal, replication, elections,
 * query planner and index-backed plans (every query scans), collations, authentication, TLS,
 * compression, change streams, positional update operators and arrayFilters, most aggregation
 * stages, numeric type distinctions (int64 values come back as doubles), 16 MB document limits.
 * Anything it does not implement answers CommandNotFound (59) or an explicit error; it never
 * pretends. Set MONGODB_TEST_URL to run the same suites against a real server.
 *
 * Run on its own: `node -r @swc-node/register test/support/mongo-wire-standin.ts --port 27099`.
 */
import { randomUUID } from 'node:crypto';
import * as net from 'node:net';
import { Binary, BSON, Document, EJSON, Long, ObjectId } from 'bson';
import 'mingo/init/system';
import { Aggregator, Query } from 'mingo';

export interface MongoStandin {
  /** e.g. `mongodb://127.0.0.1:41234/?replicaSet=rs0&directConnection=true` */
  url: string;
  port: number;
  close(): Promise<void>;
}

export interface MongoStandinOptions {
  port?: number;
  host?: string;
  /** Open transactions are aborted after this long, as mongod does (default 60). */
  transactionLifetimeLimitSeconds?: number;
  /**
   * Present a standalone server instead of a replica-set primary: no setName, so the driver uses
   * neither transactions nor retryable writes, and a transaction is refused as mongod refuses it.
   */
  standalone?: boolean;
}

const OP_REPLY = 1;
const OP_QUERY = 2004;
const OP_MSG = 2013;
const MAX_MESSAGE_BYTES = 48_000_000;
const MAX_BSON_OBJECT_BYTES = 16 * 1024 * 1024;
const DEFAULT_FIRST_BATCH = 101;
const CURSOR_TIMEOUT_MS = 10 * 60_000;
const WIRE_VERSION = 21; // MongoDB 7.0
const REPLICA_SET = 'rs0';

/** Codes mongod marks RetryableWriteError when a retryable write fails with them. */
const RETRYABLE_CODES = new Set([6, 7, 89, 91, 189, 262, 9001, 10107, 11600, 11602, 13435, 13436]);
const CODE_NAMES: Record<number, string> = {
  2: 'BadValue',
  13: 'Unauthorized',
  20: 'IllegalOperation',
  9: 'FailedToParse',
  14: 'TypeMismatch',
  26: 'NamespaceNotFound',
  28: 'PathNotViable',
  27: 'IndexNotFound',
  43: 'CursorNotFound',
  48: 'NamespaceExists',
  59: 'CommandNotFound',
  66: 'ImmutableField',
  67: 'CannotCreateIndex',
  72: 'InvalidOptions',
  73: 'InvalidNamespace',
  85: 'IndexOptionsConflict',
  86: 'IndexKeySpecsConflict',
  91: 'ShutdownInProgress',
  112: 'WriteConflict',
  189: 'PrimarySteppedDown',
  197: 'InvalidIndexSpecificationOption',
  225: 'TransactionTooOld',
  251: 'NoSuchTransaction',
  256: 'TransactionCommitted',
  263: 'OperationNotSupportedInTransaction',
  352: 'UnsupportedOpQueryCommand',
  10107: 'NotWritablePrimary',
  11000: 'DuplicateKey',
  11600: 'InterruptedAtShutdown',
  40324: 'Location40324',
};

class CommandError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly labels: string[] = [],
    readonly extra: Document = {},
  ) {
    super(message);
  }
  toResponse(): Document {
    const response: Document = { ok: 0, errmsg: this.message, code: this.code, codeName: CODE_NAMES[this.code] ?? `Location${this.code}`, ...this.extra };
    if (this.labels.length > 0) response.errorLabels = this.labels;
    return response;
  }
}

interface IndexSpec {
  v: 2;
  key: Record<string, number | string>;
  name: string;
  unique?: boolean;
  sparse?: boolean;
  partialFilterExpression?: Document;
}

interface StoredCollection {
  uuid: Binary;
  docs: Map<string, Document>;
  indexes: IndexSpec[];
}

type Namespace = string; // `${db}.${collection}`
type Changes = Map<Namespace, Map<string, Document | null>>;

interface Transaction {
  session: string;
  txnNumber: number;
  state: 'open' | 'committed' | 'aborted';
  abortReason?: string;
  /** The transaction's own writes (null = deleted), applied together on commit. */
  writes: Changes;
  /** What other writers changed after this transaction's snapshot: the value as of the snapshot. */
  snapshot: Changes;
  /** Collections this transaction created (implicitly, by writing). */
  created: Set<Namespace>;
  ended: Promise<void>;
  end: () => void;
  timer: NodeJS.Timeout;
}

interface Cursor {
  id: number;
  ns: Namespace;
  docs: Document[];
  position: number;
  usedAt: number;
}

interface FailPoint {
  remaining: number; // Infinity for alwaysOn
  skip: number;
  data: Document;
}

interface Connection {
  id: number;
  socket: net.Socket;
  appName?: string;
}

interface Context {
  db: string;
  connection: Connection;
  txn: Transaction | null;
}

type Handler = (cmd: Document, ctx: Context) => Promise<Document> | Document;

class MongoWireStandin {
  private readonly databases = new Map<string, Map<string, StoredCollection>>();
  private readonly sessions = new Map<string, { txnNumber: number; txn: Transaction | null }>();
  private readonly retriedWrites = new Map<string, Document>();
  private readonly cursors = new Map<number, Cursor>();
  private readonly openTransactions = new Set<Transaction>();
  private readonly connections = new Set<Connection>();
  private failPoint: FailPoint | null = null;
  private nextCursorId = 7_000_001;
  private nextConnectionId = 1;
  private nextRequestId = 1;
  private readonly electionId = new ObjectId();
  private readonly server: net.Server;
  host = '127.0.0.1';
  port = 0;

  private readonly handlers: Record<string, Handler> = {
    hello: (cmd, ctx) => this.hello(cmd, ctx, false),
    ismaster: (cmd, ctx) => this.hello(cmd, ctx, true),
    isMaster: (cmd, ctx) => this.hello(cmd, ctx, true),
    ping: () => ({ ok: 1 }),
    buildInfo: () => this.buildInfo(),
    buildinfo: () => this.buildInfo(),
    getParameter: (cmd) => this.getParameter(cmd),
    listDatabases: (cmd) => this.listDatabases(cmd),
    endSessions: (cmd) => this.endSessions(cmd),
    killSessions: (cmd) => this.endSessions({ endSessions: (cmd.killSessions as Document[]).map((s) => ({ id: s.id })) }),
    refreshSessions: () => ({ ok: 1 }),
    find: (cmd, ctx) => this.find(cmd, ctx),
    getMore: (cmd) => this.getMore(cmd),
    killCursors: (cmd) => this.killCursors(cmd),
    insert: (cmd, ctx) => this.insert(cmd, ctx),
    update: (cmd, ctx) => this.update(cmd, ctx),
    delete: (cmd, ctx) => this.delete(cmd, ctx),
    findAndModify: (cmd, ctx) => this.findAndModify(cmd, ctx),
    count: (cmd, ctx) => this.count(cmd, ctx),
    distinct: (cmd, ctx) => this.distinct(cmd, ctx),
    aggregate: (cmd, ctx) => this.aggregate(cmd, ctx),
    create: (cmd, ctx) => this.create(cmd, ctx),
    createIndexes: (cmd, ctx) => this.createIndexes(cmd, ctx),
    listIndexes: (cmd, ctx) => this.listIndexes(cmd, ctx),
    dropIndexes: (cmd, ctx) => this.dropIndexes(cmd, ctx),
    drop: (cmd, ctx) => this.drop(cmd, ctx),
    dropDatabase: (_cmd, ctx) => this.dropDatabase(ctx),
    listCollections: (cmd, ctx) => this.listCollections(cmd, ctx),
    renameCollection: (cmd) => this.renameCollection(cmd),
    commitTransaction: (_cmd, ctx) => this.commitTransaction(ctx),
    abortTransaction: (_cmd, ctx) => this.abortTransaction(ctx),
    configureFailPoint: (cmd) => this.configureFailPoint(cmd),
  };

  /** Commands mongod accepts inside a multi-document transaction (of those modelled here). */
  private static readonly TRANSACTION_COMMANDS = new Set([
    'find',
    'getMore',
    'killCursors',
    'insert',
    'update',
    'delete',
    'findAndModify',
    'aggregate',
    'distinct',
    'create',
    'createIndexes',
    'commitTransaction',
    'abortTransaction',
  ]);
  private static readonly WRITE_COMMANDS = new Set(['insert', 'update', 'delete', 'findAndModify']);

  constructor(
    private readonly transactionLifetimeMs: number,
    readonly standalone: boolean,
  ) {
    this.server = net.createServer((socket) => this.accept(socket));
  }

  async listen(port: number, host: string): Promise<void> {
    this.host = host;
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => resolve());
    });
    this.port = (this.server.address() as net.AddressInfo).port;
  }

  get address(): string {
    return `${this.host}:${this.port}`;
  }

  async close(): Promise<void> {
    for (const txn of [...this.openTransactions]) this.finishTransaction(txn, 'aborted', 'server shutting down');
    for (const connection of this.connections) connection.socket.destroy();
    this.cursors.clear();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // ---- wire protocol -------------------------------------------------------------------------

  private accept(socket: net.Socket): void {
    const connection: Connection = { id: this.nextConnectionId++, socket };
    this.connections.add(connection);
    socket.setNoDelay(true);
    let buffered = Buffer.alloc(0);
    // One command at a time per connection, as mongod does; a later message waits for the earlier.
    let queue = Promise.resolve();
    socket.on('data', (chunk) => {
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
      while (buffered.length >= 4) {
        const length = buffered.readInt32LE(0);
        if (length < 16 || length > MAX_MESSAGE_BYTES) {
          socket.destroy();
          return;
        }
        if (buffered.length < length) break;
        const message = buffered.subarray(0, length);
        buffered = buffered.subarray(length);
        queue = queue.then(() => this.handleMessage(connection, message)).catch(() => void socket.destroy());
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => this.connections.delete(connection));
  }

  private async handleMessage(connection: Connection, message: Buffer): Promise<void> {
    if (connection.socket.destroyed) return;
    const requestId = message.readInt32LE(4);
    const opCode = message.readInt32LE(12);
    if (opCode === OP_MSG) {
      const flags = message.readUInt32LE(16);
      const command = parseOpMsg(message, flags);
      const response = await this.execute(command, connection);
      if (response === 'close') return void connection.socket.destroy();
      const moreToCome = (flags & 2) !== 0;
      if (!moreToCome) this.send(connection, encodeOpMsg(this.nextRequestId++, requestId, response));
      return;
    }
    if (opCode === OP_QUERY) {
      const { collection, query } = parseOpQuery(message);
      if (!collection.endsWith('.$cmd')) {
        this.send(connection, encodeOpReply(this.nextRequestId++, requestId, new CommandError(59, 'OP_QUERY is only supported for commands').toResponse()));
        return;
      }
      const command = { ...((query.$query as Document | undefined) ?? query), $db: collection.slice(0, -'.$cmd'.length) };
      const name = Object.keys(command)[0];
      // Like mongod 6+, OP_QUERY carries only the handshake.
      const response = ['hello', 'isMaster', 'ismaster'].includes(name)
        ? await this.execute(command, connection)
        : new CommandError(352, `Unsupported OP_QUERY command: ${name}. The client driver may require an upgrade.`).toResponse();
      if (response === 'close') return void connection.socket.destroy();
      this.send(connection, encodeOpReply(this.nextRequestId++, requestId, response));
      return;
    }
    // OP_COMPRESSED is never negotiated (hello advertises no compressors); anything else is a legacy opcode.
    connection.socket.destroy();
  }

  private send(connection: Connection, bytes: Buffer): void {
    if (!connection.socket.destroyed) connection.socket.write(bytes);
  }

  // ---- command dispatch ----------------------------------------------------------------------

  private async execute(cmd: Document, connection: Connection): Promise<Document | 'close'> {
    const name = Object.keys(cmd)[0];
    if ((name === 'hello' || name === 'isMaster' || name === 'ismaster') && !connection.appName) {
      const appName = (cmd.client as Document | undefined)?.application?.name;
      if (typeof appName === 'string') connection.appName = appName;
    }
    const failure = this.failPointFor(name, connection);
    if (failure) {
      if (failure.blockConnection === true) await sleep(Number(failure.blockTimeMS ?? 0));
      if (failure.closeConnection === true) return 'close';
      if (typeof failure.errorCode === 'number') {
        const labels = Array.isArray(failure.errorLabels) ? (failure.errorLabels as string[]) : this.defaultLabels(cmd, name, failure.errorCode);
        return new CommandError(failure.errorCode, "Failing command via 'failCommand' failpoint", labels).toResponse();
      }
    }
    let response: Document;
    try {
      response = await this.run(name, cmd, connection);
    } catch (error) {
      if (error instanceof CommandError) return error.toResponse();
      return new CommandError(1, `stand-in internal error: ${(error as Error).message}`).toResponse();
    }
    if (failure?.writeConcernError && response.ok === 1) response = { ...response, writeConcernError: failure.writeConcernError };
    return response;
  }

  private async run(name: string, cmd: Document, connection: Connection): Promise<Document> {
    const handler = Object.prototype.hasOwnProperty.call(this.handlers, name) ? this.handlers[name] : undefined;
    if (!handler) throw new CommandError(59, `no such command: '${name}'`);
    const ctx: Context = { db: String(cmd.$db ?? 'test'), connection, txn: null };
    const session = cmd.lsid ? sessionKey(cmd.lsid as Document) : null;
    const txnNumber = cmd.txnNumber === undefined ? null : Number(cmd.txnNumber);

    if (this.standalone && txnNumber !== null) throw new CommandError(20, 'Transaction numbers are only allowed on a replica set member or mongos');
    if (cmd.autocommit === false) {
      if (!session || txnNumber === null) throw new CommandError(72, 'autocommit:false needs lsid and txnNumber');
      if (!MongoWireStandin.TRANSACTION_COMMANDS.has(name)) throw new CommandError(263, `Cannot run '${name}' in a multi-document transaction.`);
      ctx.txn = this.transactionFor(session, txnNumber, cmd.startTransaction === true, name);
      if (ctx.txn.state === 'committed') {
        if (name === 'commitTransaction') return { ok: 1 };
        throw new CommandError(256, `Transaction ${txnNumber} has been committed.`);
      }
      if (ctx.txn.state === 'aborted') {
        if (name === 'abortTransaction') throw new CommandError(251, `Transaction ${txnNumber} has been aborted.`);
        throw new CommandError(251, `Transaction ${txnNumber} has been aborted${ctx.txn.abortReason ? ` (${ctx.txn.abortReason})` : ''}.`, ['TransientTransactionError']);
      }
      try {
        const response = await handler(cmd, ctx);
        // mongod aborts a transaction in which a write failed.
        if (Array.isArray(response.writeErrors) && response.writeErrors.length > 0 && ctx.txn.state === 'open') this.finishTransaction(ctx.txn, 'aborted', 'a write failed');
        return response;
      } catch (error) {
        if (ctx.txn.state === 'open' && name !== 'commitTransaction') this.finishTransaction(ctx.txn, 'aborted', (error as Error).message);
        if (error instanceof CommandError && error.code === 112 && !error.labels.includes('TransientTransactionError')) error.labels.push('TransientTransactionError');
        throw error;
      }
    }

    if (session && txnNumber !== null && MongoWireStandin.WRITE_COMMANDS.has(name)) {
      // A retryable write: the same lsid+txnNumber answers what it answered the first time.
      const key = `${session}:${txnNumber}`;
      const earlier = this.retriedWrites.get(key);
      if (earlier) return earlier;
      const response = await handler(cmd, ctx);
      if (response.ok === 1) {
        this.retriedWrites.set(key, response);
        if (this.retriedWrites.size > 100_000) this.retriedWrites.delete(this.retriedWrites.keys().next().value!);
      }
      return response;
    }
    return handler(cmd, ctx);
  }

  private defaultLabels(cmd: Document, name: string, code: number): string[] {
    const retryableWrite = (cmd.txnNumber !== undefined && cmd.autocommit === undefined) || name === 'commitTransaction' || name === 'abortTransaction';
    if (retryableWrite && RETRYABLE_CODES.has(code)) return ['RetryableWriteError'];
    if (cmd.autocommit === false && name !== 'commitTransaction' && name !== 'abortTransaction' && RETRYABLE_CODES.has(code)) return ['TransientTransactionError'];
    return [];
  }

  private failPointFor(name: string, connection: Connection): Document | null {
    const point = this.failPoint;
    if (!point || name === 'configureFailPoint') return null;
    const commands = point.data.failCommands;
    if (!Array.isArray(commands) || !commands.includes(name)) return null;
    if (typeof point.data.appName === 'string' && point.data.appName !== connection.appName) return null;
    if (point.skip > 0) {
      point.skip--;
      return null;
    }
    point.remaining--;
    if (point.remaining <= 0) this.failPoint = null;
    return point.data;
  }

  // ---- sessions and transactions ---------------------------------------------------------------

  private transactionFor(session: string, txnNumber: number, start: boolean, command: string): Transaction {
    let state = this.sessions.get(session);
    if (!state) this.sessions.set(session, (state = { txnNumber: -1, txn: null }));
    if (start) {
      if (txnNumber < state.txnNumber) throw new CommandError(225, `Cannot start transaction ${txnNumber} on session because a newer transaction ${state.txnNumber} has already started.`);
      if (txnNumber === state.txnNumber && state.txn) throw new CommandError(251, `Transaction ${txnNumber} has already been started.`);
      if (state.txn?.state === 'open') this.finishTransaction(state.txn, 'aborted', 'a newer transaction started on the session');
      let end = () => undefined as void;
      const ended = new Promise<void>((resolve) => (end = resolve));
      const txn: Transaction = {
        session,
        txnNumber,
        state: 'open',
        writes: new Map(),
        snapshot: new Map(),
        created: new Set(),
        ended,
        end,
        timer: setTimeout(() => txn.state === 'open' && this.finishTransaction(txn, 'aborted', 'transaction expired'), this.transactionLifetimeMs),
      };
      txn.timer.unref();
      state.txnNumber = txnNumber;
      state.txn = txn;
      this.openTransactions.add(txn);
      return txn;
    }
    if (!state.txn || state.txnNumber !== txnNumber) {
      const labels = command === 'commitTransaction' || command === 'abortTransaction' ? [] : ['TransientTransactionError'];
      throw new CommandError(251, `Transaction with { txnNumber: ${txnNumber} } has been aborted or was never started.`, labels);
    }
    return state.txn;
  }

  private finishTransaction(txn: Transaction, state: 'committed' | 'aborted', reason?: string): void {
    txn.state = state;
    txn.abortReason = reason;
    clearTimeout(txn.timer);
    this.openTransactions.delete(txn);
    txn.end();
  }

  private commitTransaction(ctx: Context): Document {
    const txn = ctx.txn!;
    // Unique indexes are checked again against what committed meanwhile; a clash aborts.
    try {
      for (const [ns, writes] of txn.writes) {
        for (const doc of writes.values()) if (doc) this.checkUnique(ns, doc, null, txn);
      }
    } catch (error) {
      this.finishTransaction(txn, 'aborted', (error as Error).message);
      throw error;
    }
    for (const ns of txn.created) this.collectionAt(ns, true);
    for (const [ns, writes] of txn.writes) for (const [key, doc] of writes) this.applyCommitted(ns, key, doc);
    this.finishTransaction(txn, 'committed');
    return { ok: 1 };
  }

  private abortTransaction(ctx: Context): Document {
    this.finishTransaction(ctx.txn!, 'aborted', 'abortTransaction');
    return { ok: 1 };
  }

  private endSessions(cmd: Document): Document {
    for (const lsid of (cmd.endSessions as Document[]) ?? []) {
      const key = sessionKey(lsid);
      const state = this.sessions.get(key);
      if (state?.txn?.state === 'open') this.finishTransaction(state.txn, 'aborted', 'session ended');
      this.sessions.delete(key);
    }
    return { ok: 1 };
  }

  // ---- storage: committed state, transaction overlays, locks ----------------------------------

  private collectionAt(ns: Namespace, create: boolean): StoredCollection | undefined {
    const [db, name] = splitNamespace(ns);
    let collections = this.databases.get(db);
    if (!collections) {
      if (!create) return undefined;
      this.databases.set(db, (collections = new Map()));
    }
    let collection = collections.get(name);
    if (!collection && create) {
      collection = { uuid: new Binary(Buffer.from(randomUUID().replace(/-/g, ''), 'hex'), 4), docs: new Map(), indexes: [{ v: 2, key: { _id: 1 }, name: '_id_' }] };
      collections.set(name, collection);
    }
    return collection;
  }

  private exists(ns: Namespace, txn: Transaction | null): boolean {
    return !!this.collectionAt(ns, false) || !!txn?.created.has(ns);
  }

  /** A document as the context sees it: its transaction's writes, else its snapshot, else now. */
  private visibleDoc(ns: Namespace, key: string, txn: Transaction | null): Document | null {
    if (txn) {
      const own = txn.writes.get(ns);
      if (own?.has(key)) return own.get(key)!;
      const before = txn.snapshot.get(ns);
      if (before?.has(key)) return before.get(key)!;
    }
    return this.collectionAt(ns, false)?.docs.get(key) ?? null;
  }

  private visibleDocs(ns: Namespace, txn: Transaction | null): Document[] {
    const committed = this.collectionAt(ns, false)?.docs ?? new Map<string, Document>();
    if (!txn || (!txn.writes.has(ns) && !txn.snapshot.has(ns))) return [...committed.values()];
    const merged = new Map(committed);
    for (const overlay of [txn.snapshot.get(ns), txn.writes.get(ns)]) {
      for (const [key, doc] of overlay ?? []) {
        if (doc) merged.set(key, doc);
        else merged.delete(key);
      }
    }
    return [...merged.values()];
  }

  /** The open transaction (other than `txn`) holding a write on the document, if any. */
  private holder(ns: Namespace, key: string, txn: Transaction | null): Transaction | null {
    for (const other of this.openTransactions) if (other !== txn && other.writes.get(ns)?.has(key)) return other;
    return null;
  }

  /** Non-transactional writers wait for a transaction that holds the document, as on mongod. */
  private async waitForHolders(ns: Namespace, keys: string[], txn: Transaction | null): Promise<boolean> {
    if (txn) return false;
    for (const key of keys) {
      const holder = this.holder(ns, key, null);
      if (holder) {
        await holder.ended;
        return true;
      }
    }
    return false;
  }

  /**
   * Another open transaction's pending write holds a unique key one of these documents needs: a
   * transaction gets a WriteConflict; a writer outside transactions waits for it to end (true).
   */
  private async waitForUniqueHolders(ns: Namespace, docs: Document[], txn: Transaction | null): Promise<boolean> {
    const indexes = this.collectionAt(ns, false)?.indexes.filter((index) => index.unique && index.name !== '_id_') ?? [];
    if (indexes.length === 0) return false;
    for (const other of this.openTransactions) {
      if (other === txn) continue;
      const pending = [...(other.writes.get(ns)?.values() ?? [])].filter((doc): doc is Document => !!doc);
      for (const doc of docs) {
        for (const index of indexes) {
          const keys = indexKeys(index, doc);
          const clash = pending.some((held) => idKey(held._id) !== idKey(doc._id) && indexKeys(index, held).some((key) => keys.includes(key)));
          if (!clash) continue;
          if (txn) throw new CommandError(112, 'Write conflict during plan execution and yielding is disabled.', ['TransientTransactionError']);
          await other.ended;
          return true;
        }
      }
    }
    return false;
  }

  private write(ns: Namespace, key: string, doc: Document | null, txn: Transaction | null): void {
    if (!txn) {
      this.collectionAt(ns, true);
      this.applyCommitted(ns, key, doc);
      return;
    }
    const holder = this.holder(ns, key, txn);
    const changedSinceSnapshot = txn.snapshot.get(ns)?.has(key);
    if (holder || changedSinceSnapshot) throw new CommandError(112, 'Write conflict during plan execution and yielding is disabled.', ['TransientTransactionError']);
    if (!this.collectionAt(ns, false)) txn.created.add(ns);
    let writes = txn.writes.get(ns);
    if (!writes) txn.writes.set(ns, (writes = new Map()));
    writes.set(key, doc);
  }

  private applyCommitted(ns: Namespace, key: string, doc: Document | null): void {
    const collection = this.collectionAt(ns, true)!;
    const previous = collection.docs.get(key) ?? null;
    // Open transactions keep seeing the value as of their snapshot.
    for (const txn of this.openTransactions) {
      let before = txn.snapshot.get(ns);
      if (!before) txn.snapshot.set(ns, (before = new Map()));
      if (!before.has(key)) before.set(key, previous);
    }
    if (doc) collection.docs.set(key, doc);
    else collection.docs.delete(key);
  }

  private checkUnique(ns: Namespace, doc: Document, txnView: Transaction | null, committedCheckFor?: Transaction): void {
    const collection = this.collectionAt(ns, false);
    const indexes = collection?.indexes.filter((index) => index.unique && index.name !== '_id_') ?? [];
    if (indexes.length === 0) return;
    const id = idKey(doc._id);
    const others = committedCheckFor ? this.visibleDocsAfterCommit(ns, committedCheckFor) : this.visibleDocs(ns, txnView);
    for (const index of indexes) {
      const keys = indexKeys(index, doc);
      if (keys.length === 0) continue;
      for (const other of others) {
        if (idKey(other._id) === id) continue;
        const clash = indexKeys(index, other).find((key) => keys.includes(key));
        if (clash !== undefined) throw duplicateKey(ns, index, doc);
      }
    }
  }

  private visibleDocsAfterCommit(ns: Namespace, txn: Transaction): Document[] {
    const merged = new Map(this.collectionAt(ns, false)?.docs ?? []);
    for (const [key, doc] of txn.writes.get(ns) ?? []) {
      if (doc) merged.set(key, doc);
      else merged.delete(key);
    }
    return [...merged.values()];
  }

  /** Documents matching a filter, using _id lookups when the filter pins _id. */
  private matching(ns: Namespace, filter: Document, txn: Transaction | null): Document[] {
    const id = filter._id;
    if (isPlainValue(id) && Object.keys(filter).length === 1) {
      // {_id: value}: the lookup is the whole query (the commonest filter by far).
      const doc = this.visibleDoc(ns, idKey(id), txn);
      return doc ? [doc] : [];
    }
    const query = new Query(filter);
    let candidates: Document[];
    if (isPlainValue(id)) candidates = [this.visibleDoc(ns, idKey(id), txn)].filter((doc): doc is Document => !!doc);
    else if (isObject(id) && Object.keys(id).length === 1 && Array.isArray((id as Document).$in) && ((id as Document).$in as unknown[]).every(isPlainValue))
      candidates = [...new Set(((id as Document).$in as unknown[]).map(idKey))].map((key) => this.visibleDoc(ns, key, txn)).filter((doc): doc is Document => !!doc);
    else candidates = this.visibleDocs(ns, txn);
    return candidates.filter((doc) => query.test(doc));
  }

  // ---- handshake and server info ---------------------------------------------------------------

  private hello(_cmd: Document, ctx: Context, legacy: boolean): Document {
    return {
      ...(legacy ? { ismaster: true } : { isWritablePrimary: true }),
      helloOk: true,
      maxBsonObjectSize: MAX_BSON_OBJECT_BYTES,
      maxMessageSizeBytes: MAX_MESSAGE_BYTES,
      maxWriteBatchSize: 100_000,
      localTime: new Date(),
      logicalSessionTimeoutMinutes: 30,
      connectionId: ctx.connection.id,
      minWireVersion: 0,
      maxWireVersion: WIRE_VERSION,
      readOnly: false,
      ...(this.standalone
        ? {}
        : { setName: REPLICA_SET, setVersion: 1, electionId: this.electionId, hosts: [this.address], primary: this.address, me: this.address, secondary: false }),
      ok: 1,
    };
  }

  private buildInfo(): Document {
    return { version: '7.0.0', versionArray: [7, 0, 0, 0], gitVersion: 'lead-ledger-wire-standin', bits: 64, maxBsonObjectSize: MAX_BSON_OBJECT_BYTES, modules: [], ok: 1 };
  }

  private getParameter(cmd: Document): Document {
    const known: Document = {
      featureCompatibilityVersion: { version: '7.0' },
      transactionLifetimeLimitSeconds: Math.round(this.transactionLifetimeMs / 1000),
      maxTransactionLockRequestTimeoutMillis: 5,
    };
    const response: Document = { ok: 1 };
    for (const name of Object.keys(cmd)) {
      if (name === 'getParameter' || name.startsWith('$') || name === 'lsid') continue;
      if (!(name in known)) throw new CommandError(72, `no option found to get: ${name}`);
      response[name] = known[name];
    }
    return response;
  }

  private listDatabases(cmd: Document): Document {
    const names = [...this.databases.keys()];
    if (cmd.nameOnly) return { databases: names.map((name) => ({ name })), ok: 1 };
    return { databases: names.map((name) => ({ name, sizeOnDisk: 0, empty: false })), totalSize: 0, ok: 1 };
  }

  private configureFailPoint(cmd: Document): Document {
    if (cmd.configureFailPoint !== 'failCommand') throw new CommandError(2, `fail point ${String(cmd.configureFailPoint)} is not modelled by the stand-in (only failCommand)`);
    const mode = cmd.mode;
    if (mode === 'off') this.failPoint = null;
    else if (mode === 'alwaysOn') this.failPoint = { remaining: Infinity, skip: 0, data: (cmd.data as Document) ?? {} };
    else if (isObject(mode) && typeof (mode as Document).times === 'number') this.failPoint = { remaining: (mode as Document).times, skip: 0, data: (cmd.data as Document) ?? {} };
    else if (isObject(mode) && typeof (mode as Document).skip === 'number') this.failPoint = { remaining: Infinity, skip: (mode as Document).skip, data: (cmd.data as Document) ?? {} };
    else throw new CommandError(2, 'mode must be off, alwaysOn, { times: n } or { skip: n }');
    return { count: 0, ok: 1 };
  }

  // ---- reads -------------------------------------------------------------------------------------

  private find(cmd: Document, ctx: Context): Document {
    refuseUnmodelled(cmd, ['collation', 'tailable', 'awaitData', 'min', 'max', 'returnKey', 'showRecordId', 'let']);
    const ns = `${ctx.db}.${cmd.find}`;
    let docs = this.matching(ns, (cmd.filter as Document) ?? {}, ctx.txn);
    let cursor = new Query({}).find(docs, isObject(cmd.projection) && Object.keys(cmd.projection as Document).length > 0 ? (cmd.projection as Document) : undefined);
    if (isObject(cmd.sort) && Object.keys(cmd.sort as Document).length > 0) cursor = cursor.sort(cmd.sort as Record<string, 1 | -1>);
    if (typeof cmd.skip === 'number' && cmd.skip > 0) cursor = cursor.skip(cmd.skip);
    const limit = typeof cmd.limit === 'number' ? Math.abs(cmd.limit) : 0;
    if (limit > 0) cursor = cursor.limit(limit);
    docs = cursor.all() as Document[];
    const singleBatch = cmd.singleBatch === true || (typeof cmd.limit === 'number' && cmd.limit < 0);
    return this.openCursor(ns, docs, typeof cmd.batchSize === 'number' ? cmd.batchSize : DEFAULT_FIRST_BATCH, singleBatch, 'firstBatch');
  }

  private openCursor(ns: Namespace, docs: Document[], batchSize: number, singleBatch: boolean, field: 'firstBatch' | 'nextBatch'): Document {
    const cursor: Cursor = { id: 0, ns, docs, position: 0, usedAt: Date.now() };
    const batch = takeBatch(cursor, batchSize);
    if (!singleBatch && cursor.position < docs.length) {
      // Idle cursors time out after 10 minutes, as on mongod (checked when a new one opens).
      for (const [id, idle] of this.cursors) if (cursor.usedAt - idle.usedAt > CURSOR_TIMEOUT_MS) this.cursors.delete(id);
      cursor.id = this.nextCursorId++;
      this.cursors.set(cursor.id, cursor);
    }
    return { cursor: { id: Long.fromNumber(cursor.id), ns, [field]: batch }, ok: 1 };
  }

  private getMore(cmd: Document): Document {
    const id = Number(cmd.getMore);
    const cursor = this.cursors.get(id);
    if (!cursor) throw new CommandError(43, `cursor id ${id} not found`);
    cursor.usedAt = Date.now();
    const batch = takeBatch(cursor, typeof cmd.batchSize === 'number' && cmd.batchSize > 0 ? cmd.batchSize : Infinity);
    if (cursor.position >= cursor.docs.length) {
      this.cursors.delete(id);
      cursor.id = 0;
    }
    return { cursor: { id: Long.fromNumber(cursor.id), ns: cursor.ns, nextBatch: batch }, ok: 1 };
  }

  private killCursors(cmd: Document): Document {
    const killed: Long[] = [];
    const notFound: Long[] = [];
    for (const raw of (cmd.cursors as unknown[]) ?? []) {
      const id = Number(raw);
      (this.cursors.delete(id) ? killed : notFound).push(Long.fromNumber(id));
    }
    return { cursorsKilled: killed, cursorsNotFound: notFound, cursorsAlive: [], cursorsUnknown: [], ok: 1 };
  }

  private count(cmd: Document, ctx: Context): Document {
    refuseUnmodelled(cmd, ['collation']);
    let n = this.matching(`${ctx.db}.${cmd.count}`, (cmd.query as Document) ?? {}, ctx.txn).length;
    if (typeof cmd.skip === 'number') n = Math.max(0, n - cmd.skip);
    if (typeof cmd.limit === 'number' && cmd.limit !== 0) n = Math.min(n, Math.abs(cmd.limit));
    return { n, ok: 1 };
  }

  private distinct(cmd: Document, ctx: Context): Document {
    refuseUnmodelled(cmd, ['collation']);
    const values = new Map<string, unknown>();
    for (const doc of this.matching(`${ctx.db}.${cmd.distinct}`, (cmd.query as Document) ?? {}, ctx.txn)) {
      const value = getPath(doc, String(cmd.key));
      for (const one of Array.isArray(value) ? value : value === undefined ? [] : [value]) values.set(idKey(one), one);
    }
    return { values: [...values.values()], ok: 1 };
  }

  private static readonly PIPELINE_STAGES = new Set(['$match', '$group', '$count', '$sort', '$skip', '$limit', '$project', '$addFields', '$set', '$unset', '$replaceRoot', '$replaceWith', '$unwind']);

  private aggregate(cmd: Document, ctx: Context): Document {
    if (cmd.aggregate === 1) throw new CommandError(59, 'database-level aggregate is not modelled by the stand-in');
    refuseUnmodelled(cmd, ['collation', 'let', 'explain']);
    const ns = `${ctx.db}.${cmd.aggregate}`;
    const pipeline = (cmd.pipeline as Document[]) ?? [];
    for (const stage of pipeline) {
      const stageName = Object.keys(stage)[0];
      if (!MongoWireStandin.PIPELINE_STAGES.has(stageName)) throw new CommandError(40324, `Unrecognized pipeline stage name: '${stageName}' (not modelled by the stand-in)`);
    }
    // A leading $match can use the _id lookup.
    const [first, ...rest] = pipeline;
    const source = first && '$match' in first ? this.matching(ns, first.$match as Document, ctx.txn) : this.visibleDocs(ns, ctx.txn);
    const docs = new Aggregator(first && '$match' in first ? rest : pipeline).run(source) as Document[];
    const batchSize = typeof (cmd.cursor as Document | undefined)?.batchSize === 'number' ? ((cmd.cursor as Document).batchSize as number) : DEFAULT_FIRST_BATCH;
    return this.openCursor(ns, docs, batchSize, false, 'firstBatch');
  }

  // ---- writes ------------------------------------------------------------------------------------

  private async insert(cmd: Document, ctx: Context): Promise<Document> {
    const ns = `${ctx.db}.${cmd.insert}`;
    const ordered = cmd.ordered !== false;
    const writeErrors: Document[] = [];
    let n = 0;
    const documents = (cmd.documents as Document[]) ?? [];
    for (let index = 0; index < documents.length; index++) {
      const doc = documents[index]._id === undefined ? { _id: new ObjectId(), ...documents[index] } : documents[index];
      const key = idKey(doc._id);
      try {
        while ((await this.waitForHolders(ns, [key], ctx.txn)) || (await this.waitForUniqueHolders(ns, [doc], ctx.txn)));
        if (this.visibleDoc(ns, key, ctx.txn)) throw duplicateKey(ns, { v: 2, key: { _id: 1 }, name: '_id_' }, doc);
        this.checkUnique(ns, doc, ctx.txn);
        this.write(ns, key, doc, ctx.txn);
        n++;
      } catch (error) {
        if (!(error instanceof CommandError) || ctx.txn && error.code === 112) throw error;
        writeErrors.push(writeError(index, error));
        if (ordered) break;
      }
    }
    return withWriteErrors({ n, ok: 1 }, writeErrors);
  }

  private async update(cmd: Document, ctx: Context): Promise<Document> {
    refuseUnmodelled(cmd, ['let']);
    const ns = `${ctx.db}.${cmd.update}`;
    const ordered = cmd.ordered !== false;
    const writeErrors: Document[] = [];
    const upserted: Document[] = [];
    let n = 0;
    let nModified = 0;
    const statements = (cmd.updates as Document[]) ?? [];
    for (let index = 0; index < statements.length; index++) {
      const statement = statements[index];
      refuseUnmodelled(statement, ['collation', 'sort']);
      try {
        const outcome = await this.updateOne(ns, statement.q as Document, statement.u as Document | Document[], { upsert: statement.upsert === true, multi: statement.multi === true, arrayFilters: statement.arrayFilters as unknown[] | undefined }, ctx);
        n += outcome.matched + (outcome.upsertedId !== undefined ? 1 : 0);
        nModified += outcome.modified;
        if (outcome.upsertedId !== undefined) upserted.push({ index, _id: outcome.upsertedId });
      } catch (error) {
        if (!(error instanceof CommandError) || ctx.txn && error.code === 112) throw error;
        writeErrors.push(writeError(index, error));
        if (ordered) break;
      }
    }
    const response: Document = { n, nModified, ok: 1 };
    if (upserted.length > 0) response.upserted = upserted;
    return withWriteErrors(response, writeErrors);
  }

  private async updateOne(
    ns: Namespace,
    filter: Document,
    update: Document | Document[],
    options: { upsert: boolean; multi: boolean; arrayFilters?: unknown[]; sort?: Document },
    ctx: Context,
  ): Promise<{ matched: number; modified: number; upsertedId?: unknown; before: Document | null; after: Document | null }> {
    if (options.arrayFilters && options.arrayFilters.length > 0) throw new CommandError(2, 'arrayFilters are not modelled by the stand-in');
    const isPipeline = Array.isArray(update);
    const isReplacement = !isPipeline && Object.keys(update).every((key) => !key.startsWith('$'));
    if (isReplacement && options.multi) throw new CommandError(9, 'multi update is not supported for replacement-style update');
    for (;;) {
      let matches = this.matching(ns, filter ?? {}, ctx.txn);
      if (options.sort) matches = new Query({}).find(matches).sort(options.sort as Record<string, 1 | -1>).all() as Document[];
      if (!options.multi) matches = matches.slice(0, 1);
      const seedId = matches.length === 0 && options.upsert ? upsertSeed(filter)._id : undefined;
      const keys = matches.length > 0 ? matches.map((doc) => idKey(doc._id)) : seedId !== undefined ? [idKey(seedId)] : [];
      if (await this.waitForHolders(ns, keys, ctx.txn)) continue;

      if (matches.length === 0) {
        if (!options.upsert) return { matched: 0, modified: 0, before: null, after: null };
        const seed = upsertSeed(filter);
        let doc = isReplacement ? { ...(seed._id !== undefined ? { _id: seed._id } : {}), ...(update as Document) } : applyUpdate(seed, update, true);
        if (doc._id === undefined) doc = { _id: new ObjectId(), ...doc };
        doc = idFirst(doc);
        if (seed._id !== undefined && idKey(seed._id) !== idKey(doc._id)) throw immutableId();
        if (await this.waitForUniqueHolders(ns, [doc], ctx.txn)) continue;
        const key = idKey(doc._id);
        if (this.visibleDoc(ns, key, ctx.txn)) throw duplicateKey(ns, { v: 2, key: { _id: 1 }, name: '_id_' }, doc);
        this.checkUnique(ns, doc, ctx.txn);
        this.write(ns, key, doc, ctx.txn);
        return { matched: 0, modified: 0, upsertedId: doc._id, before: null, after: doc };
      }

      // Every new version is computed before anything is written, so waiting and starting over is safe.
      const changes = matches.map((current) => {
        let next = isReplacement ? { _id: current._id, ...(update as Document) } : applyUpdate(current, update, false);
        if (next._id === undefined) next = { _id: current._id, ...next };
        if (idKey(next._id) !== idKey(current._id)) throw immutableId();
        return { current, next: idFirst(next) };
      });
      const modifying = changes.filter(({ current, next }) => !sameValue(current, next));
      if (await this.waitForUniqueHolders(ns, modifying.map(({ next }) => next), ctx.txn)) continue;
      for (const { current, next } of modifying) {
        this.checkUnique(ns, next, ctx.txn);
        this.write(ns, idKey(current._id), next, ctx.txn);
      }
      const last = changes[changes.length - 1];
      return { matched: matches.length, modified: modifying.length, before: last.current, after: last.next };
    }
  }

  private async delete(cmd: Document, ctx: Context): Promise<Document> {
    refuseUnmodelled(cmd, ['let']);
    const ns = `${ctx.db}.${cmd.delete}`;
    const ordered = cmd.ordered !== false;
    const writeErrors: Document[] = [];
    let n = 0;
    const statements = (cmd.deletes as Document[]) ?? [];
    for (let index = 0; index < statements.length; index++) {
      refuseUnmodelled(statements[index], ['collation']);
      try {
        let matches: Document[];
        for (;;) {
          matches = this.matching(ns, (statements[index].q as Document) ?? {}, ctx.txn);
          if (statements[index].limit === 1) matches = matches.slice(0, 1);
          if (!(await this.waitForHolders(ns, matches.map((doc) => idKey(doc._id)), ctx.txn))) break;
        }
        for (const doc of matches) this.write(ns, idKey(doc._id), null, ctx.txn);
        n += matches.length;
      } catch (error) {
        if (!(error instanceof CommandError) || ctx.txn && error.code === 112) throw error;
        writeErrors.push(writeError(index, error));
        if (ordered) break;
      }
    }
    return withWriteErrors({ n, ok: 1 }, writeErrors);
  }

  private async findAndModify(cmd: Document, ctx: Context): Promise<Document> {
    refuseUnmodelled(cmd, ['collation', 'let']);
    const ns = `${ctx.db}.${cmd.findAndModify}`;
    const project = (doc: Document | null) => (doc && isObject(cmd.fields) && Object.keys(cmd.fields as Document).length > 0 ? (new Query({}).find([doc], cmd.fields as Document).all()[0] as Document) : doc);
    if (cmd.remove === true) {
      let target: Document | undefined;
      for (;;) {
        let matches = this.matching(ns, (cmd.query as Document) ?? {}, ctx.txn);
        if (isObject(cmd.sort)) matches = new Query({}).find(matches).sort(cmd.sort as Record<string, 1 | -1>).all() as Document[];
        target = matches[0];
        if (!target || !(await this.waitForHolders(ns, [idKey(target._id)], ctx.txn))) break;
      }
      if (target) this.write(ns, idKey(target._id), null, ctx.txn);
      return { lastErrorObject: { n: target ? 1 : 0 }, value: project(target ?? null), ok: 1 };
    }
    const outcome = await this.updateOne(ns, (cmd.query as Document) ?? {}, cmd.update as Document, { upsert: cmd.upsert === true, multi: false, arrayFilters: cmd.arrayFilters as unknown[] | undefined, sort: isObject(cmd.sort) ? (cmd.sort as Document) : undefined }, ctx);
    const lastErrorObject: Document = { n: outcome.matched + (outcome.upsertedId !== undefined ? 1 : 0), updatedExisting: outcome.matched > 0 };
    if (outcome.upsertedId !== undefined) lastErrorObject.upserted = outcome.upsertedId;
    return { lastErrorObject, value: project(cmd.new === true ? outcome.after : outcome.before), ok: 1 };
  }

  // ---- collections and indexes ---------------------------------------------------------------

  private create(cmd: Document, ctx: Context): Document {
    const ns = `${ctx.db}.${cmd.create}`;
    if (this.exists(ns, ctx.txn)) throw new CommandError(48, `Collection ${ns} already exists.`);
    if (ctx.txn) ctx.txn.created.add(ns);
    else this.collectionAt(ns, true);
    return { ok: 1 };
  }

  private createIndexes(cmd: Document, ctx: Context): Document {
    const ns = `${ctx.db}.${cmd.createIndexes}`;
    const createdCollectionAutomatically = !this.collectionAt(ns, false);
    const collection = this.collectionAt(ns, true)!;
    const before = collection.indexes.length;
    const docs = this.visibleDocs(ns, null);
    for (const raw of (cmd.indexes as Document[]) ?? []) {
      for (const option of Object.keys(raw)) {
        if (!['key', 'name', 'unique', 'sparse', 'partialFilterExpression', 'v', 'background'].includes(option)) throw new CommandError(197, `index option '${option}' is not modelled by the stand-in`);
      }
      if (isObject(raw.key) && Object.values(raw.key as Document).some((direction) => direction !== 1 && direction !== -1)) {
        throw new CommandError(67, `only ascending/descending indexes are modelled by the stand-in, not ${EJSON.stringify(raw.key as Document)}`);
      }
      const spec: IndexSpec = { v: 2, key: raw.key as IndexSpec['key'], name: String(raw.name) };
      if (!isObject(raw.key) || Object.keys(raw.key as Document).length === 0) throw new CommandError(2, 'index key pattern must be a non-empty object');
      if (raw.unique === true) spec.unique = true;
      if (raw.sparse === true) spec.sparse = true;
      if (isObject(raw.partialFilterExpression)) spec.partialFilterExpression = raw.partialFilterExpression as Document;
      const sameName = collection.indexes.find((index) => index.name === spec.name);
      const sameKey = collection.indexes.find((index) => EJSON.stringify(index.key) === EJSON.stringify(spec.key));
      if (sameName) {
        if (EJSON.stringify(sameName.key) !== EJSON.stringify(spec.key)) throw new CommandError(86, `An existing index has the same name as the requested index but a different key: ${spec.name}`);
        if (!!sameName.unique !== !!spec.unique || !!sameName.sparse !== !!spec.sparse) throw new CommandError(85, `An existing index has the same name as the requested index but different options: ${spec.name}`);
        continue;
      }
      if (sameKey && !!sameKey.unique === !!spec.unique && !!sameKey.sparse === !!spec.sparse && !spec.partialFilterExpression)
        throw new CommandError(85, `Index already exists with a different name: ${sameKey.name}`);
      if (spec.unique) {
        const seen = new Map<string, Document>();
        for (const doc of docs) {
          for (const key of indexKeys(spec, doc)) {
            if (seen.has(key) && idKey(seen.get(key)!._id) !== idKey(doc._id)) throw duplicateKey(ns, spec, doc, true);
            seen.set(key, doc);
          }
        }
      }
      collection.indexes.push(spec);
    }
    const response: Document = { numIndexesBefore: before, numIndexesAfter: collection.indexes.length, createdCollectionAutomatically, ok: 1 };
    if (before === collection.indexes.length) response.note = 'all indexes already exist';
    return response;
  }

  private listIndexes(cmd: Document, ctx: Context): Document {
    const ns = `${ctx.db}.${cmd.listIndexes}`;
    const collection = this.collectionAt(ns, false);
    if (!collection) throw new CommandError(26, `ns does not exist: ${ns}`);
    return this.openCursor(ns, collection.indexes.map((index) => ({ ...index })), typeof (cmd.cursor as Document | undefined)?.batchSize === 'number' ? ((cmd.cursor as Document).batchSize as number) : DEFAULT_FIRST_BATCH, false, 'firstBatch');
  }

  private dropIndexes(cmd: Document, ctx: Context): Document {
    const ns = `${ctx.db}.${cmd.dropIndexes}`;
    const collection = this.collectionAt(ns, false);
    if (!collection) throw new CommandError(26, `ns not found ${ns}`);
    const before = collection.indexes.length;
    const target = cmd.index;
    if (target === '*') collection.indexes = collection.indexes.filter((index) => index.name === '_id_');
    else {
      const names = Array.isArray(target) ? target.map(String) : typeof target === 'string' ? [target] : [collection.indexes.find((index) => EJSON.stringify(index.key) === EJSON.stringify(target))?.name ?? ''];
      for (const name of names) {
        if (name === '_id_') throw new CommandError(72, 'cannot drop _id index');
        if (!collection.indexes.some((index) => index.name === name)) throw new CommandError(27, `index not found with name [${name}]`);
      }
      collection.indexes = collection.indexes.filter((index) => !names.includes(index.name));
    }
    return { nIndexesWas: before, ok: 1 };
  }

  private drop(cmd: Document, ctx: Context): Document {
    const ns = `${ctx.db}.${cmd.drop}`;
    const collection = this.collectionAt(ns, false);
    if (!collection) return { ok: 1 }; // mongod 7 answers ok for a missing collection
    this.forgetCollection(ns);
    return { ns, nIndexesWas: collection.indexes.length, ok: 1 };
  }

  private dropDatabase(ctx: Context): Document {
    for (const name of this.databases.get(ctx.db)?.keys() ?? []) this.forgetCollection(`${ctx.db}.${name}`);
    this.databases.delete(ctx.db);
    return { dropped: ctx.db, ok: 1 };
  }

  private forgetCollection(ns: Namespace): void {
    const [db, name] = splitNamespace(ns);
    this.databases.get(db)?.delete(name);
    for (const txn of [...this.openTransactions]) {
      if (txn.writes.has(ns) || txn.snapshot.has(ns)) this.finishTransaction(txn, 'aborted', `collection ${ns} was dropped`);
    }
    for (const [id, cursor] of this.cursors) if (cursor.ns === ns) this.cursors.delete(id);
  }

  private listCollections(cmd: Document, ctx: Context): Document {
    const collections = this.databases.get(ctx.db) ?? new Map<string, StoredCollection>();
    let infos: Document[] = [...collections].map(([name, collection]) => ({
      name,
      type: 'collection',
      options: {},
      info: { readOnly: false, uuid: collection.uuid },
      idIndex: { v: 2, key: { _id: 1 }, name: '_id_' },
    }));
    if (isObject(cmd.filter) && Object.keys(cmd.filter as Document).length > 0) infos = new Query(cmd.filter as Document).find(infos).all() as Document[];
    if (cmd.nameOnly === true) infos = infos.map((info) => ({ name: info.name, type: info.type }));
    return this.openCursor(`${ctx.db}.$cmd.listCollections`, infos, typeof (cmd.cursor as Document | undefined)?.batchSize === 'number' ? ((cmd.cursor as Document).batchSize as number) : DEFAULT_FIRST_BATCH, false, 'firstBatch');
  }

  private renameCollection(cmd: Document): Document {
    if (cmd.$db !== 'admin') throw new CommandError(13, 'renameCollection may only be run against the admin database.');
    const from = String(cmd.renameCollection);
    const to = String(cmd.to);
    const source = this.collectionAt(from, false);
    if (!source) throw new CommandError(26, `Source collection ${from} does not exist`);
    if (from === to) throw new CommandError(20, "Can't rename a collection to itself");
    if (this.collectionAt(to, false)) {
      if (cmd.dropTarget !== true) throw new CommandError(48, `target namespace exists`);
      this.forgetCollection(to);
    }
    this.forgetCollection(from);
    const [db, name] = splitNamespace(to);
    if (!this.databases.has(db)) this.databases.set(db, new Map());
    this.databases.get(db)!.set(name, source);
    return { ok: 1 };
  }
}

// ---- update evaluation -----------------------------------------------------------------------------

const UPDATE_PIPELINE_STAGES = new Set(['$addFields', '$set', '$project', '$unset', '$replaceRoot', '$replaceWith']);

function applyUpdate(current: Document, update: Document | Document[], inserting: boolean): Document {
  if (Array.isArray(update)) {
    for (const stage of update) {
      const name = Object.keys(stage)[0];
      if (!UPDATE_PIPELINE_STAGES.has(name)) throw new CommandError(72, `${name} is not allowed to be used within an update`);
    }
    const out = new Aggregator(update).run([clone(current)])[0] as Document | undefined;
    if (!out) throw new CommandError(2, 'update pipeline produced no document');
    return out;
  }
  const doc = clone(current);
  for (const [operator, fields] of Object.entries(update)) {
    if (!isObject(fields)) throw new CommandError(9, `Modifiers operate on fields but we found type ${typeof fields} instead.`);
    for (const [path, value] of Object.entries(fields as Document)) {
      if (path.split('.').some((part) => part.startsWith('$'))) throw new CommandError(2, `positional update operators ('${path}') are not modelled by the stand-in`);
      if (path === '_id' && operator !== '$setOnInsert' && operator !== '$set') throw immutableId();
      applyOperator(doc, operator, path, value, inserting);
    }
  }
  return doc;
}

function applyOperator(doc: Document, operator: string, path: string, value: unknown, inserting: boolean): void {
  const current = getPath(doc, path);
  switch (operator) {
    case '$set':
      return setPath(doc, path, clone(value));
    case '$setOnInsert':
      if (inserting) setPath(doc, path, clone(value));
      return;
    case '$unset':
      return unsetPath(doc, path);
    case '$inc':
    case '$mul': {
      if (typeof value !== 'number') throw new CommandError(14, `Cannot ${operator === '$inc' ? 'increment' : 'multiply'} with non-numeric argument: {${path}: ${EJSON.stringify(value as never)}}`);
      if (current !== undefined && typeof current !== 'number') throw new CommandError(14, `Cannot apply ${operator} to a value of non-numeric type. {_id: ${EJSON.stringify(doc._id)}} has the field '${path}' of non-numeric type`);
      return setPath(doc, path, operator === '$inc' ? ((current as number | undefined) ?? 0) + value : ((current as number | undefined) ?? 0) * value);
    }
    case '$min':
    case '$max': {
      const replace = current === undefined || (operator === '$min' ? compareValues(value, current) < 0 : compareValues(value, current) > 0);
      if (replace) setPath(doc, path, clone(value));
      return;
    }
    case '$currentDate':
      return setPath(doc, path, new Date());
    case '$rename': {
      if (current !== undefined) {
        unsetPath(doc, path);
        setPath(doc, String(value), current);
      }
      return;
    }
    case '$push':
    case '$addToSet': {
      if (current !== undefined && !Array.isArray(current)) throw new CommandError(2, `The field '${path}' must be an array but is of type ${typeof current}`);
      const each = isObject(value) && '$each' in (value as Document) ? ((value as Document).$each as unknown[]) : [value];
      if (isObject(value) && Object.keys(value as Document).some((key) => key.startsWith('$') && key !== '$each')) throw new CommandError(2, `${operator} modifiers other than $each are not modelled by the stand-in`);
      const array = [...((current as unknown[] | undefined) ?? [])];
      for (const item of each) if (operator === '$push' || !array.some((one) => idKey(one) === idKey(item))) array.push(clone(item));
      return setPath(doc, path, array);
    }
    case '$pull': {
      if (!Array.isArray(current)) return;
      const matches = pullMatcher(value);
      return setPath(doc, path, current.filter((item) => !matches(item)));
    }
    case '$pop': {
      if (!Array.isArray(current)) return;
      return setPath(doc, path, value === -1 ? current.slice(1) : current.slice(0, -1));
    }
    default:
      throw new CommandError(9, `Unknown modifier: ${operator}. Expected a valid update modifier or pipeline-style update specified as an array`);
  }
}

function pullMatcher(condition: unknown): (item: unknown) => boolean {
  if (isObject(condition) && !isBsonValue(condition)) {
    const keys = Object.keys(condition as Document);
    if (keys.every((key) => key.startsWith('$'))) {
      const query = new Query({ value: condition as Document });
      return (item) => query.test({ value: item });
    }
    const query = new Query(condition as Document);
    return (item) => isObject(item) && query.test(item as Document);
  }
  return (item) => idKey(item) === idKey(condition);
}

/** The document an upsert starts from: the filter's equality conditions. */
function upsertSeed(filter: Document): Document {
  const seed: Document = {};
  const take = (conditions: Document) => {
    for (const [key, value] of Object.entries(conditions)) {
      if (key === '$and' && Array.isArray(value)) value.forEach((part) => isObject(part) && take(part as Document));
      if (key.startsWith('$')) continue;
      if (isObject(value) && !isBsonValue(value) && Object.keys(value as Document).some((k) => k.startsWith('$'))) {
        if ('$eq' in (value as Document)) setPath(seed, key, clone((value as Document).$eq));
        continue;
      }
      setPath(seed, key, clone(value));
    }
  };
  take(filter ?? {});
  return seed;
}

// ---- helpers -------------------------------------------------------------------------------------

function parseOpMsg(message: Buffer, flags: number): Document {
  const end = message.length - ((flags & 1) !== 0 ? 4 : 0);
  let offset = 20;
  let body: Document = {};
  const sequences: Record<string, Document[]> = {};
  while (offset < end) {
    const kind = message[offset++];
    const size = message.readInt32LE(offset);
    if (kind === 0) {
      body = BSON.deserialize(message.subarray(offset, offset + size));
      offset += size;
    } else if (kind === 1) {
      const sectionEnd = offset + size;
      let cursor = offset + 4;
      const nameEnd = message.indexOf(0, cursor);
      const identifier = message.toString('utf8', cursor, nameEnd);
      cursor = nameEnd + 1;
      const docs: Document[] = [];
      while (cursor < sectionEnd) {
        const docSize = message.readInt32LE(cursor);
        docs.push(BSON.deserialize(message.subarray(cursor, cursor + docSize)));
        cursor += docSize;
      }
      sequences[identifier] = docs;
      offset = sectionEnd;
    } else {
      throw new Error(`unknown OP_MSG section kind ${kind}`);
    }
  }
  return { ...body, ...sequences };
}

function parseOpQuery(message: Buffer): { collection: string; query: Document } {
  let offset = 20; // header + flags
  const nameEnd = message.indexOf(0, offset);
  const collection = message.toString('utf8', offset, nameEnd);
  offset = nameEnd + 1 + 8; // numberToSkip, numberToReturn
  const size = message.readInt32LE(offset);
  return { collection, query: BSON.deserialize(message.subarray(offset, offset + size)) };
}

function encodeOpMsg(requestId: number, responseTo: number, doc: Document): Buffer {
  const body = BSON.serialize(doc, { ignoreUndefined: true });
  const header = Buffer.alloc(21);
  header.writeInt32LE(21 + body.length, 0);
  header.writeInt32LE(requestId, 4);
  header.writeInt32LE(responseTo, 8);
  header.writeInt32LE(OP_MSG, 12);
  header.writeUInt32LE(0, 16);
  header.writeUInt8(0, 20);
  return Buffer.concat([header, body]);
}

function encodeOpReply(requestId: number, responseTo: number, doc: Document): Buffer {
  const body = BSON.serialize(doc, { ignoreUndefined: true });
  const header = Buffer.alloc(36);
  header.writeInt32LE(36 + body.length, 0);
  header.writeInt32LE(requestId, 4);
  header.writeInt32LE(responseTo, 8);
  header.writeInt32LE(OP_REPLY, 12);
  header.writeInt32LE(0, 16); // responseFlags
  header.writeBigInt64LE(0n, 20); // cursorID
  header.writeInt32LE(0, 28); // startingFrom
  header.writeInt32LE(1, 32); // numberReturned
  return Buffer.concat([header, body]);
}

function takeBatch(cursor: Cursor, batchSize: number): Document[] {
  const size = batchSize > 0 ? batchSize : batchSize === 0 ? DEFAULT_FIRST_BATCH : Infinity;
  const batch: Document[] = [];
  let bytes = 0;
  while (cursor.position < cursor.docs.length && batch.length < size) {
    const doc = cursor.docs[cursor.position];
    bytes += BSON.calculateObjectSize(doc);
    if (batch.length > 0 && bytes > MAX_BSON_OBJECT_BYTES) break;
    batch.push(doc);
    cursor.position++;
  }
  return batch;
}

/** Options mongod honours and the stand-in does not model: refused, never silently ignored. */
function refuseUnmodelled(cmd: Document, options: string[]): void {
  for (const option of options) {
    const value = cmd[option];
    const given = value !== undefined && value !== null && value !== false && !(isObject(value) && Object.keys(value).length === 0);
    if (given) throw new CommandError(2, `'${option}' is not modelled by the MongoDB wire stand-in`);
  }
}

function withWriteErrors(response: Document, writeErrors: Document[]): Document {
  return writeErrors.length > 0 ? { ...response, writeErrors } : response;
}

function writeError(index: number, error: CommandError): Document {
  return { index, code: error.code, errmsg: error.message, ...error.extra };
}

function duplicateKey(ns: Namespace, index: IndexSpec, doc: Document, building = false): CommandError {
  const keyValue: Document = {};
  for (const field of Object.keys(index.key)) keyValue[field] = getPath(doc, field) ?? null;
  const shown = Object.entries(keyValue)
    .map(([field, value]) => `${field}: ${EJSON.stringify(value as never)}`)
    .join(', ');
  const message = `${building ? 'Index build failed: ' : ''}E11000 duplicate key error collection: ${ns} index: ${index.name} dup key: { ${shown} }`;
  return new CommandError(11000, message, [], { keyPattern: index.key, keyValue });
}

function immutableId(): CommandError {
  return new CommandError(66, "Performing an update on the path '_id' would modify the immutable field '_id'");
}

/** The keys a document has in an index (one per array element, like a multikey index). */
function indexKeys(index: IndexSpec, doc: Document): string[] {
  if (index.partialFilterExpression && !new Query(index.partialFilterExpression).test(doc)) return [];
  const fields = Object.keys(index.key);
  if (index.sparse && fields.every((field) => getPath(doc, field) === undefined)) return [];
  let combinations: unknown[][] = [[]];
  for (const field of fields) {
    const value = getPath(doc, field);
    const values = Array.isArray(value) ? (value.length > 0 ? value : [undefined]) : [value];
    combinations = combinations.flatMap((prefix) => values.map((one) => [...prefix, one ?? null]));
  }
  return [...new Set(combinations.map((values) => values.map(idKey).join('\u0000')))];
}

/** A canonical key for a value (documents by _id, distinct values). */
function idKey(value: unknown): string {
  if (typeof value === 'string') return `s${value}`;
  if (typeof value === 'number') return `n${value}`;
  if (value === null || value === undefined) return 'null';
  if (isObject(value) && (value as { _bsontype?: string })._bsontype === 'ObjectId') return `o${(value as ObjectId).toHexString()}`;
  return `x${EJSON.stringify(value as never, { relaxed: false })}`;
}

function sessionKey(lsid: Document): string {
  const id = lsid.id as Binary | undefined;
  return id && typeof id === 'object' && 'buffer' in id ? Buffer.from(id.buffer).toString('hex') : EJSON.stringify(lsid);
}

function splitNamespace(ns: Namespace): [string, string] {
  const dot = ns.indexOf('.');
  return [ns.slice(0, dot), ns.slice(dot + 1)];
}

function isObject(value: unknown): value is Document {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isBsonValue(value: unknown): boolean {
  return isObject(value) && (typeof (value as { _bsontype?: unknown })._bsontype === 'string' || value instanceof Date);
}

function isPlainValue(value: unknown): boolean {
  return typeof value === 'string' || typeof value === 'number' || isBsonValue(value);
}

function compareValues(a: unknown, b: unknown): number {
  const x = a instanceof Date ? a.getTime() : a;
  const y = b instanceof Date ? b.getTime() : b;
  return (x as number) < (y as number) ? -1 : (x as number) > (y as number) ? 1 : 0;
}

/** A deep copy of plain objects and arrays; BSON values are immutable and shared. */
function clone<T>(value: T): T {
  if (Array.isArray(value)) return value.map(clone) as T;
  if (value instanceof Date) return new Date(value.getTime()) as T;
  if (isObject(value) && !isBsonValue(value)) {
    const out: Document = {};
    for (const [key, child] of Object.entries(value)) out[key] = clone(child);
    return out as T;
  }
  return value;
}

/** BSON equality as mongod sees it for "was the document modified": same fields, same order, same values. */
function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((item, i) => sameValue(item, b[i]));
  if (a instanceof Date) return b instanceof Date && a.getTime() === b.getTime();
  if (isBsonValue(a) || isBsonValue(b)) return idKey(a) === idKey(b);
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    const other = Object.keys(b);
    return keys.length === other.length && keys.every((key, i) => key === other[i] && sameValue(a[key], b[key]));
  }
  return false;
}

function idFirst(doc: Document): Document {
  const { _id, ...rest } = doc;
  return { _id, ...rest };
}

function getPath(doc: unknown, path: string): unknown {
  let value: unknown = doc;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Document)[part];
  }
  return value;
}

function setPath(doc: Document, path: string, value: unknown): void {
  const parts = path.split('.');
  let target: Document = doc;
  for (const part of parts.slice(0, -1)) {
    if (!isObject(target[part]) && !Array.isArray(target[part])) {
      if (target[part] !== undefined && target[part] !== null) throw new CommandError(28, `Cannot create field '${part}' in element {${part}: ${EJSON.stringify(target[part] as never)}}`);
      target[part] = {};
    }
    target = target[part] as Document;
  }
  target[parts[parts.length - 1]] = value;
}

function unsetPath(doc: Document, path: string): void {
  const parts = path.split('.');
  const container = parts.length === 1 ? doc : getPath(doc, parts.slice(0, -1).join('.'));
  const last = parts[parts.length - 1];
  if (Array.isArray(container)) container[Number(last)] = null;
  else if (isObject(container)) delete container[last];
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Starts the stand-in on 127.0.0.1 (a free port unless one is given). */
export async function startMongoStandin(options: MongoStandinOptions = {}): Promise<MongoStandin> {
  const standin = new MongoWireStandin((options.transactionLifetimeLimitSeconds ?? 60) * 1000, options.standalone === true);
  await standin.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  return {
    url: options.standalone ? `mongodb://${standin.address}/?directConnection=true` : `mongodb://${standin.address}/?replicaSet=${REPLICA_SET}&directConnection=true`,
    port: standin.port,
    close: () => standin.close(),
  };
}

if (require.main === module) {
  const argument = (name: string) => {
    const index = process.argv.indexOf(name);
    return index >= 0 ? process.argv[index + 1] : undefined;
  };
  const port = Number(argument('--port') ?? 0);
  const lifetime = argument('--transaction-lifetime-seconds');
  startMongoStandin({ port, host: argument('--host'), transactionLifetimeLimitSeconds: lifetime ? Number(lifetime) : undefined, standalone: process.argv.includes('--standalone') })
    .then((standin) => {
      process.stdout.write(`${standin.url}\n`);
      const stop = () => void standin.close().then(() => process.exit(0));
      process.on('SIGTERM', stop);
      process.on('SIGINT', stop);
    })
    .catch((error: Error) => {
      process.stderr.write(`mongo wire stand-in failed to start: ${error.message}\n`);
      process.exit(1);
    });
}
