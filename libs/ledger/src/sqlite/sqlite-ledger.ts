import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  AppendResult,
  ExpectedRevision,
  Ledger,
  LedgerSubscription,
  LedgerUnavailableError,
  NewEvent,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  SubscribeOptions,
  WrongExpectedRevisionError,
} from '../ledger.port';

/** Bumped only by a migration that keeps every existing event byte-for-byte. */
const FORMAT_VERSION = 1;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  position        INTEGER PRIMARY KEY AUTOINCREMENT,
  event_id        TEXT    NOT NULL UNIQUE,
  stream          TEXT    NOT NULL,
  revision        INTEGER NOT NULL,
  type            TEXT    NOT NULL,
  schema_version  INTEGER NOT NULL,
  data            TEXT    NOT NULL,
  metadata        TEXT    NOT NULL,
  recorded_at     TEXT    NOT NULL,
  hash            TEXT,
  prev_hash       TEXT,
  UNIQUE (stream, revision)
);
CREATE TRIGGER IF NOT EXISTS events_are_never_updated BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'ledger events are append-only: UPDATE is refused'); END;
CREATE TRIGGER IF NOT EXISTS events_are_never_deleted BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'ledger events are append-only: DELETE is refused'); END;
CREATE TABLE IF NOT EXISTS ledger_info (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
`;

interface EventRow {
  position: bigint;
  event_id: string;
  stream: string;
  revision: bigint;
  type: string;
  schema_version: bigint;
  data: string;
  metadata: string;
  recorded_at: string;
  hash: string | null;
  prev_hash: string | null;
}

interface PendingAppend {
  stream: string;
  events: NewEvent[];
  expectedRevision: ExpectedRevision;
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
}

/** How often a live subscription looks for events written by another process on the same file. */
const CROSS_PROCESS_POLL_MS = 250;
const SUBSCRIPTION_PAGE = 512;
const MAX_REVISION = 2n ** 63n - 1n;

/**
 * The embedded ledger: one SQLite file in WAL mode.
 *
 * Durability: `synchronous=FULL` makes every commit fsync the WAL before it returns, so an append's
 * promise resolves only once the events are on disk. Appends that arrive in the same turn of the
 * event loop share one transaction and one fsync (group commit); each append still succeeds or
 * fails on its own, inside a savepoint.
 *
 * Append-only: triggers refuse UPDATE and DELETE on `events`, and this class has no statement that
 * would try.
 */
export class SqliteLedger implements Ledger {
  private readonly changes = new EventEmitter();
  private pending: PendingAppend[] = [];
  private flushScheduled = false;
  private closed = false;

  private readonly statements: ReturnType<SqliteLedger['prepare']>;
  private readonly commitBatch: (batch: PendingAppend[]) => Array<AppendResult | Error>;

  private constructor(
    private readonly db: Database.Database,
    readonly path: string,
  ) {
    this.statements = this.prepare();
    const appendOne = db.transaction((request: PendingAppend) => this.appendInTransaction(request));
    // Nested better-sqlite3 transactions become savepoints: one refused append rolls back alone.
    this.commitBatch = db.transaction((batch: PendingAppend[]) =>
      batch.map((request) => {
        try {
          return appendOne(request);
        } catch (error) {
          if (error instanceof WrongExpectedRevisionError) return error;
          throw error;
        }
      }),
    );
    this.changes.setMaxListeners(0);
  }

  static open(path: string): SqliteLedger {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('busy_timeout = 5000');
    db.exec(SCHEMA);
    db.prepare(`INSERT OR IGNORE INTO ledger_info (key, value) VALUES ('format_version', ?)`).run(String(FORMAT_VERSION));
    const format = Number((db.prepare(`SELECT value FROM ledger_info WHERE key = 'format_version'`).get() as { value: string }).value);
    if (format > FORMAT_VERSION) {
      db.close();
      throw new Error(`${path} has ledger format ${format}; this build reads up to ${FORMAT_VERSION}`);
    }
    return new SqliteLedger(db, path);
  }

  append(stream: string, events: NewEvent[], options: { expectedRevision: ExpectedRevision }): Promise<AppendResult> {
    if (this.closed) return Promise.reject(new LedgerUnavailableError('ledger is closed'));
    if (events.length === 0) return Promise.reject(new Error('append needs at least one event'));
    return new Promise<AppendResult>((resolve, reject) => {
      this.pending.push({ stream, events, expectedRevision: options.expectedRevision, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const limit = options.maxCount ?? -1;
    const backwards = options.direction === 'backwards';
    const rows = backwards
      ? (this.statements.readStreamBackwards.all(stream, options.fromRevision ?? MAX_REVISION, limit) as EventRow[])
      : (this.statements.readStreamForwards.all(stream, options.fromRevision ?? 0n, limit) as EventRow[]);
    return rows.map(toRecordedEvent);
  }

  async streamRevision(stream: string): Promise<bigint | null> {
    return this.currentRevision(stream);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    return this.readAllSync(options.after ?? 0n, options.maxCount ?? -1);
  }

  async headPosition(): Promise<bigint | null> {
    const row = this.statements.head.get() as { position: bigint | null };
    return row.position;
  }

  subscribeToAll(options: SubscribeOptions = {}): LedgerSubscription {
    let closed = false;
    let wake: (() => void) | null = null;
    const notify = () => {
      const resume = wake;
      wake = null;
      resume?.();
    };
    this.changes.on('appended', notify);
    const poll = setInterval(notify, CROSS_PROCESS_POLL_MS);
    poll.unref();
    const stop = () => {
      closed = true;
      clearInterval(poll);
      this.changes.off('appended', notify);
      notify();
    };
    const self = this;
    async function* iterate(): AsyncGenerator<RecordedEvent> {
      let cursor = options.after ?? 0n;
      try {
        while (!closed && !self.closed) {
          const page = self.readAllSync(cursor, SUBSCRIPTION_PAGE);
          if (page.length === 0) {
            // No await between the empty read and arming `wake`, so no append can slip between them.
            await new Promise<void>((resolve) => (wake = resolve));
            continue;
          }
          for (const event of page) {
            if (closed) return;
            yield event;
            cursor = event.position;
          }
        }
      } finally {
        stop();
      }
    }
    const iterator = iterate();
    return {
      [Symbol.asyncIterator]: () => iterator,
      close: async () => stop(),
    };
  }

  async ping(): Promise<void> {
    if (this.closed) throw new LedgerUnavailableError('ledger is closed');
    this.db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    this.changes.emit('appended');
    this.db.close();
  }

  private flush(): void {
    this.flushScheduled = false;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    let outcomes: Array<AppendResult | Error>;
    try {
      outcomes = this.commitBatch(batch);
    } catch (error) {
      const failure = new LedgerUnavailableError(`append failed: ${(error as Error).message}`, { cause: error });
      for (const request of batch) request.reject(failure);
      return;
    }
    batch.forEach((request, i) => {
      const outcome = outcomes[i];
      if (outcome instanceof Error) request.reject(outcome);
      else request.resolve(outcome);
    });
    this.changes.emit('appended');
  }

  private appendInTransaction({ stream, events, expectedRevision }: PendingAppend): AppendResult {
    const current = this.currentRevision(stream);
    if (!revisionMatches(expectedRevision, current)) throw new WrongExpectedRevisionError(stream, expectedRevision, current);
    let revision = current === null ? -1n : current;
    const recorded: RecordedEvent[] = [];
    for (const event of events) {
      revision += 1n;
      const id = event.id ?? randomUUID();
      const data = JSON.stringify(event.data);
      const metadata = JSON.stringify(event.metadata);
      const { lastInsertRowid } = this.statements.insert.run(
        id,
        stream,
        revision,
        event.type,
        event.schemaVersion,
        data,
        metadata,
        event.recordedAt,
        event.chain?.hash ?? null,
        event.chain?.prevHash ?? null,
      );
      // Parse back what was stored, so callers see exactly what a later read returns.
      recorded.push({
        id,
        type: event.type,
        schemaVersion: event.schemaVersion,
        data: JSON.parse(data),
        metadata: JSON.parse(metadata),
        recordedAt: event.recordedAt,
        stream,
        revision,
        position: BigInt(lastInsertRowid),
        chain: event.chain ? { hash: event.chain.hash, prevHash: event.chain.prevHash } : null,
      });
    }
    const last = recorded[recorded.length - 1];
    return { nextRevision: last.revision, position: last.position, events: recorded };
  }

  private currentRevision(stream: string): bigint | null {
    const row = this.statements.streamRevision.get(stream) as { revision: bigint | null };
    return row.revision;
  }

  private readAllSync(after: bigint, limit: number): RecordedEvent[] {
    return (this.statements.readAll.all(after, limit) as EventRow[]).map(toRecordedEvent);
  }

  private prepare() {
    const safe = (sql: string) => this.db.prepare(sql).safeIntegers(true);
    return {
      insert: this.db.prepare(
        `INSERT INTO events (event_id, stream, revision, type, schema_version, data, metadata, recorded_at, hash, prev_hash)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      streamRevision: safe(`SELECT MAX(revision) AS revision FROM events WHERE stream = ?`),
      readStreamForwards: safe(`SELECT * FROM events WHERE stream = ? AND revision >= ? ORDER BY revision ASC LIMIT ?`),
      readStreamBackwards: safe(`SELECT * FROM events WHERE stream = ? AND revision <= ? ORDER BY revision DESC LIMIT ?`),
      readAll: safe(`SELECT * FROM events WHERE position > ? ORDER BY position ASC LIMIT ?`),
      head: safe(`SELECT MAX(position) AS position FROM events`),
    };
  }
}

function revisionMatches(expected: ExpectedRevision, current: bigint | null): boolean {
  switch (expected) {
    case 'any':
      return true;
    case 'no_stream':
      return current === null;
    case 'stream_exists':
      return current !== null;
    default:
      return current === expected;
  }
}

function toRecordedEvent(row: EventRow): RecordedEvent {
  return {
    id: row.event_id,
    type: row.type,
    schemaVersion: Number(row.schema_version),
    data: JSON.parse(row.data),
    metadata: JSON.parse(row.metadata),
    recordedAt: row.recorded_at,
    stream: row.stream,
    revision: row.revision,
    position: row.position,
    chain: row.hash === null || row.prev_hash === null ? null : { hash: row.hash, prevHash: row.prev_hash },
  };
}
