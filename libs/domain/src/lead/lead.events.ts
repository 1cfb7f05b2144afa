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

export type RoutingDecision = OverrideDecision;

export interface LeadRoutedV1 {
  leadId: string;
  officerId: string;
  decision: RoutingDecision;
  routedAt: string;
}

export interface LeadDeliveryFailedV1 {
  leadId: string;
  officerId: string;
  reason: string;
  failedAt: string;
}

export interface LeadDeliveredV1 {
  leadId: string;
  officerId: string;
  channel: DeliveryChannel;
  receipt?: string;
  deliveredAt: string;
}

export interface LeadCreditedV1 {
  leadId: string;
  officerId: string;
  reason: CreditReason;
  note?: string;
  creditedAt: string;
}

export type LeadEvent =
  | { type: 'LeadCreated'; schemaVersion: 1; data: LeadCreatedV1 }
  | { type: 'LeadScored'; schemaVersion: 1; data: LeadScoredV1 }
  | { type: 'LeadRouted'; schemaVersion: 1; data: LeadRoutedV1 }
  | { type: 'LeadDeliveryFailed'; schemaVersion: 1; data: LeadDeliveryFailedV1 }
  | { type: 'LeadDelivered'; schemaVersion: 1; data: LeadDeliveredV1 }
  | { type: 'LeadCredited'; schemaVersion: 1; data: LeadCreditedV1 };

export type LeadEventType = LeadEvent['type'];

export const LEAD_EVENT_TYPES: readonly LeadEventType[] = [
  'LeadCreated',
  'LeadScored',
  'LeadRouted',
  'LeadDeliveryFailed',
  'LeadDelivered',
  'LeadCredited',
];

export const isLeadEvent = (event: { type: string }): event is LeadEvent => (LEAD_EVENT_TYPES as readonly string[]).includes(event.type);
