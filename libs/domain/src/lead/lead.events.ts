import { AllocationRef } from '../allocation/allocation.events';
import { AutomaticRoutingDecision } from '../routing/furthest-behind-pace';
import { CreditReason, CreditTier, DeliveryChannel, LoanProgram, LoanType, ScoreGrade, UsState } from './lead.vocabulary';

/**
 * Lead events. These are facts: once a type and version is in a ledger its meaning is
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

/**
 * A sealed envelope (AES-256-GCM under the borrower's data key; libs/pii). The domain only carries
 * it: sealing and opening happen at the edge, so the domain never sees plaintext contact details.
 */
export interface SealedPii {
  alg: 'A256GCM';
  keyId: string;
  borrowerRef: string;
  iv: string;
  ciphertext: string;
  tag: string;
}

/** What a LeadCreated v2 seals: the borrower's contact details and the consent's IP address. */
export interface SealedBorrowerFields {
  firstName: string;
  lastName: string;
  phone: string;
  email: string;
  consentIp?: string;
}

/**
 * Version 2: the borrower's contact details and the consent's IP address are sealed
 * (`sealedBorrower`, decrypting to SealedBorrowerFields), so the ledger holds no plaintext PII and the hash chain
 * covers only ciphertext. Destroying the borrower's data key erases them without touching the
 * chain. `borrowerKeys` are HMACs under a secret derived from the master key (not plain hashes).
 */
export interface LeadCreatedV2 {
  leadId: string;
  marketId: string | null;
  source: { campaign: string; vendor?: string };
  sealedBorrower: SealedPii;
  /** A stable pseudonymous id of the borrower (from the phone's key); erasure is asked for by it. */
  borrowerRef: string;
  property: { state: UsState; zip: string };
  loan: { type: LoanType; program?: LoanProgram; amount: number };
  creditTier: CreditTier;
  consent: Omit<ConsentEvidence, 'ip'>;
  borrowerKeys: string[];
  createdAt: string;
}

/**
 * A lead's facts, whichever LeadCreated version recorded them: everything but the contact details
 * (which only the edge can open). The decider and read models work on this.
 */
export type LeadFacts = Omit<LeadCreatedV1, 'borrower'> & { borrowerRef: string | null };

/** Upcasts either LeadCreated version to the facts the domain uses. */
export function leadFactsOf(event: LeadCreatedEvent): LeadFacts {
  if (event.schemaVersion === 2) {
    const { sealedBorrower: _sealed, ...facts } = event.data;
    return facts;
  }
  const { borrower: _plain, ...facts } = event.data;
  return { ...facts, borrowerRef: null };
}

export type LeadCreatedEvent = { type: 'LeadCreated'; schemaVersion: 1; data: LeadCreatedV1 } | { type: 'LeadCreated'; schemaVersion: 2; data: LeadCreatedV2 };

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
  | LeadCreatedEvent
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
