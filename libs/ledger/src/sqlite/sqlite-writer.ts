import { Worker } from 'node:worker_threads';
import { ExpectedRevision, LedgerUnavailableError } from '../ledger.port';

/** One append as it crosses to the writer thread: payloads already serialised. */
export interface WireAppend {
  stream: string;
  expectedRevision: ExpectedRevision;
  events: Array<{
    id: string;
    type: string;
    schemaVersion: number;
    data: string;
    metadata: string;
    recordedAt: string;
    hash: string | null;
    prevHash: string | null;
  }>;
}

export type WireOutcome = { ok: true; revision: bigint; positions: bigint[] } | { ok: false; actual: bigint | null };

/**
 * The writer thread's code. Plain JavaScript run with `eval`, so it loads the same way from the
 * TypeScript sources (tests) and from the compiled build, with no separate file to ship.
 */
const WRITER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.pragma('busy_timeout = 5000');
db.defaultSafeIntegers(true);
const insert = db.prepare('INSERT INTO events (event_id, stream, revision, type, schema_version, data, metadata, recorded_at, hash, prev_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
const revisionOf = db.prepare('SELECT MAX(revision) AS revision FROM events WHERE stream = ?');
class Conflict { constructor(actual) { this.actual = actual; } }
function matches(expected, current) {
  if (expected === 'any') return true;
  if (expected === 'no_stream') return current === null;
  if (expected === 'stream_exists') return current !== null;
  return current === expected;
}
const appendOne = db.transaction((request) => {
  const current = revisionOf.get(request.stream).revision;
  if (!matches(request.expectedRevision, current)) throw new Conflict(current);
  let revision = current === null ? -1n : current;
  const positions = [];
  for (const e of request.events) {
    revision += 1n;
    positions.push(insert.run(e.id, request.stream, revision, e.type, e.schemaVersion, e.data, e.metadata, e.recordedAt, e.hash, e.prevHash).lastInsertRowid);
  }
  return { revision, positions };
});
// Nested transactions are savepoints: a refused append rolls back alone; the batch shares one fsync.
const commitBatch = db.transaction((batch) => batch.map((request) => {
  try { return { ok: true, ...appendOne(request) }; }
  catch (error) { if (error instanceof Conflict) return { ok: false, actual: error.actual }; throw error; }
}));
parentPort.on('message', ({ id, batch }) => {
  try { parentPort.postMessage({ id, outcomes: commitBatch(batch) }); }
  catch (error) { parentPort.postMessage({ id, error: String((error && error.message) || error) }); }
});
`;

/**
 * Commits batches of appends on a dedicated thread with its own connection, so the event loop
 * keeps serving requests while SQLite fsyncs; appends that arrive meanwhile form the next batch.
 */
export class SqliteWriter {
  private readonly waiting = new Map<number, { resolve: (outcomes: WireOutcome[]) => void; reject: (error: Error) => void }>();
  private nextId = 1;
  private failure: Error | null = null;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (message: { id: number; outcomes?: WireOutcome[]; error?: string }) => {
      const waiter = this.waiting.get(message.id);
      this.waiting.delete(message.id);
      if (message.error !== undefined) waiter?.reject(new LedgerUnavailableError(`append failed: ${message.error}`));
      else waiter?.resolve(message.outcomes!);
    });
    worker.on('error', (error) => this.fail(new LedgerUnavailableError(`ledger writer stopped: ${error.message}`, { cause: error })));
    worker.on('exit', (code) => this.fail(new LedgerUnavailableError(`ledger writer exited (${code})`)));
  }

  /** Messages posted before the thread is up are queued, so there is nothing to wait for. */
  static start(path: string): SqliteWriter {
    const worker = new Worker(WRITER_SOURCE, { eval: true, workerData: { path, driver: require.resolve('better-sqlite3') } });
    // An idle ledger must not keep the process alive; close() ends the thread explicitly.
    worker.unref();
    return new SqliteWriter(worker);
  }

  commit(batch: WireAppend[]): Promise<WireOutcome[]> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise<WireOutcome[]>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ id, batch });
    });
  }

  async close(): Promise<void> {
    this.failure ??= new LedgerUnavailableError('ledger is closed');
    await this.worker.terminate();
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const waiter of this.waiting.values()) waiter.reject(error);
    this.waiting.clear();
  }
}
