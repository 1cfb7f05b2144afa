/**
 * `npm run bench:verify`: generates an embedded ledger of ≥ 1M events (VERIFY_BENCH_EVENTS), then
 * verifies it in a fresh process per configuration (hash workers 1, 2 and 0), measuring events/s
 * and peak RSS, then once more through the CLI exactly as a user runs it. Writes the `verify`
 * section of docs/benchmarks.md.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describeMachine } from '../machine';
import { writeSection } from '../report-sections';
import { generateLedger, GeneratedLedger } from './generate-ledger';

const ROOT = resolve(__dirname, '../..');
const TARGET = 250_000;
const MiB = 1024 * 1024;

interface ChildResult {
  workers: number;
  baselineRssBytes: number;
  maxRssBytes: number;
  samples: Array<{ events: number; streams: number; rssBytes: number; heapUsedBytes: number }>;
  report: {
    ok: boolean;
    events: number;
    streams: number;
    elapsedMs: number;
    eventsPerSecond: number;
    timing: { checkingMs: number; waitingForHashesMs: number };
    checks: Record<string, { checked: Record<string, number>; violations: number }>;
    merkle: { digests: number; verified: number; treeSize: number; rootHash: string | null };
    memory: { trackedStreams: number; openLeads: number; borrowerKeys: number };
    firstViolations: unknown[];
  };
}

async function main() {
  const events = Number(process.env.VERIFY_BENCH_EVENTS ?? 1_000_000);
  const workerConfigs = (process.env.VERIFY_BENCH_WORKERS ?? '1,2,0').split(',').map(Number);
  const dir = mkdtempSync(join(tmpdir(), 'verify-bench-'));
  const path = join(dir, 'ledger.db');
  const load = { start: loadavg()[0], end: 0 };
  try {
    log(`generating a ledger of ≥ ${events.toLocaleString('en-US')} events in ${path} …`);
    const generated = generateLedger(path, events);
    log(`  ${generated.events.toLocaleString('en-US')} events, ${generated.streams.toLocaleString('en-US')} streams in ${(generated.ms / 1000).toFixed(1)} s`);

    const child = (workers: number, nodeFlags: string[] = []): ChildResult => {
      const output = execFileSync(process.execPath, [...nodeFlags, '-r', '@swc-node/register', join(__dirname, 'verify-child.ts'), path, String(workers)], {
        cwd: ROOT,
        encoding: 'utf8',
        maxBuffer: 64 * MiB,
        env: { ...process.env, SWC_NODE_PROJECT: join(ROOT, 'tsconfig.json') },
      });
      return JSON.parse(output.trim().split('\n').pop()!) as ChildResult;
    };
    const runs: ChildResult[] = [];
    for (const workers of workerConfigs) {
      log(`verifying with ${workers} hash worker(s) …`);
      const result = child(workers);
      runs.push(result);
      log(`  ${result.report.eventsPerSecond.toLocaleString('en-US')} events/s, peak RSS ${mib(result.maxRssBytes)} MiB, ok=${result.report.ok}`);
    }
    log('verifying once more with --expose-gc, for the heap it keeps (samples after a full collection) …');
    const memory = child(workerConfigs[0], ['--expose-gc']);

    log('verifying through the CLI (node bin/lead-ledger.js verify --json --no-progress) …');
    const cliStarted = performance.now();
    let cliExit = 0;
    let cliOutput = '';
    try {
      cliOutput = execFileSync(process.execPath, [join(ROOT, 'bin', 'lead-ledger.js'), 'verify', '--ledger-url', `sqlite:${path}`, '--json', '--no-progress'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * MiB });
    } catch (error) {
      cliExit = (error as { status?: number }).status ?? -1;
      cliOutput = String((error as { stdout?: string }).stdout ?? '');
    }
    const cliWallMs = performance.now() - cliStarted;
    const cliReport = JSON.parse(cliOutput) as ChildResult['report'] & { memory: { peakRssBytes: number } };
    log(`  exit ${cliExit}, ${cliReport.eventsPerSecond.toLocaleString('en-US')} events/s inside, ${(cliWallMs / 1000).toFixed(1)} s wall`);
    load.end = loadavg()[0];

    const markdown = render(generated, statSync(path).size, runs, memory, { exit: cliExit, wallMs: cliWallMs, report: cliReport }, load);
    writeSection(join(ROOT, 'docs', 'benchmarks.md'), 'verify', markdown);
    log('wrote the "verify" section of docs/benchmarks.md');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function render(
  generated: GeneratedLedger,
  fileBytes: number,
  runs: ChildResult[],
  memory: ChildResult,
  cli: { exit: number; wallMs: number; report: ChildResult['report'] & { memory: { peakRssBytes: number } } },
  load: { start: number; end: number },
): string {
  const machine = describeMachine();
  const n = (value: number) => Math.round(value).toLocaleString('en-US');
  const best = runs.reduce((a, b) => (b.report.eventsPerSecond > a.report.eventsPerSecond ? b : a));
  const main = runs[0];
  const checks = main.report.checks;
  const lines: string[] = [];
  lines.push('## Ledger verifier (`lead-ledger verify`)');
  lines.push('');
  lines.push(
    `Generated by \`npm run bench:verify\` on **${new Date().toISOString()}** (${machine.cpuModel} × ${machine.cpuCount}, ${machine.ramGiB.toFixed(1)} GiB, Node ${machine.node}, commit ${machine.commit}). Load average (1 min) ${load.start.toFixed(2)} at start, ${load.end.toFixed(2)} at end: anything above 0 means other work shared the 2 CPUs, and every number below is lower for it.`,
  );
  lines.push('');
  const target = best.report.eventsPerSecond >= TARGET;
  lines.push('| Target (from the issue) | Measured | |');
  lines.push('|---|---|---|');
  lines.push(
    `| Verify ≥ ${n(TARGET)} events/s on a ≥ 1M-event ledger | ${n(best.report.eventsPerSecond)} events/s (best configuration: ${best.workers} hash worker${best.workers === 1 ? '' : 's'}; ${n(generated.events)} events) | ${target ? '✅ met' : `❌ not met (${Math.round((best.report.eventsPerSecond / TARGET) * 100)} % of target)`} |`,
  );
  lines.push(`| Report its peak RSS | ${mib(best.maxRssBytes)} MiB peak for the whole process (${mib(best.baselineRssBytes)} MiB before the first event) | ✅ |`);
  lines.push('');
  lines.push(
    `**The ledger**: ${n(generated.events)} events in ${n(generated.streams)} streams (${n(generated.leads)} leads over 6 months, 4 markets × 6 officers, monthly allocations), ${mib(fileBytes)} MiB on disk, ${n(generated.bytes / generated.events)} bytes of JSON (data + metadata) per event on average. Written by bench/verify/generate-ledger.ts in ${(generated.ms / 1000).toFixed(0)} s straight into the ledger schema, hash-chained, with a Merkle digest every 1,000 events; every lead is routed automatically by rule v1 on the read models as they stand (1 % manual overrides, 3 % delivery failures re-routed, 4 % credits days later, 2 % repeat borrowers, refusals when nobody is eligible).`,
  );
  lines.push('');
  lines.push(
    `**What one run checks**: ${n(checks.chain.checked.events)} event hashes recomputed and ${n(checks.chain.checked.streams)} stream chains followed; ${n(main.report.merkle.verified)} of ${n(main.report.merkle.digests)} Merkle digests recomputed; ${n(checks.pace.checked.automaticDecisions)} automatic decisions and ${n(checks.pace.checked.refusals)} refusals re-derived from the read models rebuilt before each (exact equality of the decision object); ${n(checks.pace.checked.overrides)} overrides listed; ${n(checks.exclusivity.checked.deliveries)} deliveries and ${n(checks.allocation.checked.credits)} credits checked. Result: ${main.report.ok ? 'clean (exit 0)' : `NOT clean: ${JSON.stringify(main.report.firstViolations)}`}.`,
  );
  lines.push('');
  lines.push('| hash workers | events/s | wall time | main thread: checks / waiting for hashes | peak RSS | RSS before reading | streams tracked | open leads at end | borrower keys kept |');
  lines.push('|---|---|---|---|---|---|---|---|---|');
  for (const run of runs) {
    lines.push(
      `| ${run.workers}${run.workers === 0 ? ' (all on the main thread)' : ''} | ${n(run.report.eventsPerSecond)} | ${(run.report.elapsedMs / 1000).toFixed(1)} s | ${(run.report.timing.checkingMs / 1000).toFixed(1)} s / ${(run.report.timing.waitingForHashesMs / 1000).toFixed(1)} s | ${mib(run.maxRssBytes)} MiB | ${mib(run.baselineRssBytes)} MiB | ${n(run.report.memory.trackedStreams)} | ${n(run.report.memory.openLeads)} | ${n(run.report.memory.borrowerKeys)} |`,
    );
  }
  lines.push(
    `| CLI, defaults (\`node bin/lead-ledger.js verify --json --no-progress\`) | ${n(cli.report.eventsPerSecond)} | ${(cli.wallMs / 1000).toFixed(1)} s incl. start-up | ${(cli.report.timing.checkingMs / 1000).toFixed(1)} s / ${(cli.report.timing.waitingForHashesMs / 1000).toFixed(1)} s | ${mib(cli.report.memory.peakRssBytes)} MiB | | | | exit code ${cli.exit} |`,
  );
  lines.push('');
  lines.push(
    `**Memory over the run**, from a separate run with \`--expose-gc\` (${memory.workers} hash worker${memory.workers === 1 ? '' : 's'}, ${n(memory.report.eventsPerSecond)} events/s): each sample is taken right after a full garbage collection, so the heap column is what the verifier really keeps; RSS also holds garbage not yet collected, the hash worker and SQLite's page caches.`,
  );
  lines.push('');
  lines.push('| events read | streams seen | JS heap kept (after GC) | RSS |');
  lines.push('|---|---|---|---|');
  for (const sample of memory.samples.filter((_, i, all) => i % 2 === 0 || i === all.length - 1)) {
    lines.push(`| ${n(sample.events)} | ${n(sample.streams)} | ${mib(sample.heapUsedBytes)} MiB | ${mib(sample.rssBytes)} MiB |`);
  }
  const first = memory.samples[Math.min(1, memory.samples.length - 1)];
  const last = memory.samples[memory.samples.length - 1];
  const perStream = last && first && last.streams > first.streams ? (last.heapUsedBytes - first.heapUsedBytes) / (last.streams - first.streams) : NaN;
  lines.push('');
  lines.push(
    `**How memory grows.** The verifier streams: it reads pages of 1,024 events and keeps at most 7 pages in flight, so nothing it holds is per event. What it keeps is one record per stream (next revision, last hash, position; for a lead, its track until delivery, then a pointer to a record shared by all leads delivered under the same allocation), the leads still open, the borrower routes inside the longest dedupe window (older ones are pruned), the allocations, and a few versions of each routing document. In this ledger every lead is its own stream, so streams grow with events and the kept heap grows with them: ${Number.isFinite(perStream) ? `about ${n(perStream)} bytes per stream` : 'see the table'} between the first and last samples, borrower routes in the window included. So memory is **not** flat in this workload: it is proportional to the number of streams (and of borrowers routed within the dedupe window), not to the number of events; a ledger with the same streams and more events per stream would keep the same heap (not measured here). Peak RSS is two to four times the kept heap: V8 lets garbage from the pages in flight accumulate before collecting it.`,
  );
  lines.push('');
  lines.push(
    `**Where the time goes, and why the target is not met.** Per event the work is: read the row from SQLite, parse its data (JSON.parse), follow its stream's chain, apply it to the rebuilt read models and re-check it (a full rule-v1 decision for every route), and recompute its hash: canonical JSON (RFC 8785) of data and metadata plus SHA-256, and its Merkle leaf. The hash half runs in worker threads that read their own pages over read-only SQLite connections; the main thread does the rest. The stored JSON text is canonicalised directly by a strict scanner (checked byte-for-byte against the \`canonicalize\` package by a fuzz test), 2–3× faster than parsing and re-serialising. Even so, the two halves cost roughly the same, tens of microseconds of CPU per event on this shared 2-CPU machine (see "main thread: checks / waiting"), so one worker plus the main thread already fill both CPUs and a second worker does not help. 250,000 events/s would need about 8 µs of CPU per event in total; the verifier is several times that, in JavaScript, on CPUs other jobs were using. Faster would take a native canonicaliser/hasher, more cores (the hash half scales with workers), or skipping the domain re-derivation (which would no longer be the verifier the issue asks for).`,
  );
  return lines.join('\n');
}

function mib(bytes: number): string {
  return (bytes / MiB).toFixed(0);
}

function log(message: string) {
  process.stderr.write(`${message}\n`);
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
