import { UsState } from '../lead/lead.vocabulary';
import { AllocationFilters } from '../routing/furthest-behind-pace';

/**
 * Allocation commands. The facts a contract is decided on (the officer, the market, who holds the
 * market's seats this month) come from the read models, read under the market's lock, so the
 * decider stays pure and the seat cap holds.
 */
export type ContractAllocation = {
  type: 'ContractAllocation';
  data: {
    officerId: string;
    month: string;
    marketId: string;
    leads: number;
    /** YYYY-MM-DD, local to the market, or null for the whole month. */
    startsOn: string | null;
    filters: AllocationFilters;
  };
  /** The officer as the read models know them, or null if there is no such officer. */
  officer: { licensedStates: UsState[] } | null;
  /** The market the body names, or null if there is no such market. */
  market: { states: UsState[]; seatCap: number; timeZone: string } | null;
  /** Officers holding a seat (a non-cancelled allocation) in the market this month. */
  seatHolders: string[];
  at: string;
};

export type PauseAllocation = {
  type: 'PauseAllocation';
  data: { officerId: string; month: string; reason: string };
  at: string;
};

export type ResumeAllocation = {
  type: 'ResumeAllocation';
  data: { officerId: string; month: string };
  at: string;
};

export type CancelAllocation = {
  type: 'CancelAllocation';
  data: { officerId: string; month: string; reason: string };
  at: string;
};

export type AllocationCommand = ContractAllocation | PauseAllocation | ResumeAllocation | CancelAllocation;
