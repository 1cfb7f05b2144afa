/**
 * Writes a generated history into a fresh SQLite ledger file, fast:
 * - a worker thread generates the events (real deciders) and hash-chains them (chain.ts) while
 *   this thread appends the previous batch, so both cores work;
 * - appends go through the real embedded adapter, `SqliteLedger.append`, thousands in flight at
 *   once, so its group commit puts each batch in one transaction with one fsync.
 *
 * The chain tip of a stream is carried by the worker instead of being read back from the file before
 * each append (what ChainedLedger does). That lets a credit or a pause follow its stream's earlier
 * events inside the same group-commit batch, where ChainedLedger would read a tip that has not
 * committed yet. `verifyChains` afterwards re-reads a sample of streams through ChainedLedger and
 * checks every link with the ledger's own `eventHash`.
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { ChainedLedger } from '@lead-ledger/ledger/chain/chained-ledger';
import { eventHash, GENESIS_HASH } from '@lead-ledger/ledger/chain/event-hash';
import { SqliteLedger } from '@lead-ledger/ledger/sqlite/sqlite-ledger';
import { ChainedAppend } from './chain';
import type { WorkerMessage } from './prefill-worker';
import { HistoryCounts, HistoryPlan } from './scenario';

export interface PrefillResult {
  plan: HistoryPlan;
  counts: HistoryCounts;
  events: number;
  appends: number;
  transactions: number;
  seconds: number;
  eventsPerSecond: number;
  fileBytes: number;
  /** Streams whose every hash link was re-checked with the ledger's eventHash after the fill. */
  verifiedStreams: number;
  verifiedEvents: number;
  verifySeconds: number;
}

/** Appends per batch: one group-commit transaction each. Big, because every commit rewrites the dirty pages of two random-UUID indexes. */
const BATCH_UNITS = 8_000;
/** SQLite page cache for the fill's own connection (the default 2 MB thrashes on a 1M-row index). */
const FILL_CACHE_KIB = 512 * 1024;

export async function prefill(path: string, plan: HistoryPlan, onProgress?: (events: number, seconds: number) => void): Promise<PrefillResult> {
  const started = performance.now();
  const sqlite = SqliteLedger.open(path);
  // Bracket access to a private field: only this connection's page cache; the file is the same either way.
  sqlite['db'].pragma(`cache_size = -${FILL_CACHE_KIB}`);
  const worker = new Worker(
    `require('@swc-node/register'); require(${JSON.stringify(resolve(__dirname, 'prefill-worker.ts'))});`,
    { eval: true, workerData: { plan, batchUnits: BATCH_UNITS } },
  );
  let events = 0;
  let appends = 0;
  let transactions = 0;
  let lastReport = 0;
  const done = await new Promise<Extract<WorkerMessage, { kind: 'done' }>>((resolveDone, reject) => {
    // Batches arrive in order; each is appended only after the previous one committed.
    let chain = Promise.resolve();
    worker.on('error', reject);
    worker.on('message', (message: WorkerMessage) => {
      if (message.kind === 'error') return reject(new Error(`pre-fill worker: ${message.message}`));
      chain = chain
        .then(async () => {
          if (message.kind === 'done') return resolveDone(message);
          await appendBatch(sqlite, message.appends);
          worker.postMessage('ack');
          transactions++;
          appends += message.appends.length;
          for (const append of message.appends) events += append.events.length;
          const seconds = (performance.now() - started) / 1000;
          if (onProgress && seconds - lastReport >= 10) {
            lastReport = seconds;
            onProgress(events, seconds);
          }
        })
        .catch(reject);
    });
  });
  await worker.terminate();
  await sqlite.close();
  const seconds = (performance.now() - started) / 1000;

  const verifyStarted = performance.now();
  const verified = await verifyChains(path, done.sample);
  return {
    plan,
    counts: done.counts,
    events,
    appends,
    transactions,
    seconds,
    eventsPerSecond: events / seconds,
    fileBytes: statSync(path).size,
    verifiedStreams: verified.streams,
    verifiedEvents: verified.events,
    verifySeconds: (performance.now() - verifyStarted) / 1000,
  };
}

/** All appends of the batch are issued in one turn of the event loop: one group commit. */
async function appendBatch(ledger: SqliteLedger, appends: ChainedAppend[]): Promise<void> {
  await Promise.all(appends.map((append) => ledger.append(append.stream, append.events, { expectedRevision: append.expectedRevision })));
}

/** Re-reads the streams and recomputes every event's hash and link with the ledger's eventHash. Throws on the first broken one. */
export async function verifyChains(path: string, streams: string[]): Promise<{ streams: number; events: number }> {
  const ledger = new ChainedLedger(SqliteLedger.open(path));
  let events = 0;
  try {
    for (const stream of streams) {
      let prevHash = GENESIS_HASH;
      const history = await ledger.readStream(stream);
      if (history.length === 0) throw new Error(`stream ${stream} is missing`);
      for (const event of history) {
        const expected = eventHash(event, prevHash);
        if (!event.chain || event.chain.prevHash !== prevHash || event.chain.hash !== expected) {
          throw new Error(`broken hash chain in ${stream} at revision ${event.revision}`);
        }
        prevHash = expected;
        events++;
      }
    }
  } finally {
    await ledger.close();
  }
  return { streams: streams.length, events };
}
