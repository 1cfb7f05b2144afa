import Database from 'better-sqlite3';

export interface LedgerRow {
  position: number;
  stream: string;
  revision: number;
  type: string;
  data: any;
  metadata: any;
  recorded_at: string;
}

/**
 * The embedded ledger file read directly with SQLite, independently of the application: what is on
 * disk is the only thing a crash cannot take back. Read-only, so it can stay open next to a live
 * (or killed and restarted) server; WAL mode lets it see every committed append.
 */
export class LedgerFile {
  private readonly db: Database.Database;

  constructor(readonly path: string) {
    this.db = new Database(path, { readonly: true, fileMustExist: true });
  }

  /** The position of the last event, 0 when empty: cheap (primary key), so it can run per request. */
  head(): number {
    return (this.db.prepare('SELECT COALESCE(MAX(position), 0) AS head FROM events').get() as { head: number }).head;
  }

  count(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM events').get() as { n: number }).n;
  }

  eventsAfter(position: number): LedgerRow[] {
    return this.rows('SELECT * FROM events WHERE position > ? ORDER BY position', position);
  }

  all(): LedgerRow[] {
    return this.rows('SELECT * FROM events ORDER BY position');
  }

  stream(stream: string): LedgerRow[] {
    return this.rows('SELECT * FROM events WHERE stream = ? ORDER BY position', stream);
  }

  /** Every event a command with this Idempotency-Key appended (the key is in each event's metadata). */
  withIdempotencyKey(key: string): LedgerRow[] {
    return this.rows(`SELECT * FROM events WHERE json_extract(metadata, '$.idempotencyKey') = ? ORDER BY position`, key);
  }

  /** All events grouped by Idempotency-Key, in one scan (for checking thousands of commands). */
  byIdempotencyKey(): Map<string, LedgerRow[]> {
    const byKey = new Map<string, LedgerRow[]>();
    for (const row of this.all()) {
      const key = row.metadata?.idempotencyKey;
      if (typeof key !== 'string') continue;
      const list = byKey.get(key) ?? [];
      list.push(row);
      byKey.set(key, list);
    }
    return byKey;
  }

  /** A consistent copy of the file (SQLite's online backup), safe while a server is writing. */
  async backupTo(destination: string): Promise<void> {
    await this.db.backup(destination);
  }

  close(): void {
    this.db.close();
  }

  private rows(sql: string, ...params: unknown[]): LedgerRow[] {
    return (this.db.prepare(sql).all(...params) as Array<Record<string, any>>).map((row) => ({
      ...(row as LedgerRow),
      data: JSON.parse(row.data),
      metadata: JSON.parse(row.metadata),
    }));
  }
}

/**
 * Where one command's events must be, if anywhere: a single append is all-or-nothing, so the events
 * carrying one Idempotency-Key are one contiguous run of revisions in one stream. Returns why not,
 * or null when they are.
 */
export function partialOrDuplicateApply(rows: LedgerRow[], maxEventsPerCommand: number): string | null {
  if (rows.length === 0) return null;
  const streams = new Set(rows.map((row) => row.stream));
  if (streams.size !== 1) return `events in ${streams.size} streams: ${[...streams].join(', ')}`;
  for (let i = 1; i < rows.length; i++) {
    if (rows[i].revision !== rows[i - 1].revision + 1) return `revisions not contiguous: ${rows.map((row) => row.revision).join(', ')} (applied more than once?)`;
  }
  if (rows.length > maxEventsPerCommand) return `${rows.length} events (${rows.map((row) => row.type).join(', ')}); one application appends at most ${maxEventsPerCommand}`;
  return null;
}
