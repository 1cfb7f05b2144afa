/**
 * The simulated month: markets, officers and their allocations, and the lead arrival process.
 * Everything here is data plus pure functions of (scenario, seed); nothing reads the wall clock.
 */
import { AllocationFilters, CreditTier, localMidnight, LoanType, monthWindow, UsState } from '@lead-ledger/domain';
import { DateTime } from 'luxon';
import { normal, poisson, Rng, rngFor, weighted } from './prng';

export const MONTH = '2026-11';
/** Local dates treated like a weekend by borrowers (Thanksgiving and the Friday after). */
export const HOLIDAYS = ['2026-11-26', '2026-11-27'];
/** Thursday to Sunday of Thanksgiving: four low-supply days in a row, the month's hardest stretch. */
export const LONG_WEEKEND = ['2026-11-26', '2026-11-27', '2026-11-28', '2026-11-29'];

export interface OfficerSpec {
  officerId: string;
  leads: number;
  /** Local date; the allocation starts at local midnight. */
  startsOn?: string;
  /** Local date-times (`YYYY-MM-DDTHH:mm`) in the market's zone. */
  pause?: { from: string; to: string };
  filters?: AllocationFilters;
}

export interface MarketSpec {
  marketId: string;
  timeZone: string;
  states: UsState[];
  stateWeights: number[];
  officers: OfficerSpec[];
}

export const MARKETS: MarketSpec[] = [
  {
    marketId: 'dfw',
    timeZone: 'America/Chicago',
    states: ['TX'],
    stateWeights: [1],
    officers: [
      { officerId: 'dfw-alvarez', leads: 200 },
      { officerId: 'dfw-brooks', leads: 120 },
      { officerId: 'dfw-chen', leads: 60, startsOn: '2026-11-16' },
      { officerId: 'dfw-dixon', leads: 40, filters: { loanTypes: ['purchase'] } },
      { officerId: 'dfw-evans', leads: 25, filters: { minScore: 65, creditTiers: ['excellent', 'good'] } },
      { officerId: 'dfw-foster', leads: 10 },
      { officerId: 'dfw-garcia', leads: 5 },
    ],
  },
  {
    marketId: 'chi',
    timeZone: 'America/Chicago',
    states: ['IL', 'IN'],
    stateWeights: [0.8, 0.2],
    officers: [
      { officerId: 'chi-hughes', leads: 150 },
      { officerId: 'chi-ito', leads: 80, pause: { from: '2026-11-09T12:00', to: '2026-11-12T12:00' } },
      { officerId: 'chi-jones', leads: 50, filters: { states: ['IL'] } },
      { officerId: 'chi-kaur', leads: 30, filters: { loanTypes: ['refinance', 'cash_out_refinance'] } },
      { officerId: 'chi-lopez', leads: 15, filters: { maxLoanAmount: 400_000 } },
      { officerId: 'chi-moore', leads: 8 },
    ],
  },
  {
    marketId: 'phx',
    timeZone: 'America/Phoenix',
    states: ['AZ'],
    stateWeights: [1],
    officers: [
      { officerId: 'phx-nguyen', leads: 100 },
      { officerId: 'phx-ortiz', leads: 60 },
      { officerId: 'phx-patel', leads: 35, filters: { minLoanAmount: 300_000 } },
      { officerId: 'phx-quinn', leads: 20, startsOn: '2026-11-16' },
      { officerId: 'phx-reyes', leads: 12, filters: { loanTypes: ['heloc', 'reverse', 'cash_out_refinance'] } },
    ],
  },
  {
    marketId: 'nyc',
    timeZone: 'America/New_York',
    states: ['NY', 'NJ'],
    stateWeights: [0.6, 0.4],
    officers: [
      { officerId: 'nyc-smith', leads: 180 },
      { officerId: 'nyc-taylor', leads: 90, pause: { from: '2026-11-18T09:00', to: '2026-11-20T17:00' } },
      { officerId: 'nyc-usman', leads: 45, filters: { creditTiers: ['excellent'] } },
      { officerId: 'nyc-vance', leads: 25 },
      { officerId: 'nyc-wu', leads: 5 },
    ],
  },
];

/** Share of delivered leads later credited back (bad number, fake identity, …), and the delay. */
export const CREDIT_RATE = 0.04;
export const CREDIT_DELAY_DAYS = { min: 2, max: 5 };

export interface Lead {
  /** Arrival (= routing = delivery) time, ms since epoch. */
  t: number;
  leadId: string;
  state: UsState;
  loanType: LoanType;
  amount: number;
  creditTier: CreditTier;
  score: number;
  /** Drawn up front so every rule sees the same credits for the same lead. */
  creditRoll: number;
  creditDelayMs: number;
}

/** One local hour of the month, with its arrival weight. */
export interface HourBucket {
  start: number;
  weight: number;
  /** Weight of the same hour on a simple "business hours" calendar (for the extra, non-contract variant). */
  businessWeight: number;
}

export interface PreparedMarket extends MarketSpec {
  from: number;
  to: number;
  hours: HourBucket[];
  totalWeight: number;
  /** Local midnights ending each day of the month (the last one is the month end). */
  midnights: number[];
  /** The midnights that end a day of the LONG_WEEKEND. */
  longWeekendMidnights: Set<number>;
}

/**
 * Borrower activity by local hour: weekdays 09–18 are the peak, evenings and early mornings a third,
 * nights almost nothing; weekends and holidays run at about a third of a weekday.
 */
export function arrivalWeight(local: DateTime, holidays: readonly string[] = HOLIDAYS): number {
  const offDay = local.weekday >= 6 || holidays.includes(local.toISODate()!);
  const hour = local.hour;
  const band = hour >= 9 && hour < 18 ? 'peak' : (hour >= 7 && hour < 9) || (hour >= 18 && hour < 22) ? 'shoulder' : 'night';
  if (!offDay) return band === 'peak' ? 1 : band === 'shoulder' ? 0.35 : 0.04;
  return band === 'peak' ? 0.3 : band === 'shoulder' ? 0.12 : 0.03;
}

/** A plain business calendar (weekdays 08–20 local, no holidays known), as a pace clock could use. */
export function businessWeight(local: DateTime): number {
  return local.weekday <= 5 && local.hour >= 8 && local.hour < 20 ? 1 : 0.15;
}

/** `holidays`: local dates with weekend-like arrivals (pass [] for a month without the Thanksgiving dip). */
export function prepareMarket(spec: MarketSpec, holidays: readonly string[] = HOLIDAYS): PreparedMarket {
  const window = monthWindow(MONTH, spec.timeZone);
  const from = Date.parse(window.from);
  const to = Date.parse(window.to);
  const hours: HourBucket[] = [];
  for (let start = from; start < to; start += 3_600_000) {
    const local = DateTime.fromMillis(start, { zone: spec.timeZone });
    hours.push({ start, weight: arrivalWeight(local, holidays), businessWeight: businessWeight(local) });
  }
  const midnights: number[] = [];
  const longWeekendMidnights = new Set<number>();
  const first = DateTime.fromMillis(from, { zone: spec.timeZone });
  for (let day = 1; ; day += 1) {
    const midnight = first.plus({ days: day }).startOf('day').toMillis();
    midnights.push(midnight);
    if (LONG_WEEKEND.includes(first.plus({ days: day - 1 }).toISODate()!)) longWeekendMidnights.add(midnight);
    if (midnight >= to) break;
  }
  return { ...spec, from, to, hours, totalWeight: hours.reduce((sum, h) => sum + h.weight, 0), midnights, longWeekendMidnights };
}

/** Local `YYYY-MM-DD` or `YYYY-MM-DDTHH:mm` in a zone → ms since epoch. */
export function localTime(value: string, timeZone: string): number {
  if (value.length === 10) return Date.parse(localMidnight(value, timeZone)!);
  return DateTime.fromISO(value, { zone: timeZone }).toMillis();
}

const LOAN_TYPES: LoanType[] = ['purchase', 'refinance', 'cash_out_refinance', 'heloc', 'reverse'];
const LOAN_TYPE_WEIGHTS = [0.5, 0.24, 0.14, 0.09, 0.03];
const MEDIAN_AMOUNT: Record<LoanType, number> = { purchase: 340_000, refinance: 300_000, cash_out_refinance: 260_000, heloc: 90_000, reverse: 250_000 };
const CREDIT_TIERS: CreditTier[] = ['excellent', 'good', 'fair', 'poor'];
const CREDIT_TIER_WEIGHTS = [0.25, 0.4, 0.25, 0.1];
const SCORE_BASE: Record<CreditTier, number> = { excellent: 78, good: 62, fair: 46, poor: 30 };

/**
 * The month's leads for one market: a non-homogeneous Poisson process, hour by hour, whose expected
 * total is `supplyRatio × the market's total allocation`, shaped by `arrivalWeight`.
 */
export function generateLeads(market: PreparedMarket, supplyRatio: number, seed: number, caseName: string): Lead[] {
  const rng: Rng = rngFor('leads', seed, caseName, market.marketId);
  const total = supplyRatio * market.officers.reduce((sum, o) => sum + o.leads, 0);
  const times: number[] = [];
  for (const hour of market.hours) {
    const count = poisson(rng, (total * hour.weight) / market.totalWeight);
    for (let i = 0; i < count; i += 1) times.push(hour.start + Math.floor(rng() * 3_600_000));
  }
  times.sort((a, b) => a - b);
  return times.map((t, index) => {
    const loanType = weighted(rng, LOAN_TYPES, LOAN_TYPE_WEIGHTS);
    const creditTier = weighted(rng, CREDIT_TIERS, CREDIT_TIER_WEIGHTS);
    const amount = Math.max(25_000, Math.round((MEDIAN_AMOUNT[loanType] * Math.exp(0.5 * normal(rng))) / 1000) * 1000);
    const score = Math.min(100, Math.max(0, Math.round(SCORE_BASE[creditTier] + 12 * normal(rng))));
    const days = CREDIT_DELAY_DAYS.min + rng() * (CREDIT_DELAY_DAYS.max - CREDIT_DELAY_DAYS.min);
    return {
      t,
      leadId: `${market.marketId}-${seed}-${caseName}-${index}`,
      state: weighted(rng, market.states, market.stateWeights),
      loanType,
      amount,
      creditTier,
      score,
      creditRoll: rng(),
      creditDelayMs: Math.round(days * 86_400_000),
    };
  });
}
