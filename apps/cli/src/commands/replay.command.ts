import { SingleBar } from 'cli-progress';
import { openLedger, parseLedgerUrl } from '@lead-ledger/ledger/ledger.factory';
import { MemoryReadStore } from '@lead-ledger/read-models';
import { rebuildReadModels } from '@lead-ledger/read-models/replay';
import { ALL_PROJECTIONS } from '@lead-ledger/projections';

export interface ReplayCommandOptions {
  ledgerUrl?: string;
  dataDir?: string;
  json: boolean;
  progress: boolean;
}

/**
 * Runs `lead-ledger replay`: rebuilds every read model from position 0 into a fresh store and
 * reports what it built (documents per projection, events, time). With the embedded default the
 * read models live in the API's memory and are rebuilt the same way on every start; this command
 * proves a rebuild from the ledger alone, and times it. Resolves to the exit code.
 */
export async function runReplay(options: ReplayCommandOptions, io = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const location = parseLedgerUrl(options.ledgerUrl ?? process.env.LEDGER_URL, options.dataDir ?? process.env.DATA_DIR ?? './data');
  const ledger = openLedger(location);
  const bar = options.progress && io.stderr.isTTY ? new SingleBar({ format: 'replay [{bar}] {percentage}% | {events} events', stream: io.stderr, hideCursor: true }) : null;
  bar?.start(100, 0, { events: 0 });
  try {
    const result = await rebuildReadModels({
      ledger,
      store: new MemoryReadStore(),
      projections: ALL_PROJECTIONS,
      onProgress: (progress) => bar?.update(Math.round(progress.ratio * 100), { events: progress.events.toLocaleString('en-US') }),
    });
    bar?.stop();
    const report = {
      events: result.events,
      head: result.head?.toString() ?? null,
      ms: Math.round(result.ms),
      eventsPerSecond: result.ms > 0 ? Math.round(result.events / (result.ms / 1000)) : null,
      projections: result.projections.map((p) => ({ ...p, checkpoint: p.checkpoint?.toString() ?? null })),
    };
    if (options.json) io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else {
      io.stdout.write(`rebuilt ${report.projections.length} read models from ${report.events} events in ${report.ms} ms\n`);
      for (const p of report.projections) io.stdout.write(`  ${p.collection.padEnd(24)} ${String(p.documents).padStart(9)} documents\n`);
    }
    return 0;
  } catch (error) {
    bar?.stop();
    io.stderr.write(`lead-ledger replay: ${(error as Error).message}\n`);
    return 2;
  } finally {
    await ledger.close();
  }
}
