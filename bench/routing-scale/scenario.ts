/**
 * The ledger history the routing-scale benchmark pre-fills: a year of plausible lead traffic across
 * other markets (the bulk of the events), plus one target market opened this month with 50 officers
 * that the benchmark then routes leads in. Every event comes from the real domain deciders (market,
 * officer, allocation, lead, with rule v1 picking the officer from the same standings the read
 * models would give), so the app rebuilds its read models from it exactly as from real traffic.
 *
 * The target market's part is the same for every ledger size (its own PRNG seed); only the amount of
 * other traffic changes. Events are produced as a stream of append units in (roughly) time order,
 * so a 1M-event history never has to sit in memory.
 */
import { hash, randomUUID } from 'node:crypto';
import {
  AllocationFilters,
  AllocationStanding,
  AllocationTermsV1,
  CreditReason,
  CreditTier,
  DeliveryChannel,
  evolveLead,
  initialLeadState,
  LeadCommand,
  leadDecider,
  LeadEvent,
  LeadState,
  leadStream,
  LoanProgram,
  LoanType,
  marketStream,
  MarketSettingsV1,
  monthOf,
  monthWindow,
  officerStream,
  allocationStream,
  PauseInterval,
  UsState,
} from '@lead-ledger/domain';
import { allocationDecider } from '@lead-ledger/domain/allocation/allocation.decider';
import { marketDecider } from '@lead-ledger/domain/market/market.decider';
import { BorrowerPseudonyms, masterKeyOf, newDataKey, seal } from '@lead-ledger/pii';
import { officerDecider } from '@lead-ledger/domain/officer/officer.decider';
import { EventMetadata } from '@lead-ledger/ledger/ledger.port';

// ---------------------------------------------------------------------------------------------
// Fixed parts of the scenario
// ---------------------------------------------------------------------------------------------

/** The month the benchmark routes in ("now"), in the target market's zone. */
export const TARGET_MONTH = '2026-11';
/** Where the manual clock starts; the history ends here. Day 5 of the month in Dallas. */
export const CLOCK_START = '2026-11-05T15:00:00.000Z';
export const TARGET_MARKET_ID = 'dfw';
export const TARGET_STATE: UsState = 'TX';
export const TARGET_OFFICERS = 50;
/** Full months of history before the target month, for the other markets. */
export const HISTORY_MONTHS = 12;
/** Leads arrive at this share of the allocations' pace, so officers run slightly behind. */
const SUPPLY_VS_PACE = 0.9;
const OFFICERS_PER_OTHER_MARKET = 10;
const DELIVERY_FAILURE_RATE = 0.03;
const CREDIT_RATE = 0.04;
const PAUSE_RATE = 0.05;
const CREDIT_WINDOW_DAYS = 14;
export const ACTOR = 'key:admin';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

interface MarketSpec {
  marketId: string;
  name: string;
  state: UsState;
  zipPrefixes: string[];
  /** Used to make ZIPs for markets that cover whole states. */
  zipBase: string;
  timeZone: string;
  areaCode: string;
}

export const TARGET_MARKET: MarketSpec = {
  marketId: TARGET_MARKET_ID,
  name: 'Dallas-Fort Worth',
  state: TARGET_STATE,
  zipPrefixes: ['750', '751', '752'],
  zipBase: '752',
  timeZone: 'America/Chicago',
  areaCode: '214',
};

/** Other markets, in the order they are used (a small ledger uses only the first few). */
const OTHER_MARKETS: MarketSpec[] = [
  { marketId: 'phx', name: 'Phoenix', state: 'AZ', zipPrefixes: ['850', '852'], zipBase: '850', timeZone: 'America/Phoenix', areaCode: '602' },
  { marketId: 'la', name: 'Los Angeles', state: 'CA', zipPrefixes: ['900', '902'], zipBase: '900', timeZone: 'America/Los_Angeles', areaCode: '213' },
  { marketId: 'atl', name: 'Atlanta', state: 'GA', zipPrefixes: [], zipBase: '303', timeZone: 'America/New_York', areaCode: '404' },
  { marketId: 'hou', name: 'Houston', state: 'TX', zipPrefixes: ['770', '772'], zipBase: '770', timeZone: 'America/Chicago', areaCode: '713' },
  { marketId: 'sea', name: 'Seattle', state: 'WA', zipPrefixes: [], zipBase: '981', timeZone: 'America/Los_Angeles', areaCode: '206' },
  { marketId: 'den', name: 'Denver', state: 'CO', zipPrefixes: [], zipBase: '802', timeZone: 'America/Denver', areaCode: '303' },
  { marketId: 'mia', name: 'Miami', state: 'FL', zipPrefixes: ['330', '331'], zipBase: '331', timeZone: 'America/New_York', areaCode: '305' },
  { marketId: 'chi', name: 'Chicago', state: 'IL', zipPrefixes: [], zipBase: '606', timeZone: 'America/Chicago', areaCode: '312' },
  { marketId: 'sd', name: 'San Diego', state: 'CA', zipPrefixes: ['919', '921'], zipBase: '921', timeZone: 'America/Los_Angeles', areaCode: '619' },
  { marketId: 'aus', name: 'Austin', state: 'TX', zipPrefixes: ['786', '787'], zipBase: '787', timeZone: 'America/Chicago', areaCode: '512' },
  { marketId: 'nyc', name: 'New York City', state: 'NY', zipPrefixes: ['100', '112'], zipBase: '100', timeZone: 'America/New_York', areaCode: '212' },
  { marketId: 'orl', name: 'Orlando', state: 'FL', zipPrefixes: ['327', '328'], zipBase: '328', timeZone: 'America/New_York', areaCode: '407' },
  { marketId: 'bos', name: 'Boston', state: 'MA', zipPrefixes: [], zipBase: '021', timeZone: 'America/New_York', areaCode: '617' },
  { marketId: 'lv', name: 'Las Vegas', state: 'NV', zipPrefixes: [], zipBase: '891', timeZone: 'America/Los_Angeles', areaCode: '702' },
  { marketId: 'sat', name: 'San Antonio', state: 'TX', zipPrefixes: ['780', '782'], zipBase: '782', timeZone: 'America/Chicago', areaCode: '210' },
  { marketId: 'clt', name: 'Charlotte', state: 'NC', zipPrefixes: [], zipBase: '282', timeZone: 'America/New_York', areaCode: '704' },
  { marketId: 'nsh', name: 'Nashville', state: 'TN', zipPrefixes: [], zipBase: '372', timeZone: 'America/Chicago', areaCode: '615' },
  { marketId: 'tpa', name: 'Tampa', state: 'FL', zipPrefixes: ['335', '336'], zipBase: '336', timeZone: 'America/New_York', areaCode: '813' },
  { marketId: 'sf', name: 'San Francisco', state: 'CA', zipPrefixes: ['940', '941'], zipBase: '941', timeZone: 'America/Los_Angeles', areaCode: '415' },
  { marketId: 'tus', name: 'Tucson', state: 'AZ', zipPrefixes: ['856', '857'], zipBase: '857', timeZone: 'America/Phoenix', areaCode: '520' },
];

const FIRST_NAMES = ['Sarah', 'James', 'Maria', 'David', 'Aisha', 'Wei', 'Carlos', 'Emily', 'Olivia', 'Noah', 'Priya', 'Liam', 'Fatima', 'Lucas', 'Grace', 'Diego'];
const LAST_NAMES = ['Lee', 'Garcia', 'Smith', 'Nguyen', 'Johnson', 'Patel', 'Brown', 'Kim', 'Lopez', 'Davis', 'Martinez', 'Chen', 'Wilson', 'Khan', 'Taylor', 'Moore'];
const CAMPAIGNS = ['fb-purchase', 'google-refi', 'zillow-pa', 'bankrate', 'tv-spot', 'email-nurture'];
const VENDORS = ['acme-leads', 'leadpoint', 'quinstreet', undefined];
const CONSENT_TEXT = 'I agree to be contacted by a loan officer by phone, text or email, including by automated means.';

// ---------------------------------------------------------------------------------------------
// Plan: how much other traffic a ledger of a given size holds
// ---------------------------------------------------------------------------------------------

export interface HistoryPlan {
  /** Events the ledger should hold (approximately). */
  targetEvents: number;
  otherMarkets: number;
  /** Leads per other market per full month. */
  leadsPerMarketMonth: number;
  seed: number;
}

/** Calibrated from generated histories: events per lead (4, plus failures, re-routes, credits, refusals). */
const EVENTS_PER_LEAD = 4.036;
/** The target market's share of every history: 1 market, 50 officers, 50 allocations, ~660 leads. */
const TARGET_PART_EVENTS = 2_720;

export function planFor(targetEvents: number, seed = 7): HistoryPlan {
  const perMarketStructure = 1 + OFFICERS_PER_OTHER_MARKET * (1 + (HISTORY_MONTHS + 1) * (1 + 2 * PAUSE_RATE));
  let markets = 1;
  let leads = 0;
  for (let m = 1; m <= OTHER_MARKETS.length; m++) {
    markets = m;
    leads = Math.max(0, (targetEvents - TARGET_PART_EVENTS - m * perMarketStructure) / EVENTS_PER_LEAD);
    // About 1,000 leads per market-month is a busy market; add markets before going beyond that.
    if (leads / (m * (HISTORY_MONTHS + 0.15)) <= 1_000) break;
  }
  return { targetEvents, otherMarkets: markets, leadsPerMarketMonth: leads / (markets * (HISTORY_MONTHS + 0.15)), seed };
}

// ---------------------------------------------------------------------------------------------
// Output: append units
// ---------------------------------------------------------------------------------------------

/** One event as a command handler would hand it to the ledger (no id or chain yet). */
export interface HistoryEvent {
  type: string;
  schemaVersion: number;
  data: Record<string, unknown>;
  recordedAt: string;
  metadata: EventMetadata;
}

/** One append: events for one stream. `continues` says the stream already has events (from an earlier unit). */
export interface AppendUnit {
  stream: string;
  events: HistoryEvent[];
  continues: boolean;
  /** The stream gets more events in a later unit: the writer must remember its chain tip. */
  more: boolean;
  /** The target market's part (the same in every ledger size). */
  target: boolean;
}

export interface HistoryCounts {
  leads: number;
  unroutable: number;
  deliveryFailures: number;
  credits: number;
  targetLeadsRouted: number;
  events: number;
  byType: Record<string, number>;
}

// ---------------------------------------------------------------------------------------------
// Generator
// ---------------------------------------------------------------------------------------------

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Random = () => number;
const pick = <T>(random: Random, values: readonly T[]): T => values[Math.floor(random() * values.length)];
const between = (random: Random, min: number, max: number) => min + random() * (max - min);
const iso = (ms: number) => new Date(ms).toISOString();
const sha256 = (text: string) => hash('sha256', text, 'hex');

function weighted<T>(random: Random, choices: Array<[T, number]>): T {
  let r = random() * choices.reduce((sum, [, w]) => sum + w, 0);
  for (const [value, w] of choices) {
    r -= w;
    if (r < 0) return value;
  }
  return choices[choices.length - 1][0];
}

function addMonths(month: string, delta: number): string {
  const [y, m] = month.split('-').map(Number);
  const index = y * 12 + (m - 1) + delta;
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
}

/** What a projection of an allocation says, kept up to date as the history is generated. */
interface AllocationLive {
  officerId: string;
  marketId: string;
  month: string;
  stream: string;
  terms: AllocationTermsV1;
  paused: boolean;
  pauses: PauseInterval[];
  assigned: number;
  credited: number;
  lastDeliveredAt: string | null;
}

interface OfficerLive {
  officerId: string;
  licensedStates: UsState[];
  market: MarketSpec;
  /** Relative size of this officer's allocations, and their filters. */
  weight: number;
  filters: AllocationFilters;
}

interface MarketLive {
  spec: MarketSpec;
  settings: MarketSettingsV1;
  officers: OfficerLive[];
  target: boolean;
  /** Allocations by month. */
  allocations: Map<string, AllocationLive[]>;
  random: Random;
  /** Recently used month windows, newest first (ms). */
  monthWindows: Array<[string, { from: number; to: number }]>;
}

/** A timed step of the history; steps are run in time order. */
interface Step {
  t: number;
  run: () => AppendUnit[];
}

/** Command metadata the way EventStreamWriter writes it for one HTTP request. */
function metadataOf(method: string, path: string, idempotencyKey?: string): EventMetadata {
  const commandId = idempotencyKey ?? randomUUID();
  return {
    correlationId: randomUUID(),
    causationId: commandId,
    commandId,
    requestHash: sha256(`${method} ${path}\n${commandId}`),
    actor: ACTOR,
    ...(idempotencyKey !== undefined && { idempotencyKey }),
  };
}

function toHistory(events: Array<{ type: string; schemaVersion: number; data: object }>, at: string, metadata: EventMetadata): HistoryEvent[] {
  return events.map((event) => ({ type: event.type, schemaVersion: event.schemaVersion, data: event.data as Record<string, unknown>, recordedAt: at, metadata }));
}

const BENCH_DATA_KEY = newDataKey();
const BENCH_PSEUDONYMS = new BorrowerPseudonyms(masterKeyOf(newDataKey()));

export class HistoryGenerator {
  readonly counts: HistoryCounts = { leads: 0, unroutable: 0, deliveryFailures: 0, credits: 0, targetLeadsRouted: 0, events: 0, byType: {} };
  private borrowerSeq = 0;
  private readonly markets: MarketLive[];
  private readonly targetMarket: MarketLive;
  /** Credits (and other steps) that fall after the month that scheduled them. */
  private pending: Step[] = [];
  private readonly clockStartMs = Date.parse(CLOCK_START);

  constructor(private readonly plan: HistoryPlan) {
    this.targetMarket = this.makeMarket(TARGET_MARKET, TARGET_OFFICERS, true, mulberry32(1_000_003));
    this.markets = OTHER_MARKETS.slice(0, plan.otherMarkets).map((spec, i) =>
      this.makeMarket(spec, OFFICERS_PER_OTHER_MARKET, false, mulberry32(plan.seed * 7919 + i)),
    );
  }

  /** The whole history, in time order, one append at a time. */
  *units(): Generator<AppendUnit> {
    for (const unit of this.generate()) {
      this.counts.events += unit.events.length;
      for (const event of unit.events) this.counts.byType[event.type] = (this.counts.byType[event.type] ?? 0) + 1;
      yield unit;
    }
  }

  private *generate(): Generator<AppendUnit> {
    const firstMonth = addMonths(TARGET_MONTH, -HISTORY_MONTHS);
    const setupAt = Date.parse(monthWindow(firstMonth, 'America/New_York').from) - 20 * DAY;
    // The other markets open, onboard their officers and contract their first month.
    const setup: Step[] = [];
    for (const market of this.markets) {
      setup.push({ t: setupAt, run: () => this.openMarket(market, setupAt) });
      market.officers.forEach((officer, i) => setup.push({ t: setupAt + (i + 1) * HOUR, run: () => this.onboard(officer, setupAt + (i + 1) * HOUR) }));
      setup.push(...this.contractSteps(market, firstMonth));
    }
    yield* this.runSteps(setup, Infinity);

    for (let offset = -HISTORY_MONTHS; offset <= 0; offset++) {
      const month = addMonths(TARGET_MONTH, offset);
      const steps: Step[] = [];
      for (const market of this.markets) {
        steps.push(...this.leadSteps(market, month));
        steps.push(...this.pauseSteps(market, month));
        if (offset < 0) steps.push(...this.contractSteps(market, addMonths(month, 1)));
      }
      if (offset === -1) steps.push(...this.targetSetupSteps());
      if (offset === 0) {
        steps.push(...this.leadSteps(this.targetMarket, month));
        steps.push(...this.targetPauseSteps());
      }
      yield* this.runSteps(steps, offset === 0 ? this.clockStartMs : Infinity);
    }
  }

  /** Runs steps in time order, together with pending ones due first; keeps later pending ones. */
  private *runSteps(steps: Step[], until: number): Generator<AppendUnit> {
    const all = [...steps, ...this.pending].filter((step) => step.t < until).sort((a, b) => a.t - b.t);
    const monthEnd = steps.reduce((latest, s) => Math.max(latest, s.t), -Infinity);
    this.pending = [];
    let i = 0;
    while (i < all.length) {
      const step = all[i++];
      if (step.t > monthEnd && until === Infinity) {
        // Belongs to a later month: keep it for then.
        this.pending.push(step);
        continue;
      }
      const before = this.pending.length;
      for (const unit of step.run()) yield unit;
      // Steps scheduled by this one (credits, resumes) that fall inside this batch are merged in order.
      if (this.pending.length > before) {
        const fresh = this.pending.splice(before);
        for (const next of fresh) {
          if (next.t >= until) continue;
          if (next.t > monthEnd && until === Infinity) this.pending.push(next);
          else insertSorted(all, next, i);
        }
      }
    }
  }

  private makeMarket(spec: MarketSpec, officerCount: number, target: boolean, random: Random): MarketLive {
    const settings: MarketSettingsV1 = {
      marketId: spec.marketId,
      name: spec.name,
      states: [spec.state],
      zipPrefixes: spec.zipPrefixes,
      seatCap: officerCount + 10,
      timeZone: spec.timeZone,
      paceTolerance: null,
      dedupeWindowDays: 30,
    };
    const officers: OfficerLive[] = [];
    for (let i = 1; i <= officerCount; i++) {
      const officerId = `${spec.marketId}-lo-${String(i).padStart(2, '0')}`;
      const filters: AllocationFilters = {};
      const f = random();
      if (f < 0.12) filters.loanTypes = ['purchase', 'refinance'];
      else if (f < 0.2) filters.minLoanAmount = 150_000;
      else if (f < 0.26) filters.creditTiers = ['excellent', 'good'];
      else if (f < 0.3) filters.minScore = 40;
      officers.push({
        officerId,
        licensedStates: random() < 0.3 ? [spec.state, spec.state === 'TX' ? 'OK' : 'TX'] : [spec.state],
        market: spec,
        // Target allocations run from 40 to 160 leads; other markets' are scaled from the plan.
        weight: target ? 40 + ((i * 37) % 121) : between(random, 0.5, 1.5),
        filters,
      });
    }
    return { spec, settings, officers, target, allocations: new Map(), random, monthWindows: [] };
  }

  private openMarket(market: MarketLive, at: number): AppendUnit[] {
    const events = marketDecider.decide({ type: 'SetMarketSettings', data: market.settings, at: iso(at) }, marketDecider.initialState);
    const metadata = metadataOf('PUT', `/v1/markets/${market.spec.marketId}`);
    return [{ stream: marketStream(market.spec.marketId), events: toHistory(events, iso(at), metadata), continues: false, more: false, target: market.target }];
  }

  private onboard(officer: OfficerLive, at: number): AppendUnit[] {
    const n = Number(officer.officerId.slice(-2));
    const data = {
      officerId: officer.officerId,
      name: `${FIRST_NAMES[n % FIRST_NAMES.length]} ${LAST_NAMES[(n * 7) % LAST_NAMES.length]}`,
      nmlsId: String(100_000 + ((n * 7919 + officer.market.areaCode.charCodeAt(1) * 131) % 900_000)),
      licensedStates: officer.licensedStates,
      active: true,
    };
    const events = officerDecider.decide({ type: 'SetOfficerProfile', data, at: iso(at) }, officerDecider.initialState);
    const metadata = metadataOf('PUT', `/v1/officers/${officer.officerId}`);
    return [{ stream: officerStream(officer.officerId), events: toHistory(events, iso(at), metadata), continues: false, more: false, target: officer.market === TARGET_MARKET }];
  }

  /** Each officer's allocation for `month`, contracted 3-8 days before it starts. */
  private contractSteps(market: MarketLive, month: string): Step[] {
    const window = monthWindow(month, market.spec.timeZone);
    return market.officers.map((officer, i) => {
      const t = Date.parse(window.from) - between(market.random, 3, 8) * DAY;
      const leads = market.target ? officer.weight : Math.max(1, Math.round((officer.weight * this.plan.leadsPerMarketMonth) / OFFICERS_PER_OTHER_MARKET / SUPPLY_VS_PACE));
      // A few officers start mid-month.
      const startsOn = (market.target ? i % 12 === 5 : market.random() < 0.08) ? `${month}-${market.target ? '10' : '08'}` : null;
      return { t, run: () => this.contract(market, officer, month, leads, startsOn, t) };
    });
  }

  private contract(market: MarketLive, officer: OfficerLive, month: string, leads: number, startsOn: string | null, at: number): AppendUnit[] {
    const holders = market.allocations.get(month) ?? [];
    const events = allocationDecider.decide(
      {
        type: 'ContractAllocation',
        data: { officerId: officer.officerId, month, marketId: market.spec.marketId, leads, startsOn, filters: officer.filters },
        officer: { licensedStates: officer.licensedStates },
        market: { states: market.settings.states, seatCap: market.settings.seatCap, timeZone: market.settings.timeZone },
        seatHolders: holders.map((h) => h.officerId),
        at: iso(at),
      },
      allocationDecider.initialState,
    );
    const contracted = events[0];
    if (contracted.type !== 'AllocationContracted') throw new Error(`unexpected ${contracted.type}`);
    const { contractedAt: _contractedAt, ...terms } = contracted.data;
    const stream = allocationStream(officer.officerId, month);
    holders.push({ officerId: officer.officerId, marketId: market.spec.marketId, month, stream, terms, paused: false, pauses: [], assigned: 0, credited: 0, lastDeliveredAt: null });
    market.allocations.set(month, holders);
    const metadata = metadataOf('PUT', `/v1/officers/${officer.officerId}/allocations/${month}`);
    return [{ stream, events: toHistory(events, iso(at), metadata), continues: false, more: true, target: market.target }];
  }

  /** A few allocations pause for 1-3 days in the middle of the month. */
  private pauseSteps(market: MarketLive, month: string): Step[] {
    const steps: Step[] = [];
    const window = monthWindow(month, market.spec.timeZone);
    const from = Date.parse(window.from);
    for (const officer of market.officers) {
      if (market.random() >= PAUSE_RATE) continue;
      const pauseAt = from + between(market.random, 9, 18) * DAY;
      const resumeAt = pauseAt + between(market.random, 1, 3) * DAY;
      steps.push({ t: pauseAt, run: () => this.pauseOrResume(market, officer.officerId, month, 'pause', pauseAt) });
      if (resumeAt < this.clockStartMs) steps.push({ t: resumeAt, run: () => this.pauseOrResume(market, officer.officerId, month, 'resume', resumeAt) });
    }
    return steps;
  }

  private pauseOrResume(market: MarketLive, officerId: string, month: string, action: 'pause' | 'resume', at: number): AppendUnit[] {
    const allocation = market.allocations.get(month)?.find((a) => a.officerId === officerId);
    if (!allocation) return [];
    const state = { terms: allocation.terms, paused: allocation.paused, cancelled: false };
    const events =
      action === 'pause'
        ? allocationDecider.decide({ type: 'PauseAllocation', data: { officerId, month, reason: 'officer on vacation' }, at: iso(at) }, state)
        : allocationDecider.decide({ type: 'ResumeAllocation', data: { officerId, month }, at: iso(at) }, state);
    if (action === 'pause') {
      allocation.paused = true;
      allocation.pauses = [...allocation.pauses, { from: iso(at), to: null }];
    } else {
      allocation.paused = false;
      allocation.pauses = allocation.pauses.map((p) => (p.to === null ? { ...p, to: iso(at) } : p));
    }
    const metadata = metadataOf('POST', `/v1/officers/${officerId}/allocations/${month}/${action}`);
    return [{ stream: allocation.stream, events: toHistory(events, iso(at), metadata), continues: true, more: true, target: market.target }];
  }

  /** The target market opens late last month, onboards its 50 officers and contracts this month. */
  private targetSetupSteps(): Step[] {
    const market = this.targetMarket;
    const openAt = Date.parse(monthWindow(TARGET_MONTH, market.spec.timeZone).from) - 12 * DAY;
    const steps: Step[] = [{ t: openAt, run: () => this.openMarket(market, openAt) }];
    market.officers.forEach((officer, i) => {
      const at = openAt + DAY + i * 10 * MIN;
      steps.push({ t: at, run: () => this.onboard(officer, at) });
    });
    steps.push(...this.contractSteps(market, TARGET_MONTH));
    return steps;
  }

  /** Two target officers are paused right now (since day 3), so decisions list PAUSED exclusions. */
  private targetPauseSteps(): Step[] {
    const market = this.targetMarket;
    const at = Date.parse(monthWindow(TARGET_MONTH, market.spec.timeZone).from) + 2.5 * DAY;
    return [7, 33].map((n, i) => {
      const officerId = market.officers[n].officerId;
      return { t: at + i * HOUR, run: () => this.pauseOrResume(market, officerId, TARGET_MONTH, 'pause', at + i * HOUR) };
    });
  }

  /** Lead arrivals for one market and month, uniformly over the month (up to the clock start). */
  private leadSteps(market: MarketLive, month: string): Step[] {
    const window = monthWindow(month, market.spec.timeZone);
    const from = Date.parse(window.from);
    const to = Math.min(Date.parse(window.to), this.clockStartMs);
    if (to <= from) return [];
    const fraction = (to - from) / (Date.parse(window.to) - from);
    const perMonth = market.target
      ? market.officers.reduce((sum, o) => sum + o.weight, 0) * SUPPLY_VS_PACE
      : this.plan.leadsPerMarketMonth;
    const count = Math.round(perMonth * fraction);
    const steps: Step[] = [];
    for (let i = 0; i < count; i++) {
      const t = from + market.random() * (to - from - 30 * MIN);
      steps.push({ t, run: () => this.leadLifecycle(market, t) });
    }
    return steps;
  }

  /** The market's month at `at` (what monthOf says), from cached month windows: luxon is slow per lead. */
  private monthAt(market: MarketLive, at: number): string {
    for (const [month, window] of market.monthWindows) if (at >= window.from && at < window.to) return month;
    const month = monthOf(iso(at), market.spec.timeZone);
    const window = monthWindow(month, market.spec.timeZone);
    market.monthWindows.unshift([month, { from: Date.parse(window.from), to: Date.parse(window.to) }]);
    if (market.monthWindows.length > 3) market.monthWindows.pop();
    return month;
  }

  private standings(market: MarketLive, month: string): AllocationStanding[] {
    const officers = new Map(market.officers.map((o) => [o.officerId, o]));
    return (market.allocations.get(month) ?? []).map((a) => ({
      officerId: a.officerId,
      leads: a.terms.leads,
      window: { activeFrom: a.terms.activeFrom, activeTo: a.terms.monthWindow.to, pauses: a.pauses },
      cancelled: false,
      filters: a.terms.filters,
      assigned: a.assigned,
      credited: a.credited,
      lastDeliveredAt: a.lastDeliveredAt,
      officer: { active: true, licensedStates: officers.get(a.officerId)?.licensedStates ?? [] },
    }));
  }

  private allocationFor(market: MarketLive, ref: { officerId: string; month: string } | null): AllocationLive | undefined {
    return ref ? market.allocations.get(ref.month)?.find((a) => a.officerId === ref.officerId) : undefined;
  }

  /** LeadCreated v2 seals the contact details at the edge, as the API does (one bench-wide key stands in for the key store). */
  private sealedBorrower(contact: ReturnType<HistoryGenerator['borrower']>, consentIp: string) {
    const borrowerKeys = BENCH_PSEUDONYMS.keysOf(contact);
    const borrowerRef = BENCH_PSEUDONYMS.refOf(borrowerKeys);
    return { sealedBorrower: seal({ ...contact, consentIp }, BENCH_DATA_KEY, { keyId: 'dk_bench', borrowerRef }), borrowerKeys, borrowerRef };
  }

  /** A new borrower: unique phone and email, so the repeat-borrower rule never fires by accident. */
  private borrower(market: MarketLive, random: Random) {
    const n = this.borrowerSeq++;
    const firstName = pick(random, FIRST_NAMES);
    const lastName = pick(random, LAST_NAMES);
    return {
      firstName,
      lastName,
      phone: `+1${market.spec.areaCode}${String(2_000_000 + (n % 8_000_000)).padStart(7, '0')}`,
      email: `${firstName}.${lastName}.${n}@example.com`.toLowerCase(),
    };
  }

  /** Created, scored, routed by rule v1 and delivered (sometimes failed and re-routed; sometimes credited later). */
  private leadLifecycle(market: MarketLive, arrival: number): AppendUnit[] {
    const random = market.random;
    const leadId = randomUUID();
    const stream = leadStream(leadId);
    const events: HistoryEvent[] = [];
    let state: LeadState = initialLeadState;
    const apply = (command: LeadCommand, method: string, path: string, idempotencyKey?: string): LeadEvent[] => {
      const decided = leadDecider.decide(command, state);
      for (const event of decided) state = evolveLead(state, event);
      events.push(...toHistory(decided, command.at, metadataOf(method, path, idempotencyKey)));
      return decided;
    };
    this.counts.leads++;

    const amount = Math.round(between(random, 80_000, 900_000) / 1000) * 1000;
    const zip = market.spec.zipPrefixes.length > 0 ? pick(random, market.spec.zipPrefixes) : market.spec.zipBase;
    const vendor = pick(random, VENDORS);
    const program = pick(random, [undefined, 'conventional', 'fha', 'va', 'usda', 'jumbo'] as Array<LoanProgram | undefined>);
    apply(
      {
        type: 'CreateLead',
        data: {
          leadId,
          // Named by the vendor. (Resolving the market from the property finds nothing on the embedded
          // read store today: its index on the array field `states` never matches a scalar lookup.)
          marketId: market.spec.marketId,
          source: { campaign: pick(random, CAMPAIGNS), ...(vendor !== undefined ? { vendor } : {}) },
          ...this.sealedBorrower(this.borrower(market, random), `203.0.113.${Math.floor(random() * 250) + 1}`),
          property: { state: market.spec.state, zip: `${zip}${String(Math.floor(random() * 10 ** (5 - zip.length))).padStart(5 - zip.length, '0')}` },
          loan: {
            type: weighted<LoanType>(random, [['purchase', 50], ['refinance', 25], ['cash_out_refinance', 15], ['heloc', 7], ['reverse', 3]]),
            ...(program !== undefined ? { program } : {}),
            amount,
          },
          creditTier: weighted<CreditTier>(random, [['excellent', 25], ['good', 40], ['fair', 25], ['poor', 10]]),
          consent: { tcpa: true, capturedAt: iso(arrival - between(random, 1, 30) * MIN), text: CONSENT_TEXT },
        },
        marketKnown: true,
        at: iso(arrival),
      },
      'POST',
      '/v1/leads',
      random() < 0.5 ? `vendor-${leadId}` : undefined,
    );

    let t = arrival + between(random, 5, 60) * 1000;
    const score = Math.floor(random() * 101);
    apply(
      {
        type: 'ScoreLead',
        data: { leadId, score, grade: score >= 80 ? 'A' : score >= 60 ? 'B' : score >= 40 ? 'C' : 'D', reasons: ['credit_tier', 'loan_amount'], model: 'lead-score-v3' },
        at: iso(t),
      },
      'POST',
      `/v1/leads/${leadId}/score`,
    );

    const route = (at: number): boolean => {
      const month = this.monthAt(market, at);
      const [event] = apply(
        {
          type: 'RouteLeadAutomatically',
          data: { leadId },
          routing: { marketId: market.spec.marketId, month, paceTolerance: market.settings.paceTolerance, allocations: this.standings(market, month), repeatBorrower: null },
          consentMaxAgeDays: 30,
          at: iso(at),
        },
        'POST',
        `/v1/leads/${leadId}/route`,
      );
      if (!event || event.type !== 'LeadRouted') {
        this.counts.unroutable++;
        return false;
      }
      const allocation = this.allocationFor(market, event.data.allocation);
      if (allocation) allocation.assigned++;
      if (market.target) this.counts.targetLeadsRouted++;
      return true;
    };

    t += between(random, 1, 20) * 1000;
    let routed = route(t);
    if (routed && random() < DELIVERY_FAILURE_RATE) {
      t += between(random, 1, 10) * MIN;
      const [failed] = apply(
        { type: 'RecordDeliveryFailure', data: { leadId, officerId: state.officerId!, reason: 'webhook returned 500' }, at: iso(t) },
        'POST',
        `/v1/leads/${leadId}/delivery-failures`,
      );
      if (failed?.type === 'LeadDeliveryFailed') {
        const allocation = this.allocationFor(market, failed.data.allocation);
        if (allocation) allocation.assigned--;
      }
      this.counts.deliveryFailures++;
      t += between(random, 0.5, 5) * MIN;
      routed = route(t);
    }
    let more = false;
    if (routed) {
      t += between(random, 5, 120) * 1000;
      const [delivered] = apply(
        { type: 'DeliverLead', data: { leadId, officerId: state.officerId!, channel: pick<DeliveryChannel>(random, ['webhook', 'email', 'sms', 'crm']), receipt: `rcpt-${Math.floor(random() * 1e9)}` }, at: iso(t) },
        'POST',
        `/v1/leads/${leadId}/deliver`,
      );
      if (delivered?.type === 'LeadDelivered') {
        const allocation = this.allocationFor(market, delivered.data.allocation);
        if (allocation) allocation.lastDeliveredAt = delivered.data.deliveredAt;
      }
      if (random() < CREDIT_RATE) {
        const creditAt = t + between(random, 2 * HOUR, 12 * DAY);
        if (creditAt < this.clockStartMs) {
          more = true;
          const snapshot = state;
          const reason = pick<CreditReason>(random, ['disconnected_number', 'fake_identity', 'out_of_market', 'already_in_loan', 'duplicate', 'other']);
          this.pending.push({ t: creditAt, run: () => this.credit(market, stream, snapshot, reason, creditAt) });
        }
      }
    }
    return [{ stream, events, continues: false, more, target: market.target }];
  }

  private credit(market: MarketLive, stream: string, state: LeadState, reason: CreditReason, at: number): AppendUnit[] {
    const leadId = state.lead!.leadId;
    const events = leadDecider.decide(
      { type: 'CreditLead', data: { leadId, reason, ...(reason === 'other' && { note: 'borrower says they never applied' }) }, creditWindowDays: CREDIT_WINDOW_DAYS, at: iso(at) },
      state,
    );
    const [credited] = events;
    if (credited?.type === 'LeadCredited') {
      const allocation = this.allocationFor(market, credited.data.allocation);
      if (allocation) allocation.credited++;
    }
    this.counts.credits++;
    return [{ stream, events: toHistory(events, iso(at), metadataOf('POST', `/v1/leads/${leadId}/credit`)), continues: true, more: false, target: market.target }];
  }
}

function insertSorted(steps: Step[], step: Step, from: number): void {
  let lo = from;
  let hi = steps.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (steps[mid].t <= step.t) lo = mid + 1;
    else hi = mid;
  }
  steps.splice(lo, 0, step);
}
