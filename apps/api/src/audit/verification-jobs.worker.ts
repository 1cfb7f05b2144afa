/**
 * Worker thread: runs the ledger verifier over the embedded ledger file, read-only, so a long
 * verification never blocks the API's event loop. Posts progress (throttled) and then the report.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { sqliteFileSource, verifyLedger } from '@lead-ledger/audit/verify';

export interface VerificationWorkerInput {
  path: string;
  maxListed: number;
}

export type VerificationWorkerMessage =
  | { kind: 'progress'; events: number; streams: number; position: string; head: string; violations: number }
  | { kind: 'report'; report: unknown }
  | { kind: 'failed'; message: string };

const PROGRESS_EVERY_MS = 150;

async function run({ path, maxListed }: VerificationWorkerInput) {
  const post = (message: VerificationWorkerMessage) => parentPort!.postMessage(message);
  // Hashing on this thread too (workers: 0): the API's own thread stays free, and a 2-core machine is not oversubscribed.
  const source = sqliteFileSource(path, { workers: 0 });
  let last = 0;
  try {
    const report = await verifyLedger(source, {
      maxListed,
      onProgress: ({ events, streams, position, head, violations }) => {
        const now = performance.now();
        if (now - last < PROGRESS_EVERY_MS) return;
        last = now;
        post({ kind: 'progress', events, streams, position: position.toString(), head: head.toString(), violations });
      },
    });
    post({ kind: 'report', report });
  } finally {
    await source.close();
  }
}

run(workerData as VerificationWorkerInput).catch((error: Error) => parentPort!.postMessage({ kind: 'failed', message: error.message } satisfies VerificationWorkerMessage));
