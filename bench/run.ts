/**
 * `npm run bench`: builds the app (the npm script does), then in one run measures
 *   1. embedded ledger append throughput (durable) + a raw better-sqlite3 baseline,
 *   2. full lead lifecycles over HTTP against the built API (max load, then half load),
 *   3. baseline servers (bare Fastify, Nest + Fastify, Nest + Express) under the same load,
 * and writes its section of docs/benchmarks.md (the file is shared with other benchmarks; their
 * sections are kept). Temp dirs and child processes are removed on every exit path.
 */
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { runAppendBench } from './append.bench';
import { BaselineName, runBaseline } from './baselines.bench';
import { averageEventBytes } from './fixtures';
import { HttpLoadSettings, runLeadLedgerHttpBench } from './http-lifecycle.bench';
import type { LoadResult } from './load';
import { cpuCounters, describeMachine, otherCpuBetween } from './machine';
import { BenchResults, OTHER_CPU_WARNING_PERCENT, renderReport } from './report';
import { writeSection } from './report-sections';
import { cleanupAll, installCleanupHandlers, REPO_ROOT } from './support';

/** BENCH_QUICK=1 shortens every phase (a smoke test of the bench itself; its numbers are noisier). */
const QUICK = process.env.BENCH_QUICK === '1';
const HTTP: HttpLoadSettings = { concurrency: 32, warmupMs: QUICK ? 500 : 1_000, durationMs: QUICK ? 2_000 : 8_000 };
const APPEND = { phaseSeconds: QUICK ? 0.5 : 2.5, rounds: QUICK ? 2 : 5, groupConcurrency: 64, batchSize: 100 };
const REPORT_PATH = join(REPO_ROOT, 'docs/benchmarks.md');
/** docs/benchmarks.md is shared with other benchmarks (pacing, routing scale): this run owns one section. */
const SECTION = 'throughput';

const log = (line: string) => console.log(line);

async function main(): Promise<void> {
  installCleanupHandlers();
  const startedAt = new Date();
  const t0 = performance.now();
  const cpuAtStart = cpuCounters();
  const machine = describeMachine();
  log(`bench: ${machine.cpuModel} × ${machine.cpuCount}, ${machine.ramGiB.toFixed(1)} GiB, ${machine.os}, Node ${machine.node}, commit ${machine.commit}`);

  log('1/3 embedded ledger append throughput (durable)');
  const append = await runAppendBench({ ...APPEND, log });

  log(`2/3 baselines (${HTTP.concurrency} workers, ${HTTP.warmupMs / 1000} s warm-up + ${HTTP.durationMs / 1000} s each)`);
  const baselines = {} as Record<BaselineName, LoadResult>;
  for (const name of ['bareFastify', 'nestFastify', 'nestExpress'] as const) baselines[name] = await runBaseline(name, HTTP, log);

  log('3/3 Lead Ledger API, full lifecycles (max load, then half load)');
  const leadLedger = await runLeadLedgerHttpBench(HTTP, log);

  const results: BenchResults = {
    startedAt,
    wallSeconds: (performance.now() - t0) / 1000,
    otherCpu: otherCpuBetween(cpuAtStart, cpuCounters()),
    machine,
    settings: { ...HTTP, eventBytes: averageEventBytes(), quick: QUICK },
    append,
    leadLedger,
    baselines,
  };
  if (results.otherCpu && results.otherCpu.othersPercent > OTHER_CPU_WARNING_PERCENT) {
    log(`bench: note, ${results.otherCpu.othersPercent.toFixed(0)} % of a core went to work outside the bench on average: numbers are lower and noisier than on an idle machine`);
  }
  writeSection(REPORT_PATH, SECTION, renderReport(results));
  log(`wrote section "${SECTION}" of ${REPORT_PATH} (${results.wallSeconds.toFixed(0)} s)`);
}

main()
  .catch((error) => {
    console.error('bench failed:', error);
    process.exitCode = 1;
  })
  .finally(() => cleanupAll());
