import { AllocationEvent, AllocationFilters, AllocationRef, LeadEvent, PauseInterval } from '@lead-ledger/domain';
import { Projection, ReadDocument } from '@lead-ledger/read-models';
import { RecordedEvent } from '@lead-ledger/ledger/ledger.port';

/** An allocation's contracted terms and status, as every allocation read model keeps them. */
export interface AllocationTerms {
  officerId: string;
  month: string;
  marketId: string;
  leads: number;
  startsOn: string | null;
  filters: AllocationFilters;
  monthWindow: { from: string; to: string };
  activeFrom: string;
  pauses: PauseInterval[];
  paused: boolean;
  cancelled: boolean;
}

/** One officer's allocation in one market and month, with the counts pace is computed from. */
export type AllocationPaceDoc = ReadDocument & AllocationTerms & {
  /** Routed under this allocation and not failed: counts from the moment of routing. */
  assigned: number;
  delivered: number;
  credited: number;
  failed: number;
  lastRoutedAt: string | null;
  lastDeliveredAt: string | null;
};

export const allocationId = (ref: AllocationRef) => `${ref.month}:${ref.marketId}:${ref.officerId}`;

const ALLOCATION_EVENTS = new Set(['AllocationContracted', 'AllocationChanged', 'AllocationPaused', 'AllocationResumed', 'AllocationCancelled']);
const COUNTED_LEAD_EVENTS = new Set(['LeadRouted', 'LeadDeliveryFailed', 'LeadDelivered', 'LeadCredited']);

/** The allocation-pace read model: what routing decisions and the pace table read. */
export const allocationPaceProjection: Projection<AllocationPaceDoc> = {
  name: 'allocation_pace_v1',
  collection: 'allocation_pace_v1',
  indexes: [['month', 'marketId'], ['officerId', 'month']],
  documentsFor(event: RecordedEvent) {
    if (ALLOCATION_EVENTS.has(event.type)) return [allocationId(event.data as unknown as AllocationRef)];
    if (COUNTED_LEAD_EVENTS.has(event.type)) {
      const allocation = event.data.allocation as AllocationRef | null | undefined;
      return allocation ? [allocationId(allocation)] : [];
    }
    return [];
  },
  evolve(doc, recorded) {
    const event = recorded as unknown as AllocationEvent | LeadEvent;
    switch (event.type) {
      case 'AllocationContracted':
      case 'AllocationChanged': {
        const { officerId, month, marketId, leads, startsOn, filters, monthWindow, activeFrom } = event.data;
        const counts = doc ?? { pauses: [], paused: false, cancelled: false, assigned: 0, delivered: 0, credited: 0, failed: 0, lastRoutedAt: null, lastDeliveredAt: null };
        return { ...withoutKeys(counts), officerId, month, marketId, leads, startsOn, filters, monthWindow, activeFrom };
      }
      case 'AllocationPaused':
        return doc && { ...withoutKeys(doc), paused: true, pauses: [...doc.pauses, { from: event.data.pausedAt, to: null }] };
      case 'AllocationResumed':
        return (
          doc && {
            ...withoutKeys(doc),
            paused: false,
            pauses: doc.pauses.map((pause) => (pause.to === null ? { ...pause, to: event.data.resumedAt } : pause)),
          }
        );
      case 'AllocationCancelled':
        return doc && { ...withoutKeys(doc), cancelled: true };
      case 'LeadRouted':
        return doc && { ...withoutKeys(doc), assigned: doc.assigned + 1, lastRoutedAt: event.data.routedAt };
      case 'LeadDeliveryFailed':
        return doc && { ...withoutKeys(doc), assigned: doc.assigned - 1, failed: doc.failed + 1 };
      case 'LeadDelivered':
        return doc && { ...withoutKeys(doc), delivered: doc.delivered + 1, lastDeliveredAt: event.data.deliveredAt };
      case 'LeadCredited':
        return doc && { ...withoutKeys(doc), credited: doc.credited + 1 };
      default:
        return doc;
    }
  },
};

function withoutKeys<T extends object>(doc: T): Omit<T, '_id' | '_position'> {
  const { _id, _position, ...rest } = doc as T & Partial<ReadDocument>;
  return rest;
}
