import { LeadEvent } from '@lead-ledger/domain';
import { Projection, ReadDocument } from '@lead-ledger/read-models';

export interface BorrowerRoute {
  leadId: string;
  officerId: string;
  marketId: string | null;
  routedAt: string;
  /** False once the route's delivery failed: the borrower is then no longer held by that officer. */
  active: boolean;
}

export type BorrowerRoutesDoc = ReadDocument & { routes: BorrowerRoute[] };

/** Recent routes are all the repeat-borrower rule needs; no dedupe window is near this many. */
const ROUTES_KEPT = 50;

/** Routes by borrower key (hashed phone or email), for the repeat-borrower rule. */
export const borrowerRoutesProjection: Projection<BorrowerRoutesDoc> = {
  name: 'borrower_routes_v1',
  collection: 'borrower_routes_v1',
  indexes: [],
  documentsFor: (event) =>
    event.type === 'LeadRouted' || event.type === 'LeadDeliveryFailed' ? ((event.data.borrowerKeys as string[] | undefined) ?? []) : [],
  evolve(doc, recorded) {
    const event = recorded as unknown as LeadEvent;
    const routes = doc?.routes ?? [];
    switch (event.type) {
      case 'LeadRouted': {
        const { leadId, officerId, marketId, routedAt } = event.data;
        return { routes: [...routes, { leadId, officerId, marketId, routedAt, active: true }].slice(-ROUTES_KEPT) };
      }
      case 'LeadDeliveryFailed':
        return {
          routes: routes.map((route) =>
            route.leadId === event.data.leadId && route.officerId === event.data.officerId ? { ...route, active: false } : route,
          ),
        };
      default:
        return doc;
    }
  },
};
