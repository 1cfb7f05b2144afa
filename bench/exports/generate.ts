/**
 * A large, realistic ledger, fast: markets, officers and allocations, then `leads` leads over
 * November 2026 through the real lifecycle mix, appended through `ChainedLedger(SqliteLedger)`
 * (every event hash-chained, exactly as the API appends), thousands of appends in flight at once so
 * the embedded ledger's group commit puts each batch in one transaction.
 *
 * A lead's events are split over two batches (LeadCreated in one, the rest of its lifecycle in the
 * next), so each lead's events are interleaved with thousands of other leads' events in the log,
 * as in production, rather than sitting side by side.
 *
 * Deterministic: the same `leads` gives the same ledger (ids and times are derived, not random).
 */
import { createHash } from 'node:crypto';
import type {
  AllocationTermsV1,
  AutomaticRoutingDecision,
  LeadCreatedV1,
  LeadCreditedV1,
  LeadDeliveredV1,
  LeadDeliveryFailedV1,
  LeadRoutedV1,
  LeadScoredV1,
  MarketSettingsV1,
  OfficerProfileV1,
} from '@lead-ledger/domain';
import { ChainedLedger } from '@lead-ledger/ledger/chain/chained-ledger';
import { EventMetadata, NewEvent } from '@lead-ledger/ledger/ledger.port';
import { SqliteLedger } from '@lead-ledger/ledger/sqlite/sqlite-ledger';

const MONTH = '2026-11';
const MONTH_START = Date.parse('2026-11-01T06:00:00.000Z');
const MONTH_MS = 29 * 86_400_000;
const MARKETS = 8;
const OFFICERS_PER_MARKET = 8;
const STATES = ['TX', 'AZ', 'FL', 'GA', 'NC', 'CO', 'OH', 'WA'] as const;
/** Leads per group-commit batch. */
const BATCH = 4000;

export interface GeneratedLedger {
  leads: number;
  events: number;
  seconds: number;
  eventsPerSecond: number;
  statuses: Record<string, number>;
}

export async function generateLedger(path: string, leads: number, onProgress?: (leadsDone: number) => void): Promise<GeneratedLedger> {
  const started = performance.now();
  const sqlite = SqliteLedger.open(path);
  // A bigger page cache for this one filling connection (bracket access: a private field).
  (sqlite as unknown as { db: { pragma(sql: string): unknown } }).db.pragma('cache_size = -262144');
  const ledger = new ChainedLedger(sqlite);
  let events = 0;
  const statuses: Record<string, number> = {};
  try {
    events += await appendAll(ledger, referenceData());
    let previous: Array<[string, NewEvent[]]> = [];
    for (let from = 0; from < leads + BATCH; from += BATCH) {
      const creates: Array<[string, NewEvent[]]> = [];
      const rest: Array<[string, NewEvent[]]> = [];
      for (let i = from; i < Math.min(from + BATCH, leads); i++) {
        const lead = leadEvents(i, leads);
        statuses[lead.status] = (statuses[lead.status] ?? 0) + 1;
        creates.push([lead.stream, [lead.events[0]]]);
        if (lead.events.length > 1) rest.push([lead.stream, lead.events.slice(1)]);
      }
      // This batch's creates, and the previous batch's lifecycles, in one group commit.
      events += await appendAll(ledger, [...previous, ...creates]);
      previous = rest;
      onProgress?.(Math.min(from + BATCH, leads));
    }
  } finally {
    await ledger.close();
  }
  const seconds = (performance.now() - started) / 1000;
  return { leads, events, seconds, eventsPerSecond: events / seconds, statuses };
}

async function appendAll(ledger: ChainedLedger, appends: Array<[string, NewEvent[]]>): Promise<number> {
  await Promise.all(appends.map(([stream, events]) => ledger.append(stream, events, { expectedRevision: 'any' })));
  return appends.reduce((sum, [, events]) => sum + events.length, 0);
}

const marketId = (m: number) => `market-${m}`;
const officerId = (m: number, o: number) => `lo-${m}-${o}`;

function referenceData(): Array<[string, NewEvent[]]> {
  const at = '2026-10-25T12:00:00.000Z';
  const out: Array<[string, NewEvent[]]> = [];
  for (let m = 0; m < MARKETS; m++) {
    const market: MarketSettingsV1 = {
      marketId: marketId(m),
      name: `Market ${m}`,
      states: [STATES[m]],
      zipPrefixes: [],
      seatCap: OFFICERS_PER_MARKET,
      timeZone: 'America/Chicago',
      paceTolerance: null,
      dedupeWindowDays: 30,
    };
    out.push([`market-${marketId(m)}`, [event('MarketOpened', { ...market, openedAt: at }, at, 0)]]);
    for (let o = 0; o < OFFICERS_PER_MARKET; o++) {
      const officer: OfficerProfileV1 = { officerId: officerId(m, o), name: `Officer ${m}-${o}`, nmlsId: String(1_000_000 + m * 100 + o), licensedStates: [STATES[m]], active: true };
      out.push([`officer-${officer.officerId}`, [event('OfficerOnboarded', { ...officer, onboardedAt: at }, at, 0)]]);
      const terms: AllocationTermsV1 = {
        officerId: officer.officerId,
        month: MONTH,
        marketId: marketId(m),
        leads: 10_000,
        startsOn: null,
        filters: {},
        monthWindow: { from: '2026-11-01T05:00:00.000Z', to: '2026-12-01T06:00:00.000Z' },
        activeFrom: '2026-11-01T05:00:00.000Z',
      };
      out.push([`allocation-${officer.officerId}.${MONTH}`, [event('AllocationContracted', { ...terms, contractedAt: at }, at, 0)]]);
    }
  }
  return out;
}

/** The lifecycle mix: 5 % new, 10 % scored only, 10 % routed, 60 % delivered, 10 % credited, 5 % failed delivery. */
function leadEvents(i: number, total: number): { stream: string; status: string; events: NewEvent[] } {
  const leadId = uuidFrom(`lead-${i}`);
  const m = i % MARKETS;
  const o = Math.floor(i / MARKETS) % OFFICERS_PER_MARKET;
  const created = new Date(MONTH_START + Math.floor((i / total) * MONTH_MS)).toISOString();
  const later = (minutes: number) => new Date(Date.parse(created) + minutes * 60_000).toISOString();
  const roll = i % 20;
  const phone = `+1214${200 + (Math.floor(i / 10_000) % 600)}${String(i % 10_000).padStart(4, '0')}`;
  const email = `borrower-${i}@example.com`;
  const borrowerKeys = [`phone:${sha256(phone)}`, `email:${sha256(email)}`];
  const allocation = { officerId: officerId(m, o), month: MONTH, marketId: marketId(m) };
  const createdData: LeadCreatedV1 = {
    leadId,
    marketId: marketId(m),
    source: { campaign: `fb-nov-${i % 12}`, vendor: 'acme-leads' },
    borrower: { firstName: FIRST[i % FIRST.length], lastName: LAST[i % LAST.length], phone, email },
    property: { state: STATES[m], zip: String(75_000 + (i % 999)).padStart(5, '0') },
    loan: { type: 'purchase', program: 'fha', amount: 150_000 + (i % 50) * 10_000 },
    creditTier: 'good',
    consent: { tcpa: true, capturedAt: created, text: 'I agree to be contacted by a licensed loan officer about my mortgage inquiry.', ip: `203.0.${i % 255}.${(i * 7) % 255}` },
    borrowerKeys,
    createdAt: created,
  };
  const events: NewEvent[] = [event('LeadCreated', createdData, created, i)];
  let status = 'new';
  if (roll >= 1) {
    const scored: LeadScoredV1 = { leadId, score: 40 + (i % 60), grade: 'B', reasons: ['verified income', 'owner occupied'], model: 'acme-v3', scoredAt: later(1) };
    events.push(event('LeadScored', scored, later(1), i));
    status = 'scored';
  }
  if (roll >= 3) {
    const routed: LeadRoutedV1 = { leadId, officerId: allocation.officerId, marketId: allocation.marketId, decision: decisionFor(m, o, later(2)), allocation, borrowerKeys, routedAt: later(2) };
    events.push(event('LeadRouted', routed, later(2), i));
    status = 'routed';
  }
  if (roll === 19) {
    const failed: LeadDeliveryFailedV1 = { leadId, officerId: allocation.officerId, allocation, borrowerKeys, reason: 'webhook answered 500', failedAt: later(3) };
    events.push(event('LeadDeliveryFailed', failed, later(3), i));
    status = 'scored';
  } else if (roll >= 5) {
    const delivered: LeadDeliveredV1 = { leadId, officerId: allocation.officerId, allocation, channel: 'webhook', receipt: `hook-${i}`, deliveredAt: later(3) };
    events.push(event('LeadDelivered', delivered, later(3), i));
    status = 'delivered';
    if (roll >= 17) {
      const credited: LeadCreditedV1 = { leadId, officerId: allocation.officerId, allocation, reason: 'disconnected_number', creditedAt: later(60 * 24) };
      events.push(event('LeadCredited', credited, later(60 * 24), i));
      status = 'credited';
    }
  }
  return { stream: `lead-${leadId}`, status, events };
}

function decisionFor(m: number, winner: number, at: string): AutomaticRoutingDecision {
  const candidates = [];
  const excluded = [];
  for (let o = 0; o < OFFICERS_PER_MARKET; o++) {
    if (o % 3 === 2 && o !== winner) excluded.push({ officerId: officerId(m, o), reasons: ['AHEAD_OF_PACE' as const] });
    else candidates.push({ officerId: officerId(m, o), allocation: 10_000, net: 812, expected: 841.37, deficit: 29.37, shortfall: 0.002937, tolerance: 500, lastDeliveredAt: at });
  }
  return { rule: 'furthest-behind-pace', ruleVersion: 1, at, marketId: marketId(m), month: MONTH, winner: officerId(m, winner), candidates, excluded };
}

function event(type: string, data: object, at: string, n: number): NewEvent {
  const id = uuidFrom(`${type}-${n}-${at}`);
  const metadata: EventMetadata = { correlationId: id, causationId: id, commandId: id, requestHash: sha256(id), actor: 'key:admin' };
  return { type, schemaVersion: 1, data: data as Record<string, unknown>, recordedAt: at, metadata };
}

function uuidFrom(seed: string): string {
  const h = sha256(seed);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

const FIRST = ['Sarah', 'Miguel', 'Priya', 'Tom', 'Olu', 'Wen', 'Zoe', 'Ahmed', 'Grace', 'Luis'];
const LAST = ['Lee', 'Garcia', 'Patel', 'Nguyen', 'Okafor', 'Smith', 'Kim', 'Haddad', 'Brown', 'Rossi'];
