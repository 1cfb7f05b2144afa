import { AllocationRef } from '../allocation/allocation.events';
import { RepeatBorrower, RoutingInput } from '../routing/furthest-behind-pace';
import { LeadCreatedV2 } from './lead.events';
import { UsState } from './lead.vocabulary';
import { CreditReason, DeliveryChannel, ScoreGrade } from './lead.vocabulary';

/**
 * Lead commands. Every command carries `at`, the time it is decided at, from the application's
 * clock: the domain never reads a clock itself.
 */
export type CreateLead = {
  type: 'CreateLead';
  /** Sealed at the edge before it gets here: the borrower's contact details, their keys and ref. */
  data: Omit<LeadCreatedV2, 'createdAt'>;
  /** Whether the market the body names exists (true when it names none). */
  marketKnown: boolean;
  at: string;
};

export type ScoreLead = {
  type: 'ScoreLead';
  data: { leadId: string; score: number; grade?: ScoreGrade; reasons?: string[]; model?: string };
  at: string;
};

/** An override: an operator names the officer, outside the automatic rule. */
export type RouteLeadToOfficer = {
  type: 'RouteLeadToOfficer';
  data: { leadId: string; officerId: string; reason: string; by: string };
  /** The named officer as the read models know it, or null if there is no such officer. */
  officer: { active: boolean; licensedStates: UsState[] } | null;
  /** The lead's market (named or resolved), or null if no market covers it. */
  marketId: string | null;
  /** The officer's allocation in that market this month, which the lead will count against. */
  allocation: AllocationRef | null;
  repeatBorrower: RepeatBorrower | null;
  /** The consent gate's policy (CONSENT_MAX_AGE_DAYS): consent older than this at routing time is refused. */
  consentMaxAgeDays: number;
  at: string;
};

/** Rule v1 picks the officer. `routing` is what the read models say about the lead's market now. */
export type RouteLeadAutomatically = {
  type: 'RouteLeadAutomatically';
  data: { leadId: string };
  routing: Omit<RoutingInput, 'lead' | 'at'>;
  consentMaxAgeDays: number;
  at: string;
};

export type RecordDeliveryFailure = {
  type: 'RecordDeliveryFailure';
  data: { leadId: string; officerId: string; reason: string };
  at: string;
};

export type DeliverLead = {
  type: 'DeliverLead';
  data: { leadId: string; officerId: string; channel: DeliveryChannel; receipt?: string };
  at: string;
};

export type CreditLead = {
  type: 'CreditLead';
  data: { leadId: string; reason: CreditReason; note?: string };
  /** The credit window in force (policy from configuration), in days after delivery. */
  creditWindowDays: number;
  at: string;
};

export type LeadCommand =
  | CreateLead
  | ScoreLead
  | RouteLeadToOfficer
  | RouteLeadAutomatically
  | RecordDeliveryFailure
  | DeliverLead
  | CreditLead;
