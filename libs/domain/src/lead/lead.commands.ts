import { LeadCreatedV1 } from './lead.events';
import { CreditReason, DeliveryChannel, ScoreGrade } from './lead.vocabulary';

/**
 * Lead commands. Every command carries `at`, the time it is decided at, from the application's
 * clock: the domain never reads a clock itself.
 */
export type CreateLead = {
  type: 'CreateLead';
  data: Omit<LeadCreatedV1, 'createdAt'>;
  at: string;
};

export type ScoreLead = {
  type: 'ScoreLead';
  data: { leadId: string; score: number; grade?: ScoreGrade; reasons?: string[]; model?: string };
  at: string;
};

/** Manual routing: an operator names the officer. (Automatic routing is decided elsewhere.) */
export type RouteLeadToOfficer = {
  type: 'RouteLeadToOfficer';
  data: { leadId: string; officerId: string; reason: string; by: string };
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

export type LeadCommand = CreateLead | ScoreLead | RouteLeadToOfficer | RecordDeliveryFailure | DeliverLead | CreditLead;
