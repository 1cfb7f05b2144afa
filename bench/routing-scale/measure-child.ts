/**
 * One measurement, in its own process (so peak RSS is this ledger size's alone): start the real app
 * in-process on a pre-filled DATA_DIR with CLOCK=manual (it rebuilds its read models from the whole
 * ledger), listen on 127.0.0.1, then create, score and route fresh leads in the 50-officer market,
 * one at a time over real HTTP.
 *
 * Usage (spawned by run-routing-scale.ts): measure-child.ts <dataDir> <resultFile> <leads> <warmup>
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance, PerformanceObserver } from 'node:perf_hooks';
import { Client } from 'undici';
import { leadDecider, LeadCommand, LeadState } from '@lead-ledger/domain';
import { Ledger } from '@lead-ledger/ledger/ledger.port';
import { createApp } from '../../apps/api/src/app.factory';
import { loadConfig } from '../../apps/api/src/config/config';
import { LEDGER } from '../../apps/api/src/ledger/ledger.tokens';
import { RouteLeadHandler } from '../../apps/api/src/leads/route-lead.handler';
import { CLOCK_START, TARGET_MARKET_ID, TARGET_MONTH, TARGET_OFFICERS } from './scenario';

/** The manual clock moves this far before each measured lead: ~5 leads/hour against ~7/hour of allocations. */
const CLOCK_STEP_MS = 12 * 60_000;

export interface MeasureResult {
  startupMs: number;
  rssAfterStartMiB: number;
  heapUsedAfterStartMiB: number;
  peakRssMiB: number;
  /** Client-side, full HTTP round trip, ms. */
  routeHttpMs: number[];
  createHttpMs: number[];
  /** RouteLeadHandler.execute: lead read, catch-up, market lock, read-model queries, decide, append, wait for read models. */
  routeHandlerMs: number[];
  /** leadDecider.decide for the automatic route: rule v1 over the 50 allocations (pure). */
  routeDecideMs: number[];
  /** The ledger append of the LeadRouted event (hash chain + SQLite commit with fsync). */
  routeAppendMs: number[];
  /** What is left of the handler without the append: the part that could depend on ledger size. */
  routeHandlerWithoutAppendMs: number[];
  routeStatuses: Record<string, number>;
  winners: number;
  candidatesPerDecision: number[];
  allocationsInMarket: number;
  routedInMarketBefore: number;
  routedInMarketAfter: number;
  gcPauses: { count: number; totalMs: number; maxMs: number; majorCount: number };
  measuredSeconds: number;
  /** CPU used by other processes on the machine, in % of one core, during start-up and during the measured requests (Linux; null elsewhere). */
  othersCpuDuringStartup: number | null;
  othersCpuDuringMeasurement: number | null;
}

/** Busy CPU time of the whole machine and of this process, from /proc (Linux), in ms. */
function cpuSnapshot(): { at: number; busyMs: number; ownMs: number } | null {
  try {
    const [user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const own = process.cpuUsage();
    // USER_HZ is 100 on mainstream Linux builds: one tick is 10 ms.
    return { at: performance.now(), busyMs: (user + nice + system + irq + softirq + steal) * 10, ownMs: (own.user + own.system) / 1000 };
  } catch {
    return null;
  }
}

/** % of one core used by everything except this process between two snapshots. */
function othersCpu(start: ReturnType<typeof cpuSnapshot>, end: ReturnType<typeof cpuSnapshot>): number | null {
  if (!start || !end || end.at <= start.at) return null;
  return Math.max(0, (100 * (end.busyMs - start.busyMs - (end.ownMs - start.ownMs))) / (end.at - start.at));
}

async function main(): Promise<void> {
  const [dataDir, resultFile, leadsArg, warmupArg] = process.argv.slice(2);
  const leads = Number(leadsArg);
  const warmup = Number(warmupArg);

  const startupCpu = cpuSnapshot();
  const started = performance.now();
  const app = await createApp(loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', CLOCK: 'manual', HOST: '127.0.0.1', PORT: '0' }));
  await app.init();
  const startupMs = performance.now() - started;
  const othersCpuDuringStartup = othersCpu(startupCpu, cpuSnapshot());
  const memory = process.memoryUsage();
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const adminKey = readFileSync(join(dataDir, 'admin-api-key'), 'utf8').trim();
  const client = new Client(`http://127.0.0.1:${port}`, { pipelining: 1, keepAliveTimeout: 60_000 });

  // --- instrumentation (wraps instances in this process only; no app code changes) ---
  let phase: 'route' | 'other' = 'other';
  let appendMs = 0;
  let decideMs = 0;
  let candidates = -1;
  const handler = app.get(RouteLeadHandler, { strict: false });
  const execute = handler.execute.bind(handler);
  let handlerMs = 0;
  handler.execute = async (command) => {
    const t = performance.now();
    try {
      return await execute(command);
    } finally {
      handlerMs = performance.now() - t;
    }
  };
  const ledger = app.get<Ledger>(LEDGER, { strict: false });
  const append = ledger.append.bind(ledger);
  ledger.append = async (...args) => {
    const t = performance.now();
    try {
      return await append(...args);
    } finally {
      if (phase === 'route') appendMs += performance.now() - t;
    }
  };
  const decide = leadDecider.decide;
  leadDecider.decide = (command: LeadCommand, state: LeadState) => {
    if (command.type !== 'RouteLeadAutomatically') return decide(command, state);
    const t = performance.now();
    try {
      const events = decide(command, state);
      const decided = events[0]?.data as { decision?: { candidates?: unknown[] } } | undefined;
      candidates = decided?.decision?.candidates?.length ?? -1;
      return events;
    } finally {
      decideMs += performance.now() - t;
    }
  };

  const call = async (method: 'GET' | 'PUT' | 'POST', path: string, body?: unknown) => {
    const t = performance.now();
    const response = await client.request({
      method,
      path,
      headers: { authorization: `Bearer ${adminKey}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await response.body.json()) as any;
    return { status: response.statusCode, json, ms: performance.now() - t };
  };
  const must = async (method: 'GET' | 'PUT' | 'POST', path: string, body: unknown, ok: number[]) => {
    const result = await call(method, path, body);
    if (!ok.includes(result.status)) throw new Error(`${method} ${path} → ${result.status} ${JSON.stringify(result.json).slice(0, 400)}`);
    return result;
  };

  let now = Date.parse(CLOCK_START);
  await must('PUT', '/v1/admin/clock', { now: new Date(now).toISOString() }, [200]);
  const pace = async () => (await must('GET', `/v1/allocations/${TARGET_MONTH}?marketId=${TARGET_MARKET_ID}`, undefined, [200])).json;
  const before = await pace();
  if (before.officers.length !== TARGET_OFFICERS) throw new Error(`market ${TARGET_MARKET_ID} has ${before.officers.length} allocations, expected ${TARGET_OFFICERS}`);
  const assignedIn = (table: { officers: Array<{ assigned: number }> }) => table.officers.reduce((sum, o) => sum + o.assigned, 0);

  const result: MeasureResult = {
    startupMs,
    rssAfterStartMiB: memory.rss / 2 ** 20,
    heapUsedAfterStartMiB: memory.heapUsed / 2 ** 20,
    peakRssMiB: 0,
    routeHttpMs: [],
    createHttpMs: [],
    routeHandlerMs: [],
    routeDecideMs: [],
    routeAppendMs: [],
    routeHandlerWithoutAppendMs: [],
    routeStatuses: {},
    winners: 0,
    candidatesPerDecision: [],
    allocationsInMarket: before.officers.length,
    routedInMarketBefore: assignedIn(before),
    routedInMarketAfter: 0,
    gcPauses: { count: 0, totalMs: 0, maxMs: 0, majorCount: 0 },
    measuredSeconds: 0,
    othersCpuDuringStartup,
    othersCpuDuringMeasurement: null,
  };

  let measuring = false;
  const gc = new PerformanceObserver((list) => {
    if (!measuring) return;
    for (const entry of list.getEntries()) {
      result.gcPauses.count++;
      result.gcPauses.totalMs += entry.duration;
      result.gcPauses.maxMs = Math.max(result.gcPauses.maxMs, entry.duration);
      // NODE_PERFORMANCE_GC_MAJOR = 4
      if (((entry as unknown as { detail?: { kind?: number } }).detail)?.kind === 4) result.gcPauses.majorCount++;
    }
  });
  gc.observe({ entryTypes: ['gc'] });

  const measureStarted = performance.now();
  let measureCpu: ReturnType<typeof cpuSnapshot> = null;
  for (let i = 0; i < warmup + leads; i++) {
    const record = i >= warmup;
    if (i === warmup) {
      measuring = true;
      measureCpu = cpuSnapshot();
    }
    now += CLOCK_STEP_MS;
    await must('PUT', '/v1/admin/clock', { now: new Date(now).toISOString() }, [200]);
    const body = {
      // Named explicitly: resolving from property.state finds no market on the embedded read store (see the report).
      marketId: TARGET_MARKET_ID,
      source: { campaign: 'routing-scale-bench', vendor: 'bench' },
      borrower: { firstName: 'Bench', lastName: `Lead${i}`, phone: `+1469${2_000_000 + i}`, email: `bench.lead.${i}@example.com` },
      property: { state: 'TX', zip: '75201' },
      loan: { type: i % 4 === 0 ? 'refinance' : 'purchase', program: 'conventional', amount: 200_000 + (i % 20) * 25_000 },
      creditTier: i % 5 === 0 ? 'fair' : 'good',
      consent: { tcpa: true, capturedAt: new Date(now - 2 * 60_000).toISOString(), text: 'I agree to be contacted.', ip: '203.0.113.7' },
    };
    const created = await must('POST', '/v1/leads', body, [201]);
    const leadId = created.json.leadId as string;
    await must('POST', `/v1/leads/${leadId}/score`, { score: 40 + (i % 60), grade: 'B', model: 'bench' }, [200, 201]);
    phase = 'route';
    appendMs = 0;
    decideMs = 0;
    candidates = -1;
    handlerMs = NaN;
    const routed = await must('POST', `/v1/leads/${leadId}/route`, {}, [200, 422]);
    phase = 'other';
    if (!record) continue;
    result.createHttpMs.push(created.ms);
    result.routeHttpMs.push(routed.ms);
    result.routeHandlerMs.push(handlerMs);
    result.routeDecideMs.push(decideMs);
    result.routeAppendMs.push(appendMs);
    result.routeHandlerWithoutAppendMs.push(handlerMs - appendMs);
    result.routeStatuses[routed.status] = (result.routeStatuses[routed.status] ?? 0) + 1;
    if (routed.status === 200) result.winners++;
    result.candidatesPerDecision.push(candidates);
  }
  result.othersCpuDuringMeasurement = othersCpu(measureCpu, cpuSnapshot());
  result.measuredSeconds = (performance.now() - measureStarted) / 1000;
  measuring = false;
  gc.disconnect();
  result.routedInMarketAfter = assignedIn(await pace());
  result.peakRssMiB = process.resourceUsage().maxRSS / 1024;
  await client.close();
  await app.close();
  writeFileSync(resultFile, JSON.stringify(result));
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
