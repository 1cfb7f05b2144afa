import { Decider } from '../decider';
import { conflict, notFound, ruleViolated } from '../errors';
import { localMidnight, monthWindow } from '../pace/calendar';
import { AllocationFilters } from '../routing/furthest-behind-pace';
import { AllocationCommand, CancelAllocation, ContractAllocation, PauseAllocation, ResumeAllocation } from './allocation.commands';
import { AllocationEvent, AllocationRef, AllocationTermsV1 } from './allocation.events';

export interface AllocationState {
  /** The terms in force, or null before the allocation is contracted. */
  terms: AllocationTermsV1 | null;
  paused: boolean;
  cancelled: boolean;
}

export const initialAllocationState: AllocationState = { terms: null, paused: false, cancelled: false };

export function evolveAllocation(state: AllocationState, event: AllocationEvent): AllocationState {
  switch (event.type) {
    case 'AllocationContracted': {
      const { contractedAt: _contractedAt, ...terms } = event.data;
      return { terms, paused: false, cancelled: false };
    }
    case 'AllocationChanged': {
      const { changedAt: _changedAt, ...terms } = event.data;
      return { ...state, terms };
    }
    case 'AllocationPaused':
      return { ...state, paused: true };
    case 'AllocationResumed':
      return { ...state, paused: false };
    case 'AllocationCancelled':
      return { ...state, cancelled: true };
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
}

export function decideAllocation(command: AllocationCommand, state: AllocationState): AllocationEvent[] {
  switch (command.type) {
    case 'ContractAllocation':
      return contractAllocation(command, state);
    case 'PauseAllocation':
      return pauseAllocation(command, state);
    case 'ResumeAllocation':
      return resumeAllocation(command, state);
    case 'CancelAllocation':
      return cancelAllocation(command, state);
    default: {
      const unknown: never = command;
      return unknown;
    }
  }
}

export const allocationDecider: Decider<AllocationCommand, AllocationEvent, AllocationState> = {
  initialState: initialAllocationState,
  evolve: evolveAllocation,
  decide: decideAllocation,
};

/** Contract a new allocation, or change the terms of an existing one (a PUT of the whole terms). */
function contractAllocation({ data, officer, market, seatHolders, at }: ContractAllocation, state: AllocationState): AllocationEvent[] {
  const { officerId, month, marketId } = data;
  if (officer === null) throw notFound('OFFICER_NOT_FOUND', `officer ${officerId} does not exist`);
  const existing = state.terms;
  if (existing !== null) {
    if (state.cancelled) throw conflict('ALLOCATION_CANCELLED', `the ${month} allocation of ${officerId} was cancelled; it cannot be changed`);
    if (existing.marketId !== marketId) {
      throw conflict('ALLOCATION_MARKET_FIXED', `the ${month} allocation of ${officerId} is in market ${existing.marketId}; its market cannot change`, [
        { field: 'marketId', message: `must stay ${existing.marketId}` },
      ]);
    }
    // The same terms again change nothing, even after the month ended or a licence lapsed: PUT is idempotent.
    if (sameTerms(existing, data)) return [];
  }
  if (market === null) {
    throw ruleViolated('UNKNOWN_MARKET', `market ${marketId} does not exist`, [{ field: 'marketId', message: 'no such market' }]);
  }
  if (!market.states.some((state) => officer.licensedStates.includes(state))) {
    throw ruleViolated('NOT_LICENSED_IN_MARKET', `officer ${officerId} is not licensed in any of market ${marketId}'s states (${market.states.join(', ')})`);
  }
  const filters = canonicalFilters(data.filters);
  const outside = (filters.states ?? []).filter((state) => !market.states.includes(state));
  if (outside.length > 0) {
    throw ruleViolated('FILTER_STATES_OUTSIDE_MARKET', `market ${marketId} does not cover ${outside.join(', ')}`, [
      { field: 'filters.states', message: `must be within the market's states (${market.states.join(', ')})` },
    ]);
  }
  if (filters.minLoanAmount !== undefined && filters.maxLoanAmount !== undefined && filters.minLoanAmount > filters.maxLoanAmount) {
    throw ruleViolated('FILTER_LOAN_AMOUNT_RANGE_EMPTY', 'no loan amount fits a minimum above the maximum', [
      { field: 'filters.minLoanAmount', message: 'must not exceed filters.maxLoanAmount' },
    ]);
  }
  // The month's window is fixed when the allocation is contracted, so a later change of the
  // market's zone never moves the boundaries of a month already under way.
  const window = existing?.monthWindow ?? monthWindow(month, market.timeZone);
  const activeFrom = activeFromOf(data.startsOn, month, window.from, market.timeZone);
  if (Date.parse(at) >= Date.parse(window.to)) {
    throw ruleViolated('MONTH_ENDED', `${month} ended at ${window.to} in market ${marketId}; its allocations can no longer be contracted or changed`);
  }
  const terms: AllocationTermsV1 = { officerId, month, marketId, leads: data.leads, startsOn: data.startsOn, filters, monthWindow: window, activeFrom };
  if (existing !== null) return [{ type: 'AllocationChanged', schemaVersion: 1, data: { ...terms, changedAt: at } }];
  // A seat is taken by every non-cancelled allocation of another officer; this officer has none yet.
  const taken = new Set(seatHolders.filter((holder) => holder !== officerId)).size;
  if (taken >= market.seatCap) {
    throw conflict('SEAT_CAP_REACHED', `market ${marketId} already has ${taken} of ${market.seatCap} seats taken in ${month}`);
  }
  return [{ type: 'AllocationContracted', schemaVersion: 1, data: { ...terms, contractedAt: at } }];
}

function pauseAllocation({ data, at }: PauseAllocation, state: AllocationState): AllocationEvent[] {
  const ref = current(state, data);
  if (state.paused) throw conflict('ALLOCATION_PAUSED', `the ${data.month} allocation of ${data.officerId} is already paused`);
  return [{ type: 'AllocationPaused', schemaVersion: 1, data: { ...ref, reason: data.reason, pausedAt: at } }];
}

function resumeAllocation({ data, at }: ResumeAllocation, state: AllocationState): AllocationEvent[] {
  const ref = current(state, data);
  if (!state.paused) throw conflict('ALLOCATION_NOT_PAUSED', `the ${data.month} allocation of ${data.officerId} is not paused`);
  return [{ type: 'AllocationResumed', schemaVersion: 1, data: { ...ref, resumedAt: at } }];
}

function cancelAllocation({ data, at }: CancelAllocation, state: AllocationState): AllocationEvent[] {
  const ref = current(state, data);
  return [{ type: 'AllocationCancelled', schemaVersion: 1, data: { ...ref, reason: data.reason, cancelledAt: at } }];
}

/** The allocation a pause, resume or cancel acts on: it must exist and not be cancelled. */
function current(state: AllocationState, { officerId, month }: { officerId: string; month: string }): AllocationRef {
  if (state.terms === null) throw notFound('ALLOCATION_NOT_FOUND', `officer ${officerId} has no allocation in ${month}`);
  if (state.cancelled) throw conflict('ALLOCATION_CANCELLED', `the ${month} allocation of ${officerId} is cancelled`);
  return { officerId, month, marketId: state.terms.marketId };
}

/** max(month start, local midnight of startsOn); startsOn must be a real day of the month. */
function activeFromOf(startsOn: string | null, month: string, monthStart: string, timeZone: string): string {
  if (startsOn === null) return monthStart;
  const midnight = startsOn.startsWith(`${month}-`) ? localMidnight(startsOn, timeZone) : null;
  if (midnight === null) {
    throw ruleViolated('STARTS_OUTSIDE_MONTH', `startsOn ${startsOn} is not a day of ${month}`, [{ field: 'startsOn', message: `must be a date in ${month}` }]);
  }
  return Date.parse(midnight) > Date.parse(monthStart) ? midnight : monthStart;
}

function sameTerms(existing: AllocationTermsV1, wanted: ContractAllocation['data']): boolean {
  return (
    existing.leads === wanted.leads &&
    existing.startsOn === wanted.startsOn &&
    JSON.stringify(canonicalFilters(existing.filters)) === JSON.stringify(canonicalFilters(wanted.filters))
  );
}

/** Filter lists are sets, so order and repeats never make a change; absent filters are omitted, not null. */
export function canonicalFilters(filters: AllocationFilters): AllocationFilters {
  const set = <T extends string>(values: T[] | undefined) => (values == null ? undefined : [...new Set(values)].sort());
  const number = (value: number | undefined) => (value == null ? undefined : value);
  const canonical: AllocationFilters = {
    loanTypes: set(filters.loanTypes),
    minLoanAmount: number(filters.minLoanAmount),
    maxLoanAmount: number(filters.maxLoanAmount),
    creditTiers: set(filters.creditTiers),
    minScore: number(filters.minScore),
    states: set(filters.states),
  };
  return Object.fromEntries(Object.entries(canonical).filter(([, value]) => value !== undefined)) as AllocationFilters;
}
