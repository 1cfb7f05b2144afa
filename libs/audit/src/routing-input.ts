import { AllocationStanding, LeadCreatedV1, monthOf, RepeatBorrower, RoutingInput } from '@lead-ledger/domain';
import { AllocationPaceDoc, BorrowerRoutesDoc, MarketDoc, OfficerDoc } from '@lead-ledger/projections';

/**
 * The inputs of routing rule v1, built from read-model documents. Pure, so the API's route handler
 * and the verifier (which rebuilds the same documents from the ledger alone) can share one
 * definition of "what the rule saw".
 */

const DAY_MS = 86_400_000;
/** The repeat-borrower window for an override of a lead that no market covers. */
export const DEFAULT_DEDUPE_WINDOW_DAYS = 30;

/**
 * The market a lead belongs to: the one it names, else the one covering its property. A market
 * with ZIP prefixes is more specific than a whole-state one; the longest matching prefix wins, and
 * between equally specific markets the first by id.
 */
export function resolveMarket(
  lead: Pick<LeadCreatedV1, 'marketId' | 'property'>,
  markets: { byId(marketId: string): MarketDoc | null; inState(state: string): MarketDoc[] },
): MarketDoc | null {
  if (lead.marketId) return markets.byId(lead.marketId);
  let best: { market: MarketDoc; specificity: number } | null = null;
  const inState = [...markets.inState(lead.property.state)].sort((a, b) => (a._id < b._id ? -1 : a._id > b._id ? 1 : 0));
  for (const market of inState) {
    const prefixes = market.zipPrefixes ?? [];
    const matching = prefixes.filter((prefix) => lead.property.zip.startsWith(prefix));
    if (prefixes.length > 0 && matching.length === 0) continue;
    const specificity = Math.max(0, ...matching.map((prefix) => prefix.length));
    if (best === null || specificity > best.specificity) best = { market, specificity };
  }
  return best?.market ?? null;
}

/** Each allocation of the market-month with its officer's standing (an unknown officer is inactive). */
export function allocationStandings(allocations: AllocationPaceDoc[], officers: Map<string, Pick<OfficerDoc, 'active' | 'licensedStates'>>): AllocationStanding[] {
  return allocations.map((allocation) => {
    const officer = officers.get(allocation.officerId);
    return {
      officerId: allocation.officerId,
      leads: allocation.leads,
      window: { activeFrom: allocation.activeFrom, activeTo: allocation.monthWindow.to, pauses: allocation.pauses },
      cancelled: allocation.cancelled,
      filters: allocation.filters,
      assigned: allocation.assigned,
      credited: allocation.credited,
      lastDeliveredAt: allocation.lastDeliveredAt,
      officer: { active: officer?.active ?? false, licensedStates: officer?.licensedStates ?? [] },
    };
  });
}

/**
 * The most recent live route of the same borrower (any of the lead's keys, in key order) to
 * another lead, routed within `windowDays` before `at`; null if none.
 */
export function repeatBorrowerOf(routesByKey: BorrowerRoutesDoc[], leadId: string, windowDays: number, at: string): RepeatBorrower | null {
  const since = Date.parse(at) - windowDays * DAY_MS;
  const routes = routesByKey
    .flatMap((doc) => doc.routes)
    .filter((route) => route.active && route.leadId !== leadId && Date.parse(route.routedAt) >= since)
    .sort((a, b) => Date.parse(b.routedAt) - Date.parse(a.routedAt));
  const latest = routes[0];
  return latest ? { leadId: latest.leadId, officerId: latest.officerId, routedAt: latest.routedAt } : null;
}

/** What an automatic route of `lead` at `at` in `market` hands the rule. */
export function automaticRoutingInput(args: {
  lead: Pick<LeadCreatedV1, 'leadId' | 'property' | 'loan' | 'creditTier'>;
  score: number;
  /** Officers whose delivery of this lead failed, in the order they failed. */
  failedOfficerIds: string[];
  market: Pick<MarketDoc, 'marketId' | 'timeZone' | 'paceTolerance'>;
  at: string;
  /** `routingMonth(market, at)` (callers that decide often may cache it). */
  month: string;
  /** The market-month's allocations. */
  allocations: AllocationPaceDoc[];
  officers: Map<string, Pick<OfficerDoc, 'active' | 'licensedStates'>>;
  repeatBorrower: RepeatBorrower | null;
}): RoutingInput {
  const { lead, market, at } = args;
  return {
    at,
    marketId: market.marketId,
    month: args.month,
    paceTolerance: market.paceTolerance,
    lead: {
      leadId: lead.leadId,
      propertyState: lead.property.state,
      loanType: lead.loan.type,
      loanAmount: lead.loan.amount,
      creditTier: lead.creditTier,
      score: args.score,
      previouslyRoutedTo: args.failedOfficerIds,
    },
    allocations: allocationStandings(args.allocations, args.officers),
    repeatBorrower: args.repeatBorrower,
  };
}

/** The month a route at `at` counts in: the calendar month in the market's zone. */
export function routingMonth(market: Pick<MarketDoc, 'timeZone'>, at: string): string {
  return monthOf(at, market.timeZone);
}
