import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { EventMetadata, Ledger, RecordedEvent } from '@lead-ledger/ledger/ledger.port';
import { LEDGER_DIGEST_RECORDED, LEDGER_DIGEST_STREAM } from '../digests';
import { HashPool } from './hash-pool';
import { hashPage, PageHashResult } from './page-hash';

/**
 * Where the verifier reads the log from: pages in position order, each with its events (data
 * parsed for the domain checks) and, possibly still in progress, the recomputed hashes.
 */
export interface SourcePage {
  events: RecordedEvent[];
  /** Events whose data is not JSON (index in the page → parser message); they get no domain checks. */
  unreadable: Map<number, string>;
  hashes: Promise<PageHashResult>;
}

export interface VerifierSource {
  readonly kind: 'sqlite' | 'esdb' | 'ledger';
  readonly location: string;
  /** The store numbers positions 1, 2, 3 … with no gaps (SQLite AUTOINCREMENT): a gap is a removed event. */
  readonly contiguousPositions: boolean;
  headPosition(): Promise<bigint | null>;
  /** The `treeSize` of every digest in the ledger, so their roots can be taken on the way. */
  digestTreeSizes(): Promise<number[]>;
  /** Pages of events with position ≤ head, in position order. */
  pages(head: bigint, targets: number[]): AsyncIterable<SourcePage>;
  close(): Promise<void>;
}

export const DEFAULT_PAGE_SIZE = 1024;
const EMPTY_METADATA = Object.freeze({}) as EventMetadata;

/** Any ledger through the port (EventStoreDB, or an open embedded ledger): hashes on this thread. */
export function ledgerPortSource(ledger: Ledger, options: { kind?: 'esdb' | 'ledger'; location?: string; pageSize?: number } = {}): VerifierSource {
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  return {
    kind: options.kind ?? 'ledger',
    location: options.location ?? 'ledger',
    contiguousPositions: false,
    headPosition: () => ledger.headPosition(),
    async digestTreeSizes() {
      const sizes: number[] = [];
      let from = 0n;
      for (;;) {
        const page = await ledger.readStream(LEDGER_DIGEST_STREAM, { fromRevision: from, maxCount: 1000 });
        for (const event of page) if (event.type === LEDGER_DIGEST_RECORDED && typeof event.data.treeSize === 'number') sizes.push(event.data.treeSize);
        if (page.length < 1000) break;
        from = page[page.length - 1].revision + 1n;
      }
      return sizes;
    },
    async *pages(head, targets) {
      let after: bigint | undefined;
      let start = 0;
      for (;;) {
        const page = await ledger.readAll({ after, maxCount: pageSize });
        const events = page.filter((event) => event.position <= head);
        if (events.length === 0) return;
        const inputs = events.map((event) => ({
          ...event,
          hash: event.chain?.hash ?? null,
          prevHash: event.chain?.prevHash ?? null,
        }));
        yield { events, unreadable: new Map(), hashes: Promise.resolve(hashPage(inputs, start, targets, false)) };
        start += events.length;
        after = events[events.length - 1].position;
        if (events.length < page.length || after >= head) return;
      }
    },
    close: () => ledger.close(),
  };
}

/**
 * The embedded ledger file, opened read-only (the verifier never writes to what it checks, and
 * SqliteLedger.open would). Rows are read raw; hashes are recomputed from the stored JSON text in
 * `workers` worker threads (0: on this thread), each reading its pages over its own connection.
 */
export function sqliteFileSource(path: string, options: { workers?: number; pageSize?: number } = {}): VerifierSource {
  if (!existsSync(path)) throw new Error(`no ledger file at ${path}`);
  const db = new Database(path, { readonly: true, fileMustExist: true });
  const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'events'`).all();
  if (tables.length === 0) {
    db.close();
    throw new Error(`${path} is not a Lead Ledger file (no events table)`);
  }
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  const pool = (options.workers ?? 1) > 0 ? new HashPool(options.workers ?? 1) : null;
  const columns = `position, stream, revision, event_id, type, schema_version, recorded_at, data, hash, prev_hash${pool ? '' : ', metadata'}`;
  const page = db.prepare(`SELECT ${columns} FROM events WHERE position > ? AND position <= ? ORDER BY position LIMIT ?`).raw(true);
  return {
    kind: 'sqlite',
    location: path,
    contiguousPositions: true,
    async headPosition() {
      const row = db.prepare('SELECT MAX(position) AS head FROM events').get() as { head: number | null };
      return row.head === null ? null : BigInt(row.head);
    },
    async digestTreeSizes() {
      const rows = db
        .prepare(`SELECT data FROM events WHERE stream = ? AND type = ? ORDER BY position`)
        .raw(true)
        .all(LEDGER_DIGEST_STREAM, LEDGER_DIGEST_RECORDED) as string[][];
      const sizes: number[] = [];
      for (const [data] of rows) {
        try {
          const treeSize = (JSON.parse(data) as { treeSize?: unknown }).treeSize;
          if (typeof treeSize === 'number') sizes.push(treeSize);
        } catch {
          // An unreadable digest is reported when the main pass reaches it.
        }
      }
      return sizes;
    },
    async *pages(head, targets) {
      let after = 0;
      let start = 0;
      const last = Number(head);
      for (;;) {
        const rows = page.all(after, last, pageSize) as unknown[][];
        if (rows.length === 0) return;
        const events: RecordedEvent[] = new Array(rows.length);
        const inputs = pool ? null : new Array(rows.length);
        const unreadable = new Map<number, string>();
        for (let i = 0; i < rows.length; i++) {
          const row = rows[i];
          let data: Record<string, unknown>;
          try {
            data = JSON.parse(row[7] as string);
            if (data === null || typeof data !== 'object') throw new Error('data is not a JSON object');
          } catch (error) {
            unreadable.set(i, (error as Error).message);
            data = {};
          }
          const hash = row[8] as string | null;
          const prevHash = row[9] as string | null;
          events[i] = {
            position: BigInt(row[0] as number),
            stream: row[1] as string,
            revision: BigInt(row[2] as number),
            id: row[3] as string,
            type: row[4] as string,
            schemaVersion: row[5] as number,
            recordedAt: row[6] as string,
            data,
            metadata: EMPTY_METADATA,
            chain: hash === null || prevHash === null ? null : { hash, prevHash },
          };
          if (inputs) {
            inputs[i] = {
              stream: row[1],
              revision: row[2],
              id: row[3],
              type: row[4],
              schemaVersion: row[5],
              recordedAt: row[6],
              data: row[7],
              metadata: row[10],
              hash,
              prevHash,
            };
          }
        }
        const from = rows[0][0] as number;
        const to = rows[rows.length - 1][0] as number;
        const hashes = pool
          ? pool.run({ path, from, to, start, targets }).then((result) => {
              if (result.count !== rows.length) throw new Error(`the ledger changed under the verifier: positions ${from}–${to} read ${rows.length} then ${result.count} rows`);
              return result;
            })
          : Promise.resolve(hashPage(inputs!, start, targets, true));
        // A rejected page is awaited by the verifier later; keep Node from calling it unhandled meanwhile.
        hashes.catch(() => undefined);
        yield { events, unreadable, hashes };
        start += rows.length;
        after = to;
        if (rows.length < pageSize) return;
      }
    },
    async close() {
      await pool?.close();
      db.close();
    },
  };
}
