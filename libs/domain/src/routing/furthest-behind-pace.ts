import { CreditTier, LoanType, UsState } from '../lead/lead.vocabulary';
import { isPausedAt, paceFigures, PaceWindow } from '../pace/pace';

/**
 * Routing rule v1, "furthest-behind-pace", exactly as the HTTP contract states it. Pure: everything
 * it needs is passed in, so a verifier can re-derive any recorded decision from the ledger alone.
 */
export const ROUTING_RULE = 'furthest-behind-pace';
export const ROUTING_RULE_VERSION = 1;

/** Two shortfalls (or deficits) closer than this are a tie. */
export const TIE_EPSILON = 1e-9;

export interface AllocationFilters {
  loanTypes?: LoanType[];
  minLoanAmount?: number;
  maxLoanAmount?: number;
  creditTiers?: CreditTier[];
  minScore?: number;
  states?: UsState[];
}

/** What the rule needs to know about the lead. */
export interface LeadToRoute {
  leadId: string;
  propertyState: UsState;
  loanType: LoanType;
  loanAmount: number;
  creditTier: CreditTier;
  score: number;
  /** Officers who held this lead before and lost it to a failed delivery. */
  previouslyRoutedTo: string[];
}

/** One officer's allocation in the lead's market and month, with the officer's standing. */
export interface AllocationStanding {
  officerId: string;
  leads: number;
  window: PaceWindow;
  cancelled: boolean;
  filters: AllocationFilters;
  assigned: number;
  credited: number;
  lastDeliveredAt: string | null;
  officer: { active: boolean; licensedStates: UsState[] };
}

export interface RepeatBorrower {
  /** The earlier lead of the same borrower (by phone or email) still held by an officer. */
  leadId: string;
  officerId: string;
  routedAt: string;
}

export interface RoutingInput {
  at: string;
  marketId: string;
  month: string;
  /** The market's paceTolerance, or null for the default max(1, 5% of allocation). */
  paceTolerance: number | null;
  lead: LeadToRoute;
  allocations: AllocationStanding[];
  repeatBorrower: RepeatBorrower | null;
}

export interface RoutingCandidate {
  officerId: string;
  allocation: number;
  net: number;
  expected: number;
  deficit: number;
  shortfall: number;
  tolerance: number;
  lastDeliveredAt: string | null;
}

export type ExclusionReason =
  | 'ALLOCATION_CANCELLED'
  | 'OFFICER_INACTIVE'
  | 'NOT_STARTED'
  | 'PAUSED'
  | 'NOT_LICENSED'
  | 'FILTER_LOAN_TYPE'
  | 'FILTER_LOAN_AMOUNT'
  | 'FILTER_CREDIT_TIER'
  | 'FILTER_SCORE'
  | 'FILTER_STATE'
  | 'ALLOCATION_MET'
  | 'PREVIOUSLY_ROUTED'
  | 'AHEAD_OF_PACE'
  | 'DUPLICATE_BORROWER';

export interface RoutingExclusion {
  officerId: string;
  reasons: ExclusionReason[];
}

export interface AutomaticRoutingDecision {
  rule: typeof ROUTING_RULE;
  ruleVersion: typeof ROUTING_RULE_VERSION;
  at: string;
  marketId: string;
  month: string;
  winner: string | null;
  candidates: RoutingCandidate[];
  excluded: RoutingExclusion[];
  /** Set when the repeat-borrower rule decided (or refused) the lead. */
  repeatBorrower?: RepeatBorrower;
  /** Why no officer was chosen, when none was. */
  refusal?: 'NO_ALLOCATIONS' | 'NO_ELIGIBLE_OFFICER' | 'DUPLICATE_BORROWER';
}

/** max(1, 5% of the allocation); divided rather than multiplied so 5% of 24 is exactly 1.2. */
export function defaultTolerance(allocation: number): number {
  return Math.max(1, allocation / 20);
}

/** Rule v1: the eligible officer with the largest relative shortfall, with the contract's tie-breaks. */
export function furthestBehindPace(input: RoutingInput): AutomaticRoutingDecision {
  const t = Date.parse(input.at);
  const candidates: RoutingCandidate[] = [];
  const excluded: RoutingExclusion[] = [];
  // Officer id order first, so the outcome never depends on the order the caller listed allocations in.
  const allocations = [...input.allocations].sort((a, b) => compareIds(a.officerId, b.officerId));
  for (const allocation of allocations) {
    const net = allocation.assigned - allocation.credited;
    const tolerance = input.paceTolerance ?? defaultTolerance(allocation.leads);
    const pace = paceFigures(allocation.leads, net, allocation.window, t);
    const reasons = exclusionReasons(input, allocation, { t, net, tolerance, expected: pace.expected });
    if (reasons.length > 0) {
      excluded.push({ officerId: allocation.officerId, reasons });
      continue;
    }
    candidates.push({
      officerId: allocation.officerId,
      allocation: allocation.leads,
      net,
      expected: pace.expected,
      deficit: pace.deficit,
      shortfall: pace.shortfall,
      tolerance,
      lastDeliveredAt: allocation.lastDeliveredAt,
    });
  }

  const decision: AutomaticRoutingDecision = {
    rule: ROUTING_RULE,
    ruleVersion: ROUTING_RULE_VERSION,
    at: input.at,
    marketId: input.marketId,
    month: input.month,
    winner: null,
    candidates,
    excluded,
    ...(input.repeatBorrower && { repeatBorrower: input.repeatBorrower }),
  };
  if (input.repeatBorrower) {
    // A repeat borrower goes to the officer who already has them, or to nobody.
    const holder = candidates.find((c) => c.officerId === input.repeatBorrower!.officerId);
    return holder ? { ...decision, winner: holder.officerId } : { ...decision, refusal: 'DUPLICATE_BORROWER' };
  }
  if (candidates.length === 0) return { ...decision, refusal: allocations.length === 0 ? 'NO_ALLOCATIONS' : 'NO_ELIGIBLE_OFFICER' };
  return { ...decision, winner: candidates.reduce((best, c) => (outranks(c, best) ? c : best)).officerId };
}

function exclusionReasons(
  input: RoutingInput,
  allocation: AllocationStanding,
  figures: { t: number; net: number; tolerance: number; expected: number },
): ExclusionReason[] {
  const { lead } = input;
  const { filters } = allocation;
  const reasons: ExclusionReason[] = [];
  if (allocation.cancelled) reasons.push('ALLOCATION_CANCELLED');
  if (!allocation.officer.active) reasons.push('OFFICER_INACTIVE');
  if (figures.t < Date.parse(allocation.window.activeFrom)) reasons.push('NOT_STARTED');
  if (isPausedAt(allocation.window.pauses, figures.t)) reasons.push('PAUSED');
  if (!allocation.officer.licensedStates.includes(lead.propertyState)) reasons.push('NOT_LICENSED');
  if (filters.loanTypes && !filters.loanTypes.includes(lead.loanType)) reasons.push('FILTER_LOAN_TYPE');
  if (
    (filters.minLoanAmount !== undefined && lead.loanAmount < filters.minLoanAmount) ||
    (filters.maxLoanAmount !== undefined && lead.loanAmount > filters.maxLoanAmount)
  ) {
    reasons.push('FILTER_LOAN_AMOUNT');
  }
  if (filters.creditTiers && !filters.creditTiers.includes(lead.creditTier)) reasons.push('FILTER_CREDIT_TIER');
  if (filters.minScore !== undefined && lead.score < filters.minScore) reasons.push('FILTER_SCORE');
  if (filters.states && !filters.states.includes(lead.propertyState)) reasons.push('FILTER_STATE');
  if (figures.net >= allocation.leads) reasons.push('ALLOCATION_MET');
  if (lead.previouslyRoutedTo.includes(allocation.officerId)) reasons.push('PREVIOUSLY_ROUTED');
  // Ahead of pace: taking this lead would put the officer more than `tolerance` ahead of the calendar.
  // The epsilon keeps an officer exactly at the limit eligible despite floating-point rounding.
  if (figures.net + 1 > figures.expected + figures.tolerance + TIE_EPSILON) reasons.push('AHEAD_OF_PACE');
  if (input.repeatBorrower && input.repeatBorrower.officerId !== allocation.officerId) reasons.push('DUPLICATE_BORROWER');
  return reasons;
}

/** True when `a` beats `b`: larger shortfall, then larger deficit, then earlier last delivery, then id. */
export function outranks(a: RoutingCandidate, b: RoutingCandidate): boolean {
  if (Math.abs(a.shortfall - b.shortfall) > TIE_EPSILON) return a.shortfall > b.shortfall;
  if (Math.abs(a.deficit - b.deficit) > TIE_EPSILON) return a.deficit > b.deficit;
  if (a.lastDeliveredAt !== b.lastDeliveredAt) {
    if (a.lastDeliveredAt === null) return true;
    if (b.lastDeliveredAt === null) return false;
    return Date.parse(a.lastDeliveredAt) < Date.parse(b.lastDeliveredAt);
  }
  return compareIds(a.officerId, b.officerId) < 0;
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
