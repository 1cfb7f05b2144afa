/**
 * One simulated month of one market under one routing rule, in virtual time. Every lead is routed
 * at its arrival time and delivered at once (so `assigned` counts it from that moment); a lead no
 * officer may take is discarded. Credits land a few days after delivery and make the lead owed
 * again. Pace is sampled every hour and at every local midnight against the contract's calendar
 * `expected(t)`, for every rule, so the rules are compared on the same yardstick.
 */
import {
  AllocationStanding,
  AutomaticRoutingDecision,
  defaultTolerance,
  expectedByTime,
  furthestBehindPace,
  LeadToRoute,
  PaceWindow,
  RoutingInput,
} from '@lead-ledger/domain';
import { Rng, rngFor } from './prng';
import { CREDIT_RATE, Lead, localTime, MONTH, PreparedMarket } from './scenario';

export const RULES = ['v1', 'round-robin', 'random', 'v1-retry', 'v1-business-clock'] as const;
export type RuleName = (typeof RULES)[number];

export const RULE_LABELS: Record<RuleName, string> = {
  v1: 'rule v1 (furthest-behind-pace, the contract)',
  'round-robin': 'round-robin (filters + allocation only)',
  random: 'random (filters + allocation only)',
  'v1-retry': 'v1 + hourly retry of refused leads ≤ 24 h old (same rule; caller policy, NOT part of v1)',
  'v1-business-clock': 'v1 on a business-hours clock (NOT the contract)',
};

export interface OfficerResult {
  marketId: string;
  officerId: string;
  leads: number;
  unfiltered: boolean;
  /** Largest |net − expected| at any hourly sample. */
  maxHourlyDev: number;
  /** Largest |net − expected| at any local midnight (the month end included). */
  maxDailyDev: number;
  maxDailyDevAt: number;
  /** The same, leaving out the midnights that end a day of the Thanksgiving long weekend. */
  maxDailyDevOrdinary: number;
  /** Largest expected − net (behind) and net − expected (ahead) at a local midnight. */
  maxDailyBehind: number;
  maxDailyAhead: number;
  /** net ÷ allocation at the month end. */
  fulfilment: number;
}

export interface MarketRun {
  officers: OfficerResult[];
  leads: number;
  routed: number;
  /** Leads no officer could take even without the pace check (filters, allocation met, paused…). */
  discardedUnroutable: number;
  /** Leads some officer could have taken but the rule refused (v1: everyone eligible was ahead of pace). */
  discardedByPace: number;
  /** Leads that at least one officer's contracted filters excluded. */
  filterExcluded: number;
  creditsBooked: number;
  /** v1-retry: leads delivered on a later attempt, and their total delay. */
  deliveredOnRetry: number;
  retryDelayMs: number;
}

/** How long a refused lead is retried (v1-retry only): mortgage leads go stale fast. */
export const RETRY_MAX_AGE_MS = 24 * 3_600_000;

interface Officer {
  officerId: string;
  leads: number;
  unfiltered: boolean;
  pauseFrom: number | null;
  pauseTo: number | null;
  windows: { before: PaceWindow; during: PaceWindow; after: PaceWindow };
  warpedWindows: { before: PaceWindow; during: PaceWindow; after: PaceWindow };
  standing: AllocationStanding;
  assigned: number;
  credited: number;
  lastDeliveredAt: string | null;
  lastDeliveredAtWarped: string | null;
  result: OfficerResult;
}

const HOUR = 3_600_000;
const NEVER_ROUTED: string[] = [];
const iso = (t: number) => new Date(t).toISOString();

/** Piecewise-linear map of the month onto itself that runs fast in business hours and slow outside. */
export function businessClock(market: PreparedMarket): (t: number) => number {
  const cumulative: number[] = [0];
  for (const hour of market.hours) cumulative.push(cumulative[cumulative.length - 1] + hour.businessWeight);
  const total = cumulative[cumulative.length - 1];
  const span = market.to - market.from;
  return (t) => {
    if (t <= market.from) return market.from;
    if (t >= market.to) return market.to;
    const index = Math.floor((t - market.from) / HOUR);
    const fraction = (t - market.hours[index].start) / HOUR;
    const done = cumulative[index] + fraction * market.hours[index].businessWeight;
    return market.from + Math.round((done / total) * span);
  };
}

function windowsFor(activeFrom: number, activeTo: number, pause: { from: number; to: number } | null, map: (t: number) => number) {
  const base = { activeFrom: iso(map(activeFrom)), activeTo: iso(map(activeTo)) };
  if (!pause) {
    const only: PaceWindow = { ...base, pauses: [] };
    return { before: only, during: only, after: only };
  }
  return {
    before: { ...base, pauses: [] },
    during: { ...base, pauses: [{ from: iso(map(pause.from)), to: null }] },
    after: { ...base, pauses: [{ from: iso(map(pause.from)), to: iso(map(pause.to)) }] },
  };
}

/** The window as known at `t`: a pause appears once it has started, open-ended until it ends. */
function windowAt(officer: Officer, t: number, warped: boolean): PaceWindow {
  const windows = warped ? officer.warpedWindows : officer.windows;
  if (officer.pauseFrom === null || t < officer.pauseFrom) return windows.before;
  return t < officer.pauseTo! ? windows.during : windows.after;
}

/** Every hour on the hour, plus local midnights (they coincide for whole-hour zones), up to the month end. */
function sampleTimes(market: PreparedMarket): Array<{ t: number; daily: boolean }> {
  const daily = new Set(market.midnights);
  const times = new Set<number>(market.midnights);
  for (let t = market.from + HOUR; t <= market.to; t += HOUR) times.add(t);
  return [...times].sort((a, b) => a - b).map((t) => ({ t, daily: daily.has(t) }));
}

/** Optional hooks for looking into one run (not used by the benchmark itself). */
export interface SimulationTrace {
  onDecision?: (lead: Lead, now: number, decision: AutomaticRoutingDecision, winner: string | null) => void;
}

export function simulateMarket(market: PreparedMarket, leads: Lead[], rule: RuleName, seed: number, caseName: string, trace: SimulationTrace = {}): MarketRun {
  const clock = businessClock(market);
  const identity = (t: number) => t;
  const officers: Officer[] = market.officers
    .map((spec) => {
      const activeFrom = spec.startsOn ? Math.max(market.from, localTime(spec.startsOn, market.timeZone)) : market.from;
      const pause = spec.pause ? { from: localTime(spec.pause.from, market.timeZone), to: localTime(spec.pause.to, market.timeZone) } : null;
      const windows = windowsFor(activeFrom, market.to, pause, identity);
      const officer: Officer = {
        officerId: spec.officerId,
        leads: spec.leads,
        unfiltered: !spec.filters || Object.keys(spec.filters).length === 0,
        pauseFrom: pause?.from ?? null,
        pauseTo: pause?.to ?? null,
        windows,
        warpedWindows: windowsFor(activeFrom, market.to, pause, clock),
        standing: {
          officerId: spec.officerId,
          leads: spec.leads,
          window: windows.before,
          cancelled: false,
          filters: spec.filters ?? {},
          assigned: 0,
          credited: 0,
          lastDeliveredAt: null,
          officer: { active: true, licensedStates: market.states },
        },
        assigned: 0,
        credited: 0,
        lastDeliveredAt: null,
        lastDeliveredAtWarped: null,
        result: {
          marketId: market.marketId,
          officerId: spec.officerId,
          leads: spec.leads,
          unfiltered: false,
          maxHourlyDev: 0,
          maxDailyDev: 0,
          maxDailyDevAt: market.from,
          maxDailyDevOrdinary: 0,
          maxDailyBehind: 0,
          maxDailyAhead: 0,
          fulfilment: 0,
        },
      };
      officer.result.unfiltered = officer.unfiltered;
      return officer;
    })
    .sort((a, b) => (a.officerId < b.officerId ? -1 : 1));
  const byId = new Map(officers.map((o) => [o.officerId, o]));
  const run: MarketRun = { officers: [], leads: leads.length, routed: 0, discardedUnroutable: 0, discardedByPace: 0, filterExcluded: 0, creditsBooked: 0, deliveredOnRetry: 0, retryDelayMs: 0 };
  const randomRng: Rng = rngFor('random-rule', seed, caseName, market.marketId);
  let roundRobinLast = -1;

  // Pending credits, kept sorted by time; `creditHead` is the next one due.
  const credits: Array<{ t: number; officer: Officer }> = [];
  let creditHead = 0;
  const scheduleCredit = (t: number, officer: Officer) => {
    let lo = creditHead;
    let hi = credits.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (credits[mid].t <= t) lo = mid + 1;
      else hi = mid;
    }
    credits.splice(lo, 0, { t, officer });
  };

  const decide = (lead: Lead, now: number, warped: boolean): AutomaticRoutingDecision => {
    const at = warped ? clock(now) : now;
    for (const officer of officers) {
      officer.standing.assigned = officer.assigned;
      officer.standing.credited = officer.credited;
      officer.standing.lastDeliveredAt = warped ? officer.lastDeliveredAtWarped : officer.lastDeliveredAt;
      officer.standing.window = windowAt(officer, now, warped);
    }
    const toRoute: LeadToRoute = {
      leadId: lead.leadId,
      propertyState: lead.state,
      loanType: lead.loanType,
      loanAmount: lead.amount,
      creditTier: lead.creditTier,
      score: lead.score,
      previouslyRoutedTo: NEVER_ROUTED,
    };
    const input: RoutingInput = {
      at: iso(at),
      marketId: market.marketId,
      month: MONTH,
      paceTolerance: null,
      lead: toRoute,
      allocations: officers.map((o) => o.standing),
      repeatBorrower: null,
    };
    return furthestBehindPace(input);
  };

  // v1-retry: leads refused so far, oldest first, with whether anyone but for pace could have taken them.
  let pending: Array<{ lead: Lead; poolSeen: boolean }> = [];
  const discard = (poolNonEmpty: boolean) => {
    if (poolNonEmpty) run.discardedByPace += 1;
    else run.discardedUnroutable += 1;
  };

  /** Routes `lead` at `now`; false when nobody took it. */
  const route = (lead: Lead, now: number, firstAttempt: boolean): { routed: boolean; poolNonEmpty: boolean } => {
    const decision = decide(lead, now, rule === 'v1-business-clock');
    if (firstAttempt && decision.excluded.some((e) => e.reasons.some((r) => r.startsWith('FILTER_')))) run.filterExcluded += 1;
    // Officers the rule would allow if there were no pace check: same eligibility code as v1.
    const pool = [
      ...decision.candidates.map((c) => c.officerId),
      ...decision.excluded.filter((e) => e.reasons.length === 1 && e.reasons[0] === 'AHEAD_OF_PACE').map((e) => e.officerId),
    ].sort();
    let winner: string | null = null;
    if (rule === 'v1' || rule === 'v1-business-clock' || rule === 'v1-retry') {
      winner = decision.winner;
    } else if (pool.length > 0 && rule === 'round-robin') {
      const indexes = pool.map((id) => officers.findIndex((o) => o.officerId === id));
      const next = indexes.find((i) => i > roundRobinLast) ?? indexes[0];
      roundRobinLast = next;
      winner = officers[next].officerId;
    } else if (pool.length > 0 && rule === 'random') {
      winner = pool[Math.floor(randomRng() * pool.length)];
    }
    trace.onDecision?.(lead, now, decision, winner);
    if (winner === null) return { routed: false, poolNonEmpty: pool.length > 0 };
    const officer = byId.get(winner)!;
    officer.assigned += 1;
    officer.lastDeliveredAt = iso(now);
    officer.lastDeliveredAtWarped = iso(clock(now));
    run.routed += 1;
    if (lead.creditRoll < CREDIT_RATE && now + lead.creditDelayMs < market.to) scheduleCredit(now + lead.creditDelayMs, officer);
    return { routed: true, poolNonEmpty: true };
  };

  const arrive = (lead: Lead) => {
    const outcome = route(lead, lead.t, true);
    if (outcome.routed) return;
    if (rule === 'v1-retry') pending.push({ lead, poolSeen: outcome.poolNonEmpty });
    else discard(outcome.poolNonEmpty);
  };

  /** Someone who could take a lead right now on pace (cheap pre-check before retrying every pending lead). */
  const anyoneHasRoom = (t: number) =>
    officers.some((o) => {
      const window = windowAt(o, t, false);
      if (t < Date.parse(window.activeFrom) || (o.pauseFrom !== null && t >= o.pauseFrom && t < o.pauseTo!)) return false;
      const net = o.assigned - o.credited;
      return net < o.leads && net + 1 <= expectedByTime(o.leads, window, t) + defaultTolerance(o.leads);
    });

  const retryPending = (t: number, monthEnd: boolean) => {
    const kept: typeof pending = [];
    const room = !monthEnd && pending.length > 0 && anyoneHasRoom(t);
    for (const entry of pending) {
      if (monthEnd || t - entry.lead.t > RETRY_MAX_AGE_MS) {
        discard(entry.poolSeen);
        continue;
      }
      const outcome = room ? route(entry.lead, t, false) : { routed: false, poolNonEmpty: entry.poolSeen };
      if (outcome.routed) {
        run.deliveredOnRetry += 1;
        run.retryDelayMs += t - entry.lead.t;
      } else {
        kept.push({ lead: entry.lead, poolSeen: entry.poolSeen || outcome.poolNonEmpty });
      }
    }
    pending = kept;
  };

  const sample = (t: number, daily: boolean) => {
    for (const officer of officers) {
      const expected = expectedByTime(officer.leads, windowAt(officer, t, false), t);
      const net = officer.assigned - officer.credited;
      const dev = Math.abs(net - expected);
      const result = officer.result;
      if (dev > result.maxHourlyDev) result.maxHourlyDev = dev;
      if (!daily) continue;
      if (dev > result.maxDailyDev) {
        result.maxDailyDev = dev;
        result.maxDailyDevAt = t;
      }
      if (!market.longWeekendMidnights.has(t)) result.maxDailyDevOrdinary = Math.max(result.maxDailyDevOrdinary, dev);
      result.maxDailyBehind = Math.max(result.maxDailyBehind, expected - net);
      result.maxDailyAhead = Math.max(result.maxDailyAhead, net - expected);
    }
  };

  let next = 0;
  for (const { t, daily } of sampleTimes(market)) {
    for (;;) {
      const arrival = next < leads.length ? leads[next].t : Infinity;
      const credit = creditHead < credits.length ? credits[creditHead].t : Infinity;
      if (Math.min(arrival, credit) > t) break;
      if (credit <= arrival) {
        credits[creditHead].officer.credited += 1;
        creditHead += 1;
        run.creditsBooked += 1;
      } else {
        arrive(leads[next]);
        next += 1;
      }
    }
    if (rule === 'v1-retry') retryPending(t, t >= market.to);
    sample(t, daily);
  }
  for (const officer of officers) officer.result.fulfilment = (officer.assigned - officer.credited) / officer.leads;
  run.officers = officers.map((o) => o.result);
  return run;
}
