/** Turns one bench run into its section of docs/benchmarks.md: tables, how to read them, and where we stand. */
import type { AppendResults, AppendRun } from './append.bench';
import type { BaselineName } from './baselines.bench';
import { BASELINES } from './baselines.bench';
import type { LeadLedgerResults } from './http-lifecycle.bench';
import type { LatencySummary, LoadResult } from './load';
import { OFFICER_ID } from './fixtures';
import type { MachineInfo } from './machine';

export interface BenchResults {
  startedAt: Date;
  wallSeconds: number;
  /** CPU used by other processes / stolen by the hypervisor during the run (% of one core, averaged). */
  otherCpu: { othersPercent: number; stealPercent: number } | null;
  machine: MachineInfo;
  settings: { concurrency: number; warmupMs: number; durationMs: number; eventBytes: number; quick: boolean };
  append: AppendResults;
  leadLedger: LeadLedgerResults;
  baselines: Record<BaselineName, LoadResult>;
}

/** The issue's targets and the expectations for this machine. */
export const TARGETS = {
  singleEventCommitsPerSecond: 5_000,
  batchedEventsPerSecond: 140_000,
  lifecyclesPerSecond: 2_000,
  shareOfBareEndpoint: 0.5,
  p99AtHalfLoadMs: 20,
};

/** Above this much CPU outside the bench (% of one core), the run was not on an idle machine. */
export const OTHER_CPU_WARNING_PERCENT = 25;

/** "About as expected" for the two machine expectations: within 10 %. */
const EXPECTATION_TOLERANCE = 0.9;

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const ms = (n: number) => (n < 10 ? n.toFixed(2) : n < 100 ? n.toFixed(1) : n.toFixed(0));
const pct = (n: number) => `${(100 * n).toFixed(0)} %`;
const ratio = (n: number) => `${n.toFixed(2)}×`;
const cpu = (n: number | null) => (n === null ? 'n/a' : `${n.toFixed(0)} %`);
const yes = (ok: boolean) => (ok ? '✅ met' : '❌ not met');
const lat = (s: LatencySummary) => `${ms(s.p50)} / ${ms(s.p99)} / ${ms(s.max)}`;
/** Server CPU per request, in ms: what one request costs the server's (single) event-loop thread. */
const cpuPerRequest = (r: LoadResult) => (r.serverCpuPercent === null || r.requests === 0 ? null : (r.serverCpuPercent / 100) * r.seconds * 1000 / r.requests);
const cpuMs = (n: number | null) => (n === null ? 'n/a' : n.toFixed(3));

export function renderReport(r: BenchResults): string {
  const { append: a, leadLedger: ll, baselines: b, machine: m, settings: s } = r;
  const bare = b.bareFastify;
  const shareOfBare = ll.max.lifecyclesPerSecond / bare.lifecyclesPerSecond;
  const nestAdapterRatio = b.nestFastify.lifecyclesPerSecond / b.nestExpress.lifecyclesPerSecond;
  const fasterAdapter = nestAdapterRatio >= 1 ? 'Fastify' : 'Express';
  const failures = ll.max.non2xx + ll.max.errors + ll.half.non2xx + ll.half.errors + Object.values(b).reduce((n, x) => n + x.non2xx + x.errors, 0);

  const checks = [
    {
      target: `Durable single-event commits ≈ ${int(TARGETS.singleEventCommitsPerSecond)}/s (expected on this machine)`,
      measured: `${int(a.singleEvent.eventsPerSecond)} events/s (${pct(a.singleEvent.eventsPerSecond / TARGETS.singleEventCommitsPerSecond)} of expected; raw SQLite in the same run: ${int(a.rawSingle.eventsPerSecond)}/s)`,
      ok: a.singleEvent.eventsPerSecond >= TARGETS.singleEventCommitsPerSecond * EXPECTATION_TOLERANCE,
    },
    {
      target: `Batched appends ≈ ${int(TARGETS.batchedEventsPerSecond)} events/s (expected on this machine)`,
      measured: `${int(a.batched.eventsPerSecond)} events/s (${pct(a.batched.eventsPerSecond / TARGETS.batchedEventsPerSecond)} of expected)`,
      ok: a.batched.eventsPerSecond >= TARGETS.batchedEventsPerSecond * EXPECTATION_TOLERANCE,
    },
    {
      target: `≥ ${int(TARGETS.lifecyclesPerSecond)} full lifecycles/s with durable writes`,
      measured: `${int(ll.max.lifecyclesPerSecond)} lifecycles/s (${int(ll.max.requestsPerSecond)} requests/s)`,
      ok: ll.max.lifecyclesPerSecond >= TARGETS.lifecyclesPerSecond,
    },
    {
      target: `≥ ${pct(TARGETS.shareOfBareEndpoint)} of a bare endpoint in the same run`,
      measured: `${pct(shareOfBare)} (${int(ll.max.lifecyclesPerSecond)} vs ${int(bare.lifecyclesPerSecond)} bare-Fastify "lifecycles"/s)`,
      ok: shareOfBare >= TARGETS.shareOfBareEndpoint,
    },
    {
      target: `p99 < ${TARGETS.p99AtHalfLoadMs} ms per request at half that load`,
      measured: `${ms(ll.half.request.p99)} ms per request at ${int(ll.halfRate)} lifecycles/s offered (p99 of a whole 4-request lifecycle: ${ms(ll.half.lifecycle.p99)} ms)`,
      ok: ll.half.request.p99 < TARGETS.p99AtHalfLoadMs && ll.half.non2xx + ll.half.errors === 0,
    },
    {
      target: 'No non-2xx responses, no errors, every acknowledged event in the ledger file',
      measured:
        `${failures} failed requests; ledger file holds ${ll.eventsInLedger === null ? 'n/a' : int(ll.eventsInLedger)} lead events ` +
        `for ${int(ll.eventsExpected / 4)} completed lifecycles (expected ${int(ll.eventsExpected)})`,
      ok: failures === 0 && ll.eventsInLedger === ll.eventsExpected,
    },
  ];
  const met = checks.filter((c) => c.ok);
  const missed = checks.filter((c) => !c.ok);

  const appendRow = (run: AppendRun, vs: string) =>
    `| ${run.name} | ${run.how} | ${int(run.events)} | ${int(run.calls)} | ${run.seconds.toFixed(2)} | **${int(run.eventsPerSecond)}** | ${vs} |`;
  const loadRow = (name: string, x: LoadResult, load: string) =>
    `| ${name} | ${load} | **${int(x.lifecyclesPerSecond)}** | ${int(x.requestsPerSecond)} | ${lat(x.request)} | ${lat(x.lifecycle)} | ${x.non2xx} / ${x.errors} | ${cpu(x.serverCpuPercent)} | ${cpu(x.serverMainThreadCpuPercent)} | ${cpuMs(cpuPerRequest(x))} | ${cpu(x.loadGeneratorCpuPercent)} |`;
  const stepRows = (x: LoadResult) =>
    (Object.keys(x.steps) as Array<keyof LoadResult['steps']>).map((step) => `| ${step} | ${int(x.steps[step].count)} | ${ms(x.steps[step].mean)} | ${lat(x.steps[step])} |`);
  const leadCpu = cpuPerRequest(ll.max);
  const nestCpu = cpuPerRequest(b.nestFastify);

  const lines = [
    '## Throughput and latency: embedded ledger and HTTP API (`npm run bench`)',
    '',
    `Generated by \`npm run bench\` on **${r.startedAt.toISOString()}**. This section is rewritten on every run, and all its numbers come from that one run on the machine described here; the other sections of this file belong to other benchmarks and are left as they are.`,
    '',
    ...(s.quick ? ['> **BENCH_QUICK=1 run**: every phase was shortened; use these numbers only to check that the bench works.', ''] : []),
    '### Machine',
    '',
    '| | |',
    '|---|---|',
    `| Date | ${r.startedAt.toISOString()} |`,
    `| CPU | ${m.cpuModel} × ${m.cpuCount} |`,
    `| RAM | ${m.ramGiB.toFixed(1)} GiB |`,
    `| OS | ${m.os} |`,
    `| Node | ${m.node} |`,
    `| Commit | ${m.commit} |`,
    `| Temp dir (ledger files) | \`${m.tempDir}\` on ${m.tempDirFilesystem} |`,
    `| Libraries | ${Object.entries(m.versions).map(([k, v]) => `${k} ${v}`).join(', ')} |`,
    `| Other load during the run | ${
      r.otherCpu === null
        ? 'n/a'
        : `CPU used outside the bench's own processes: ${r.otherCpu.othersPercent.toFixed(0)} % of one core on average (this also counts kernel threads doing the bench's own disk I/O); stolen by the hypervisor: ${r.otherCpu.stealPercent.toFixed(0)} %${r.otherCpu.othersPercent > OTHER_CPU_WARNING_PERCENT ? '. **Other work shared the machine**: numbers are lower and noisier than on an idle machine' : ''}`
    } |`,
    `| Bench wall time | ${r.wallSeconds.toFixed(0)} s (build excluded) |`,
    '',
    '### Targets: where it stands',
    '',
    '| Target (from the issue) | Measured in this run | |',
    '|---|---|---|',
    ...checks.map((c) => `| ${c.target} | ${c.measured} | ${yes(c.ok)} |`),
    '',
    `**In short:** ${met.length} of ${checks.length} met. ` +
      (missed.length === 0 ? 'Every target is met on this machine.' : `Not met: ${missed.map((c) => c.target.replace(/\s*\(.*\)$/, '')).join('; ')}.`),
    '',
    ...whereItStands(r, shareOfBare, leadCpu, nestCpu),
    '',
    '### How to read this',
    '',
    '- **Durable** means `synchronous=FULL` in WAL mode: an append (or HTTP write) is acknowledged only after SQLite has fsynced the WAL. Nothing is faked with `synchronous=OFF` or a RAM disk; the ledger files live in the temp dir named above.',
    '- **Group commit**: the embedded ledger puts every append that arrives in the same event-loop turn into one transaction with one fsync (each append still succeeds or fails on its own, in a savepoint). Sequential single-event appends therefore pay one fsync each; concurrent ones share.',
    `- **Events** in section 1 are the four real events of a lead lifecycle (LeadCreated, LeadScored, LeadRouted, LeadDelivered), on one stream per lead, ~${s.eventBytes} bytes of JSON (data + metadata) each on average.`,
    `- **Lifecycle** = 4 sequential POSTs for one lead: create → score → route (operator override to officer \`${OFFICER_ID}\`, onboarded once before the load) → deliver; one lifecycle appends 4 events. Every lead has its own borrower (phone and email), as real traffic would; the lead's property is in no configured market, so routing takes the override path without a market lock. Baselines get the same 4 POSTs with the same JSON bodies and headers; they just return a small JSON.`,
    `- **Max load** is a closed loop: ${s.concurrency} workers, each running lifecycles back to back over keep-alive connections (undici Pool, ${s.concurrency} connections), ${s.warmupMs / 1000} s warm-up then ${s.durationMs / 1000} s measured. Only requests that complete inside the measured window count; non-2xx and errors are counted over the whole run including the warm-up.`,
    '- **Half load** is an open loop: lifecycles are *started* at a fixed rate (half the max lifecycles/s just measured) regardless of how fast the server answers, so slowness shows up as latency instead of quietly lowering the load. Lifecycle latency there is measured from the scheduled start.',
    '- **Latency** is measured in the load generator (client side) from sending a request to having read its whole response, so it includes queueing behind the other in-flight requests. Columns read p50 / p99 / max, in milliseconds.',
    '- **Server CPU** is the server process\'s CPU time over the measured window as % of one core, all threads (event loop, GC, any worker threads); **Server event-loop thread CPU** is its main thread alone, where all its JavaScript and every synchronous SQLite call run: near 100 % means that thread is the bottleneck. Time spent blocked in an fsync is *not* CPU time. **CPU ms/request** divides the process\'s CPU by the requests served. **Load-gen CPU** is the bench process\'s own.',
    `- Everything runs on the same ${m.cpuCount}-core machine: the load generator competes with the server for CPU. For the no-op baselines the load generator is close to a full core, so their "ceiling" is partly the load generator's ceiling: treat bare-endpoint numbers as lower bounds.`,
    '- Disk and VM noise: fsync latency on a virtual disk varies between runs (tail fsyncs of several ms are normal here). Expect run-to-run differences of tens of percent in the absolute HTTP numbers; ratios measured within the same run are more stable.',
    '',
    '### 1. Embedded ledger: append throughput',
    '',
    `Each mode appends to its own fresh ledger file for ${a.phaseSeconds} s in total, after a 0.2 s warm-up. The modes are interleaved (${a.rounds} rounds of ${(a.phaseSeconds / a.rounds).toFixed(1)} s slices, every mode in turn) so that each mode and its raw baseline see the same disk: fsync latency on this virtual disk drifts over seconds.`,
    '',
    '| Mode | How | Events | Append calls / transactions | Seconds | Events/s | Compared with |',
    '|---|---|---:|---:|---:|---:|---|',
    appendRow(a.singleEvent, `${ratio(a.singleEvent.eventsPerSecond / a.rawSingle.eventsPerSecond)} raw 1/transaction`),
    appendRow(a.groupCommit, `${ratio(a.groupCommit.eventsPerSecond / a.singleEvent.eventsPerSecond)} single-event commits`),
    appendRow(a.batched, `${ratio(a.batched.eventsPerSecond / a.rawBatched.eventsPerSecond)} raw plain, ${ratio(a.batched.eventsPerSecond / a.rawBatchedLedgerSchema.eventsPerSecond)} raw ledger schema`),
    appendRow(a.rawSingle, 'baseline'),
    appendRow(a.rawBatched, 'baseline'),
    appendRow(a.rawBatchedLedgerSchema, `${ratio(a.rawBatchedLedgerSchema.eventsPerSecond / a.rawBatched.eventsPerSecond)} raw plain`),
    '',
    'Adapter overhead, as ratios of the same run:',
    '',
    `- single-event commits ÷ raw INSERT per transaction: **${ratio(a.singleEvent.eventsPerSecond / a.rawSingle.eventsPerSecond)}** (both are one fsync per event; the difference is the adapter's work per append: expected-revision check, savepoint, two indexes, JSON round trip, setImmediate hop).`,
    `- batched ÷ raw plain ${a.batchSize}/transaction: **${ratio(a.batched.eventsPerSecond / a.rawBatched.eventsPerSecond)}**; of that gap, the ledger's schema alone (UNIQUE \`event_id\` on random UUIDs, UNIQUE \`(stream, revision)\`, written with bare INSERTs) accounts for **${ratio(a.rawBatchedLedgerSchema.eventsPerSecond / a.rawBatched.eventsPerSecond)}**, and the adapter's TypeScript on top of that schema for **${ratio(a.batched.eventsPerSecond / a.rawBatchedLedgerSchema.eventsPerSecond)}**.`,
    `- group commit (${a.groupConcurrency} in flight) ÷ single-event commits: **${ratio(a.groupCommit.eventsPerSecond / a.singleEvent.eventsPerSecond)}**.`,
    '',
    '### 2. HTTP: full lead lifecycle against the real API',
    '',
    `\`node dist/apps/api/src/main.js\` in a child process (fresh temp \`DATA_DIR\`, embedded durable SQLite ledger, \`LOG_LEVEL=silent\`, system clock, 127.0.0.1), admin API key on every request. Start-up took ${ll.startupMs} ms.`,
    '',
    '| Run | Load | Lifecycles/s | Requests/s | Request latency ms (p50 / p99 / max) | Lifecycle latency ms (p50 / p99 / max) | non-2xx / errors | Server CPU | Server event-loop thread CPU | CPU ms/request | Load-gen CPU |',
    '|---|---|---:|---:|---|---|---|---:|---:|---:|---:|',
    loadRow('max throughput', ll.max, `closed loop, ${s.concurrency} workers`),
    loadRow('half load', ll.half, `open loop, ${int(ll.halfRate)} lifecycles/s offered`),
    '',
    'Per step, max throughput run:',
    '',
    '| Step | Requests | Mean ms | p50 / p99 / max ms |',
    '|---|---:|---:|---|',
    ...stepRows(ll.max),
    '',
    'Per step, half load run:',
    '',
    '| Step | Requests | Mean ms | p50 / p99 / max ms |',
    '|---|---:|---:|---|',
    ...stepRows(ll.half),
    '',
    `After the app stopped, the ledger file held **${ll.eventsInLedger === null ? 'n/a' : int(ll.eventsInLedger)}** events on lead streams; ${int(ll.eventsExpected / 4)} lifecycles completed (warm-ups included) × 4 = ${int(ll.eventsExpected)} expected.` +
      (ll.half.skipped > 0 ? ` The open loop skipped ${int(ll.half.skipped)} lifecycles because too many were already in flight.` : ''),
    '',
    '### 3. Baselines (same run, same load generator, same concurrency)',
    '',
    'Each baseline is its own child process on 127.0.0.1, hit with the same 4 POSTs per "lifecycle", the same bodies and headers, the same warm-up and duration.',
    '',
    '| Server | Load | "Lifecycles"/s | Requests/s | Request latency ms (p50 / p99 / max) | Lifecycle latency ms (p50 / p99 / max) | non-2xx / errors | Server CPU | Server event-loop thread CPU | CPU ms/request | Load-gen CPU |',
    '|---|---|---:|---:|---|---|---|---:|---:|---:|---:|',
    ...(Object.keys(BASELINES) as BaselineName[]).map((name) => loadRow(BASELINES[name].label, b[name], `closed loop, ${s.concurrency} workers`)),
    loadRow('**Lead Ledger API** (from section 2)', ll.max, `closed loop, ${s.concurrency} workers`),
    '',
    '| Ratio | Value |',
    '|---|---:|',
    `| Lead Ledger lifecycles/s ÷ bare Fastify "lifecycles"/s | **${ratio(shareOfBare)}** (${pct(shareOfBare)}) |`,
    `| Lead Ledger lifecycles/s ÷ Nest + Fastify no-op | ${ratio(ll.max.lifecyclesPerSecond / b.nestFastify.lifecyclesPerSecond)} |`,
    `| Nest + Fastify no-op ÷ bare Fastify | ${ratio(b.nestFastify.lifecyclesPerSecond / bare.lifecyclesPerSecond)} |`,
    `| Nest + Fastify ÷ Nest + Express | **${ratio(nestAdapterRatio)}** |`,
    '',
    `On this machine the **${fasterAdapter} adapter is faster**: Nest + Fastify served ${int(b.nestFastify.requestsPerSecond)} requests/s, Nest + Express ${int(b.nestExpress.requestsPerSecond)} requests/s (${ratio(Math.max(nestAdapterRatio, 1 / nestAdapterRatio))}).`,
    '',
  ];
  return lines.join('\n');
}

/** Honest prose about the numbers, written from this run's numbers (not from a template of hopes). */
function whereItStands(r: BenchResults, shareOfBare: number, leadCpu: number | null, nestCpu: number | null): string[] {
  const { append: a, leadLedger: ll, baselines: b } = r;
  const out: string[] = [];
  const single = a.singleEvent.eventsPerSecond;
  out.push(
    `- **Embedded ledger.** Durable single-event commits ran at ${int(single)} events/s against ${int(a.rawSingle.eventsPerSecond)}/s for a bare INSERT per transaction on the same disk: ` +
      (single >= TARGETS.singleEventCommitsPerSecond * EXPECTATION_TOLERANCE
        ? `in line with the ~${int(TARGETS.singleEventCommitsPerSecond)}/s expected.`
        : `below the ~${int(TARGETS.singleEventCommitsPerSecond)}/s expected${
            a.rawSingle.eventsPerSecond < TARGETS.singleEventCommitsPerSecond * EXPECTATION_TOLERANCE
              ? ', but so is raw SQLite in this run, so the disk (fsync latency), not the adapter, sets this number'
              : `, while raw SQLite on the same disk in the same run did reach it, so the gap (${ratio(single / a.rawSingle.eventsPerSecond)}) is the adapter's own per-commit work: a transaction with a savepoint, a revision lookup, an INSERT that also updates two unique indexes (more pages written to the WAL per fsync) and a setImmediate hop before the commit`
          }.`) +
      ` Batched appends reached ${int(a.batched.eventsPerSecond)} events/s, ` +
      (a.batched.eventsPerSecond >= TARGETS.batchedEventsPerSecond * EXPECTATION_TOLERANCE
        ? `in line with the ~${int(TARGETS.batchedEventsPerSecond)} expected.`
        : `well short of the ~${int(TARGETS.batchedEventsPerSecond)} expected. Raw SQLite does ${int(a.rawBatched.eventsPerSecond)} rows/s into a plain table but only ${int(a.rawBatchedLedgerSchema.eventsPerSecond)} rows/s into the ledger's own schema, so most of the gap is the schema's two UNIQUE indexes (random-UUID keys scatter writes over many B-tree pages, and every dirty page is written to the WAL and fsynced), not the TypeScript around it.`),
  );
  out.push(
    `- **HTTP throughput.** The API completed ${int(ll.max.lifecyclesPerSecond)} lifecycles/s (${int(ll.max.requestsPerSecond)} durable writes/s) with ${r.settings.concurrency} concurrent clients: ` +
      (ll.max.lifecyclesPerSecond >= TARGETS.lifecyclesPerSecond
        ? `the ≥ ${int(TARGETS.lifecyclesPerSecond)}/s target is met.`
        : `**${pct(ll.max.lifecyclesPerSecond / TARGETS.lifecyclesPerSecond)} of the ≥ ${int(TARGETS.lifecyclesPerSecond)}/s target**, which is not met.`) +
      ` That is ${pct(shareOfBare)} of bare Fastify in the same run (target ≥ ${pct(TARGETS.shareOfBareEndpoint)}: ${shareOfBare >= TARGETS.shareOfBareEndpoint ? 'met' : 'not met'}).` +
      (leadCpu !== null && nestCpu !== null
        ? ` Each API request cost the server ~${leadCpu.toFixed(2)} ms of CPU against ~${nestCpu.toFixed(2)} ms for a no-op Nest + Fastify endpoint (${(leadCpu / nestCpu).toFixed(0)}×). ` +
          ((ll.max.serverMainThreadCpuPercent ?? 0) >= 80
            ? `The server's event-loop thread ran at ${cpu(ll.max.serverMainThreadCpuPercent)} of a core (the whole process at ${cpu(ll.max.serverCpuPercent)}), on top of the time it spends blocked in synchronous fsyncs: the API is bound by that one thread, which runs all of its JavaScript and every synchronous SQLite read and commit, not by the group-committed disk.`
            : `The server's event-loop thread used only ${cpu(ll.max.serverMainThreadCpuPercent)} of a core (the whole process ${cpu(ll.max.serverCpuPercent)}), so it also waited: on fsyncs, which block that thread${(r.otherCpu?.othersPercent ?? 0) > OTHER_CPU_WARNING_PERCENT ? ', and on CPU time taken by other processes running at the same time' : ''}.`)
        : ''),
  );
  out.push(
    `- **Latency at half load** (${int(ll.halfRate)} lifecycles/s offered, open loop): p99 ${ms(ll.half.request.p99)} ms per request, p99 ${ms(ll.half.lifecycle.p99)} ms per 4-request lifecycle, max ${ms(ll.half.request.max)} ms per request. ` +
      (ll.half.request.p99 < TARGETS.p99AtHalfLoadMs
        ? `The per-request p99 < ${TARGETS.p99AtHalfLoadMs} ms target is met${ll.max.lifecyclesPerSecond >= TARGETS.lifecyclesPerSecond ? '' : `, but at half of a throughput that itself misses its target (${int(ll.halfRate)} rather than ${int(TARGETS.lifecyclesPerSecond / 2)} lifecycles/s)`}.`
        : `The per-request p99 < ${TARGETS.p99AtHalfLoadMs} ms target is not met.`) +
      ` At max load the per-request p99 was ${ms(ll.max.request.p99)} ms (max ${ms(ll.max.request.max)} ms).` +
      halfLoadCpuNote(ll),
  );
  out.push(
    `- **Frameworks.** Nest + Fastify reached ${pct(b.nestFastify.lifecyclesPerSecond / b.bareFastify.lifecyclesPerSecond)} of bare Fastify and ${ratio(b.nestFastify.lifecyclesPerSecond / b.nestExpress.lifecyclesPerSecond)} Nest + Express; the no-op baselines are at least partly limited by the load generator sharing the ${r.machine.cpuCount} cores.`,
  );
  return out;
}

/** Explains a half-load run whose server was nowhere near half busy. */
function halfLoadCpuNote(ll: LeadLedgerResults): string {
  const maxCpu = cpuPerRequest(ll.max);
  const halfCpu = cpuPerRequest(ll.half);
  if (maxCpu === null || halfCpu === null || ll.half.serverCpuPercent === null || halfCpu < maxCpu * 1.15) return '';
  return (
    ` Half the throughput was not half the work: each request cost the server ${halfCpu.toFixed(2)} ms of CPU at half load against ${maxCpu.toFixed(2)} ms at max load, ` +
    `so the server's event-loop thread still ran at ${cpu(ll.half.serverMainThreadCpuPercent)} of a core. Group commit only merges appends that arrive in the same event-loop turn; ` +
    'with fewer requests in flight most writes get a commit of their own, so the per-commit costs (transaction, a synchronous fsync that blocks the one thread, ' +
    'every ledger subscriber re-reading the new events) are paid per request rather than shared, and requests queue behind them.'
  );
}
