/**
 * The load generator: lead lifecycles (create → score → route → deliver, 4 POSTs) over keep-alive
 * HTTP/1.1 connections (undici Pool), either
 * - closed loop: `concurrency` workers each run lifecycles back to back (max throughput), or
 * - open loop: lifecycles start on a fixed schedule (`rate` per second) whatever the latency, so a
 *   slow server cannot slow the load down (no coordinated omission); a lifecycle's latency is
 *   measured from when it was scheduled to start.
 * Only requests/lifecycles that complete inside the measurement window (after the warm-up) count
 * towards throughput and latency; failures are counted over the whole run, warm-up included.
 */
import * as hdr from 'hdr-histogram-js';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';
import { LIFECYCLE_STEPS, StepName } from './fixtures';
import { processCpuMs } from './support';

export interface LoadOptions {
  origin: string;
  /** Extra request headers (e.g. Authorization). content-type: application/json is always sent. */
  headers?: Record<string, string>;
  /** Closed loop: number of workers. Open loop: connections in the pool. */
  concurrency: number;
  warmupMs: number;
  durationMs: number;
  /** Lifecycles per second for an open-loop (rate-limited) run; omit for closed loop. */
  rate?: number;
  /** Open loop: lifecycles allowed in flight before new ones are skipped (and counted). */
  maxInFlight?: number;
  /** The server's pid, to report its CPU use over the window. */
  serverPid?: number;
}

export interface LatencySummary {
  count: number;
  /** Milliseconds. */
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export interface LoadResult {
  mode: 'closed' | 'open';
  concurrency: number;
  /** Open loop only: the lifecycles/s asked for. */
  targetRate?: number;
  seconds: number;
  lifecycles: number;
  requests: number;
  lifecyclesPerSecond: number;
  requestsPerSecond: number;
  request: LatencySummary;
  lifecycle: LatencySummary;
  steps: Record<StepName, LatencySummary>;
  /** Over the whole run, warm-up included. */
  totalRequests: number;
  /** Lifecycles that completed all four steps with 2xx, over the whole run. */
  totalLifecycles: number;
  non2xx: number;
  errors: number;
  statusCounts: Record<string, number>;
  firstFailure?: string;
  /** Open loop: lifecycles not started because `maxInFlight` were already running. */
  skipped: number;
  /** CPU used over the window, as % of one core: the whole server process (all threads). */
  serverCpuPercent: number | null;
  /** The same for the server's main thread only: the event loop, where all its JavaScript runs. */
  serverMainThreadCpuPercent: number | null;
  loadGeneratorCpuPercent: number;
}

const newHistogram = () =>
  hdr.build({ bitBucketSize: 'packed', lowestDiscernibleValue: 1, highestTrackableValue: 120_000_000, numberOfSignificantValueDigits: 3, useWebAssembly: false });
type Histogram = ReturnType<typeof newHistogram>;

/** Histograms hold microseconds; summaries are in milliseconds. */
function summarise(h: Histogram): LatencySummary {
  const ms = (us: number) => us / 1000;
  return {
    count: h.totalCount,
    mean: ms(h.mean),
    p50: ms(h.getValueAtPercentile(50)),
    p90: ms(h.getValueAtPercentile(90)),
    p99: ms(h.getValueAtPercentile(99)),
    max: ms(h.maxValue),
  };
}

/** Stop a run that is only producing failures rather than hammer a broken server for seconds. */
const MAX_FAILURES = 1000;

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const headers = { 'content-type': 'application/json', ...options.headers };
  const pool = new Pool(options.origin, { connections: options.concurrency, pipelining: 1, keepAliveTimeout: 60_000 });
  const requestHistogram = newHistogram();
  const lifecycleHistogram = newHistogram();
  const stepHistograms = Object.fromEntries(LIFECYCLE_STEPS.map((s) => [s.name, newHistogram()])) as Record<StepName, Histogram>;
  const statusCounts: Record<string, number> = {};
  let totalRequests = 0;
  let totalLifecycles = 0;
  let non2xx = 0;
  let errors = 0;
  let firstFailure: string | undefined;
  let windowRequests = 0;
  let windowLifecycles = 0;
  let skipped = 0;

  const t0 = performance.now();
  const windowStart = t0 + options.warmupMs;
  const windowEnd = windowStart + options.durationMs;
  const inWindow = (t: number) => t >= windowStart && t <= windowEnd;
  const failed = () => non2xx + errors >= MAX_FAILURES;

  // CPU over exactly the window.
  type CpuSnapshot = { self: NodeJS.CpuUsage; server: number | null; serverMain: number | null; at: number };
  let cpuAtStart: CpuSnapshot | undefined;
  let cpuAtEnd: CpuSnapshot | undefined;
  const cpuSnapshot = (): CpuSnapshot => ({
    self: process.cpuUsage(),
    server: options.serverPid ? processCpuMs(options.serverPid) : null,
    serverMain: options.serverPid ? processCpuMs(options.serverPid, true) : null,
    at: performance.now(),
  });
  const startTimer = setTimeout(() => (cpuAtStart = cpuSnapshot()), options.warmupMs);
  const endTimer = setTimeout(() => (cpuAtEnd = cpuSnapshot()), options.warmupMs + options.durationMs);

  /** One lifecycle; `startedAt` is when it began (closed) or was scheduled to begin (open). */
  const lifecycle = async (startedAt: number): Promise<void> => {
    let leadId = '';
    for (const step of LIFECYCLE_STEPS) {
      const path = step.path(leadId);
      const body = step.body();
      const sentAt = performance.now();
      let status: number;
      let text: string;
      try {
        const response = await pool.request({ method: 'POST', path, headers, body });
        status = response.statusCode;
        text = await response.body.text();
      } catch (error) {
        errors++;
        totalRequests++;
        firstFailure ??= `${step.name}: ${(error as Error).message}`;
        return;
      }
      const doneAt = performance.now();
      totalRequests++;
      statusCounts[status] = (statusCounts[status] ?? 0) + 1;
      if (inWindow(doneAt)) {
        windowRequests++;
        const us = Math.max(1, Math.round((doneAt - sentAt) * 1000));
        requestHistogram.recordValue(us);
        stepHistograms[step.name].recordValue(us);
      }
      if (status < 200 || status > 299) {
        non2xx++;
        firstFailure ??= `${step.name} → ${status}: ${text.slice(0, 300)}`;
        return;
      }
      if (step.name === 'create') {
        try {
          leadId = (JSON.parse(text) as { leadId: string }).leadId;
        } catch {
          errors++;
          firstFailure ??= `create returned no JSON leadId: ${text.slice(0, 300)}`;
          return;
        }
      }
    }
    const finishedAt = performance.now();
    totalLifecycles++;
    if (inWindow(finishedAt)) {
      windowLifecycles++;
      lifecycleHistogram.recordValue(Math.max(1, Math.round((finishedAt - startedAt) * 1000)));
    }
  };

  try {
    if (options.rate === undefined) {
      const worker = async () => {
        while (performance.now() < windowEnd && !failed()) await lifecycle(performance.now());
      };
      await Promise.all(Array.from({ length: options.concurrency }, worker));
    } else {
      const rate = options.rate;
      const maxInFlight = options.maxInFlight ?? 4096;
      const intervalMs = 1000 / rate;
      const running = new Set<Promise<void>>();
      let scheduled = 0;
      while (!failed()) {
        const now = performance.now();
        if (now >= windowEnd) break;
        // Start every lifecycle whose scheduled time has come (timers are ~1 ms coarse).
        while (t0 + scheduled * intervalMs <= now) {
          const due = t0 + scheduled * intervalMs;
          scheduled++;
          if (running.size >= maxInFlight) {
            if (inWindow(due)) skipped++;
            continue;
          }
          const run = lifecycle(due).finally(() => running.delete(run));
          running.add(run);
        }
        await sleep(Math.max(0, Math.min(1, t0 + scheduled * intervalMs - performance.now())));
      }
      await Promise.all(running);
    }
  } finally {
    clearTimeout(startTimer);
    clearTimeout(endTimer);
    await pool.close();
  }

  const end = cpuAtEnd ?? cpuSnapshot();
  const start = cpuAtStart ?? end;
  const wallMs = Math.max(1, end.at - start.at);
  const selfCpuMs = (end.self.user - start.self.user + end.self.system - start.self.system) / 1000;
  const serverCpuMs = end.server !== null && start.server !== null ? end.server - start.server : null;
  const serverMainCpuMs = end.serverMain !== null && start.serverMain !== null ? end.serverMain - start.serverMain : null;
  const seconds = options.durationMs / 1000;
  return {
    mode: options.rate === undefined ? 'closed' : 'open',
    concurrency: options.concurrency,
    targetRate: options.rate,
    seconds,
    lifecycles: windowLifecycles,
    requests: windowRequests,
    lifecyclesPerSecond: windowLifecycles / seconds,
    requestsPerSecond: windowRequests / seconds,
    request: summarise(requestHistogram),
    lifecycle: summarise(lifecycleHistogram),
    steps: Object.fromEntries(LIFECYCLE_STEPS.map((s) => [s.name, summarise(stepHistograms[s.name])])) as Record<StepName, LatencySummary>,
    totalRequests,
    totalLifecycles,
    non2xx,
    errors,
    statusCounts,
    firstFailure,
    skipped,
    serverCpuPercent: serverCpuMs === null ? null : (100 * serverCpuMs) / wallMs,
    serverMainThreadCpuPercent: serverMainCpuMs === null ? null : (100 * serverMainCpuMs) / wallMs,
    loadGeneratorCpuPercent: (100 * selfCpuMs) / wallMs,
  };
}
