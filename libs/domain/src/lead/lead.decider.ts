import { createHash } from 'node:crypto';
import { AllocationRef } from '../allocation/allocation.events';
import { Decider } from '../decider';
import { conflict, notFound, ruleViolated } from '../errors';
import { AutomaticRoutingDecision, furthestBehindPace } from '../routing/furthest-behind-pace';
import {
  CreditLead,
  CreateLead,
  DeliverLead,
  LeadCommand,
  RecordDeliveryFailure,
  RouteLeadAutomatically,
  RouteLeadToOfficer,
  ScoreLead,
} from './lead.commands';
import { ConsentEvidence, LeadEvent, LeadFacts, leadFactsOf } from './lead.events';
import { assertConsentValid, CONSENT_CLOCK_SKEW_MS } from './consent-gate';

export type LeadStatus = 'absent' | 'new' | 'scored' | 'routed' | 'delivered' | 'credited';

export interface LeadState {
  status: LeadStatus;
  /** The lead's facts without contact details (those stay sealed, for the edge to open). */
  lead: LeadFacts | null;
  score: number | null;
  /** The officer holding the lead now (routed, delivered or credited), or null. */
  officerId: string | null;
  /** The market the current route was made in. */
  marketId: string | null;
  /** The allocation the current route counts against. */
  routedUnder: AllocationRef | null;
  /** Officers whose delivery failed: each held the lead once and lost it. */
  failedOfficerIds: string[];
  deliveredAt: string | null;
  /** The last automatic attempt, if it found nobody and nothing happened since. */
  lastUnroutable: AutomaticRoutingDecision | null;
}

export const initialLeadState: LeadState = {
  status: 'absent',
  lead: null,
  score: null,
  officerId: null,
  marketId: null,
  routedUnder: null,
  failedOfficerIds: [],
  deliveredAt: null,
  lastUnroutable: null,
};

const DAY_MS = 86_400_000;

export function evolveLead(state: LeadState, event: LeadEvent): LeadState {
  switch (event.type) {
    case 'LeadCreated':
      return { ...initialLeadState, status: 'new', lead: leadFactsOf(event) };
    case 'LeadScored':
      return { ...state, status: 'scored', score: event.data.score, lastUnroutable: null };
    case 'LeadRouted':
      return {
        ...state,
        status: 'routed',
        officerId: event.data.officerId,
        marketId: event.data.marketId,
        routedUnder: event.data.allocation,
        lastUnroutable: null,
      };
    case 'LeadUnroutable':
      return { ...state, lastUnroutable: event.data.decision };
    case 'LeadDeliveryFailed':
      return {
        ...state,
        status: 'scored',
        officerId: null,
        marketId: null,
        routedUnder: null,
        failedOfficerIds: [...state.failedOfficerIds, event.data.officerId],
      };
    case 'LeadDelivered':
      return { ...state, status: 'delivered', deliveredAt: event.data.deliveredAt };
    case 'LeadCredited':
      return { ...state, status: 'credited' };
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
}

export function decideLead(command: LeadCommand, state: LeadState): LeadEvent[] {
  switch (command.type) {
    case 'CreateLead':
      return createLead(command, state);
    case 'ScoreLead':
      return scoreLead(command, state);
    case 'RouteLeadToOfficer':
      return routeLeadToOfficer(command, state);
    case 'RouteLeadAutomatically':
      return routeLeadAutomatically(command, state);
    case 'RecordDeliveryFailure':
      return recordDeliveryFailure(command, state);
    case 'DeliverLead':
      return deliverLead(command, state);
    case 'CreditLead':
      return creditLead(command, state);
    default: {
      const unknown: never = command;
      return unknown;
    }
  }
}

export const leadDecider: Decider<LeadCommand, LeadEvent, LeadState> = {
  initialState: initialLeadState,
  evolve: evolveLead,
  decide: decideLead,
};

function createLead({ data, marketKnown, at }: CreateLead, state: LeadState): LeadEvent[] {
  if (state.status !== 'absent') throw conflict('LEAD_EXISTS', `lead ${data.leadId} already exists`);
  if (!marketKnown) {
    throw ruleViolated('UNKNOWN_MARKET', `market ${data.marketId} does not exist`, [{ field: 'marketId', message: 'no such market' }]);
  }
  assertConsent(data.consent, at);
  return [{ type: 'LeadCreated', schemaVersion: 2, data: { ...data, createdAt: at } }];
}

/**
 * LeadCreated v1's borrower keys: sha256 of the normalised phone and email, unsalted. Kept only to
 * read and generate v1 data; v2 keys are HMACs made at the edge (libs/pii), because a plain hash
 * of a phone number is found again by hashing every number.
 */
export function borrowerKeysOf(borrower: { phone: string; email: string }): string[] {
  const hash = (value: string) => createHash('sha256').update(value).digest('hex');
  return [`phone:${hash(borrower.phone)}`, `email:${hash(borrower.email.trim().toLowerCase())}`];
}

function scoreLead({ data, at }: ScoreLead, state: LeadState): LeadEvent[] {
  const lead = existing(state, data.leadId);
  if (state.status === 'routed' || state.status === 'delivered' || state.status === 'credited') {
    throw conflict('LEAD_ALREADY_ROUTED', `lead ${lead.leadId} is already routed; a routed lead cannot be rescored`);
  }
  return [
    {
      type: 'LeadScored',
      schemaVersion: 1,
      data: {
        leadId: lead.leadId,
        score: data.score,
        ...(data.grade !== undefined && { grade: data.grade }),
        reasons: data.reasons ?? [],
        ...(data.model !== undefined && { model: data.model }),
        scoredAt: at,
      },
    },
  ];
}

/** An override checks only that the officer exists, is active and licensed, plus the repeat-borrower rule. */
function routeLeadToOfficer({ data, officer, marketId, allocation, repeatBorrower, consentMaxAgeDays, at }: RouteLeadToOfficer, state: LeadState): LeadEvent[] {
  const lead = assertRoutable(state, data.leadId, at, consentMaxAgeDays);
  if (officer === null) {
    throw ruleViolated('UNKNOWN_OFFICER', `officer ${data.officerId} does not exist`, [{ field: 'officerId', message: 'no such officer' }]);
  }
  if (!officer.active) throw ruleViolated('OFFICER_INACTIVE', `officer ${data.officerId} is not active`);
  if (!officer.licensedStates.includes(lead.property.state)) {
    throw ruleViolated('NOT_LICENSED', `officer ${data.officerId} is not licensed in ${lead.property.state}`);
  }
  if (repeatBorrower && repeatBorrower.officerId !== data.officerId) {
    throw ruleViolated('NO_ELIGIBLE_OFFICER', `this borrower is with officer ${repeatBorrower.officerId} (lead ${repeatBorrower.leadId}); a repeat borrower never goes to a second officer`, [
      { message: 'DUPLICATE_BORROWER', officerId: data.officerId, reasons: ['DUPLICATE_BORROWER'] },
    ]);
  }
  return [
    {
      type: 'LeadRouted',
      schemaVersion: 1,
      data: {
        leadId: lead.leadId,
        officerId: data.officerId,
        marketId,
        decision: { rule: 'override', reason: data.reason, by: data.by, at },
        allocation,
        borrowerKeys: lead.borrowerKeys,
        routedAt: at,
      },
    },
  ];
}

function routeLeadAutomatically({ data, routing, consentMaxAgeDays, at }: RouteLeadAutomatically, state: LeadState): LeadEvent[] {
  const lead = assertRoutable(state, data.leadId, at, consentMaxAgeDays);
  const decision = furthestBehindPace({
    ...routing,
    at,
    lead: {
      leadId: lead.leadId,
      propertyState: lead.property.state,
      loanType: lead.loan.type,
      loanAmount: lead.loan.amount,
      creditTier: lead.creditTier,
      score: state.score!,
      previouslyRoutedTo: state.failedOfficerIds,
    },
  });
  if (decision.winner === null) {
    // Asking again while nothing has changed records nothing new: the stream is an audit, not a poll log.
    if (state.lastUnroutable && sameRefusal(state.lastUnroutable, decision)) return [];
    return [{ type: 'LeadUnroutable', schemaVersion: 1, data: { leadId: lead.leadId, marketId: routing.marketId, decision, at } }];
  }
  return [
    {
      type: 'LeadRouted',
      schemaVersion: 1,
      data: {
        leadId: lead.leadId,
        officerId: decision.winner,
        marketId: routing.marketId,
        decision,
        allocation: { officerId: decision.winner, month: routing.month, marketId: routing.marketId },
        borrowerKeys: lead.borrowerKeys,
        routedAt: at,
      },
    },
  ];
}

function sameRefusal(a: AutomaticRoutingDecision, b: AutomaticRoutingDecision): boolean {
  return (
    a.refusal === b.refusal &&
    a.marketId === b.marketId &&
    a.month === b.month &&
    a.repeatBorrower?.officerId === b.repeatBorrower?.officerId &&
    JSON.stringify(a.excluded) === JSON.stringify(b.excluded)
  );
}

/** What every route, manual or automatic, needs first, ending with the consent gate. Returns the lead. */
export function assertRoutable(state: LeadState, leadId: string, at: string, consentMaxAgeDays: number): LeadFacts {
  const lead = existing(state, leadId);
  if (state.status === 'routed') {
    throw conflict('LEAD_ALREADY_ROUTED', `lead ${leadId} is already routed to ${state.officerId}; it can be routed again only after its delivery fails`);
  }
  if (state.status === 'delivered' || state.status === 'credited') {
    throw conflict('LEAD_ALREADY_DELIVERED', `lead ${leadId} was delivered to ${state.officerId}; a delivered lead is never routed again`);
  }
  if (state.status !== 'scored') throw ruleViolated('LEAD_NOT_SCORED', `lead ${leadId} must be scored before it is routed`);
  assertConsentValid(lead.consent, { at, maxAgeDays: consentMaxAgeDays });
  return lead;
}

function recordDeliveryFailure({ data, at }: RecordDeliveryFailure, state: LeadState): LeadEvent[] {
  const lead = existing(state, data.leadId);
  assertHeldBy(state, data.officerId, 'record a delivery failure for');
  if (state.status !== 'routed') {
    throw conflict('LEAD_ALREADY_DELIVERED', `lead ${lead.leadId} was already delivered; its delivery can no longer fail`);
  }
  return [
    {
      type: 'LeadDeliveryFailed',
      schemaVersion: 1,
      data: {
        leadId: lead.leadId,
        officerId: data.officerId,
        allocation: state.routedUnder,
        borrowerKeys: lead.borrowerKeys,
        reason: data.reason,
        failedAt: at,
      },
    },
  ];
}

function deliverLead({ data, at }: DeliverLead, state: LeadState): LeadEvent[] {
  const lead = existing(state, data.leadId);
  assertHeldBy(state, data.officerId, 'deliver');
  if (state.status !== 'routed') throw conflict('LEAD_ALREADY_DELIVERED', `lead ${lead.leadId} was already delivered`);
  return [
    {
      type: 'LeadDelivered',
      schemaVersion: 1,
      data: {
        leadId: lead.leadId,
        officerId: data.officerId,
        allocation: state.routedUnder,
        channel: data.channel,
        ...(data.receipt !== undefined && { receipt: data.receipt }),
        deliveredAt: at,
      },
    },
  ];
}

function creditLead({ data, at, creditWindowDays }: CreditLead, state: LeadState): LeadEvent[] {
  const lead = existing(state, data.leadId);
  if (state.status === 'credited') throw conflict('LEAD_ALREADY_CREDITED', `lead ${lead.leadId} was already credited`);
  if (state.status !== 'delivered') throw conflict('LEAD_NOT_DELIVERED', `lead ${lead.leadId} has not been delivered; only delivered leads are credited`);
  if (data.reason === 'other' && !data.note?.trim()) {
    throw ruleViolated('CREDIT_NOTE_REQUIRED', 'a credit with reason "other" needs a note', [{ field: 'note', message: 'required when reason is "other"' }]);
  }
  const windowClosesAt = Date.parse(state.deliveredAt!) + creditWindowDays * DAY_MS;
  if (Date.parse(at) > windowClosesAt) {
    throw ruleViolated(
      'CREDIT_WINDOW_CLOSED',
      `the credit window of ${creditWindowDays} days after delivery closed at ${new Date(windowClosesAt).toISOString()}`,
    );
  }
  return [
    {
      type: 'LeadCredited',
      schemaVersion: 1,
      data: {
        leadId: lead.leadId,
        officerId: state.officerId!,
        allocation: state.routedUnder,
        reason: data.reason,
        ...(data.note !== undefined && { note: data.note }),
        creditedAt: at,
      },
    },
  ];
}

function existing(state: LeadState, leadId: string): LeadFacts {
  if (state.lead === null) throw notFound('LEAD_NOT_FOUND', `lead ${leadId} does not exist`);
  return state.lead;
}

function assertHeldBy(state: LeadState, officerId: string, action: string): void {
  if (state.officerId === null) throw conflict('LEAD_NOT_ROUTED', `lead ${state.lead!.leadId} is not routed to any officer`);
  if (state.officerId !== officerId) {
    throw conflict('WRONG_OFFICER', `lead ${state.lead!.leadId} is routed to another officer; cannot ${action} ${officerId}`);
  }
}

/** At creation: consent given, with a capture time not in the future. The full gate runs at routing. */
function assertConsent(consent: Pick<ConsentEvidence, 'tcpa' | 'capturedAt'>, at: string): void {
  if (consent.tcpa !== true) {
    throw ruleViolated('CONSENT_REQUIRED', 'the lead has no TCPA consent', [{ field: 'consent.tcpa', message: 'must be true' }]);
  }
  const capturedAt = Date.parse(consent.capturedAt ?? '');
  if (Number.isNaN(capturedAt)) {
    throw ruleViolated('CONSENT_REQUIRED', 'the TCPA consent has no capture time', [{ field: 'consent.capturedAt', message: 'required' }]);
  }
  if (capturedAt > Date.parse(at) + CONSENT_CLOCK_SKEW_MS) {
    throw ruleViolated('CONSENT_IN_FUTURE', 'the TCPA consent was captured after now', [
      { field: 'consent.capturedAt', message: 'must not be in the future' },
    ]);
  }
}
