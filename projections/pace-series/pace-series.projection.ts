import { AllocationEvent, AllocationRef, LeadEvent, PauseInterval } from '@lead-ledger/domain';
import { Projection, ReadDocument } from '@lead-ledger/read-models';
import { RecordedEvent } from '@lead-ledger/ledger/ledger.port';
import { AllocationTerms } from '../allocation-pace/allocation-pace.projection';

export const HOUR_MS = 3_600_000;
/** Credits listed per allocation; the count stays complete past this. */
export const LISTED_CREDITS = 500;
/** Routed leads kept per allocation, newest first, for "recent leads" links. */
export const RECENT_LEADS = 8;

export interface SeriesCredit {
  leadId: string;
  at: string;
  reason: string;
}

/**
 * One officer's allocation in one market and month, with its activity bucketed by the hour since
 * the month started (index = whole hours after `monthWindow.from`). A chart of the month needs only
 * this document, however many leads the month has: the per-request cost is the month's hours, not
 * its leads.
 */
export type PaceSeriesDoc = ReadDocument & AllocationTerms & {
  /** Change of net (routed +1, delivery failed −1, credited −1) per hour of the month. */
  netByHour: number[];
  /** Deliveries per hour of the month. */
  deliveredByHour: number[];
  /** Net changes recorded after the month ended (credits are booked against the month they were routed in). */
  netAfterMonth: number;
  deliveredAfterMonth: number;
  assigned: number;
  delivered: number;
  credited: number;
  failed: number;
  credits: SeriesCredit[];
  creditsNotListed: number;
  recentLeads: Array<{ leadId: string; routedAt: string }>;
};

export type PaceSeriesFields = Omit<PaceSeriesDoc, '_id' | '_position'>;

export const paceSeriesId = (ref: AllocationRef) => `${ref.month}:${ref.marketId}:${ref.officerId}`;

const ALLOCATION_EVENTS = new Set(['AllocationContracted', 'AllocationChanged', 'AllocationPaused', 'AllocationResumed', 'AllocationCancelled']);
const COUNTED_LEAD_EVENTS = new Set(['LeadRouted', 'LeadDeliveryFailed', 'LeadDelivered', 'LeadCredited']);

/** The pacing dashboard's read model: one document per allocation, activity by the hour. */
export const paceSeriesProjection: Projection<PaceSeriesDoc> = {
  name: 'pace_series_v1',
  collection: 'pace_series_v1',
  indexes: [['month', 'marketId']],
  documentsFor(event: RecordedEvent) {
    if (ALLOCATION_EVENTS.has(event.type)) return [paceSeriesId(event.data as unknown as AllocationRef)];
    if (COUNTED_LEAD_EVENTS.has(event.type)) {
      const allocation = event.data.allocation as AllocationRef | null | undefined;
      return allocation ? [paceSeriesId(allocation)] : [];
    }
    return [];
  },
  evolve: (doc, recorded) => evolvePaceSeries(doc === null ? null : withoutKeys(doc), recorded as unknown as AllocationEvent | LeadEvent),
};

/** Pure: the document after one event. Arrays are copied only when the event touches them. */
export function evolvePaceSeries(doc: PaceSeriesFields | null, event: AllocationEvent | LeadEvent): PaceSeriesFields | null {
  switch (event.type) {
    case 'AllocationContracted':
    case 'AllocationChanged': {
      const { officerId, month, marketId, leads, startsOn, filters, monthWindow, activeFrom } = event.data;
      const hours = hoursIn(monthWindow);
      const base = doc ?? emptyActivity(hours);
      return {
        ...base,
        officerId,
        month,
        marketId,
        leads,
        startsOn,
        filters,
        monthWindow,
        activeFrom,
        // The month's window is fixed at contract; resize only if a change ever carried another one.
        netByHour: resized(base.netByHour, hours),
        deliveredByHour: resized(base.deliveredByHour, hours),
      };
    }
    case 'AllocationPaused':
      return doc && { ...doc, paused: true, pauses: [...doc.pauses, { from: event.data.pausedAt, to: null }] };
    case 'AllocationResumed':
      return doc && { ...doc, paused: false, pauses: doc.pauses.map((pause) => (pause.to === null ? { ...pause, to: event.data.resumedAt } : pause)) };
    case 'AllocationCancelled':
      return doc && { ...doc, cancelled: true };
    case 'LeadRouted': {
      if (doc === null) return null;
      const recentLeads = [{ leadId: event.data.leadId, routedAt: event.data.routedAt }, ...doc.recentLeads.filter((lead) => lead.leadId !== event.data.leadId)].slice(0, RECENT_LEADS);
      return { ...withNet(doc, event.data.routedAt, +1), assigned: doc.assigned + 1, recentLeads };
    }
    case 'LeadDeliveryFailed':
      return doc && { ...withNet(doc, event.data.failedAt, -1), assigned: doc.assigned - 1, failed: doc.failed + 1 };
    case 'LeadDelivered': {
      if (doc === null) return null;
      const hour = hourIndex(doc, event.data.deliveredAt);
      if (hour === null) return { ...doc, delivered: doc.delivered + 1, deliveredAfterMonth: doc.deliveredAfterMonth + 1 };
      const deliveredByHour = doc.deliveredByHour.slice();
      deliveredByHour[hour] += 1;
      return { ...doc, delivered: doc.delivered + 1, deliveredByHour };
    }
    case 'LeadCredited': {
      if (doc === null) return null;
      const listed = doc.credits.length < LISTED_CREDITS;
      const credit = { leadId: event.data.leadId, at: event.data.creditedAt, reason: event.data.reason };
      return {
        ...withNet(doc, event.data.creditedAt, -1),
        credited: doc.credited + 1,
        credits: listed ? [...doc.credits, credit] : doc.credits,
        creditsNotListed: doc.creditsNotListed + (listed ? 0 : 1),
      };
    }
    default:
      return doc;
  }
}

/** Whole hours after the month's start; events before it (overrides) count in hour 0; null after the month. */
export function hourIndex(doc: Pick<PaceSeriesFields, 'monthWindow' | 'netByHour'>, at: string): number | null {
  const offset = Date.parse(at) - Date.parse(doc.monthWindow.from);
  if (Date.parse(at) >= Date.parse(doc.monthWindow.to)) return null;
  return Math.min(doc.netByHour.length - 1, Math.max(0, Math.floor(offset / HOUR_MS)));
}

export function hoursIn(window: { from: string; to: string }): number {
  return Math.ceil((Date.parse(window.to) - Date.parse(window.from)) / HOUR_MS);
}

function withNet(doc: PaceSeriesFields, at: string, change: number): PaceSeriesFields {
  const hour = hourIndex(doc, at);
  if (hour === null) return { ...doc, netAfterMonth: doc.netAfterMonth + change };
  const netByHour = doc.netByHour.slice();
  netByHour[hour] += change;
  return { ...doc, netByHour };
}

function emptyActivity(hours: number) {
  return {
    pauses: [] as PauseInterval[],
    paused: false,
    cancelled: false,
    netByHour: new Array<number>(hours).fill(0),
    deliveredByHour: new Array<number>(hours).fill(0),
    netAfterMonth: 0,
    deliveredAfterMonth: 0,
    assigned: 0,
    delivered: 0,
    credited: 0,
    failed: 0,
    credits: [] as SeriesCredit[],
    creditsNotListed: 0,
    recentLeads: [] as Array<{ leadId: string; routedAt: string }>,
  };
}

function resized(values: number[], length: number): number[] {
  if (values.length === length) return values;
  const next = new Array<number>(length).fill(0);
  for (let i = 0; i < values.length; i++) next[Math.min(length - 1, i)] += values[i];
  return next;
}

function withoutKeys<T extends object>(doc: T): Omit<T, '_id' | '_position'> {
  const { _id, _position, ...rest } = doc as T & Partial<ReadDocument>;
  return rest;
}
