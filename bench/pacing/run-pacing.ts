/**
 * `npm run bench:pacing`: a virtual-time simulation of one month of lead routing, comparing the
 * contract's rule v1 (furthest-behind-pace) with round-robin and random routing on identical lead
 * arrivals, with plenty of supply (≈1.3× the allocations) and with short supply (≈0.7×). Pure and
 * in-process: no HTTP, no ledger, no wall clock. Writes its section of docs/benchmarks.md.
 */
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { writeSection } from '../report-sections';
import { CaseName, CASES, deviationLimit } from './cases';
import { renderPacing } from './render';
import { generateLeads, MARKETS, MONTH, PreparedMarket, prepareMarket } from './scenario';
import { MarketRun, OfficerResult, RuleName, RULES, simulateMarket } from './simulate';

export { CASES, deviationLimit };
export type { CaseName };
export const SECTION_NAME = 'pacing';
export const DEFAULT_SEEDS = 20;

export interface RunSummary {
  seed: number;
  worstHourlyDev: number;
  worstHourlyRel: number;
  worstDailyDev: number;
  worstDailyRel: number;
  /** worstDailyRel leaving out the midnights of the Thanksgiving long weekend. */
  worstDailyRelOrdinary: number;
  officersOverLimit: number;
  avgFulfilment: number;
  minFulfilment: number;
  /** Largest (max − min) fulfilment share among unfiltered officers of one market, in points. */
  unfilteredSpreadPp: number;
  /** The same among unfiltered officers with allocation ≥ 20, where one lead is at most 5 points. */
  unfilteredSpreadPp20: number;
  leads: number;
  discardShare: number;
  discardedByPaceShare: number;
  filterExcludedShare: number;
  creditsBooked: number;
  deliveredOnRetryShare: number;
  meanRetryDelayHours: number;
  officers: OfficerResult[];
}

function summarise(seed: number, runs: MarketRun[]): RunSummary {
  const officers = runs.flatMap((r) => r.officers);
  const leads = runs.reduce((sum, r) => sum + r.leads, 0);
  const spreadOf = (r: MarketRun, minAllocation: number) => {
    const shares = r.officers.filter((o) => o.unfiltered && o.leads >= minAllocation).map((o) => o.fulfilment);
    return shares.length < 2 ? 0 : (Math.max(...shares) - Math.min(...shares)) * 100;
  };
  const retried = runs.reduce((sum, r) => sum + r.deliveredOnRetry, 0);
  return {
    seed,
    worstHourlyDev: Math.max(...officers.map((o) => o.maxHourlyDev)),
    worstHourlyRel: Math.max(...officers.map((o) => o.maxHourlyDev / deviationLimit(o.leads))),
    worstDailyDev: Math.max(...officers.map((o) => o.maxDailyDev)),
    worstDailyRel: Math.max(...officers.map((o) => o.maxDailyDev / deviationLimit(o.leads))),
    worstDailyRelOrdinary: Math.max(...officers.map((o) => o.maxDailyDevOrdinary / deviationLimit(o.leads))),
    officersOverLimit: officers.filter((o) => o.maxDailyDev > deviationLimit(o.leads)).length,
    avgFulfilment: officers.reduce((sum, o) => sum + o.fulfilment, 0) / officers.length,
    minFulfilment: Math.min(...officers.map((o) => o.fulfilment)),
    unfilteredSpreadPp: Math.max(...runs.map((r) => spreadOf(r, 0))),
    unfilteredSpreadPp20: Math.max(...runs.map((r) => spreadOf(r, 20))),
    leads,
    discardShare: runs.reduce((sum, r) => sum + r.discardedUnroutable + r.discardedByPace, 0) / leads,
    discardedByPaceShare: runs.reduce((sum, r) => sum + r.discardedByPace, 0) / leads,
    filterExcludedShare: runs.reduce((sum, r) => sum + r.filterExcluded, 0) / leads,
    creditsBooked: runs.reduce((sum, r) => sum + r.creditsBooked, 0),
    deliveredOnRetryShare: retried / leads,
    meanRetryDelayHours: retried === 0 ? 0 : runs.reduce((sum, r) => sum + r.retryDelayMs, 0) / retried / 3_600_000,
    officers,
  };
}

export interface PacingResults {
  seeds: number[];
  /** The markets as prepared for each case (same officers; arrival weights differ by case). */
  markets: Record<CaseName, PreparedMarket[]>;
  summaries: Record<CaseName, Record<RuleName, RunSummary[]>>;
  wallSeconds: number;
  startedAt: Date;
}

export function simulateAll(seedCount: number): PacingResults {
  const t0 = performance.now();
  const startedAt = new Date();
  const seeds = Array.from({ length: seedCount }, (_, i) => i + 1);
  const summaries = {} as PacingResults['summaries'];
  const preparedByCase = {} as PacingResults['markets'];
  for (const c of CASES) {
    const markets = MARKETS.map((spec) => prepareMarket(spec, c.holidays));
    preparedByCase[c.name] = markets;
    summaries[c.name] = {} as Record<RuleName, RunSummary[]>;
    for (const rule of RULES) summaries[c.name][rule] = [];
    for (const seed of seeds) {
      // One arrival sequence per (seed, case, market), shared by every rule.
      const leadsByMarket = markets.map((m) => generateLeads(m, c.supplyRatio, seed, c.name));
      for (const rule of RULES) {
        const runs = markets.map((m, i) => simulateMarket(m, leadsByMarket[i], rule, seed, c.name));
        summaries[c.name][rule].push(summarise(seed, runs));
      }
    }
  }
  return { seeds, markets: preparedByCase, summaries, wallSeconds: (performance.now() - t0) / 1000, startedAt };
}

export async function runPacingBenchmark(options: { seeds?: number } = {}): Promise<string> {
  const seeds = Math.max(1, Math.floor(options.seeds ?? DEFAULT_SEEDS));
  return renderPacing(simulateAll(seeds));
}

// ---------------------------------------------------------------------------------------------

function seedsFromArgs(argv: string[]): number | undefined {
  const index = argv.findIndex((a) => a === '--seeds' || a.startsWith('--seeds='));
  const raw = index === -1 ? process.env.PACING_SEEDS : argv[index].includes('=') ? argv[index].split('=')[1] : argv[index + 1];
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--seeds must be a positive integer, got ${raw}`);
  return value;
}

async function main(): Promise<void> {
  const seeds = seedsFromArgs(process.argv.slice(2)) ?? DEFAULT_SEEDS;
  const t0 = performance.now();
  console.log(`bench:pacing: ${seeds} seeds, ${MONTH}, ${MARKETS.length} markets`);
  const markdown = await runPacingBenchmark({ seeds });
  const file = join(resolve(__dirname, '../..'), 'docs/benchmarks.md');
  writeSection(file, SECTION_NAME, markdown);
  console.log(markdown);
  console.log(`\nwrote section "${SECTION_NAME}" of ${file} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

if (require.main === module) {
  main().catch((error) => {
    console.error('bench:pacing failed:', error);
    process.exitCode = 1;
  });
}
