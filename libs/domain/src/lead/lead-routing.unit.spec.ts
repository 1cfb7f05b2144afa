import { randomUUID } from 'node:crypto';
import { AllocationRef } from '../allocation/allocation.events';
import { PaceWindow } from '../pace/pace';
import { AllocationStanding, AutomaticRoutingDecision, ExclusionReason, RepeatBorrower, RoutingExclusion } from '../routing/furthest-behind-pace';
import { givenWhenThen } from '../testing/given-when-then';
import { RouteLeadAutomatically, RouteLeadToOfficer } from './lead.commands';
import { leadDecider } from './lead.decider';
import { LeadCreatedV2, LeadEvent } from './lead.events';

// September 2026 in Chicago: 30 days, no DST change. `now` is local midnight on the 16th, half way
// through the month, so every expected figure is allocation ÷ 2 exactly.
const monthStart = '2026-09-01T05:00:00.000Z';
const monthEnd = '2026-10-01T05:00:00.000Z';
const now = '2026-09-16T05:00:00.000Z';
const month = '2026-09';
const marketId = 'dfw';
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

describe('lead routing through the lead decider', () => {
  const given = givenWhenThen(leadDecider);
  let leadId: string;

  beforeEach(() => {
    leadId = randomUUID();
  });

  describe('RouteLeadAutomatically', () => {
    it('routes to the officer furthest behind pace, recording the decision, the allocation and the borrower keys', () => {
      given([aLeadCreated(), aLeadScored()])
        .when(
          aRouteLeadAutomatically([
            anAllocation('officer-a', { leads: 20, assigned: 8 }),
            anAllocation('officer-b', { leads: 10, assigned: 3 }),
            anAllocation('officer-c', { cancelled: true }),
          ]),
        )
        .then([
          {
            type: 'LeadRouted',
            schemaVersion: 1,
            data: {
              leadId,
              officerId: 'officer-b',
              marketId,
              decision: {
                rule: 'furthest-behind-pace',
                ruleVersion: 1,
                at: now,
                marketId,
                month,
                winner: 'officer-b',
                candidates: [
                  { officerId: 'officer-a', allocation: 20, net: 8, expected: 10, deficit: 2, shortfall: 0.1, tolerance: 1, lastDeliveredAt: null },
                  { officerId: 'officer-b', allocation: 10, net: 3, expected: 5, deficit: 2, shortfall: 0.2, tolerance: 1, lastDeliveredAt: null },
                ],
                excluded: [{ officerId: 'officer-c', reasons: ['ALLOCATION_CANCELLED'] }],
              },
              allocation: { officerId: 'officer-b', month, marketId },
              borrowerKeys: aLeadCreated().data.borrowerKeys,
              routedAt: now,
            },
          },
        ]);
    });

    it('records LeadUnroutable with the reasons when no officer is eligible', () => {
      given([aLeadCreated(), aLeadScored()])
        .when(aRouteLeadAutomatically([anAllocation('officer-a', { assigned: 11 }), anAllocation('officer-b', { officer: { active: false, licensedStates: ['TX'] } })]))
        .then([
          {
            type: 'LeadUnroutable',
            schemaVersion: 1,
            data: {
              leadId,
              marketId,
              decision: {
                rule: 'furthest-behind-pace',
                ruleVersion: 1,
                at: now,
                marketId,
                month,
                winner: null,
                candidates: [],
                excluded: [
                  { officerId: 'officer-a', reasons: ['AHEAD_OF_PACE'] },
                  { officerId: 'officer-b', reasons: ['OFFICER_INACTIVE'] },
                ],
                refusal: 'NO_ELIGIBLE_OFFICER',
              },
              at: now,
            },
          },
        ]);
    });

    it('records LeadUnroutable with NO_ALLOCATIONS when nobody has an allocation in the market', () => {
      given([aLeadCreated(), aLeadScored()])
        .when(aRouteLeadAutomatically([]))
        .then([anUnroutable({ excluded: [], refusal: 'NO_ALLOCATIONS' }, now)]);
    });

    it.each<[string, Partial<AllocationStanding>, ExclusionReason]>([
      ['the property state', { filters: { states: ['OK'] } }, 'FILTER_STATE'],
      ['the property state, for the licence', { officer: { active: true, licensedStates: ['OK'] } }, 'NOT_LICENSED'],
      ['the loan type', { filters: { loanTypes: ['refinance'] } }, 'FILTER_LOAN_TYPE'],
      ['the loan amount', { filters: { minLoanAmount: 300_001 } }, 'FILTER_LOAN_AMOUNT'],
      ['the credit tier', { filters: { creditTiers: ['excellent'] } }, 'FILTER_CREDIT_TIER'],
      ['the score', { filters: { minScore: 71 } }, 'FILTER_SCORE'],
    ])('judges the filters on the lead’s own %s', (_, allocation, reason) => {
      given([aLeadCreated(), aLeadScored(70)])
        .when(aRouteLeadAutomatically([anAllocation('officer-a', allocation)]))
        .then([anUnroutable({ excluded: [{ officerId: 'officer-a', reasons: [reason] }] }, now)]);
    });

    it('routes a lead that fits every filter exactly', () => {
      const filters = { states: ['TX' as const], loanTypes: ['purchase' as const], minLoanAmount: 300_000, maxLoanAmount: 300_000, creditTiers: ['good' as const], minScore: 70 };
      given([aLeadCreated(), aLeadScored(70)])
        .when(aRouteLeadAutomatically([anAllocation('officer-a', { filters })]))
        .then([expect.objectContaining({ type: 'LeadRouted', data: expect.objectContaining({ officerId: 'officer-a' }) })]);
    });

    it('uses the latest score', () => {
      const minScore = { filters: { minScore: 75 } };
      given([aLeadCreated(), aLeadScored(50), aLeadScored(80)])
        .when(aRouteLeadAutomatically([anAllocation('officer-a', minScore)]))
        .then([expect.objectContaining({ type: 'LeadRouted' })]);
      given([aLeadCreated(), aLeadScored(80), aLeadScored(50)])
        .when(aRouteLeadAutomatically([anAllocation('officer-a', minScore)]))
        .then([anUnroutable({ excluded: [{ officerId: 'officer-a', reasons: ['FILTER_SCORE'] }] }, now)]);
    });

    describe('asking again', () => {
      const aheadOfPace = () => [anAllocation('officer-a', { assigned: 11 })];
      const excludedAhead: RoutingExclusion[] = [{ officerId: 'officer-a', reasons: ['AHEAD_OF_PACE'] }];

      it('records nothing when the refusal is the same and nothing happened to the lead since', () => {
        given([aLeadCreated(), aLeadScored(), anUnroutable({ excluded: excludedAhead }, plus(-HOUR))])
          .when(aRouteLeadAutomatically(aheadOfPace()))
          .then([]);
      });

      it('records nothing for a repeated NO_ALLOCATIONS either', () => {
        given([aLeadCreated(), aLeadScored(), anUnroutable({ excluded: [], refusal: 'NO_ALLOCATIONS' }, plus(-HOUR))])
          .when(aRouteLeadAutomatically([]))
          .then([]);
      });

      it('records the attempt again after the lead was rescored', () => {
        given([aLeadCreated(), aLeadScored(), anUnroutable({ excluded: excludedAhead }, plus(-HOUR)), aLeadScored()])
          .when(aRouteLeadAutomatically(aheadOfPace()))
          .then([anUnroutable({ excluded: excludedAhead }, now)]);
      });

      it('records the attempt again when the reasons changed', () => {
        given([aLeadCreated(), aLeadScored(), anUnroutable({ excluded: excludedAhead }, plus(-HOUR))])
          .when(aRouteLeadAutomatically([anAllocation('officer-a', { window: aWindow({ pauses: [{ from: plus(-10 * MINUTE), to: null }] }) })]))
          .then([anUnroutable({ excluded: [{ officerId: 'officer-a', reasons: ['PAUSED'] }] }, now)]);
      });

      it('records the attempt again when another officer now has an allocation', () => {
        const excluded: RoutingExclusion[] = [...excludedAhead, { officerId: 'officer-b', reasons: ['ALLOCATION_CANCELLED'] }];
        given([aLeadCreated(), aLeadScored(), anUnroutable({ excluded: excludedAhead }, plus(-HOUR))])
          .when(aRouteLeadAutomatically([...aheadOfPace(), anAllocation('officer-b', { cancelled: true })]))
          .then([anUnroutable({ excluded }, now)]);
      });

      it('records the attempt again when the refusal changed', () => {
        given([aLeadCreated(), aLeadScored(), anUnroutable({ excluded: [], refusal: 'NO_ALLOCATIONS' }, plus(-HOUR))])
          .when(aRouteLeadAutomatically(aheadOfPace()))
          .then([anUnroutable({ excluded: excludedAhead }, now)]);
      });

      it('records the attempt again in a new month', () => {
        const august = anUnroutable({ excluded: [], refusal: 'NO_ALLOCATIONS', month: '2026-08' }, '2026-08-31T12:00:00.000Z');
        given([aLeadCreated(), aLeadScored(), august])
          .when(aRouteLeadAutomatically([]))
          .then([anUnroutable({ excluded: [], refusal: 'NO_ALLOCATIONS' }, now)]);
      });

      it('routes as soon as an officer becomes eligible', () => {
        given([aLeadCreated(), aLeadScored(), anUnroutable({ excluded: excludedAhead }, plus(-HOUR))])
          .when(aRouteLeadAutomatically([anAllocation('officer-a', { assigned: 10 })]))
          .then([expect.objectContaining({ type: 'LeadRouted', data: expect.objectContaining({ officerId: 'officer-a' }) })]);
      });
    });

    describe('after a failed delivery', () => {
      it('routes again but never back to an officer whose delivery failed (PREVIOUSLY_ROUTED)', () => {
        given([aLeadCreated(), aLeadScored(), aLeadRouted('officer-a'), aLeadDeliveryFailed('officer-a')])
          // officer-a is far further behind, but already lost this lead once.
          .when(aRouteLeadAutomatically([anAllocation('officer-a', { assigned: 1 }), anAllocation('officer-b', { assigned: 9 })]))
          .then([
            expect.objectContaining({
              type: 'LeadRouted',
              data: expect.objectContaining({
                officerId: 'officer-b',
                allocation: { officerId: 'officer-b', month, marketId },
                decision: expect.objectContaining({ winner: 'officer-b', excluded: [{ officerId: 'officer-a', reasons: ['PREVIOUSLY_ROUTED'] }] }),
              }),
            }),
          ]);
      });

      it('remembers every officer whose delivery failed', () => {
        given([
          aLeadCreated(),
          aLeadScored(),
          aLeadRouted('officer-a'),
          aLeadDeliveryFailed('officer-a'),
          aLeadRouted('officer-b'),
          aLeadDeliveryFailed('officer-b'),
        ])
          .when(aRouteLeadAutomatically([anAllocation('officer-a'), anAllocation('officer-b')]))
          .then([
            anUnroutable(
              {
                excluded: [
                  { officerId: 'officer-a', reasons: ['PREVIOUSLY_ROUTED'] },
                  { officerId: 'officer-b', reasons: ['PREVIOUSLY_ROUTED'] },
                ],
              },
              now,
            ),
          ]);
      });
    });

    describe('a repeat borrower', () => {
      it('goes to the officer who holds the borrower, even when another is further behind', () => {
        const repeatBorrower = aRepeatBorrower('officer-b');
        given([aLeadCreated(), aLeadScored()])
          .when(aRouteLeadAutomatically([anAllocation('officer-a', { assigned: 1 }), anAllocation('officer-b', { assigned: 9 })], { repeatBorrower }))
          .then([
            expect.objectContaining({
              type: 'LeadRouted',
              data: expect.objectContaining({
                officerId: 'officer-b',
                allocation: { officerId: 'officer-b', month, marketId },
                decision: expect.objectContaining({ winner: 'officer-b', repeatBorrower }),
              }),
            }),
          ]);
      });

      it('is refused with DUPLICATE_BORROWER when the holder is not eligible', () => {
        const repeatBorrower = aRepeatBorrower('officer-b');
        given([aLeadCreated(), aLeadScored()])
          .when(aRouteLeadAutomatically([anAllocation('officer-a', { assigned: 1 }), anAllocation('officer-b', { cancelled: true })], { repeatBorrower }))
          .then([
            anUnroutable(
              {
                excluded: [
                  { officerId: 'officer-a', reasons: ['DUPLICATE_BORROWER'] },
                  { officerId: 'officer-b', reasons: ['ALLOCATION_CANCELLED'] },
                ],
                refusal: 'DUPLICATE_BORROWER',
                repeatBorrower,
              },
              now,
            ),
          ]);
      });
    });

    describe('refuses', () => {
      it('a routed lead with 409 LEAD_ALREADY_ROUTED', () => {
        given([aLeadCreated(), aLeadScored(), aLeadRouted('officer-a')])
          .when(aRouteLeadAutomatically([anAllocation('officer-b')]))
          .thenThrows({ kind: 'conflict', code: 'LEAD_ALREADY_ROUTED' });
      });

      it.each([
        ['delivered', () => [aLeadCreated(), aLeadScored(), aLeadRouted('officer-a'), aLeadDelivered('officer-a')]],
        ['credited', () => [aLeadCreated(), aLeadScored(), aLeadRouted('officer-a'), aLeadDelivered('officer-a'), aLeadCredited('officer-a')]],
      ])('a %s lead with 409 LEAD_ALREADY_DELIVERED', (_, history) => {
        given(history())
          .when(aRouteLeadAutomatically([anAllocation('officer-b')]))
          .thenThrows({ kind: 'conflict', code: 'LEAD_ALREADY_DELIVERED' });
      });

      it('an unscored lead with 422 LEAD_NOT_SCORED', () => {
        given([aLeadCreated()]).when(aRouteLeadAutomatically([anAllocation('officer-a')])).thenThrows({ kind: 'rule', code: 'LEAD_NOT_SCORED' });
      });

      it('an unknown lead with 404 LEAD_NOT_FOUND', () => {
        given([]).when(aRouteLeadAutomatically([anAllocation('officer-a')])).thenThrows({ kind: 'not_found', code: 'LEAD_NOT_FOUND' });
      });
    });
  });

  describe('RouteLeadToOfficer (override)', () => {
    it('records LeadRouted with the override decision, the allocation it counts against and the market', () => {
      const allocation: AllocationRef = { officerId: 'officer-a', month, marketId };
      given([aLeadCreated(), aLeadScored()])
        .when(aRouteLeadToOfficer('officer-a', { allocation }))
        .then([
          {
            type: 'LeadRouted',
            schemaVersion: 1,
            data: {
              leadId,
              officerId: 'officer-a',
              marketId,
              decision: { rule: 'override', reason: 'borrower asked for her', by: 'ops@lender.test', at: now },
              allocation,
              borrowerKeys: aLeadCreated().data.borrowerKeys,
              routedAt: now,
            },
          },
        ]);
    });

    it('routes to an officer with no allocation, or a lead no market covers, with nulls', () => {
      given([aLeadCreated(), aLeadScored()])
        .when(aRouteLeadToOfficer('officer-a', { allocation: null, marketId: null }))
        .then([
          {
            type: 'LeadRouted',
            schemaVersion: 1,
            data: {
              leadId,
              officerId: 'officer-a',
              marketId: null,
              decision: { rule: 'override', reason: 'borrower asked for her', by: 'ops@lender.test', at: now },
              allocation: null,
              borrowerKeys: aLeadCreated().data.borrowerKeys,
              routedAt: now,
            },
          },
        ]);
    });

    it('refuses an officer that does not exist with 422 UNKNOWN_OFFICER', () => {
      given([aLeadCreated(), aLeadScored()])
        .when(aRouteLeadToOfficer('officer-nobody', { officer: null, allocation: null }))
        .thenThrows({ kind: 'rule', code: 'UNKNOWN_OFFICER', details: [{ field: 'officerId', message: 'no such officer' }] });
    });

    it('refuses an inactive officer with 422 OFFICER_INACTIVE', () => {
      given([aLeadCreated(), aLeadScored()])
        .when(aRouteLeadToOfficer('officer-a', { officer: { active: false, licensedStates: ['TX'] } }))
        .thenThrows({ kind: 'rule', code: 'OFFICER_INACTIVE' });
    });

    it('refuses an officer not licensed in the property state with 422 NOT_LICENSED', () => {
      given([aLeadCreated(), aLeadScored()])
        .when(aRouteLeadToOfficer('officer-a', { officer: { active: true, licensedStates: ['OK', 'LA'] } }))
        .thenThrows({ kind: 'rule', code: 'NOT_LICENSED' });
    });

    it('refuses a repeat borrower held by another officer with 422 NO_ELIGIBLE_OFFICER', () => {
      given([aLeadCreated(), aLeadScored()])
        .when(aRouteLeadToOfficer('officer-a', { repeatBorrower: aRepeatBorrower('officer-b') }))
        .thenThrows({
          kind: 'rule',
          code: 'NO_ELIGIBLE_OFFICER',
          details: [{ message: 'DUPLICATE_BORROWER', officerId: 'officer-a', reasons: ['DUPLICATE_BORROWER'] }],
        });
    });

    it('routes a repeat borrower to the officer who holds them', () => {
      given([aLeadCreated(), aLeadScored()])
        .when(aRouteLeadToOfficer('officer-b', { repeatBorrower: aRepeatBorrower('officer-b') }))
        .then([expect.objectContaining({ type: 'LeadRouted', data: expect.objectContaining({ officerId: 'officer-b' }) })]);
    });

    it('may send the lead back to an officer whose delivery failed: an override checks nothing else', () => {
      given([aLeadCreated(), aLeadScored(), aLeadRouted('officer-a'), aLeadDeliveryFailed('officer-a')])
        .when(aRouteLeadToOfficer('officer-a'))
        .then([expect.objectContaining({ type: 'LeadRouted', data: expect.objectContaining({ officerId: 'officer-a' }) })]);
    });

    it('refuses a routed lead before looking at the officer', () => {
      given([aLeadCreated(), aLeadScored(), aLeadRouted('officer-a')])
        .when(aRouteLeadToOfficer('officer-nobody', { officer: null }))
        .thenThrows({ kind: 'conflict', code: 'LEAD_ALREADY_ROUTED' });
    });
  });

  // ---- builders: a TX purchase of 300,000, good credit, in market dfw; times before `now` ----

  function plus(ms: number, from: string = now): string {
    return new Date(Date.parse(from) + ms).toISOString();
  }

  function aLeadCreated(): LeadEvent & { type: 'LeadCreated' } {
    const borrowerRef = '3c'.repeat(16);
    const data: LeadCreatedV2 = {
      leadId,
      marketId,
      source: { campaign: 'fb-nov' },
      // Sealed at the edge; opaque to the domain.
      sealedBorrower: { alg: 'A256GCM', keyId: 'dk_routing', borrowerRef, iv: 'aXYxMjM0NTY3ODkw', ciphertext: 'c2VhbGVk', tag: 'dGFnMTIzNDU2Nzg5MDEyMw==' },
      borrowerRef,
      property: { state: 'TX', zip: '75201' },
      loan: { type: 'purchase', program: 'fha', amount: 300_000 },
      creditTier: 'good',
      consent: { tcpa: true, capturedAt: plus(-2 * HOUR), text: 'I agree to be contacted.' },
      borrowerKeys: [`phone:${'d4'.repeat(32)}`, `email:${'e5'.repeat(32)}`],
      createdAt: plus(-2 * HOUR),
    };
    return { type: 'LeadCreated', schemaVersion: 2, data };
  }

  function aLeadScored(score = 70): LeadEvent {
    return { type: 'LeadScored', schemaVersion: 1, data: { leadId, score, reasons: [], scoredAt: plus(-90 * MINUTE) } };
  }

  function aRouteLeadAutomatically(
    allocations: AllocationStanding[],
    overrides: Partial<RouteLeadAutomatically['routing']> = {},
  ): RouteLeadAutomatically {
    return {
      type: 'RouteLeadAutomatically',
      data: { leadId },
      routing: { marketId, month, paceTolerance: null, allocations, repeatBorrower: null, ...overrides },
      consentMaxAgeDays: 30,
      at: now,
    };
  }

  function aRouteLeadToOfficer(officerId: string, overrides: Partial<Omit<RouteLeadToOfficer, 'type' | 'data' | 'at'>> = {}): RouteLeadToOfficer {
    return {
      type: 'RouteLeadToOfficer',
      data: { leadId, officerId, reason: 'borrower asked for her', by: 'ops@lender.test' },
      officer: { active: true, licensedStates: ['TX'] },
      marketId,
      allocation: { officerId, month, marketId },
      repeatBorrower: null,
      consentMaxAgeDays: 30,
      ...overrides,
      at: now,
    };
  }

  /** 20 leads, net 8 against an expected 10 at `now`: eligible and behind (shortfall 0.1). */
  function anAllocation(officerId: string, overrides: Partial<AllocationStanding> = {}): AllocationStanding {
    return {
      officerId,
      leads: 20,
      window: aWindow(),
      cancelled: false,
      filters: {},
      assigned: 8,
      credited: 0,
      lastDeliveredAt: null,
      officer: { active: true, licensedStates: ['TX'] },
      ...overrides,
    };
  }

  function aWindow(overrides: Partial<PaceWindow> = {}): PaceWindow {
    return { activeFrom: monthStart, activeTo: monthEnd, pauses: [], ...overrides };
  }

  function aRepeatBorrower(officerId: string): RepeatBorrower {
    return { leadId: randomUUID(), officerId, routedAt: plus(-3 * DAY) };
  }

  /** An automatic attempt that found nobody. */
  function anUnroutable(
    decision: Pick<AutomaticRoutingDecision, 'excluded'> & Partial<AutomaticRoutingDecision>,
    at: string,
  ): LeadEvent & { type: 'LeadUnroutable' } {
    return {
      type: 'LeadUnroutable',
      schemaVersion: 1,
      data: {
        leadId,
        marketId,
        decision: {
          rule: 'furthest-behind-pace',
          ruleVersion: 1,
          at,
          marketId,
          month,
          winner: null,
          candidates: [],
          refusal: 'NO_ELIGIBLE_OFFICER',
          ...decision,
        },
        at,
      },
    };
  }

  function aLeadRouted(officerId: string): LeadEvent {
    const at = plus(-80 * MINUTE);
    return {
      type: 'LeadRouted',
      schemaVersion: 1,
      data: {
        leadId,
        officerId,
        marketId,
        decision: { rule: 'override', reason: 'manual pick', by: 'ops@lender.test', at },
        allocation: { officerId, month, marketId },
        borrowerKeys: aLeadCreated().data.borrowerKeys,
        routedAt: at,
      },
    };
  }

  function aLeadDeliveryFailed(officerId: string): LeadEvent {
    return {
      type: 'LeadDeliveryFailed',
      schemaVersion: 1,
      data: {
        leadId,
        officerId,
        allocation: { officerId, month, marketId },
        borrowerKeys: aLeadCreated().data.borrowerKeys,
        reason: 'webhook timed out',
        failedAt: plus(-70 * MINUTE),
      },
    };
  }

  function aLeadDelivered(officerId: string): LeadEvent {
    return {
      type: 'LeadDelivered',
      schemaVersion: 1,
      data: { leadId, officerId, allocation: { officerId, month, marketId }, channel: 'webhook', deliveredAt: plus(-60 * MINUTE) },
    };
  }

  function aLeadCredited(officerId: string): LeadEvent {
    return {
      type: 'LeadCredited',
      schemaVersion: 1,
      data: { leadId, officerId, allocation: { officerId, month, marketId }, reason: 'duplicate', creditedAt: plus(-30 * MINUTE) },
    };
  }
});
