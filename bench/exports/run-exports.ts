/**
 * `npm run bench:export`: bulk export throughput and peak RSS, and read-model rebuild throughput,
 * on generated ledgers of two sizes (default 50,000 and 200,000 leads, ~3.7 events each), to show
 * whether an export's memory stays flat as the export grows. Writes the `exports` section of
 * docs/benchmarks.md.
 *
 *   npm run bench:export -- --sizes 20000,80000     other sizes
 *   npm run bench:export -- --no-http               skip the HTTP measurements (the app's start-up
 *                                                   rebuilds every read model, the slowest part)
 *
 * Every measurement runs in a fresh child process on plain node (compiled first, see compile.ts),
 * so each peak RSS is that measurement's alone.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeMachine } from '../machine';
import { writeSection } from '../report-sections';
import { REPO_ROOT } from '../support';
import { compileForBench } from './compile';
import { NO_PRETENURING } from './constants';
import { GeneratedLedger, generateLedger } from './generate';
import type { ExportMeasurement, RebuildMeasurement } from './measure-child';
import { renderExportsSection } from './render';

export interface SizeResults {
  leads: number;
  ledger: GeneratedLedger & { fileMiB: number };
  exports: ExportMeasurement[];
  rebuild: RebuildMeasurement;
  /** The same rebuild under `node --no-allocation-site-pretenuring`. */
  rebuildNoPretenuring: RebuildMeasurement;
}

export interface ExportBenchResults {
  date: string;
  machine: ReturnType<typeof describeMachine>;
  loadBefore: number;
  loadAfter: number;
  wallSeconds: number;
  sizes: SizeResults[];
}

const EXPORT_MODES: Array<{ kind: 'export-scan' | 'export-http'; format: string; include: string; redact: boolean; nodeFlags: string[] }> = [
  { kind: 'export-scan', format: 'ndjson', include: 'events', redact: false, nodeFlags: [] },
  { kind: 'export-scan', format: 'csv', include: 'events', redact: false, nodeFlags: [] },
  { kind: 'export-scan', format: 'csv', include: 'events', redact: true, nodeFlags: [] },
  { kind: 'export-scan', format: 'ndjson', include: 'summary', redact: false, nodeFlags: [] },
  { kind: 'export-http', format: 'ndjson', include: 'events', redact: false, nodeFlags: [] },
  { kind: 'export-http', format: 'ndjson', include: 'events', redact: false, nodeFlags: [NO_PRETENURING] },
];

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const sizesArg = args.includes('--sizes') ? args[args.indexOf('--sizes') + 1] : (process.env.EXPORT_BENCH_SIZES ?? '50000,200000');
  const sizes = sizesArg.split(',').map(Number);
  if (sizes.some((n) => !Number.isInteger(n) || n < 100)) throw new Error(`--sizes takes leads per ledger, e.g. 50000,200000; got ${sizesArg}`);
  const withHttp = !args.includes('--no-http');
  const started = performance.now();
  const loadBefore = loadavg()[0];
  const compiled = compileForBench()(join(__dirname, 'measure-child.ts'));
  const work = mkdtempSync(join(tmpdir(), 'lead-ledger-bench-exports-'));
  const cleanup = () => rmSync(work, { recursive: true, force: true });
  process.once('SIGINT', () => {
    cleanup();
    process.exit(130);
  });
  const results: SizeResults[] = [];
  try {
    for (const leads of sizes) {
      const dataDir = join(work, String(leads));
      const ledgerPath = join(dataDir, 'ledger.db');
      log(`generating ${leads.toLocaleString('en-US')} leads…`);
      const generated = await generateLedger(ledgerPath, leads, (done) => progress(`  ${done.toLocaleString('en-US')} leads`));
      const ledger = { ...generated, fileMiB: (statSync(ledgerPath).size + walSize(ledgerPath)) / 2 ** 20 };
      log(`  ${generated.events.toLocaleString('en-US')} events in ${generated.seconds.toFixed(1)} s (${Math.round(generated.eventsPerSecond).toLocaleString('en-US')}/s), ${ledger.fileMiB.toFixed(0)} MiB`);
      const exports: ExportMeasurement[] = [];
      for (const mode of EXPORT_MODES) {
        if (mode.kind === 'export-http' && !withHttp) continue;
        log(`  ${mode.kind} ${mode.format} ${mode.include}${mode.redact ? ' redacted' : ''} ${mode.nodeFlags.join(' ')}…`);
        const sink = join(dataDir, `out.${mode.format}`);
        const target = mode.kind === 'export-http' ? dataDir : ledgerPath;
        const extra = mode.kind === 'export-http' ? [] : [sink];
        const result = await child<ExportMeasurement>(compiled, [mode.kind, target, join(dataDir, 'result.json'), mode.format, mode.include, String(mode.redact), ...extra], mode.nodeFlags);
        rmSync(sink, { force: true });
        log(`    ${Math.round(result.rowsPerSecond).toLocaleString('en-US')} rows/s, ${result.mibPerSecond.toFixed(1)} MiB/s, peak RSS ${result.peakRssDuringMiB.toFixed(0)} MiB`);
        exports.push(result);
      }
      const rebuilds: RebuildMeasurement[] = [];
      for (const nodeFlags of [[], [NO_PRETENURING]]) {
        log(`  rebuild ${nodeFlags.join(' ')}…`);
        const rebuild = await child<RebuildMeasurement>(compiled, ['rebuild', ledgerPath, join(dataDir, 'result.json')], nodeFlags);
        log(`    ${Math.round(rebuild.eventsPerSecond).toLocaleString('en-US')} events/s, peak RSS ${rebuild.maxRssMiB.toFixed(0)} MiB`);
        rebuilds.push(rebuild);
      }
      results.push({ leads, ledger, exports, rebuild: rebuilds[0], rebuildNoPretenuring: rebuilds[1] });
      rmSync(dataDir, { recursive: true, force: true });
    }
  } finally {
    cleanup();
  }
  const report: ExportBenchResults = {
    date: new Date().toISOString(),
    machine: describeMachine(),
    loadBefore,
    loadAfter: loadavg()[0],
    wallSeconds: (performance.now() - started) / 1000,
    sizes: results,
  };
  const markdown = renderExportsSection(report);
  writeSection(join(REPO_ROOT, 'docs', 'benchmarks.md'), 'exports', markdown);
  process.stdout.write(`\n${markdown}\n`);
}

function child<T>(script: string, args: string[], nodeFlags: string[] = []): Promise<T> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--expose-gc', ...nodeFlags, script, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
    proc.on('error', reject);
    proc.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`measurement ${args[0]} exited with ${code}`));
      try {
        resolve({ ...(JSON.parse(readFileSync(args[2], 'utf8')) as T), nodeFlags });
      } catch (error) {
        reject(error);
      }
    });
  });
}

function walSize(ledgerPath: string): number {
  try {
    return statSync(`${ledgerPath}-wal`).size;
  } catch {
    return 0;
  }
}

function log(line: string) {
  process.stderr.write(`\r\x1b[K${line}\n`);
}

function progress(line: string) {
  process.stderr.write(`\r\x1b[K${line}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
