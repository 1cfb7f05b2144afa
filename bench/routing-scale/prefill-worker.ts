/**
 * Worker thread of the pre-fill: generates the history and hash-chains it, in batches, while the
 * main thread writes the previous batch into SQLite (two cores busy instead of one).
 *
 * Protocol: workerData = { plan, batchUnits }. Posts { kind: 'batch', appends } and waits for an
 * 'ack' whenever two batches are unacknowledged; ends with { kind: 'done', counts, sample }.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ChainedAppend, chainUnit, ChainTips } from './chain';
import { HistoryGenerator, HistoryPlan } from './scenario';

export type WorkerMessage =
  | { kind: 'batch'; appends: ChainedAppend[] }
  | { kind: 'done'; counts: HistoryGenerator['counts']; sample: string[] }
  | { kind: 'error'; message: string };

const MAX_UNACKED = 2;

async function main(): Promise<void> {
  const { plan, batchUnits } = workerData as { plan: HistoryPlan; batchUnits: number };
  const port = parentPort!;
  let unacked = 0;
  let wake: (() => void) | null = null;
  port.on('message', (message: string) => {
    if (message !== 'ack') return;
    unacked--;
    const resume = wake;
    wake = null;
    resume?.();
  });
  const send = async (appends: ChainedAppend[]) => {
    while (unacked >= MAX_UNACKED) await new Promise<void>((resolve) => (wake = resolve));
    unacked++;
    port.postMessage({ kind: 'batch', appends } satisfies WorkerMessage);
  };

  const generator = new HistoryGenerator(plan);
  const tips: ChainTips = new Map();
  const sample: string[] = [];
  let batch: ChainedAppend[] = [];
  let n = 0;
  for (const unit of generator.units()) {
    batch.push(chainUnit(unit, tips));
    // Streams to verify afterwards: every target-market stream and every 500th other one.
    if (unit.target || ++n % 500 === 0) sample.push(unit.stream);
    if (batch.length >= batchUnits) {
      await send(batch);
      batch = [];
    }
  }
  if (batch.length > 0) await send(batch);
  port.postMessage({ kind: 'done', counts: generator.counts, sample: [...new Set(sample)] } satisfies WorkerMessage);
}

main().catch((error: Error) => {
  parentPort!.postMessage({ kind: 'error', message: error.stack ?? error.message } satisfies WorkerMessage);
});
