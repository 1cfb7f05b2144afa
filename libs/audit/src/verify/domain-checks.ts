import {
  AllocationRef,
  AutomaticRoutingDecision,
  furthestBehindPace,
  LeadCreatedV1,
  LeadRoutedV1,
  LeadUnroutableV1,
  ROUTING_RULE,
  ROUTING_RULE_VERSION,
} from '@lead-ledger/domain';
import { RecordedEvent } from '@lead-ledger/ledger/ledger.port';
import { allocationId, AllocationPaceDoc, MarketDoc, OfficerDoc } from '@lead-ledger/projections';
import { automaticRoutingInput, DEFAULT_DEDUPE_WINDOW_DAYS, repeatBorrowerOf, resolveMarket } from '../routing-input';
import { canonicalJson, jsonEqual } from './canonical-json';
import { MonthCalendar } from './month-calendar';
import { NoticeKind, OfficerMonthRow, OverrideEntry, ViolationKind } from './findings';
import { RoutingState, RoutingView } from './routing-state';

/** Where the domain checks report to (the verifier keeps the lists, bounded). */
export interface FindingSink {
  violation(kind: ViolationKind, event: RecordedEvent, message: string): void;
  notice(kind: NoticeKind, event: RecordedEvent | null, message: string): void;
  override(entry: OverrideEntry): void;
}

type LeadStatus = 'new' | 'scored' | 'routed' | 'delivered' | 'credited';

/**
 * What the checks keep per lead: only what a later event of the lead can need. Routing details are
 * dropped once the lead is delivered (it can then only be credited): every lead delivered under the
 * same allocation then shares one frozen record, and every credited lead shares one, so a closed
 * lead costs a pointer and memory follows the open leads, not the ledger.
 */
export interface LeadTrack {
  status: LeadStatus;
  lead: Pick<LeadCreatedV1, 'leadId' | 'marketId' | 'property' | 'loan' | 'creditTier' | 'borrowerKeys'> | null;
  score: number | null;
  officerId: string | null;
  routedUnder: AllocationRef | null;
  failedOfficerIds: readonly string[];
  /** Position of the lead's previous event: a decision cannot have read anything older. */
  lastPosition: number;
}

const NO_FAILURES: readonly string[] = Object.freeze([]);

const CREDITED: LeadTrack = Object.freeze({
  status: 'credited',
  lead: null,
  score: null,
  officerId: null,
  routedUnder: null,
  failedOfficerIds: NO_FAILURES,
  lastPosition: 0,
}) as LeadTrack;

/**
 * Everything the verifier keeps per stream, in one record: the chain link (next revision, stored
 * hash and position of the last event) and, for a lead stream, the lead's track.
 */
export class StreamState {
  lead: LeadTrack | null = null;
  constructor(
    public next: number,
    public hash: string | null,
    public position: number,
  ) {}
}

export const isOpenLead = (track: LeadTrack | null): boolean => track !== null && !Object.isFrozen(track);

/** How many earlier states a mismatching decision is also tried against. */
const EARLIER_STATES_TRIED = 12;
const PRUNE_EVERY_EVENTS = 50_000;

export interface DomainCounters {
  leads: number;
  automaticDecisions: number;
  refusals: number;
  overrides: number;
  deliveries: number;
  credits: number;
  routes: number;
}

/**
 * Exclusivity, the pace rule and allocation, checked event by event in position order. Every
 * check reads only the events before the one checked.
 */
export class DomainChecks {
  readonly routing = new RoutingState();
  /** One shared record per allocation (or officer, without one) for the leads delivered under it. */
  private readonly deliveredUnder = new Map<string, LeadTrack>();
  /** Allocation refs interned: leads routed under the same allocation share one object. */
  private readonly refs = new Map<string, AllocationRef>();
  /** Deliveries and credits of leads routed outside any allocation, by officer and UTC month. */
  private readonly unallocated = new Map<string, OfficerMonthRow>();
  private sinceLastPrune = 0;
  private readonly calendar = new MonthCalendar();
  readonly counters: DomainCounters = { leads: 0, automaticDecisions: 0, refusals: 0, overrides: 0, deliveries: 0, credits: 0, routes: 0 };

  constructor(private readonly sink: FindingSink) {}

  get borrowerKeys(): number {
    return this.routing.borrowers.size;
  }

  /** `stream` is the verifier's record of the event's stream (the chain link already checked). */
  apply(event: RecordedEvent, stream: StreamState): void {
    if (event.stream.startsWith('lead-')) this.leadEvent(event, stream);
    this.routing.apply(event);
    if (++this.sinceLastPrune >= PRUNE_EVERY_EVENTS) {
      this.sinceLastPrune = 0;
      this.routing.pruneBorrowers(event.recordedAt);
    }
  }

  private leadEvent(event: RecordedEvent, stream: StreamState): void {
    const shared = stream.lead;
    if (event.type === 'LeadCreated') {
      if (shared !== null) return this.sink.violation('LEAD_LIFECYCLE', event, `lead created a second time (${event.stream})`);
      const data = event.data as unknown as LeadCreatedV1;
      this.counters.leads++;
      stream.lead = {
        status: 'new',
        lead: {
          leadId: data.leadId,
          marketId: data.marketId,
          property: data.property,
          loan: data.loan,
          creditTier: data.creditTier,
          borrowerKeys: data.borrowerKeys,
        },
        score: null,
        officerId: null,
        routedUnder: null,
        failedOfficerIds: NO_FAILURES,
        lastPosition: Number(event.position),
      };
      return;
    }
    if (shared === null) return this.sink.violation('UNKNOWN_LEAD', event, `${event.type} on ${event.stream}, which has no LeadCreated before it`);
    // A closed lead's record is shared: anything that changes it gets a copy of its own.
    const track = Object.isFrozen(shared) ? (stream.lead = { ...shared }) : shared;
    switch (event.type) {
      case 'LeadScored':
        if (track.status !== 'new' && track.status !== 'scored') this.sink.violation('LEAD_LIFECYCLE', event, `lead rescored while ${track.status}`);
        else {
          track.status = 'scored';
          track.score = (event.data as { score: number }).score;
        }
        break;
      case 'LeadRouted':
        this.routed(event, track);
        break;
      case 'LeadUnroutable':
        this.unroutable(event, track);
        break;
      case 'LeadDeliveryFailed':
        this.deliveryFailed(event, track);
        break;
      case 'LeadDelivered':
        this.delivered(event, track);
        stream.lead = this.closedRecord(track);
        return;
      case 'LeadCredited':
        this.credited(event, track);
        stream.lead = CREDITED;
        return;
      default:
        break;
    }
    track.lastPosition = Number(event.position);
  }

  /** The shared record of leads delivered to the same officer under the same allocation. */
  private closedRecord(track: LeadTrack): LeadTrack {
    const key = `${track.officerId}\u0000${track.routedUnder ? allocationId(track.routedUnder) : ''}`;
    let record = this.deliveredUnder.get(key);
    if (record === undefined) {
      record = Object.freeze({ ...track, status: 'delivered', lead: null, score: null, failedOfficerIds: NO_FAILURES, lastPosition: 0 }) as LeadTrack;
      this.deliveredUnder.set(key, record);
    }
    return record;
  }

  private intern(ref: AllocationRef | null | undefined): AllocationRef | null {
    if (!ref) return null;
    const key = allocationId(ref);
    let shared = this.refs.get(key);
    if (shared === undefined || !jsonEqual(shared, ref)) this.refs.set(key, (shared = { officerId: ref.officerId, month: ref.month, marketId: ref.marketId }));
    return shared;
  }

  // ---- exclusivity + pace + allocation at a route ----

  private routed(event: RecordedEvent, track: LeadTrack): void {
    const data = event.data as unknown as LeadRoutedV1;
    this.counters.routes++;
    if (track.status === 'routed') {
      this.sink.violation('ROUTED_WHILE_HELD', event, `lead routed to ${data.officerId} while ${track.officerId} still holds it (no delivery failure between)`);
    } else if (track.status === 'delivered' || track.status === 'credited') {
      this.sink.violation('ROUTED_AFTER_DELIVERY', event, `lead routed to ${data.officerId} after it was delivered${track.officerId ? ` to ${track.officerId}` : ''}`);
    } else if (track.status !== 'scored') {
      this.sink.violation('LEAD_LIFECYCLE', event, 'lead routed before it was scored');
    }
    const lead = track.lead;
    const view = this.routing.view();
    if (lead !== null) this.checkBorrower(event, lead, data, view);

    if (data.decision?.rule === 'override') {
      this.counters.overrides++;
      this.override(event, data, view);
    } else if (lead !== null && track.score !== null) {
      this.counters.automaticDecisions++;
      this.checkDecision(event, track, data.decision, data.routedAt, data.marketId);
      const decision = data.decision;
      if (decision?.winner !== data.officerId) {
        this.sink.violation('ROUTING_RECORD_INCONSISTENT', event, `routed to ${data.officerId} but the decision's winner is ${decision?.winner ?? 'nobody'}`);
      }
      const expectedRef = decision && { officerId: decision.winner, month: decision.month, marketId: decision.marketId };
      if (!jsonEqual(data.allocation ?? null, expectedRef ?? null) || data.marketId !== decision?.marketId) {
        this.sink.violation('ROUTING_RECORD_INCONSISTENT', event, `booked against ${refText(data.allocation)}, not the decision's ${refText(expectedRef ?? null)}`);
      }
    }

    if (data.allocation) {
      const allocation = view.allocation(allocationId(data.allocation));
      if (allocation === null) this.sink.violation('ALLOCATION_UNKNOWN', event, `booked against ${refText(data.allocation)}, which was never contracted`);
      else if (allocation.cancelled) this.sink.violation('WRONG_ALLOCATION_BOOKED', event, `booked against ${refText(data.allocation)}, which is cancelled`);
      else if (allocation.officerId !== data.officerId) this.sink.violation('WRONG_ALLOCATION_BOOKED', event, `routed to ${data.officerId} but booked against ${refText(data.allocation)}`);
      else if (allocation.assigned - allocation.credited + 1 > allocation.leads) {
        const net = allocation.assigned - allocation.credited + 1;
        if (data.decision?.rule === 'override') {
          this.sink.notice('OVERRIDE_PAST_ALLOCATION', event, `override puts ${data.officerId} at net ${net} of ${allocation.leads} in ${allocation.month} (${allocation.marketId})`);
        } else {
          this.sink.violation('ALLOCATION_EXCEEDED', event, `${data.officerId} at net ${net} of ${allocation.leads} contracted for ${allocation.month} in ${allocation.marketId}`);
        }
      }
    }
    track.status = 'routed';
    track.officerId = data.officerId;
    track.routedUnder = this.intern(data.allocation);
  }

  private override(event: RecordedEvent, data: LeadRoutedV1, view: RoutingView): void {
    const decision = data.decision as { reason?: string; by?: string; at?: string };
    const allocation = data.allocation ? view.allocation(allocationId(data.allocation)) : null;
    this.sink.override({
      position: event.position.toString(),
      leadId: data.leadId,
      officerId: data.officerId,
      marketId: data.marketId,
      allocation: data.allocation ? refText(data.allocation) : null,
      reason: String(decision.reason ?? ''),
      by: String(decision.by ?? ''),
      at: String(decision.at ?? data.routedAt),
      pastAllocation: allocation !== null && allocation.assigned - allocation.credited + 1 > allocation.leads,
    });
  }

  /** No borrower with two officers inside the dedupe window of the lead's market (across markets). */
  private checkBorrower(event: RecordedEvent, lead: NonNullable<LeadTrack['lead']>, data: LeadRoutedV1, view: RoutingView): void {
    const market = data.marketId ? view.market(data.marketId) : null;
    const windowDays = market?.dedupeWindowDays ?? DEFAULT_DEDUPE_WINDOW_DAYS;
    const holder = repeatBorrowerOf(view.borrowerRoutes(data.borrowerKeys ?? lead.borrowerKeys), lead.leadId, windowDays, data.routedAt);
    if (holder !== null && holder.officerId !== data.officerId) {
      this.sink.violation(
        'BORROWER_TWO_OFFICERS',
        event,
        `borrower already with ${holder.officerId} (lead ${holder.leadId}, routed ${holder.routedAt}, inside the ${windowDays}-day window); routed to ${data.officerId}`,
      );
    }
  }

  private unroutable(event: RecordedEvent, track: LeadTrack): void {
    const data = event.data as unknown as LeadUnroutableV1;
    if (track.status !== 'scored') this.sink.violation('LEAD_LIFECYCLE', event, `automatic route attempted while the lead is ${track.status}`);
    if (track.lead === null || track.score === null) return;
    this.counters.refusals++;
    if (data.decision?.winner !== null && data.decision?.winner !== undefined) {
      this.sink.violation('ROUTING_RECORD_INCONSISTENT', event, `recorded as unroutable, but its decision names ${data.decision.winner}`);
    }
    this.checkDecision(event, track, data.decision, data.at, data.marketId);
  }

  /**
   * The pace rule: rebuild the rule's input from the read models as they stood just before the
   * event, run rule v1, and require the very decision recorded (winner, candidates and their
   * numbers, exclusions and reasons, refusal).
   */
  private checkDecision(event: RecordedEvent, track: LeadTrack, decision: AutomaticRoutingDecision | undefined, at: string, marketId: string | null): void {
    if (!decision || decision.rule !== ROUTING_RULE || decision.ruleVersion !== ROUTING_RULE_VERSION) {
      return this.sink.violation('UNKNOWN_RULE', event, `decision by rule ${String(decision?.rule)} v${String(decision?.ruleVersion)}; this verifier knows ${ROUTING_RULE} v${ROUTING_RULE_VERSION}`);
    }
    if (decision.at !== at) this.sink.violation('ROUTING_RECORD_INCONSISTENT', event, `decision taken at ${decision.at} but recorded for ${at}`);
    const lead = track.lead!;
    const view = this.routing.view();
    const resolved = resolveMarket(lead, { byId: view.market, inState: view.marketsInState });
    if (resolved === null || resolved.marketId !== marketId) {
      this.sink.violation('MARKET_MISMATCH', event, `decided in market ${marketId}, but the lead ${resolved ? `belongs to ${resolved.marketId}` : 'is in no market'} by the markets before it`);
    }
    const market = marketId === null ? null : view.market(marketId);
    if (market === null) return;
    const expected = this.rederive(track, market, at, view);
    if (jsonEqual(expected, decision)) return;

    // The API may have read state a few events older than its append: try those states before failing.
    const month = this.calendar.monthOf(at, market.timeZone);
    const earlier = this.routing.changesAfter(BigInt(track.lastPosition), market.marketId, month, lead.borrowerKeys).slice(0, EARLIER_STATES_TRIED);
    for (const position of earlier) {
      const asOf = position - 1n;
      const past = this.routing.view(asOf);
      const pastMarket = past.market(market.marketId);
      if (pastMarket === null) continue;
      if (jsonEqual(this.rederive(track, pastMarket, at, past), decision)) {
        const skipped = earlier.filter((p) => p > asOf).map(String);
        return this.sink.notice(
          'DECIDED_ON_EARLIER_STATE',
          event,
          `decision matches the read models as of position ${asOf}, before event(s) at ${skipped.join(', ')} landed ahead of this append`,
        );
      }
    }
    this.sink.violation('ROUTING_DECISION_MISMATCH', event, describeDifference(decision, expected));
  }

  private rederive(track: LeadTrack, market: MarketDoc, at: string, view: RoutingView): AutomaticRoutingDecision {
    const lead = track.lead!;
    const month = this.calendar.monthOf(at, market.timeZone);
    const allocations = view.allocationsIn(market.marketId, month);
    const officers = new Map<string, OfficerDoc>();
    for (const allocation of allocations) {
      const officer = view.officer(allocation.officerId);
      if (officer !== null) officers.set(allocation.officerId, officer);
    }
    const repeatBorrower = repeatBorrowerOf(view.borrowerRoutes(lead.borrowerKeys), lead.leadId, market.dedupeWindowDays, at);
    return furthestBehindPace(
      automaticRoutingInput({ lead, score: track.score!, failedOfficerIds: [...track.failedOfficerIds], market, at, month, allocations, officers, repeatBorrower }),
    );
  }

  // ---- after a route ----

  private deliveryFailed(event: RecordedEvent, track: LeadTrack): void {
    const data = event.data as { officerId: string; allocation: AllocationRef | null };
    if (track.status !== 'routed' || track.officerId !== data.officerId) {
      this.sink.violation('LEAD_LIFECYCLE', event, `delivery to ${data.officerId} failed, but the lead is ${track.status}${track.officerId ? ` with ${track.officerId}` : ''}`);
    } else this.checkBooking(event, track, data.allocation, 'delivery failure');
    track.status = 'scored';
    track.failedOfficerIds = [...track.failedOfficerIds, data.officerId];
    track.officerId = null;
    track.routedUnder = null;
  }

  private delivered(event: RecordedEvent, track: LeadTrack): void {
    const data = event.data as { officerId: string; allocation: AllocationRef | null; deliveredAt: string };
    this.counters.deliveries++;
    if (track.status === 'delivered' || track.status === 'credited') {
      this.sink.violation('DELIVERED_TWICE', event, `lead delivered again, to ${data.officerId}`);
    } else if (track.status !== 'routed') {
      this.sink.violation('LEAD_LIFECYCLE', event, `lead delivered to ${data.officerId} but not routed to anyone`);
    } else if (track.officerId !== data.officerId) {
      this.sink.violation('DELIVERED_BY_OTHER_OFFICER', event, `lead delivered to ${data.officerId} but routed to ${track.officerId}`);
    } else this.checkBooking(event, track, data.allocation, 'delivery');
    if (!data.allocation) this.unallocatedRow(data.officerId, data.deliveredAt).delivered++;
    // Delivered: nothing can route it again, so the routing details can go (leadEvent shares the rest).
    track.status = 'delivered';
    track.officerId = track.officerId ?? data.officerId;
  }

  private credited(event: RecordedEvent, track: LeadTrack): void {
    const data = event.data as { officerId: string; allocation: AllocationRef | null; creditedAt: string };
    this.counters.credits++;
    if (track.status === 'credited') this.sink.violation('CREDITED_TWICE', event, 'lead credited a second time');
    else if (track.status !== 'delivered') this.sink.violation('CREDIT_NOT_DELIVERED', event, `lead credited while ${track.status}: only delivered leads are credited`);
    else {
      if (track.officerId !== data.officerId) this.sink.violation('WRONG_ALLOCATION_BOOKED', event, `credit names ${data.officerId}, but the lead was delivered to ${track.officerId}`);
      this.checkBooking(event, track, data.allocation, 'credit');
    }
    if (!data.allocation) this.unallocatedRow(data.officerId, data.creditedAt).credited++;
  }

  /** Deliveries, failures and credits are booked against the allocation the lead was routed under. */
  private checkBooking(event: RecordedEvent, track: LeadTrack, booked: AllocationRef | null, what: string): void {
    if (!jsonEqual(booked ?? null, track.routedUnder ?? null)) {
      this.sink.violation('WRONG_ALLOCATION_BOOKED', event, `${what} booked against ${refText(booked)}, but the lead was routed under ${refText(track.routedUnder)}`);
    }
  }

  private unallocatedRow(officerId: string, at: string): OfficerMonthRow {
    const month = typeof at === 'string' ? at.slice(0, 7) : '?';
    const key = `${officerId}\u0000${month}`;
    let row = this.unallocated.get(key);
    if (row === undefined) {
      row = { officerId, month, marketId: null, contracted: null, assigned: 0, delivered: 0, credited: 0, net: 0, fulfilment: null, cancelled: false };
      this.unallocated.set(key, row);
    }
    return row;
  }

  /** Contracted, delivered, credited, net and fulfilment per officer per month (and market). */
  officerMonths(): OfficerMonthRow[] {
    const rows: OfficerMonthRow[] = [];
    for (const [, version] of this.routing.allocations.entries()) {
      const doc = version.doc as AllocationPaceDoc | null;
      if (doc === null || doc.leads === undefined) continue;
      const net = doc.delivered - doc.credited;
      rows.push({
        officerId: doc.officerId,
        month: doc.month,
        marketId: doc.marketId,
        contracted: doc.leads,
        assigned: doc.assigned,
        delivered: doc.delivered,
        credited: doc.credited,
        net,
        fulfilment: doc.leads > 0 ? net / doc.leads : null,
        cancelled: doc.cancelled,
      });
    }
    for (const row of this.unallocated.values()) rows.push({ ...row, net: row.delivered - row.credited });
    return rows.sort((a, b) => compare(a.officerId, b.officerId) || compare(a.month, b.month) || compare(a.marketId ?? '', b.marketId ?? ''));
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function refText(ref: { officerId: string | null; month: string; marketId: string } | null | undefined): string {
  return ref ? `${ref.officerId}/${ref.month}@${ref.marketId}` : 'no allocation';
}

/** The first thing that differs, in words: winner, then candidates, then exclusions, then anything. */
function describeDifference(recorded: AutomaticRoutingDecision, expected: AutomaticRoutingDecision): string {
  if (recorded.winner !== expected.winner) {
    return `rule v1 picks ${expected.winner ?? 'nobody'}${expected.refusal ? ` (${expected.refusal})` : ''} from the events before it; the ledger records ${recorded.winner ?? 'nobody'}`;
  }
  const ids = (list: Array<{ officerId: string }> | undefined) => (list ?? []).map((c) => c.officerId).join(', ') || 'none';
  if (ids(recorded.candidates) !== ids(expected.candidates)) return `candidates differ: recorded [${ids(recorded.candidates)}], rule v1 finds [${ids(expected.candidates)}]`;
  for (const candidate of expected.candidates) {
    const other = recorded.candidates.find((c) => c.officerId === candidate.officerId) as unknown as Record<string, unknown> | undefined;
    for (const [field, value] of Object.entries(candidate)) {
      if (other && canonicalJson(other[field] ?? null) !== canonicalJson(value ?? null)) {
        return `candidate ${candidate.officerId}: ${field} recorded ${canonicalJson(other[field] ?? null)}, rule v1 computes ${canonicalJson(value)}`;
      }
    }
  }
  if (canonicalJson(recorded.excluded ?? null) !== canonicalJson(expected.excluded)) {
    return `exclusions differ: recorded ${canonicalJson(recorded.excluded ?? null)}, rule v1 finds ${canonicalJson(expected.excluded)}`;
  }
  return `decision differs from rule v1's: recorded ${canonicalJson(recorded)}, expected ${canonicalJson(expected)}`;
}
