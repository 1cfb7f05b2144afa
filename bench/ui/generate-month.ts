/**
 * A month of 100k leads in one market of 50 officers, written fast: every lead is routed by rule
 * v1 on the routing read models as they stand (libs/audit's RoutingState, the verifier's own
 * rebuild), so decisions are real ones; the events are then appended in time order **through the
 * ledger port** (ChainedLedger over the embedded SQLite ledger, which hashes and chains them), with
 * many streams in flight at once for group commit. Going through the HTTP command path instead
 * would take about 20 minutes for this volume on this machine (≈4 requests per lead, ≈3 ms each).
 */
import { randomUUID } from 'node:crypto';
import { AllocationTermsV1, borrowerKeysOf, furthestBehindPace, MarketSettingsV1, monthWindow } from '@lead-ledger/domain';
import { openLedger } from '@lead-ledger/ledger/ledger.factory';
import { NewEvent, RecordedEvent } from '@lead-ledger/ledger/ledger.port';
import { automaticRoutingInput, repeatBorrowerOf } from '../../libs/audit/src/routing-input';
import { RoutingState } from '../../libs/audit/src/verify/routing-state';
import { planArrivals, seeded } from '../../apps/cli/src/demo/demo-plan';

export interface GeneratedMonth {
  events: number;
  leads: number;
  routed: number;
  credited: number;
  officers: number;
  sampleLeadId: string;
  decideMs: number;
  appendMs: number;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const IN_FLIGHT = 64;

export async function generateMonth(options: { ledgerPath: string; month: string; marketId: string; emptyMarketId: string; officers: number; leads: number; seed?: number; log?: (line: string) => void }): Promise<GeneratedMonth> {
  const log = options.log ?? (() => undefined);
  const random = seeded(options.seed ?? 3);
  const timeZone = 'America/Chicago';
  const market: MarketSettingsV1 = { marketId: options.marketId, name: 'Benchmark market', states: ['TX'], zipPrefixes: ['750'], seatCap: options.officers, timeZone, paceTolerance: null, dedupeWindowDays: 30 };
  const empty: MarketSettingsV1 = { ...market, marketId: options.emptyMarketId, name: 'Empty market (baseline)', zipPrefixes: ['751'] };
  const window = monthWindow(options.month, timeZone);
  const from = Date.parse(window.from);
  const to = Date.parse(window.to);

  // 1. Decide everything in memory, in time order.
  const decideStarted = performance.now();
  const routing = new RoutingState();
  const planned: Array<{ stream: string; event: NewEvent }> = [];
  let position = 0n;
  const revisions = new Map<string, bigint>();
  const record = (stream: string, type: string, data: Record<string, unknown>, at: number) => {
    const recordedAt = new Date(at).toISOString();
    const event: NewEvent = { id: randomUUID(), type, schemaVersion: 1, data, recordedAt, metadata: { correlationId: randomUUID(), causationId: randomUUID(), commandId: randomUUID(), actor: 'key:admin' } };
    planned.push({ stream, event });
    const revision = revisions.has(stream) ? revisions.get(stream)! + 1n : 0n;
    revisions.set(stream, revision);
    routing.apply({ ...event, id: event.id!, stream, revision, position: ++position, chain: null } as RecordedEvent);
  };
  const setup = from - 2 * DAY;
  for (const m of [market, empty]) record(`market-${m.marketId}`, 'MarketOpened', { ...m, openedAt: new Date(setup).toISOString() }, setup);
  const perOfficer = Math.round(options.leads / options.officers / 1.1);
  for (let i = 0; i < options.officers; i++) {
    const officerId = `lo-${String(i + 1).padStart(2, '0')}`;
    record(`officer-${officerId}`, 'OfficerOnboarded', { officerId, name: `Officer ${i + 1}`, nmlsId: String(2_000_000 + i), licensedStates: ['TX'], active: true, onboardedAt: new Date(setup).toISOString() }, setup);
    const startsOn = i === 1 ? `${options.month}-15` : null;
    const terms: AllocationTermsV1 = {
      officerId,
      month: options.month,
      marketId: market.marketId,
      leads: Math.round(perOfficer * (0.6 + 0.8 * random())),
      startsOn,
      filters: i % 7 === 3 ? { minLoanAmount: 150_000 } : {},
      monthWindow: window,
      activeFrom: startsOn ? new Date(from + 14 * DAY).toISOString() : window.from,
    };
    record(`allocation-${officerId}.${options.month}`, 'AllocationContracted', { ...terms, contractedAt: new Date(setup).toISOString() }, setup);
  }

  const arrivals = planArrivals({ marketId: market.marketId, name: market.name, states: ['TX'], zipPrefixes: ['750'], timeZone, seatCap: market.seatCap }, options.leads, from, to - HOUR, random);
  const pending: Array<{ at: number; run: () => void }> = [];
  const credits: Array<{ at: number; leadId: string; officerId: string; allocation: unknown }> = [];
  let routed = 0;
  let credited = 0;
  let sampleLeadId = '';
  for (const [n, arrival] of arrivals.entries()) {
    while (credits.length > 0 && credits[0].at <= arrival.at) {
      const credit = credits.shift()!;
      record(`lead-${credit.leadId}`, 'LeadCredited', { leadId: credit.leadId, officerId: credit.officerId, allocation: credit.allocation, reason: 'disconnected_number', creditedAt: new Date(credit.at).toISOString() }, credit.at);
      credited++;
    }
    const at = arrival.at;
    const iso = (t: number) => new Date(t).toISOString();
    const leadId = randomUUID();
    const stream = `lead-${leadId}`;
    const borrower = { firstName: 'Sam', lastName: `Lee${n}`, phone: `+1214${String(2_000_000 + n).padStart(7, '0')}`, email: `b${n}@example.com` };
    const created = {
      leadId,
      marketId: market.marketId,
      source: { campaign: 'bench', vendor: 'bench-leads' },
      borrower,
      property: { state: 'TX', zip: `750${String(n % 100).padStart(2, '0')}` },
      loan: { type: 'purchase', program: 'conventional', amount: 90_000 + 5_000 * Math.floor(random() * 140) },
      creditTier: 'good',
      consent: { tcpa: true, capturedAt: iso(at - 30_000), text: 'I agree to be contacted.', ip: '203.0.113.7' },
      borrowerKeys: borrowerKeysOf(borrower),
      createdAt: iso(at),
    };
    record(stream, 'LeadCreated', created, at);
    const score = 40 + Math.floor(random() * 60);
    record(stream, 'LeadScored', { leadId, score, reasons: [], model: 'bench', scoredAt: iso(at + 1000) }, at + 1000);
    const routeAt = at + 2000;
    const view = routing.view();
    const allocations = view.allocationsIn(market.marketId, options.month);
    const officers = new Map(allocations.map((allocation) => [allocation.officerId, view.officer(allocation.officerId)!]));
    const repeatBorrower = repeatBorrowerOf(view.borrowerRoutes(created.borrowerKeys), leadId, market.dedupeWindowDays, iso(routeAt));
    const decision = furthestBehindPace(
      automaticRoutingInput({ lead: created as never, score, failedOfficerIds: [], market: view.market(market.marketId)!, at: iso(routeAt), month: options.month, allocations, officers, repeatBorrower }),
    );
    if (decision.winner === null) {
      record(stream, 'LeadUnroutable', { leadId, marketId: market.marketId, decision, at: iso(routeAt) }, routeAt);
      continue;
    }
    const allocation = { officerId: decision.winner, month: options.month, marketId: market.marketId };
    record(stream, 'LeadRouted', { leadId, officerId: decision.winner, marketId: market.marketId, decision, allocation, borrowerKeys: created.borrowerKeys, routedAt: iso(routeAt) }, routeAt);
    record(stream, 'LeadDelivered', { leadId, officerId: decision.winner, allocation, channel: 'crm', receipt: `r-${n}`, deliveredAt: iso(routeAt + 1000) }, routeAt + 1000);
    routed++;
    sampleLeadId = leadId;
    if (random() < 0.04) credits.push({ at: Math.min(to - MINUTE, at + DAY + Math.floor(random() * 4 * DAY)), leadId, officerId: decision.winner, allocation });
    credits.sort((a, b) => a.at - b.at);
    if (n % 4096 === 0) {
      routing.pruneBorrowers(iso(at));
      if (n > 0) log(`  decided ${n.toLocaleString('en-US')} leads`);
    }
  }
  void pending;
  const decideMs = performance.now() - decideStarted;

  // 2. Append through the port, in order; streams never have two appends in flight.
  const appendStarted = performance.now();
  const ledger = openLedger({ kind: 'sqlite', path: options.ledgerPath });
  const next = new Map<string, bigint>();
  const busy = new Map<string, Promise<unknown>>();
  const inFlight = new Set<Promise<unknown>>();
  let i = 0;
  while (i < planned.length) {
    // A run of consecutive events of one stream goes in one append.
    const { stream } = planned[i];
    let j = i + 1;
    while (j < planned.length && planned[j].stream === stream) j++;
    const events = planned.slice(i, j).map((item) => item.event);
    i = j;
    const previous = busy.get(stream);
    if (previous) await previous;
    while (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight);
    const expected = next.has(stream) ? next.get(stream)! : ('no_stream' as const);
    next.set(stream, (next.get(stream) ?? -1n) + BigInt(events.length));
    const append = ledger.append(stream, events, { expectedRevision: expected }).finally(() => {
      inFlight.delete(append);
      if (busy.get(stream) === append) busy.delete(stream);
    });
    inFlight.add(append);
    busy.set(stream, append);
  }
  await Promise.all(inFlight);
  await ledger.close();
  return { events: planned.length, leads: arrivals.length, routed, credited, officers: options.officers, sampleLeadId, decideMs, appendMs: performance.now() - appendStarted };
}
