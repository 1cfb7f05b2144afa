/**
 * `npm run bench:routing-scale`: does a routing decision slow down as the ledger grows?
 *
 * For each ledger size (default 10k and 1M events), in the same run:
 *  1. pre-fill a fresh temp DATA_DIR ledger with a year of plausible history (prefill.ts, scenario.ts):
 *     mostly lead traffic in other markets, plus one market with 50 officers contracted this month;
 *  2. start the real app in a fresh process on it (CLOCK=manual), which rebuilds its read models
 *     from the whole ledger, and time that;
 *  3. route fresh scored leads in the 50-officer market one at a time over real HTTP, and create
 *     leads the same way (measure-child.ts); report p50/p99/max and the ratios between sizes.
 *
 * The smallest size is then measured once more on a fresh identical ledger (skip: --no-repeat), to
 * show how much the numbers move between two runs of the same size.
 *
 * Options: --sizes 10k,1M  --leads 500  --warmup 50  --no-write (print only)  --out <file>
 *          --json <file> (also save the raw results)  --from-json <file> (only re-render saved results)
 * Writes its section ("routing-scale") of docs/benchmarks.md.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem, type } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { writeSection } from '../report-sections';
import type { MeasureResult } from './measure-child';
import type { PrefillResult } from './prefill';
import { renderRoutingScale } from './render';
import { formatSize, parseSize } from './stats';

export const SECTION_NAME = 'routing-scale';
const REPO_ROOT = resolve(__dirname, '..', '..');

export interface SizeRun {
  size: number;
  label: string;
  /** The smallest size measured again at the end (a noise control), not a size of its own. */
  repeat?: boolean;
  prefill: PrefillResult;
  measure: MeasureResult;
  /** Wall time of the measuring process from spawn to exit (includes loading the code). */
  childSeconds: number;
}

export interface RoutingScaleResults {
  startedAt: Date;
  wallSeconds: number;
  leads: number;
  warmup: number;
  machine: { cpuModel: string; cpuCount: number; ramGiB: number; os: string; node: string; tempDir: string };
  loadAverage: { start: number; end: number };
  runs: SizeRun[];
}

interface Options {
  /** Measure the smallest size again at the end (noise control). */
  repeat: boolean;
  json?: string;
  fromJson?: string;
  sizes: number[];
  leads: number;
  warmup: number;
  write: boolean;
  out: string;
}

function parseArgs(argv: string[]): Options {
  const options: Options = { repeat: true, sizes: [10_000, 1_000_000], leads: 500, warmup: 50, write: true, out: join(REPO_ROOT, 'docs', 'benchmarks.md') };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const next = argv[++i];
      if (next === undefined) throw new Error(`${arg} needs a value`);
      return next;
    };
    if (arg === '--sizes') options.sizes = value().split(',').map(parseSize);
    else if (arg === '--leads') options.leads = Number(value());
    else if (arg === '--warmup') options.warmup = Number(value());
    else if (arg === '--out') options.out = resolve(value());
    else if (arg === '--no-write') options.write = false;
    else if (arg === '--no-repeat') options.repeat = false;
    else if (arg === '--json') options.json = resolve(value());
    else if (arg === '--from-json') options.fromJson = resolve(value());
    else throw new Error(`unknown option ${arg}; use --sizes 10k,1M --leads 500 --warmup 50 --no-write --no-repeat --out <file> --json <file> --from-json <file>`);
  }
  if (options.sizes.length === 0 || options.sizes.some((s) => !Number.isInteger(s) || s < 5_000)) throw new Error('--sizes: each at least 5k events');
  options.sizes = [...new Set(options.sizes)].sort((a, b) => a - b);
  if (!Number.isInteger(options.leads) || options.leads < 10 || options.leads > 2_000) throw new Error('--leads must be 10 to 2000');
  if (!Number.isInteger(options.warmup) || options.warmup < 0) throw new Error('--warmup must be ≥ 0');
  return options;
}

const tempDirs = new Set<string>();
const children = new Set<ReturnType<typeof spawn>>();
function cleanup(): void {
  for (const child of children) child.kill('SIGKILL');
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
}

function log(message: string): void {
  process.stderr.write(`[routing-scale] ${message}\n`);
}

/** Runs a script of this benchmark in a fresh node process; it writes its result as JSON to `resultFile`. */
function runChild<T>(what: string, nodeFlags: string[], script: string, args: string[], resultFile: string): Promise<{ result: T; seconds: number }> {
  const started = performance.now();
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, [...nodeFlags, '-r', '@swc-node/register', join(__dirname, script), ...args], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    children.add(child);
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      children.delete(child);
      if (code !== 0) return reject(new Error(`${what} failed (${signal ?? `exit ${code}`})`));
      try {
        resolveRun({ result: JSON.parse(readFileSync(resultFile, 'utf8')) as T, seconds: (performance.now() - started) / 1000 });
      } catch (error) {
        reject(error);
      }
    });
  });
}

/** The pre-fill gets a bigger young generation (it makes millions of short-lived objects); the app runs with Node's defaults. */
const PREFILL_NODE_FLAGS = ['--max-semi-space-size=64'];

function machine(): RoutingScaleResults['machine'] {
  let os = type();
  try {
    os = /^PRETTY_NAME="?([^"\n]+)"?/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? os;
  } catch {
    /* not Linux */
  }
  return {
    cpuModel: cpus()[0]?.model.trim() || 'unknown',
    cpuCount: cpus().length,
    ramGiB: totalmem() / 1024 ** 3,
    os: `${os} (${type()} ${release()})`,
    node: process.version,
    tempDir: tmpdir(),
  };
}

export async function runRoutingScale(options: Options): Promise<RoutingScaleResults> {
  const startedAt = new Date();
  const started = performance.now();
  const loadStart = loadavg()[0];
  const runs: SizeRun[] = [];
  // The smallest size runs once more at the end, on a fresh identical ledger: how far a size's
  // numbers move between two measurements is the noise floor for the ratios between sizes.
  const smallest = Math.min(...options.sizes);
  const plan = [...options.sizes.map((size) => ({ size, repeat: false })), ...(options.repeat && options.sizes.length > 1 ? [{ size: smallest, repeat: true }] : [])];
  for (const { size, repeat } of plan) {
    const label = `${formatSize(size)}${repeat ? ' again' : ''}`;
    const dataDir = mkdtempSync(join(tmpdir(), 'lead-ledger-bench-routing-scale-'));
    tempDirs.add(dataDir);
    try {
      log(`${label}: pre-filling ${join(dataDir, 'ledger.db')}`);
      const prefillFile = join(dataDir, 'prefill-result.json');
      const { result: filled } = await runChild<PrefillResult>('pre-fill', PREFILL_NODE_FLAGS, 'prefill-child.ts', [join(dataDir, 'ledger.db'), String(size), prefillFile], prefillFile);
      log(
        `${label}: ${filled.events.toLocaleString('en-US')} events in ${filled.seconds.toFixed(1)} s (${Math.round(filled.eventsPerSecond).toLocaleString('en-US')}/s), ` +
          `${(filled.fileBytes / 2 ** 20).toFixed(0)} MiB; chains verified on ${filled.verifiedStreams} streams`,
      );
      log(`${label}: starting the app (read-model rebuild) and routing ${options.warmup} + ${options.leads} leads`);
      const measureFile = join(dataDir, 'measure-result.json');
      const { result: measure, seconds } = await runChild<MeasureResult>('measuring process', [], 'measure-child.ts', [dataDir, measureFile, String(options.leads), String(options.warmup)], measureFile);
      log(`${label}: start-up ${(measure.startupMs / 1000).toFixed(1)} s, measured in ${measure.measuredSeconds.toFixed(1)} s`);
      runs.push({ size, label, repeat, prefill: filled, measure, childSeconds: seconds });
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
      tempDirs.delete(dataDir);
    }
  }
  return {
    startedAt,
    wallSeconds: (performance.now() - started) / 1000,
    leads: options.leads,
    warmup: options.warmup,
    machine: machine(),
    loadAverage: { start: loadStart, end: loadavg()[0] },
    runs,
  };
}

function loadResults(file: string): RoutingScaleResults {
  const saved = JSON.parse(readFileSync(file, 'utf8')) as RoutingScaleResults & { startedAt: string };
  return { ...saved, startedAt: new Date(saved.startedAt) };
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  process.on('exit', cleanup);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      cleanup();
      process.exit(130);
    });
  }
  const results: RoutingScaleResults = options.fromJson ? loadResults(options.fromJson) : await runRoutingScale(options);
  if (options.json) writeFileSync(options.json, JSON.stringify(results));
  const markdown = renderRoutingScale(results);
  if (options.write) {
    writeSection(options.out, SECTION_NAME, markdown);
    log(`wrote section "${SECTION_NAME}" of ${options.out} (${results.wallSeconds.toFixed(0)} s in all)`);
  } else {
    process.stdout.write(`${markdown}\n`);
  }
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    cleanup();
    process.exit(1);
  });
}
