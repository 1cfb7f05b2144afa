import { AllocationFilters } from '../routing/furthest-behind-pace';

/**
 * An officer's allocation for one month, in one market. The month's window is fixed when the
 * allocation is contracted (from the market's time zone then), so a later change of the market's
 * zone never rewrites past pace.
 */
export interface AllocationTermsV1 {
  officerId: string;
  month: string;
  marketId: string;
  /** Leads contracted for the month. */
  leads: number;
  /** YYYY-MM-DD, local to the market, or null for the whole month. */
  startsOn: string | null;
  filters: AllocationFilters;
  /** The calendar month in the market's zone, [from, to), ISO UTC. */
  monthWindow: { from: string; to: string };
  /** max(month start, startsOn local midnight), ISO UTC. */
  activeFrom: string;
}

export interface AllocationRef {
  officerId: string;
  month: string;
  marketId: string;
}

export type AllocationEvent =
  | { type: 'AllocationContracted'; schemaVersion: 1; data: AllocationTermsV1 & { contractedAt: string } }
  | { type: 'AllocationChanged'; schemaVersion: 1; data: AllocationTermsV1 & { changedAt: string } }
  | { type: 'AllocationPaused'; schemaVersion: 1; data: AllocationRef & { reason: string; pausedAt: string } }
  | { type: 'AllocationResumed'; schemaVersion: 1; data: AllocationRef & { resumedAt: string } }
  | { type: 'AllocationCancelled'; schemaVersion: 1; data: AllocationRef & { reason: string; cancelledAt: string } };
