import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { SqliteWriter, WireAppend, WireOutcome } from './sqlite-writer';
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
 * promise resolves only once the events are on disk. Commits run on a writer thread (SqliteWriter)
 * so the event loop is not blocked by fsync; every append that arrives while a commit is under way
 * joins the next one (group commit), and each append still succeeds or fails on its own, inside a
 * savepoint. Reads use this thread's own connection and see every acknowledged append.
 *
 * Append-only: triggers refuse UPDATE and DELETE on `events`, and this class has no statement that
 * would try.
 */
export class SqliteLedger implements Ledger {
  private readonly changes = new EventEmitter();
  private pending: PendingAppend[] = [];
  private flushScheduled = false;
  private writing: Promise<void> | null = null;
  private closed = false;

  private readonly statements: ReturnType<SqliteLedger['prepare']>;

  private constructor(
    private readonly db: Database.Database,
    private readonly writer: SqliteWriter,
    readonly path: string,
  ) {
    this.statements = this.prepare();
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
    return new SqliteLedger(db, SqliteWriter.start(path), path);
  }

  append(stream: string, events: NewEvent[], options: { expectedRevision: ExpectedRevision }): Promise<AppendResult> {
    if (this.closed) return Promise.reject(new LedgerUnavailableError('ledger is closed'));
    if (events.length === 0) return Promise.reject(new Error('append needs at least one event'));
    return new Promise<AppendResult>((resolve, reject) => {
      this.pending.push({ stream, events, expectedRevision: options.expectedRevision, resolve, reject });
      // While a commit is under way, appends just queue: the running flush takes them next.
      if (!this.flushScheduled && this.writing === null) {
        this.flushScheduled = true;
        setImmediate(() => void this.flush());
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
    // Events this process just committed, handed over in memory so a caught-up subscriber does not
    // read back what it was given; any gap (another process wrote) falls back to reading the file.
    let handedOver: RecordedEvent[] = [];
    const notify = (committed?: RecordedEvent[]) => {
      if (committed && handedOver.length < SUBSCRIPTION_PAGE) handedOver.push(...committed);
      const resume = wake;
      wake = null;
      resume?.();
    };
    const poll = setInterval(() => notify(), CROSS_PROCESS_POLL_MS);
    poll.unref();
    this.changes.on('appended', notify);
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
          let page = handedOver.filter((event) => event.position > cursor);
          handedOver = [];
          if (page.length === 0 || page[0].position !== cursor + 1n) page = self.readAllSync(cursor, SUBSCRIPTION_PAGE);
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
    await this.flush();
    this.closed = true;
    this.changes.emit('appended');
    await this.writer.close();
    this.db.close();
  }

  /** Sends queued appends to the writer thread, batch after batch, until the queue is empty. */
  private flush(): Promise<void> {
    this.flushScheduled = false;
    this.writing ??= (async () => {
      try {
        while (this.pending.length > 0) {
          const batch = this.pending;
          this.pending = [];
          await this.commit(batch);
        }
      } finally {
        this.writing = null;
      }
    })();
    return this.writing;
  }

  private async commit(batch: PendingAppend[]): Promise<void> {
    const wire = batch.map(toWire);
    let outcomes: WireOutcome[];
    try {
      outcomes = await this.writer.commit(wire);
    } catch (error) {
      for (const request of batch) request.reject(error);
      return;
    }
    const committed: RecordedEvent[] = [];
    batch.forEach((request, i) => {
      const outcome = outcomes[i];
      if (!outcome.ok) {
        request.reject(new WrongExpectedRevisionError(request.stream, request.expectedRevision, outcome.actual));
        return;
      }
      const events = wire[i].events.map((event, j): RecordedEvent => ({
        id: event.id,
        type: event.type,
        schemaVersion: event.schemaVersion,
        // Parsed back from what was stored, so callers see exactly what a later read returns.
        data: JSON.parse(event.data),
        metadata: JSON.parse(event.metadata),
        recordedAt: event.recordedAt,
        stream: request.stream,
        revision: outcome.revision - BigInt(wire[i].events.length - 1 - j),
        position: outcome.positions[j],
        chain: event.hash === null || event.prevHash === null ? null : { hash: event.hash, prevHash: event.prevHash },
      }));
      committed.push(...events);
      const last = events[events.length - 1];
      request.resolve({ nextRevision: last.revision, position: last.position, events });
    });
    this.changes.emit('appended', committed);
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
      streamRevision: safe(`SELECT MAX(revision) AS revision FROM events WHERE stream = ?`),
      readStreamForwards: safe(`SELECT * FROM events WHERE stream = ? AND revision >= ? ORDER BY revision ASC LIMIT ?`),
      readStreamBackwards: safe(`SELECT * FROM events WHERE stream = ? AND revision <= ? ORDER BY revision DESC LIMIT ?`),
      readAll: safe(`SELECT * FROM events WHERE position > ? ORDER BY position ASC LIMIT ?`),
      head: safe(`SELECT MAX(position) AS position FROM events`),
    };
  }
}

function toWire({ stream, events, expectedRevision }: PendingAppend): WireAppend {
  return {
    stream,
    expectedRevision,
    events: events.map((event) => ({
      id: event.id ?? randomUUID(),
      type: event.type,
      schemaVersion: event.schemaVersion,
      data: JSON.stringify(event.data),
      metadata: JSON.stringify(event.metadata),
      recordedAt: event.recordedAt,
      hash: event.chain?.hash ?? null,
      prevHash: event.chain?.prevHash ?? null,
    })),
  };
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
