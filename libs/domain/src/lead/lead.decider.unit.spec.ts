import { createHash, randomUUID } from 'node:crypto';
import { AllocationRef } from '../allocation/allocation.events';
import { fold } from '../decider';
import { givenWhenThen } from '../testing/given-when-then';
import { CreateLead, CreditLead, DeliverLead, RecordDeliveryFailure, RouteLeadToOfficer, ScoreLead } from './lead.commands';
import { borrowerKeysOf, initialLeadState, leadDecider } from './lead.decider';
import { ConsentEvidence, LeadEvent, leadFactsOf } from './lead.events';

const now = '2026-11-22T15:00:00.000Z';
const MINUTE = 60_000;
const DAY = 86_400_000;
const officerA = 'officer-ada';
const officerB = 'officer-bo';
const marketId = 'austin';
const month = '2026-11';
const BORROWER_REF = '0f'.repeat(16);

describe('lead decider', () => {
  const given = givenWhenThen(leadDecider);
  let leadId: string;

  beforeEach(() => {
    leadId = randomUUID();
  });

  describe('CreateLead', () => {
    it('records LeadCreated v2 with the sealed borrower, their keys and ref as the edge gave them, and createdAt = the command time', () => {
      const command = aCreateLead();
      given([])
        .when(command)
        .then([{ type: 'LeadCreated', schemaVersion: 2, data: { ...command.data, createdAt: now } }]);
    });

    it('records the market the caller named', () => {
      const command = aCreateLead({ marketId });
      given([])
        .when(command)
        .then([{ type: 'LeadCreated', schemaVersion: 2, data: { ...command.data, marketId, createdAt: now } }]);
    });

    it('refuses a market that does not exist', () => {
      given([])
        .when({ ...aCreateLead({ marketId: 'atlantis' }), marketKnown: false })
        .thenThrows({ kind: 'rule', code: 'UNKNOWN_MARKET', details: [{ field: 'marketId', message: 'no such market' }] });
    });

    it('refuses to create a lead that already exists', () => {
      given([aLeadCreated()]).when(aCreateLead()).thenThrows({ kind: 'conflict', code: 'LEAD_EXISTS' });
    });

    it('refuses a lead without TCPA consent', () => {
      given([])
        .when(aCreateLead({ consent: { tcpa: false, capturedAt: plus(-MINUTE) } }))
        .thenThrows({ kind: 'rule', code: 'CONSENT_REQUIRED', details: [{ field: 'consent.tcpa', message: 'must be true' }] });
    });

    it('refuses consent without a capture time', () => {
      const consent = { tcpa: true } as ConsentEvidence;
      given([])
        .when(aCreateLead({ consent }))
        .thenThrows({ kind: 'rule', code: 'CONSENT_REQUIRED', details: [{ field: 'consent.capturedAt', message: 'required' }] });
    });

    it.each(['', 'not a date', '2026-13-45T99:00:00Z'])('refuses consent with an unparseable capture time %p', (capturedAt) => {
      given([])
        .when(aCreateLead({ consent: { tcpa: true, capturedAt } }))
        .thenThrows({ kind: 'rule', code: 'CONSENT_REQUIRED', details: [{ field: 'consent.capturedAt', message: 'required' }] });
    });

    it.each([
      ['1 ms beyond the 5 minute skew', 5 * MINUTE + 1],
      ['an hour ahead', 60 * MINUTE],
    ])('refuses consent captured in the future, %s', (_, ahead) => {
      given([])
        .when(aCreateLead({ consent: { tcpa: true, capturedAt: plus(ahead) } }))
        .thenThrows({ kind: 'rule', code: 'CONSENT_IN_FUTURE' });
    });

    it.each([
      ['exactly 5 minutes ahead', 5 * MINUTE],
      ['2 minutes ahead', 2 * MINUTE],
      ['at the same instant', 0],
    ])('accepts consent captured within the clock skew, %s', (_, ahead) => {
      const command = aCreateLead({ consent: { tcpa: true, capturedAt: plus(ahead) } });
      given([])
        .when(command)
        .then([{ type: 'LeadCreated', schemaVersion: 2, data: { ...command.data, createdAt: now } }]);
    });
  });

  describe('borrowerKeysOf', () => {
    const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

    it('is the sha256 of the phone and of the email, so the contact details themselves are not kept', () => {
      const keys = borrowerKeysOf({ phone: '+15125550142', email: 'dana.reyes@example.com' });
      expect(keys).toStrictEqual([`phone:${sha256('+15125550142')}`, `email:${sha256('dana.reyes@example.com')}`]);
      expect(keys.join()).not.toContain('5550142');
      expect(keys.join()).not.toContain('dana');
    });

    it('ignores the case and surrounding spaces of the email', () => {
      expect(borrowerKeysOf({ phone: '+15125550142', email: '  Dana.Reyes@EXAMPLE.com ' })).toStrictEqual(
        borrowerKeysOf({ phone: '+15125550142', email: 'dana.reyes@example.com' }),
      );
    });

    it('gives different keys for a different phone or email', () => {
      const [phone, email] = borrowerKeysOf({ phone: '+15125550142', email: 'dana.reyes@example.com' });
      const [otherPhone, otherEmail] = borrowerKeysOf({ phone: '+15125550143', email: 'dana.reyes2@example.com' });
      expect(otherPhone).not.toBe(phone);
      expect(otherEmail).not.toBe(email);
    });
  });

  describe('LeadCreated v1 (plaintext borrower) in an old ledger', () => {
    it('folds to the same facts as v2, without the contact details, and the lead can be scored, routed and delivered', () => {
      const v1 = aLeadCreatedV1();
      const state = fold(leadDecider, [v1]);
      expect(state.lead).toEqual({ ...withoutBorrower(v1.data), borrowerRef: null });
      expect(JSON.stringify(state.lead)).not.toContain('Dana');
      given([v1, aLeadScored()])
        .when(aRouteLeadToOfficer(officerA))
        .then([
          {
            type: 'LeadRouted',
            schemaVersion: 1,
            data: {
              leadId,
              officerId: officerA,
              marketId,
              decision: { rule: 'override', reason: 'manual pick', by: 'ops@lender.test', at: now },
              allocation: anAllocationRef(officerA),
              borrowerKeys: v1.data.borrowerKeys,
              routedAt: now,
            },
          },
        ]);
    });
  });

  describe('ScoreLead', () => {
    it('records LeadScored with everything the scorer gave', () => {
      given([aLeadCreated()])
        .when(aScoreLead({ score: 87, grade: 'A', reasons: ['verified phone', 'owner occupied'], model: 'gbm-2026.11' }))
        .then([
          {
            type: 'LeadScored',
            schemaVersion: 1,
            data: { leadId, score: 87, grade: 'A', reasons: ['verified phone', 'owner occupied'], model: 'gbm-2026.11', scoredAt: now },
          },
        ]);
    });

    it('defaults reasons to [] and omits grade and model when absent', () => {
      given([aLeadCreated()])
        .when(aScoreLead({ score: 41 }))
        .then([{ type: 'LeadScored', schemaVersion: 1, data: { leadId, score: 41, reasons: [], scoredAt: now } }]);
    });

    it('refuses to score an unknown lead', () => {
      given([]).when(aScoreLead()).thenThrows({ kind: 'not_found', code: 'LEAD_NOT_FOUND' });
    });

    it('allows rescoring before the lead is routed', () => {
      given([aLeadCreated(), aLeadScored({ score: 50 })])
        .when(aScoreLead({ score: 65 }))
        .then([{ type: 'LeadScored', schemaVersion: 1, data: { leadId, score: 65, reasons: [], scoredAt: now } }]);
    });

    it('refuses to rescore a routed lead', () => {
      given([aLeadCreated(), aLeadScored(), aLeadRouted(officerA)])
        .when(aScoreLead())
        .thenThrows({ kind: 'conflict', code: 'LEAD_ALREADY_ROUTED' });
    });

    it('refuses to rescore a delivered or credited lead', () => {
      const delivered = [aLeadCreated(), aLeadScored(), aLeadRouted(officerA), aLeadDelivered(officerA)];
      given(delivered).when(aScoreLead()).thenThrows({ kind: 'conflict', code: 'LEAD_ALREADY_ROUTED' });
      given([...delivered, aLeadCredited(officerA)]).when(aScoreLead()).thenThrows({ kind: 'conflict', code: 'LEAD_ALREADY_ROUTED' });
    });

    it('allows rescoring again after the delivery failed', () => {
      given([aLeadCreated(), aLeadScored(), aLeadRouted(officerA), aLeadDeliveryFailed(officerA)])
        .when(aScoreLead({ score: 30 }))
        .then([{ type: 'LeadScored', schemaVersion: 1, data: { leadId, score: 30, reasons: [], scoredAt: now } }]);
    });
  });

  describe('RouteLeadToOfficer', () => {
    it('records LeadRouted with the override decision', () => {
      given([aLeadCreated(), aLeadScored()])
        .when(aRouteLeadToOfficer(officerA, { reason: 'borrower asked for Ada', by: 'ops@lender.test' }))
        .then([
          {
            type: 'LeadRouted',
            schemaVersion: 1,
            data: {
              leadId,
              officerId: officerA,
              marketId,
              decision: { rule: 'override', reason: 'borrower asked for Ada', by: 'ops@lender.test', at: now },
              allocation: anAllocationRef(officerA),
              borrowerKeys: keysOf(aCreateLead()),
              routedAt: now,
            },
          },
        ]);
    });

    it('refuses to route an unknown lead', () => {
      given([]).when(aRouteLeadToOfficer(officerA)).thenThrows({ kind: 'not_found', code: 'LEAD_NOT_FOUND' });
    });

    it('refuses to route an unscored lead', () => {
      given([aLeadCreated()]).when(aRouteLeadToOfficer(officerA)).thenThrows({ kind: 'rule', code: 'LEAD_NOT_SCORED' });
    });

    it.each([
      ['the same officer', officerA],
      ['a different officer', officerB],
    ])('refuses to route an already routed lead to %s', (_, officerId) => {
      given([aLeadCreated(), aLeadScored(), aLeadRouted(officerA)])
        .when(aRouteLeadToOfficer(officerId))
        .thenThrows({ kind: 'conflict', code: 'LEAD_ALREADY_ROUTED' });
    });

    it('refuses to route a delivered lead', () => {
      given([aLeadCreated(), aLeadScored(), aLeadRouted(officerA), aLeadDelivered(officerA)])
        .when(aRouteLeadToOfficer(officerB))
        .thenThrows({ kind: 'conflict', code: 'LEAD_ALREADY_DELIVERED' });
    });

    it('refuses to route a credited lead', () => {
      given([aLeadCreated(), aLeadScored(), aLeadRouted(officerA), aLeadDelivered(officerA), aLeadCredited(officerA)])
        .when(aRouteLeadToOfficer(officerB))
        .thenThrows({ kind: 'conflict', code: 'LEAD_ALREADY_DELIVERED' });
    });

    it('routes again, to another officer, after the delivery failed', () => {
      given([aLeadCreated(), aLeadScored(), aLeadRouted(officerA), aLeadDeliveryFailed(officerA)])
        .when(aRouteLeadToOfficer(officerB, { reason: 'Ada unreachable', by: 'ops@lender.test' }))
        .then([
          {
            type: 'LeadRouted',
            schemaVersion: 1,
            data: {
              leadId,
              officerId: officerB,
              marketId,
              decision: { rule: 'override', reason: 'Ada unreachable', by: 'ops@lender.test', at: now },
              allocation: anAllocationRef(officerB),
              borrowerKeys: keysOf(aCreateLead()),
              routedAt: now,
            },
          },
        ]);
    });
  });

  describe('RecordDeliveryFailure', () => {
    it('records LeadDeliveryFailed for the officer holding the lead, with the allocation and borrower keys it releases', () => {
      given([aLeadCreated(), aLeadScored(), aLeadRouted(officerA)])
        .when(aRecordDeliveryFailure(officerA, 'webhook returned 503'))
        .then([
          {
            type: 'LeadDeliveryFailed',
            schemaVersion: 1,
            data: {
              leadId,
              officerId: officerA,
              allocation: anAllocationRef(officerA),
              borrowerKeys: keysOf(aCreateLead()),
              reason: 'webhook returned 503',
              failedAt: now,
            },
          },
        ]);
    });

    it('releases the allocation of the current route, not of an earlier one', () => {
      given([aLeadCreated(), aLeadScored(), aLeadRouted(officerA), aLeadDeliveryFailed(officerA), aLeadRouted(officerB, null)])
        .when(aRecordDeliveryFailure(officerB))
        .then([
          {
            type: 'LeadDeliveryFailed',
            schemaVersion: 1,
            data: { leadId, officerId: officerB, allocation: null, borrowerKeys: keysOf(aCreateLead()), reason: 'webhook timed out', failedAt: now },
          },
        ]);
    });

    it('refuses a failure reported for another officer', () => {
      given([aLeadCreated(), aLeadScored(), aLeadRouted(officerA)])
        .when(aRecordDeliveryFailure(officerB))
        .thenThrows({ kind: 'conflict', code: 'WRONG_OFFICER' });
    });

    it('refuses a failure for a lead that is not routed', () => {
      given([aLeadCreated(), aLeadScored()]).when(aRecordDeliveryFailure(officerA)).thenThrows({ kind: 'conflict', code: 'LEAD_NOT_ROUTED' });
    });

    it('refuses a second failure for the same routing', () => {
      given([aLeadCreated(), aLeadScored(), aLeadRouted(officerA), aLeadDeliveryFailed(officerA)])
        .when(aRecordDeliveryFailure(officerA))
        .thenThrows({ kind: 'conflict', code: 'LEAD_NOT_ROUTED' });
    });

    it('refuses a failure after the lead was delivered', () => {
      given([aLeadCreated(), aLeadScored(), aLeadRouted(officerA), aLeadDelivered(officerA)])
        .when(aRecordDeliveryFailure(officerA))
        .thenThrows({ kind: 'conflict', code: 'LEAD_ALREADY_DELIVERED' });
    });

    it('refuses a failure for an unknown lead', () => {
      given([]).when(aRecordDeliveryFailure(officerA)).thenThrows({ kind: 'not_found', code: 'LEAD_NOT_FOUND' });
    });
  });

  describe('DeliverLead', () => {
    it('records LeadDelivered with its receipt', () => {
      given([aLeadCreated(), aLeadScored(), aLeadRouted(officerA)])
        .when(aDeliverLead(officerA, { channel: 'webhook', receipt: 'crm-7731' }))
        .then([
          {
            type: 'LeadDelivered',
            schemaVersion: 1,
            data: { leadId, officerId: officerA, allocation: anAllocationRef(officerA), channel: 'webhook', receipt: 'crm-7731', deliveredAt: now },
          },
        ]);
    });

    it('omits the receipt when there is none', () => {
      given([aLeadCreated(), aLeadScored(), aLeadRouted(officerA)])
        .when(aDeliverLead(officerA, { channel: 'email' }))
        .then([
          { type: 'LeadDelivered', schemaVersion: 1, data: { leadId, officerId: officerA, allocation: anAllocationRef(officerA), channel: 'email', deliveredAt: now } },
        ]);
    });

    it('carries a null allocation for an override to an officer without one', () => {
      given([aLeadCreated(), aLeadScored(), aLeadRouted(officerA, null)])
        .when(aDeliverLead(officerA))
        .then([{ type: 'LeadDelivered', schemaVersion: 1, data: { leadId, officerId: officerA, allocation: null, channel: 'webhook', deliveredAt: now } }]);
    });

    it('delivers only to the routed officer', () => {
      given([aLeadCreated(), aLeadScored(), aLeadRouted(officerA)]).when(aDeliverLead(officerB)).thenThrows({ kind: 'conflict', code: 'WRONG_OFFICER' });
    });

    it('does not deliver to an officer whose delivery failed once the lead is routed elsewhere', () => {
      given([aLeadCreated(), aLeadScored(), aLeadRouted(officerA), aLeadDeliveryFailed(officerA), aLeadRouted(officerB)])
        .when(aDeliverLead(officerA))
        .thenThrows({ kind: 'conflict', code: 'WRONG_OFFICER' });
    });

    it('delivers only once', () => {
      given([aLeadCreated(), aLeadScored(), aLeadRouted(officerA), aLeadDelivered(officerA)])
        .when(aDeliverLead(officerA))
        .thenThrows({ kind: 'conflict', code: 'LEAD_ALREADY_DELIVERED' });
    });

    it('refuses to deliver a lead that is not routed', () => {
      given([aLeadCreated(), aLeadScored()]).when(aDeliverLead(officerA)).thenThrows({ kind: 'conflict', code: 'LEAD_NOT_ROUTED' });
    });

    it('refuses to deliver a lead whose delivery failed and that is not routed again', () => {
      given([aLeadCreated(), aLeadScored(), aLeadRouted(officerA), aLeadDeliveryFailed(officerA)])
        .when(aDeliverLead(officerA))
        .thenThrows({ kind: 'conflict', code: 'LEAD_NOT_ROUTED' });
    });

    it('refuses to deliver an unknown lead', () => {
      given([]).when(aDeliverLead(officerA)).thenThrows({ kind: 'not_found', code: 'LEAD_NOT_FOUND' });
    });
  });

  describe('CreditLead', () => {
    const deliveredAt = plus(-2 * DAY);
    const creditWindowDays = 7;
    const windowEnd = plus(creditWindowDays * DAY, deliveredAt);

    it('records LeadCredited against the officer the lead was delivered to', () => {
      given([
        aLeadCreated(),
        aLeadScored(),
        aLeadRouted(officerA),
        aLeadDeliveryFailed(officerA),
        aLeadRouted(officerB),
        aLeadDelivered(officerB, deliveredAt),
      ])
        .when(aCreditLead({ reason: 'disconnected_number' }))
        .then([
          {
            type: 'LeadCredited',
            schemaVersion: 1,
            data: { leadId, officerId: officerB, allocation: anAllocationRef(officerB), reason: 'disconnected_number', creditedAt: now },
          },
        ]);
    });

    it('books the credit against the allocation the lead was routed under, even in a later month', () => {
      const october: AllocationRef = { officerId: officerA, month: '2026-10', marketId };
      given([aLeadCreated(), aLeadScored(), aLeadRouted(officerA, october), aLeadDelivered(officerA, deliveredAt)])
        .when(aCreditLead({ reason: 'already_in_loan' }))
        .then([{ type: 'LeadCredited', schemaVersion: 1, data: { leadId, officerId: officerA, allocation: october, reason: 'already_in_loan', creditedAt: now } }]);
    });

    it.each([
      ['new', () => [aLeadCreated()]],
      ['scored', () => [aLeadCreated(), aLeadScored()]],
      ['routed', () => [aLeadCreated(), aLeadScored(), aLeadRouted(officerA)]],
      ['failed', () => [aLeadCreated(), aLeadScored(), aLeadRouted(officerA), aLeadDeliveryFailed(officerA)]],
    ])('refuses to credit a %s lead that was not delivered', (_, history) => {
      given(history()).when(aCreditLead()).thenThrows({ kind: 'conflict', code: 'LEAD_NOT_DELIVERED' });
    });

    it('refuses to credit a lead twice', () => {
      given([aLeadCreated(), aLeadScored(), aLeadRouted(officerA), aLeadDelivered(officerA, deliveredAt), aLeadCredited(officerA)])
        .when(aCreditLead())
        .thenThrows({ kind: 'conflict', code: 'LEAD_ALREADY_CREDITED' });
    });

    it('refuses to credit an unknown lead', () => {
      given([]).when(aCreditLead()).thenThrows({ kind: 'not_found', code: 'LEAD_NOT_FOUND' });
    });

    it.each([
      ['no note', {}],
      ['a blank note', { note: '   ' }],
    ])('requires a note for reason "other" (%s)', (_, note) => {
      given([aLeadCreated(), aLeadScored(), aLeadRouted(officerA), aLeadDelivered(officerA, deliveredAt)])
        .when(aCreditLead({ reason: 'other', ...note }))
        .thenThrows({ kind: 'rule', code: 'CREDIT_NOTE_REQUIRED', details: [{ field: 'note', message: 'required when reason is "other"' }] });
    });

    it('credits reason "other" with its note', () => {
      given([aLeadCreated(), aLeadScored(), aLeadRouted(officerA), aLeadDelivered(officerA, deliveredAt)])
        .when(aCreditLead({ reason: 'other', note: 'borrower is the officer’s cousin' }))
        .then([
          {
            type: 'LeadCredited',
            schemaVersion: 1,
            data: {
              leadId,
              officerId: officerA,
              allocation: anAllocationRef(officerA),
              reason: 'other',
              note: 'borrower is the officer’s cousin',
              creditedAt: now,
            },
          },
        ]);
    });

    it('credits exactly at the end of the credit window', () => {
      given([aLeadCreated(), aLeadScored(), aLeadRouted(officerA), aLeadDelivered(officerA, deliveredAt)])
        .when(aCreditLead({ reason: 'duplicate' }, { creditWindowDays, at: windowEnd }))
        .then([
          {
            type: 'LeadCredited',
            schemaVersion: 1,
            data: { leadId, officerId: officerA, allocation: anAllocationRef(officerA), reason: 'duplicate', creditedAt: windowEnd },
          },
        ]);
    });

    it('refuses a credit 1 ms after the credit window closed', () => {
      given([aLeadCreated(), aLeadScored(), aLeadRouted(officerA), aLeadDelivered(officerA, deliveredAt)])
        .when(aCreditLead({ reason: 'duplicate' }, { creditWindowDays, at: plus(1, windowEnd) }))
        .thenThrows({ kind: 'rule', code: 'CREDIT_WINDOW_CLOSED' });
    });
  });

  describe('evolve', () => {
    it('starts absent', () => {
      expect(fold(leadDecider, [])).toStrictEqual({
        status: 'absent',
        lead: null,
        score: null,
        officerId: null,
        marketId: null,
        routedUnder: null,
        failedOfficerIds: [],
        deliveredAt: null,
        lastUnroutable: null,
      });
      expect(fold(leadDecider, [])).toBe(initialLeadState);
    });

    it('folds a full lifecycle into a credited lead held by its officer', () => {
      const created = aLeadCreated();
      const deliveredAt = plus(-10 * MINUTE);
      const state = fold(leadDecider, [
        created,
        aLeadScored({ score: 72 }),
        aLeadRouted(officerA),
        aLeadDelivered(officerA, deliveredAt),
        aLeadCredited(officerA),
      ]);
      expect(state).toStrictEqual({
        status: 'credited',
        lead: leadFactsOf(created),
        score: 72,
        officerId: officerA,
        marketId,
        routedUnder: anAllocationRef(officerA),
        failedOfficerIds: [],
        deliveredAt,
        lastUnroutable: null,
      });
    });

    it('records the officer whose delivery failed and releases the lead', () => {
      const created = aLeadCreated();
      const state = fold(leadDecider, [created, aLeadScored({ score: 72 }), aLeadRouted(officerA), aLeadDeliveryFailed(officerA)]);
      expect(state).toStrictEqual({
        status: 'scored',
        lead: leadFactsOf(created),
        score: 72,
        officerId: null,
        marketId: null,
        routedUnder: null,
        failedOfficerIds: [officerA],
        deliveredAt: null,
        lastUnroutable: null,
      });
    });

    it('keeps every failed officer across reroutes, and the officer that finally got it', () => {
      const state = fold(leadDecider, [
        aLeadCreated(),
        aLeadScored(),
        aLeadRouted(officerA),
        aLeadDeliveryFailed(officerA),
        aLeadRouted(officerB),
        aLeadDeliveryFailed(officerB),
        aLeadRouted('officer-cy'),
        aLeadDelivered('officer-cy'),
      ]);
      expect(state).toMatchObject({
        status: 'delivered',
        officerId: 'officer-cy',
        routedUnder: anAllocationRef('officer-cy'),
        failedOfficerIds: [officerA, officerB],
      });
    });

    it('remembers an unroutable attempt until the lead is rescored or routed', () => {
      const unroutable = anUnroutable();
      const afterAttempt = fold(leadDecider, [aLeadCreated(), aLeadScored(), unroutable]);
      expect(afterAttempt).toMatchObject({ status: 'scored', lastUnroutable: unroutable.data.decision });
      expect(fold(leadDecider, [aLeadCreated(), aLeadScored(), unroutable, aLeadScored()]).lastUnroutable).toBeNull();
      expect(fold(leadDecider, [aLeadCreated(), aLeadScored(), unroutable, aLeadRouted(officerA)]).lastUnroutable).toBeNull();
    });
  });

  // ---- builders: sensible defaults for the current leadId, times before `now` ----

  function plus(ms: number, from: string = now): string {
    return new Date(Date.parse(from) + ms).toISOString();
  }

  function anAllocationRef(officerId: string): AllocationRef {
    return { officerId, month, marketId };
  }

  function keysOf(command: CreateLead): string[] {
    return command.data.borrowerKeys;
  }

  function withoutBorrower<T extends { borrower: unknown }>({ borrower: _, ...rest }: T): Omit<T, 'borrower'> {
    return rest;
  }

  function aCreateLead(overrides: Partial<CreateLead['data']> = {}): CreateLead {
    return {
      type: 'CreateLead',
      data: {
        leadId,
        marketId: null,
        source: { campaign: 'fall-refi', vendor: 'acme-leads' },
        // Sealed at the edge (libs/pii): to the domain these are opaque values it only carries.
        sealedBorrower: { alg: 'A256GCM', keyId: 'dk_0123456789abcdef01234567', borrowerRef: BORROWER_REF, iv: 'aXYxMjM0NTY3ODkw', ciphertext: 'c2VhbGVk', tag: 'dGFnMTIzNDU2Nzg5MDEyMw==' },
        borrowerRef: BORROWER_REF,
        borrowerKeys: [`phone:${'a1'.repeat(32)}`, `email:${'b2'.repeat(32)}`],
        property: { state: 'TX', zip: '78701' },
        loan: { type: 'refinance', program: 'conventional', amount: 320_000 },
        creditTier: 'good',
        consent: { tcpa: true, capturedAt: plus(-2 * MINUTE), text: 'I agree to be contacted.' },
        ...overrides,
      },
      marketKnown: true,
      at: now,
    };
  }

  function aLeadCreated(): LeadEvent & { type: 'LeadCreated' } {
    const { data } = aCreateLead();
    return { type: 'LeadCreated', schemaVersion: 2, data: { ...data, createdAt: plus(-60 * MINUTE) } };
  }

  /** As an older ledger holds it: the borrower in plaintext, sha256 keys, the consent's IP. */
  function aLeadCreatedV1(): LeadEvent & { type: 'LeadCreated'; schemaVersion: 1 } {
    const { sealedBorrower: _, borrowerRef: __, consent, ...data } = aCreateLead().data;
    const borrower = { firstName: 'Dana', lastName: 'Reyes', phone: '+15125550142', email: 'dana.reyes@example.com' };
    return {
      type: 'LeadCreated',
      schemaVersion: 1,
      data: { ...data, borrower, consent: { ...consent, ip: '203.0.113.7' }, borrowerKeys: borrowerKeysOf(borrower), createdAt: plus(-60 * MINUTE) },
    };
  }

  function aScoreLead(overrides: Partial<ScoreLead['data']> = {}): ScoreLead {
    return { type: 'ScoreLead', data: { leadId, score: 70, ...overrides }, at: now };
  }

  function aLeadScored(overrides: { score?: number } = {}): LeadEvent {
    return { type: 'LeadScored', schemaVersion: 1, data: { leadId, score: 70, reasons: [], scoredAt: plus(-50 * MINUTE), ...overrides } };
  }

  function aRouteLeadToOfficer(officerId: string, overrides: Partial<RouteLeadToOfficer['data']> = {}): RouteLeadToOfficer {
    return {
      type: 'RouteLeadToOfficer',
      data: { leadId, officerId, reason: 'manual pick', by: 'ops@lender.test', ...overrides },
      officer: { active: true, licensedStates: ['TX'] },
      marketId,
      allocation: anAllocationRef(officerId),
      repeatBorrower: null,
      consentMaxAgeDays: 30,
      at: now,
    };
  }

  /** An override route; `allocation` null is an officer with no allocation in the market that month. */
  function aLeadRouted(officerId: string, allocation: AllocationRef | null = anAllocationRef(officerId)): LeadEvent {
    const at = plus(-40 * MINUTE);
    return {
      type: 'LeadRouted',
      schemaVersion: 1,
      data: {
        leadId,
        officerId,
        marketId,
        decision: { rule: 'override', reason: 'manual pick', by: 'ops@lender.test', at },
        allocation,
        borrowerKeys: keysOf(aCreateLead()),
        routedAt: at,
      },
    };
  }

  function anUnroutable(): LeadEvent & { type: 'LeadUnroutable' } {
    const at = plus(-45 * MINUTE);
    return {
      type: 'LeadUnroutable',
      schemaVersion: 1,
      data: {
        leadId,
        marketId,
        decision: { rule: 'furthest-behind-pace', ruleVersion: 1, at, marketId, month, winner: null, candidates: [], excluded: [], refusal: 'NO_ALLOCATIONS' },
        at,
      },
    };
  }

  function aRecordDeliveryFailure(officerId: string, reason = 'webhook timed out'): RecordDeliveryFailure {
    return { type: 'RecordDeliveryFailure', data: { leadId, officerId, reason }, at: now };
  }

  function aLeadDeliveryFailed(officerId: string): LeadEvent {
    return {
      type: 'LeadDeliveryFailed',
      schemaVersion: 1,
      data: {
        leadId,
        officerId,
        allocation: anAllocationRef(officerId),
        borrowerKeys: keysOf(aCreateLead()),
        reason: 'webhook timed out',
        failedAt: plus(-35 * MINUTE),
      },
    };
  }

  function aDeliverLead(officerId: string, overrides: Partial<DeliverLead['data']> = {}): DeliverLead {
    return { type: 'DeliverLead', data: { leadId, officerId, channel: 'webhook', ...overrides }, at: now };
  }

  function aLeadDelivered(officerId: string, deliveredAt = plus(-30 * MINUTE)): LeadEvent {
    return { type: 'LeadDelivered', schemaVersion: 1, data: { leadId, officerId, allocation: anAllocationRef(officerId), channel: 'webhook', deliveredAt } };
  }

  function aCreditLead(
    overrides: Partial<CreditLead['data']> = {},
    { creditWindowDays = 7, at = now }: { creditWindowDays?: number; at?: string } = {},
  ): CreditLead {
    return { type: 'CreditLead', data: { leadId, reason: 'fake_identity', ...overrides }, creditWindowDays, at };
  }

  function aLeadCredited(officerId: string): LeadEvent {
    return {
      type: 'LeadCredited',
      schemaVersion: 1,
      data: { leadId, officerId, allocation: anAllocationRef(officerId), reason: 'fake_identity', creditedAt: plus(-5 * MINUTE) },
    };
  }
});
