/**
 * What the verifier finds. A violation fails the run; a notice is reported but is not a breach of
 * any rule (an override that took an officer past allocation, a decision made on read models a few
 * events behind its append).
 */
export type CheckName = 'chain' | 'digests' | 'exclusivity' | 'pace' | 'allocation';

export const VIOLATION_KINDS = {
  // chain integrity (docs/ledger-format.md "Per-stream chain")
  HASH_MISMATCH: 'chain',
  UNCHAINED_EVENT: 'chain',
  BROKEN_LINK: 'chain',
  REVISION_GAP: 'chain',
  REVISION_OUT_OF_ORDER: 'chain',
  POSITION_GAP: 'chain',
  POSITION_OUT_OF_ORDER: 'chain',
  UNREADABLE_EVENT: 'chain',
  // Merkle digests (docs/ledger-format.md "Merkle digests")
  DIGEST_MISMATCH: 'digests',
  DIGEST_INVALID: 'digests',
  DIGEST_UNVERIFIABLE: 'digests',
  // exclusivity
  UNKNOWN_LEAD: 'exclusivity',
  LEAD_LIFECYCLE: 'exclusivity',
  ROUTED_WHILE_HELD: 'exclusivity',
  ROUTED_AFTER_DELIVERY: 'exclusivity',
  DELIVERED_TWICE: 'exclusivity',
  DELIVERED_BY_OTHER_OFFICER: 'exclusivity',
  BORROWER_TWO_OFFICERS: 'exclusivity',
  // pace rule (routing rule v1 re-derived)
  ROUTING_DECISION_MISMATCH: 'pace',
  ROUTING_RECORD_INCONSISTENT: 'pace',
  MARKET_MISMATCH: 'pace',
  UNKNOWN_RULE: 'pace',
  // allocation
  ALLOCATION_EXCEEDED: 'allocation',
  ALLOCATION_UNKNOWN: 'allocation',
  WRONG_ALLOCATION_BOOKED: 'allocation',
  CREDIT_NOT_DELIVERED: 'allocation',
  CREDITED_TWICE: 'allocation',
} as const satisfies Record<string, CheckName>;

export type ViolationKind = keyof typeof VIOLATION_KINDS;

export interface Violation {
  kind: ViolationKind;
  /** Global position of the event the violation was found at (decimal string). */
  position: string;
  stream: string;
  revision: number;
  message: string;
}

export type NoticeKind = 'OVERRIDE_PAST_ALLOCATION' | 'DECIDED_ON_EARLIER_STATE' | 'NO_DIGESTS' | 'BORROWER_ROUTES_PRUNED_BEFORE_CLOCK_RAN_BACK';

export interface Notice {
  kind: NoticeKind;
  position: string | null;
  stream: string | null;
  message: string;
}

export interface OverrideEntry {
  position: string;
  leadId: string;
  officerId: string;
  marketId: string | null;
  /** `officerId/month@marketId` of the allocation it counts against, or null. */
  allocation: string | null;
  reason: string;
  by: string;
  at: string;
  /** The override left the officer's net above the allocation's contracted leads. */
  pastAllocation: boolean;
}

export interface OfficerMonthRow {
  officerId: string;
  month: string;
  /** null for leads routed by override to an officer with no allocation (month: UTC month of delivery). */
  marketId: string | null;
  contracted: number | null;
  /** Routed under the allocation and not failed (the pace `assigned`). */
  assigned: number;
  delivered: number;
  credited: number;
  /** delivered − credited. */
  net: number;
  /** net ÷ contracted, or null without a contract. */
  fulfilment: number | null;
  cancelled: boolean;
}

export interface CheckSummary {
  /** What the check looked at (events, decisions, leads, digests …), by name. */
  checked: Record<string, number>;
  violations: number;
}

export interface VerificationReport {
  ok: boolean;
  ledger: { kind: 'sqlite' | 'esdb' | 'ledger'; location: string; headPosition: string | null };
  events: number;
  streams: number;
  lastPosition: string | null;
  elapsedMs: number;
  eventsPerSecond: number;
  checks: Record<CheckName, CheckSummary>;
  /** By kind, complete even when the list below is cut. */
  violationCounts: Partial<Record<ViolationKind, number>>;
  /** In position order; at most `maxListed`. */
  violations: Violation[];
  violationsNotListed: number;
  notices: Notice[];
  noticesNotListed: number;
  overrides: OverrideEntry[];
  overridesNotListed: number;
  officerMonths: OfficerMonthRow[];
  merkle: { digests: number; verified: number; treeSize: number; rootHash: string | null };
  /** Main-thread time spent on the checks, and waiting for hash workers (the rest is reading). */
  timing: { checkingMs: number; waitingForHashesMs: number };
  memory: { peakRssBytes: number; trackedStreams: number; openLeads: number; borrowerKeys: number };
}
