/**
 * Embedded ledger append throughput, durable (WAL + synchronous=FULL, a real fsync per commit),
 * each mode on its own fresh ledger file; plus raw better-sqlite3 baselines on the same disk.
 *
 * fsync latency on a (virtual) disk drifts over seconds, so the modes are interleaved: every mode
 * runs a short slice in turn, for several rounds, and its totals are summed. A mode and its
 * baseline therefore see the same disk weather, and their ratio means something.
 */
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { ExpectedRevision, NewEvent } from '../libs/ledger/src/ledger.port';
import { SqliteLedger } from '../libs/ledger/src/sqlite/sqlite-ledger';
import { lifecycleEvents } from './fixtures';
import { makeTempDir, removeTempDir } from './support';

export interface AppendRun {
  name: string;
  how: string;
  events: number;
  /** Append calls (adapter) or transactions (raw). */
  calls: number;
  seconds: number;
  eventsPerSecond: number;
}

export interface AppendResults {
  singleEvent: AppendRun;
  groupCommit: AppendRun;
  batched: AppendRun;
  rawSingle: AppendRun;
  rawBatched: AppendRun;
  /** Bare INSERTs into the adapter's own schema (its indexes and triggers), no adapter code. */
  rawBatchedLedgerSchema: AppendRun;
  groupConcurrency: number;
  batchSize: number;
  /** Total measured time per mode. */
  phaseSeconds: number;
  rounds: number;
}

export interface AppendOptions {
  /** Total measured wall time per mode (split over `rounds` slices). */
  phaseSeconds?: number;
  rounds?: number;
  groupConcurrency?: number;
  batchSize?: number;
  log?: (line: string) => void;
}

/** One way of appending, run in time slices; it keeps its own file open between slices. */
interface Mode {
  name: string;
  how: string;
  /** Appends for about `ms`; returns what it did. */
  slice(ms: number): Promise<{ events: number; calls: number }>;
  close(): Promise<void>;
}

const expectedFor = (revisionInStream: number): ExpectedRevision => (revisionInStream === 0 ? 'no_stream' : BigInt(revisionInStream - 1));

const WARM_UP_MS = 200;

export async function runAppendBench(options: AppendOptions = {}): Promise<AppendResults> {
  const phaseSeconds = options.phaseSeconds ?? 2.5;
  const rounds = options.rounds ?? 5;
  const groupConcurrency = options.groupConcurrency ?? 64;
  const batchSize = options.batchSize ?? 100;
  const log = options.log ?? (() => undefined);
  const dir = makeTempDir('append');
  const modes: Mode[] = [];
  const track = (mode: Mode) => (modes.push(mode), mode);
  try {
    const singleEvent = track(adapterMode(join(dir, 'single.db'), 'single-event commits', 'sequential `await append(stream, [event])`, one at a time', async (ledger, end) => {
      let events = 0;
      while (performance.now() < end) {
        const leadId = randomUUID();
        const lifecycle = lifecycleEvents(leadId);
        for (let k = 0; k < lifecycle.length; k++) {
          await ledger.append(`lead-${leadId}`, [lifecycle[k]], { expectedRevision: expectedFor(k) });
          events++;
        }
      }
      return { events, calls: events };
    }));
    const groupCommit = track(adapterMode(
      join(dir, 'group.db'),
      'group commit',
      `${groupConcurrency} single-event appends in flight (one stream per lead, 4 events each)`,
      async (ledger, end) => {
        let events = 0;
        const worker = async () => {
          while (performance.now() < end) {
            const leadId = randomUUID();
            const lifecycle = lifecycleEvents(leadId);
            for (let k = 0; k < lifecycle.length; k++) {
              await ledger.append(`lead-${leadId}`, [lifecycle[k]], { expectedRevision: expectedFor(k) });
              events++;
            }
          }
        };
        await Promise.all(Array.from({ length: groupConcurrency }, worker));
        return { events, calls: events };
      },
    ));
    const batched = track(adapterMode(join(dir, 'batched.db'), 'batched', `sequential \`await append(stream, events)\` with ${batchSize} events per call`, async (ledger, end) => {
      let events = 0;
      let calls = 0;
      while (performance.now() < end) {
        const batch: NewEvent[] = [];
        while (batch.length < batchSize) batch.push(...lifecycleEvents(randomUUID()));
        await ledger.append(`batch-${randomUUID()}`, batch.slice(0, batchSize), { expectedRevision: 'no_stream' });
        events += batchSize;
        calls++;
      }
      return { events, calls };
    }));
    const rawSingle = track(await rawMode(dir, 1, 'plain'));
    const rawBatched = track(await rawMode(dir, batchSize, 'plain'));
    const rawBatchedLedgerSchema = track(await rawMode(dir, batchSize, 'ledger'));
    const all = [singleEvent, groupCommit, batched, rawSingle, rawBatched, rawBatchedLedgerSchema];

    for (const mode of all) await mode.slice(WARM_UP_MS); // statement caches, first file growth
    const totals = all.map(() => ({ events: 0, calls: 0, ms: 0 }));
    const sliceMs = (phaseSeconds * 1000) / rounds;
    for (let round = 0; round < rounds; round++) {
      for (const [i, mode] of all.entries()) {
        const started = performance.now();
        const done = await mode.slice(sliceMs);
        totals[i].ms += performance.now() - started;
        totals[i].events += done.events;
        totals[i].calls += done.calls;
      }
    }
    const [a, b, c, d, e, f] = all.map((mode, i) => {
      const seconds = totals[i].ms / 1000;
      const run: AppendRun = { name: mode.name, how: mode.how, events: totals[i].events, calls: totals[i].calls, seconds, eventsPerSecond: totals[i].events / seconds };
      log(`  ${run.name}: ${Math.round(run.eventsPerSecond).toLocaleString('en-US')} events/s`);
      return run;
    });
    return {
      singleEvent: a,
      groupCommit: b,
      batched: c,
      rawSingle: d,
      rawBatched: e,
      rawBatchedLedgerSchema: f,
      groupConcurrency,
      batchSize,
      phaseSeconds,
      rounds,
    };
  } finally {
    for (const mode of modes) await mode.close().catch(() => undefined);
    removeTempDir(dir);
  }
}

function adapterMode(
  path: string,
  name: string,
  how: string,
  body: (ledger: SqliteLedger, end: number) => Promise<{ events: number; calls: number }>,
): Mode {
  const ledger = SqliteLedger.open(path);
  return { name, how, slice: (ms) => body(ledger, performance.now() + ms), close: () => ledger.close() };
}

/**
 * Bare better-sqlite3 INSERTs, `perTransaction` per transaction, WAL + synchronous=FULL.
 * "plain" is a table with no secondary index; "ledger" is the adapter's own table (created by
 * SqliteLedger.open, then written with bare INSERTs), to split the adapter's cost into "what the
 * schema costs" and "what the TypeScript around it costs".
 */
async function rawMode(dir: string, perTransaction: number, schema: 'plain' | 'ledger'): Promise<Mode> {
  const path = join(dir, `raw-${schema}-${perTransaction}.db`);
  if (schema === 'ledger') await SqliteLedger.open(path).close();
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  if (schema === 'plain') {
    db.exec(
      'CREATE TABLE events (position INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT NOT NULL, stream TEXT NOT NULL, revision INTEGER NOT NULL, ' +
        'type TEXT NOT NULL, schema_version INTEGER NOT NULL, data TEXT NOT NULL, metadata TEXT NOT NULL, recorded_at TEXT NOT NULL)',
    );
  }
  const insert = db.prepare(
    'INSERT INTO events (event_id, stream, revision, type, schema_version, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const rows = lifecycleEvents(randomUUID()).map((e) => [e.type, JSON.stringify(e.data), JSON.stringify(e.metadata), e.recordedAt] as const);
  const put = (stream: string, i: number) => {
    const [type, data, metadata, at] = rows[i % rows.length];
    insert.run(randomUUID(), stream, i, type, 1, data, metadata, at);
  };
  const many = db.transaction((stream: string) => {
    for (let i = 0; i < perTransaction; i++) put(stream, i);
  });
  const table = schema === 'plain' ? 'a plain table (no secondary index)' : "the ledger's own table (UNIQUE event_id, UNIQUE (stream, revision))";
  return {
    name: `raw better-sqlite3, ${perTransaction} INSERT${perTransaction === 1 ? '' : 's'}/transaction, ${schema === 'plain' ? 'plain table' : 'ledger schema'}`,
    how: `${perTransaction === 1 ? 'autocommit INSERT' : `${perTransaction} INSERTs in one transaction`} into ${table}, WAL + synchronous=FULL`,
    async slice(ms) {
      let events = 0;
      let calls = 0;
      const end = performance.now() + ms;
      while (performance.now() < end) {
        if (perTransaction === 1) put(`lead-${randomUUID()}`, 0);
        else many(`batch-${randomUUID()}`);
        events += perTransaction;
        calls++;
      }
      return { events, calls };
    },
    async close() {
      if (db.open) db.close();
    },
  };
}
