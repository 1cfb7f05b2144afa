import { isLeadEvent, LeadEvent, LeadStatus } from '@lead-ledger/domain';
import { Projection, ReadDocument } from '@lead-ledger/read-models';

/**
 * One document per lead, for finding leads (bulk exports filter on officer, market, status and
 * creation time). No borrower contact details: only the pseudonymous `borrowerRef`; the ledger
 * holds the details, sealed, and a view opens them from there for a reader with `pii:read`.
 */
export type LeadDoc = ReadDocument & {
  leadId: string;
  /**
   * The lead's market: the one it was routed in; before that, the one named at creation, else the
   * one an automatic route attempt resolved. Kept after a failed delivery (the market is still the
   * lead's market), unlike officerId.
   */
  marketId: string | null;
  /** The officer holding the lead now (routed, delivered or credited); null after a failed delivery. */
  officerId: string | null;
  /** As the lead's own decider folds it: new, scored, routed, delivered, credited. */
  status: Exclude<LeadStatus, 'absent'>;
  createdAt: string;
  /** The borrower's pseudonymous id (LeadCreated v2); null for a lead recorded before borrower data was sealed. */
  borrowerRef: string | null;
  /** When the current route was made; null before routing and after a failed delivery. */
  routedAt: string | null;
  deliveredAt: string | null;
  creditedAt: string | null;
  /** The lead stream's revision after the last event applied. */
  revision: number;
  /**
   * Global positions as JS numbers (exact below 2^53), so they sort and compare as numbers.
   * `createdPosition` (the LeadCreated event's) is the export order: ledger order of creation.
   */
  createdPosition: number;
  lastPosition: number;
};

export type LeadDocFields = Omit<LeadDoc, '_id' | '_position'>;

/** Leads by id, with the fields bulk exports filter on. */
export const leadsProjection: Projection<LeadDoc> = {
  name: 'leads_v1',
  collection: 'leads_v1',
  // Equality filters of the export. The embedded store uses an index only when a filter pins all
  // its fields, so these are single-field. (createdAt and position ranges need a sorted index,
  // which only a MongoDB store would have; the embedded store scans for those.)
  indexes: [['officerId'], ['marketId'], ['status']],
  documentsFor: (event) => (isLeadEvent(event) && typeof event.data.leadId === 'string' ? [event.data.leadId] : []),
  evolve: (doc, recorded) => evolveLeadDoc(doc, recorded as unknown as LeadEvent & { revision: bigint; position: bigint }),
};

/**
 * Pure: the lead document after one event of the lead's stream. Statuses follow `evolveLead` in
 * libs/domain exactly (a failed delivery puts the lead back to `scored`). Exported so a bulk export
 * can fold a lead's stream to the same document the read model holds.
 */
export function evolveLeadDoc(doc: LeadDocFields | null, event: LeadEvent & { revision: bigint; position: bigint }): LeadDocFields | null {
  const stamp = { revision: Number(event.revision), lastPosition: Number(event.position) };
  if (event.type === 'LeadCreated') {
    const { leadId, marketId, createdAt } = event.data;
    return {
      leadId,
      marketId,
      officerId: null,
      status: 'new',
      createdAt,
      borrowerRef: event.schemaVersion === 2 ? event.data.borrowerRef : null,
      routedAt: null,
      deliveredAt: null,
      creditedAt: null,
      createdPosition: Number(event.position),
      ...stamp,
    };
  }
  if (doc === null) return null;
  const base = withoutKeys(doc);
  switch (event.type) {
    case 'LeadScored':
      return { ...base, status: 'scored', ...stamp };
    case 'LeadRouted':
      return {
        ...base,
        status: 'routed',
        officerId: event.data.officerId,
        marketId: event.data.marketId ?? base.marketId,
        routedAt: event.data.routedAt,
        ...stamp,
      };
    case 'LeadUnroutable':
      return { ...base, marketId: base.marketId ?? event.data.marketId, ...stamp };
    case 'LeadDeliveryFailed':
      return { ...base, status: 'scored', officerId: null, routedAt: null, ...stamp };
    case 'LeadDelivered':
      return { ...base, status: 'delivered', deliveredAt: event.data.deliveredAt, ...stamp };
    case 'LeadCredited':
      return { ...base, status: 'credited', creditedAt: event.data.creditedAt, ...stamp };
    default:
      return { ...base, ...stamp };
  }
}

function withoutKeys(doc: LeadDocFields | LeadDoc): LeadDocFields {
  const { _id, _position, ...rest } = doc as LeadDoc;
  return rest;
}
