import { AllocationRef } from '../allocation/allocation.events';
import { AutomaticRoutingDecision } from '../routing/furthest-behind-pace';
import { CreditReason, CreditTier, DeliveryChannel, LoanProgram, LoanType, ScoreGrade, UsState } from './lead.vocabulary';

/**
 * Lead events, version 1. These are facts: once a type and version is in a ledger its meaning is
 * fixed. A new shape gets a new schema version with an upcaster, never an edited definition.
 */

export interface ConsentEvidence {
  tcpa: boolean;
  capturedAt: string;
  text?: string;
  certificateUrl?: string;
  ip?: string;
}

export interface LeadCreatedV1 {
  leadId: string;
  /** The market the caller named, or null when it is to be resolved from the property. */
  marketId: string | null;
  source: { campaign: string; vendor?: string };
  borrower: { firstName: string; lastName: string; phone: string; email: string };
  property: { state: UsState; zip: string };
  loan: { type: LoanType; program?: LoanProgram; amount: number };
  creditTier: CreditTier;
  consent: ConsentEvidence;
  /**
   * Pseudonymous keys of the borrower (sha256 of the normalised phone and email) for the
   * repeat-borrower rule. They stay usable after the contact details themselves are erased.
   */
  borrowerKeys: string[];
  createdAt: string;
}

export interface LeadScoredV1 {
  leadId: string;
  score: number;
  grade?: ScoreGrade;
  reasons: string[];
  model?: string;
  scoredAt: string;
}

/** An operator's choice of officer, outside the automatic rule. Recorded as such, with its reason. */
export interface OverrideDecision {
  rule: 'override';
  reason: string;
  by: string;
  at: string;
}

export type RoutingDecision = OverrideDecision | AutomaticRoutingDecision;

export interface LeadRoutedV1 {
  leadId: string;
  officerId: string;
  /** The market the lead was routed in; null only for an override of a lead no market covers. */
  marketId: string | null;
  decision: RoutingDecision;
  /** The allocation the lead counts against, or null for an override to an officer without one. */
  allocation: AllocationRef | null;
  borrowerKeys: string[];
  routedAt: string;
}

/** An automatic route found no eligible officer. The lead stays unrouted and can be routed later. */
export interface LeadUnroutableV1 {
  leadId: string;
  marketId: string;
  decision: AutomaticRoutingDecision;
  at: string;
}

export interface LeadDeliveryFailedV1 {
  leadId: string;
  officerId: string;
  allocation: AllocationRef | null;
  borrowerKeys: string[];
  reason: string;
  failedAt: string;
}

export interface LeadDeliveredV1 {
  leadId: string;
  officerId: string;
  allocation: AllocationRef | null;
  channel: DeliveryChannel;
  receipt?: string;
  deliveredAt: string;
}

/** Booked against the allocation the lead was routed under, even in a later month. */
export interface LeadCreditedV1 {
  leadId: string;
  officerId: string;
  allocation: AllocationRef | null;
  reason: CreditReason;
  note?: string;
  creditedAt: string;
}

export type LeadEvent =
  | { type: 'LeadCreated'; schemaVersion: 1; data: LeadCreatedV1 }
  | { type: 'LeadScored'; schemaVersion: 1; data: LeadScoredV1 }
  | { type: 'LeadRouted'; schemaVersion: 1; data: LeadRoutedV1 }
  | { type: 'LeadUnroutable'; schemaVersion: 1; data: LeadUnroutableV1 }
  | { type: 'LeadDeliveryFailed'; schemaVersion: 1; data: LeadDeliveryFailedV1 }
  | { type: 'LeadDelivered'; schemaVersion: 1; data: LeadDeliveredV1 }
  | { type: 'LeadCredited'; schemaVersion: 1; data: LeadCreditedV1 };

export type LeadEventType = LeadEvent['type'];

export const LEAD_EVENT_TYPES: readonly LeadEventType[] = [
  'LeadCreated',
  'LeadScored',
  'LeadRouted',
  'LeadUnroutable',
  'LeadDeliveryFailed',
  'LeadDelivered',
  'LeadCredited',
];

export const isLeadEvent = (event: { type: string }): event is LeadEvent => (LEAD_EVENT_TYPES as readonly string[]).includes(event.type);
