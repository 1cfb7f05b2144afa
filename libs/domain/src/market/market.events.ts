import { UsState } from '../lead/lead.vocabulary';

/** A market's settings; MarketOpened and MarketChanged both carry the whole set (a snapshot). */
export interface MarketSettingsV1 {
  marketId: string;
  name: string;
  states: UsState[];
  /** ZIP prefixes (1-5 digits) that narrow the market within its states; empty = whole states. */
  zipPrefixes: string[];
  /** The most officers with a non-cancelled allocation in one month. */
  seatCap: number;
  /** IANA zone for month boundaries and startsOn dates. */
  timeZone: string;
  /** Leads an officer may run ahead of pace; null = max(1, 5% of the allocation). */
  paceTolerance: number | null;
  /** Days a borrower stays with their officer (repeat-borrower rule). */
  dedupeWindowDays: number;
}

export type MarketEvent =
  | { type: 'MarketOpened'; schemaVersion: 1; data: MarketSettingsV1 & { openedAt: string } }
  | { type: 'MarketChanged'; schemaVersion: 1; data: MarketSettingsV1 & { changedAt: string } };
