import { randomUUID } from 'node:crypto';
import { PaceWindow } from '../pace/pace';
import {
  AllocationStanding,
  AutomaticRoutingDecision,
  ExclusionReason,
  furthestBehindPace,
  LeadToRoute,
  RepeatBorrower,
  RoutingInput,
} from './furthest-behind-pace';

// September 2026 in Chicago (30 days, no DST change). `now` is local midnight on the 16th: exactly
// half the month has elapsed, so expected = allocation ÷ 2 with no rounding.
const monthStart = '2026-09-01T05:00:00.000Z';
const monthEnd = '2026-10-01T05:00:00.000Z';
const now = '2026-09-16T05:00:00.000Z';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const marketId = 'dfw';
const month = '2026-09';

describe('routing rule v1: furthest behind pace', () => {
  let leadId: string;

  beforeEach(() => {
    leadId = randomUUID();
  });

  describe('eligibility', () => {
    it('routes to the only officer when nothing excludes them', () => {
      const decision = route([anAllocation('officer-a')]);
      expect(decision.winner).toBe('officer-a');
      expect(decision.excluded).toStrictEqual([]);
      expect(decision).not.toHaveProperty('refusal');
    });

    it.each<[ExclusionReason, string, Partial<AllocationStanding>, Partial<RoutingInput>?]>([
      ['ALLOCATION_CANCELLED', 'the allocation is cancelled', { cancelled: true }],
      ['OFFICER_INACTIVE', 'the officer is inactive', { officer: { active: false, licensedStates: ['TX'] } }],
      ['NOT_STARTED', 'startsOn is tomorrow', { window: aWindow({ activeFrom: sep(17) }), assigned: 0 }],
      ['PAUSED', 'the allocation is paused', { window: aWindow({ pauses: [{ from: sep(15), to: null }] }) }],
      ['NOT_LICENSED', 'the officer is not licensed in TX', { officer: { active: true, licensedStates: ['OK', 'LA'] } }],
      ['FILTER_LOAN_TYPE', 'the loan type is filtered out', { filters: { loanTypes: ['refinance', 'heloc'] } }],
      ['FILTER_LOAN_AMOUNT', 'the amount is below the minimum', { filters: { minLoanAmount: 300_001 } }],
      ['FILTER_LOAN_AMOUNT', 'the amount is above the maximum', { filters: { maxLoanAmount: 299_999 } }],
      ['FILTER_CREDIT_TIER', 'the credit tier is filtered out', { filters: { creditTiers: ['excellent'] } }],
      ['FILTER_SCORE', 'the score is below the minimum', { filters: { minScore: 71 } }],
      ['FILTER_STATE', 'the state is filtered out', { filters: { states: ['OK'] } }],
      // A wide market tolerance keeps AHEAD_OF_PACE out of the way.
      ['ALLOCATION_MET', 'net = allocation', { assigned: 20 }, { paceTolerance: 100 }],
      ['ALLOCATION_MET', 'net = allocation after credits', { assigned: 22, credited: 2 }, { paceTolerance: 100 }],
      ['AHEAD_OF_PACE', 'one more lead would put them past expected + tolerance', { assigned: 11 }],
    ])('excludes with %s when %s', (reason, _, allocation, input = {}) => {
      const decision = route([anAllocation('officer-a', allocation)], input);
      expect(decision).toMatchObject({ winner: null, candidates: [], excluded: [{ officerId: 'officer-a', reasons: [reason] }] });
      expect(decision.refusal).toBe('NO_ELIGIBLE_OFFICER');
    });

    it('excludes with PREVIOUSLY_ROUTED an officer whose delivery of this lead failed', () => {
      const decision = route([anAllocation('officer-a'), anAllocation('officer-b', { assigned: 9 })], {
        lead: aLead({ previouslyRoutedTo: ['officer-a'] }),
      });
      expect(decision.winner).toBe('officer-b');
      expect(decision.excluded).toStrictEqual([{ officerId: 'officer-a', reasons: ['PREVIOUSLY_ROUTED'] }]);
    });

    it('excludes with DUPLICATE_BORROWER every officer but the one holding the borrower', () => {
      const decision = route([anAllocation('officer-a'), anAllocation('officer-b')], { repeatBorrower: aRepeatBorrower('officer-b') });
      expect(decision.excluded).toStrictEqual([{ officerId: 'officer-a', reasons: ['DUPLICATE_BORROWER'] }]);
    });

    it('lists every reason that applies, in a fixed order', () => {
      const decision = route(
        [
          anAllocation('officer-a', {
            cancelled: true,
            officer: { active: false, licensedStates: ['OK'] },
            window: aWindow({ activeFrom: sep(17), pauses: [{ from: sep(10), to: null }] }),
            filters: { loanTypes: ['heloc'], minLoanAmount: 400_000, creditTiers: ['poor'], minScore: 90, states: ['OK'] },
            assigned: 20,
          }),
        ],
        { lead: aLead({ previouslyRoutedTo: ['officer-a'] }), repeatBorrower: aRepeatBorrower('officer-z') },
      );
      expect(decision.excluded).toStrictEqual([
        {
          officerId: 'officer-a',
          reasons: [
            'ALLOCATION_CANCELLED',
            'OFFICER_INACTIVE',
            'NOT_STARTED',
            'PAUSED',
            'NOT_LICENSED',
            'FILTER_LOAN_TYPE',
            'FILTER_LOAN_AMOUNT',
            'FILTER_CREDIT_TIER',
            'FILTER_SCORE',
            'FILTER_STATE',
            'ALLOCATION_MET',
            'PREVIOUSLY_ROUTED',
            'AHEAD_OF_PACE',
            'DUPLICATE_BORROWER',
          ],
        },
      ]);
    });

    it.each<[string, Partial<AllocationStanding>]>([
      ['the amount equals the minimum', { filters: { minLoanAmount: 300_000 } }],
      ['the amount equals the maximum', { filters: { maxLoanAmount: 300_000 } }],
      ['the score equals the minimum', { filters: { minScore: 70 } }],
      ['every filter matches', { filters: { loanTypes: ['purchase'], creditTiers: ['good', 'fair'], states: ['TX'], minLoanAmount: 1, maxLoanAmount: 1e6 } }],
      ['startsOn is now', { window: aWindow({ activeFrom: now }), assigned: 0 }],
      ['a pause ended exactly now', { window: aWindow({ pauses: [{ from: sep(12), to: now }] }) }],
      ['net is one below the allocation', { leads: 10, assigned: 10, credited: 1, window: aWindow({ activeTo: now }) }],
    ])('keeps the officer eligible when %s', (_, allocation) => {
      expect(route([anAllocation('officer-a', allocation)]).winner).toBe('officer-a');
    });

    it('treats an allocation as paused from the instant the pause starts', () => {
      const decision = route([anAllocation('officer-a', { window: aWindow({ pauses: [{ from: now, to: null }] }) })]);
      expect(decision.excluded).toStrictEqual([{ officerId: 'officer-a', reasons: ['PAUSED'] }]);
    });
  });

  describe('ahead of pace: eligible while net + 1 ≤ expected + tolerance', () => {
    it.each<[string, number, number, number | null, boolean]>([
      // [case, allocation, net, market paceTolerance, eligible]; expected = allocation ÷ 2.
      ['default tolerance max(1, 5% of 20) = 1, at the boundary', 20, 10, null, true],
      ['default tolerance max(1, 5% of 20) = 1, one past it', 20, 11, null, false],
      ['default tolerance max(1, 5% of 10) = 1, at the boundary', 10, 5, null, true],
      ['default tolerance max(1, 5% of 10) = 1, one past it', 10, 6, null, false],
      ['default tolerance 5% of 40 = 2, at the boundary', 40, 21, null, true],
      ['default tolerance 5% of 40 = 2, one past it', 40, 22, null, false],
      ['default tolerance 5% of 100 = 5, at the boundary', 100, 54, null, true],
      ['default tolerance 5% of 100 = 5, one past it', 100, 55, null, false],
      ['market paceTolerance 3 on 40, at the boundary', 40, 22, 3, true],
      ['market paceTolerance 3 on 40, one past it', 40, 23, 3, false],
      ['market paceTolerance 0 on 40, at the boundary', 40, 19, 0, true],
      ['market paceTolerance 0 on 40, one past it', 40, 20, 0, false],
      // Smaller than the default of 1: the market's value replaces the default, it is not a floor.
      ['market paceTolerance 0.5 on 20, below the boundary', 20, 9, 0.5, true],
      ['market paceTolerance 0.5 on 20, past it', 20, 10, 0.5, false],
    ])('%s', (_, leads, net, paceTolerance, eligible) => {
      const decision = route([anAllocation('officer-a', { leads, assigned: net })], { paceTolerance });
      if (eligible) {
        expect(decision.winner).toBe('officer-a');
        expect(decision.candidates[0]).toMatchObject({ allocation: leads, net, expected: leads / 2 });
      } else {
        expect(decision.winner).toBeNull();
        expect(decision.excluded).toStrictEqual([{ officerId: 'officer-a', reasons: ['AHEAD_OF_PACE'] }]);
      }
    });

    it('records the tolerance it applied on each candidate', () => {
      const decision = route([anAllocation('officer-a', { leads: 10, assigned: 0 }), anAllocation('officer-b', { leads: 100, assigned: 0 })]);
      expect(decision.candidates.map((c) => [c.officerId, c.tolerance])).toStrictEqual([
        ['officer-a', 1],
        ['officer-b', 5],
      ]);
      expect(route([anAllocation('officer-a', { leads: 100, assigned: 0 })], { paceTolerance: 2 }).candidates[0].tolerance).toBe(2);
    });

    // These fail today: the boundary is computed in floating point with no tolerance, so an
    // officer exactly at `net + 1 = expected + tolerance` is excluded when the sum rounds down.
    // 24 × 21/30 = 16.8 (computed 16.799999999999997) and 5% of 24 = 1.2, so 17 + 1 ≤ 18 holds;
    // 90 × 21/30 = 63 (computed 62.99999999999999), so 63 + 1 ≤ 63 + 1 holds.
    it.each<[string, number, number, number | null]>([
      ['default tolerance: allocation 24, net 17, 21 of 30 days elapsed', 24, 17, null],
      ['market paceTolerance 1: allocation 90, net 63, 21 of 30 days elapsed', 90, 63, 1],
    ])('keeps an officer exactly at the boundary eligible (%s)', (_, leads, net, paceTolerance) => {
      const decision = route([anAllocation('officer-a', { leads, assigned: net })], { paceTolerance, at: sep(22) });
      expect(decision.excluded).toStrictEqual([]);
      expect(decision.winner).toBe('officer-a');
    });
  });

  describe('choosing the winner', () => {
    it('picks the largest relative shortfall, so a small account behind by 20% beats a big one behind by 10%', () => {
      const decision = route([
        // 100 leads, net 40, expected 50: behind by 10 leads, but only 10% of its allocation.
        anAllocation('officer-big', { leads: 100, assigned: 40 }),
        // 10 leads, net 3, expected 5: behind by 2 leads, 20% of its allocation.
        anAllocation('officer-small', { leads: 10, assigned: 3 }),
      ]);
      expect(decision.winner).toBe('officer-small');
      expect(decision.candidates.map(({ officerId, deficit, shortfall }) => ({ officerId, deficit, shortfall }))).toStrictEqual([
        { officerId: 'officer-big', deficit: 10, shortfall: 0.1 },
        { officerId: 'officer-small', deficit: 2, shortfall: 0.2 },
      ]);
    });

    it('nets credits out before measuring the shortfall', () => {
      const decision = route([
        anAllocation('officer-a', { leads: 20, assigned: 8 }),
        // Assigned 10, but 3 were credited back: net 7, further behind than officer-a's 8.
        anAllocation('officer-b', { leads: 20, assigned: 10, credited: 3 }),
      ]);
      expect(decision.winner).toBe('officer-b');
    });

    it('counts a mid-month start and a pause in the expected figure', () => {
      const decision = route([
        // Whole month, net 8 of expected 10: shortfall 0.1.
        anAllocation('officer-a', { leads: 20, assigned: 8 }),
        // Started on the 11th: expected 20 × 5/20 = 5, net 3: shortfall 0.1 exactly.
        // Paused from the 2nd to the 6th of the month too, before it started: no effect.
        anAllocation('officer-b', { leads: 20, assigned: 3, window: aWindow({ activeFrom: sep(11), pauses: [{ from: sep(2), to: sep(6) }] }) }),
        // Whole month, paused 5 days: expected 20 × 10/25 = 8, net 5: shortfall 0.15.
        anAllocation('officer-c', { leads: 20, assigned: 5, window: aWindow({ pauses: [{ from: sep(3), to: sep(8) }] }) }),
      ]);
      expect(decision.candidates.map((c) => [c.officerId, c.expected])).toStrictEqual([
        ['officer-a', 10],
        ['officer-b', 5],
        ['officer-c', 8],
      ]);
      expect(decision.winner).toBe('officer-c');
    });

    describe('tie-breaks', () => {
      it('treats shortfalls within 1e-9 as a tie and prefers the larger deficit', () => {
        const decision = route([
          // Shortfall exactly 0.1, deficit 1.
          anAllocation('officer-a', { leads: 10, assigned: 4 }),
          // Starting 1 ms later makes the shortfall about 2e-10 smaller; the deficit is about 2.
          anAllocation('officer-b', { leads: 20, assigned: 8, window: aWindow({ activeFrom: plus(1, monthStart) }) }),
        ]);
        const [a, b] = decision.candidates;
        expect(a.shortfall).toBeGreaterThan(b.shortfall);
        expect(a.shortfall - b.shortfall).toBeLessThan(1e-9);
        expect(decision.winner).toBe('officer-b');
      });

      it('does not treat shortfalls more than 1e-9 apart as a tie', () => {
        const decision = route([
          anAllocation('officer-a', { leads: 10, assigned: 4 }),
          // Starting 1 s later: about 2e-7 smaller, a real difference.
          anAllocation('officer-b', { leads: 20, assigned: 8, window: aWindow({ activeFrom: plus(1000, monthStart) }) }),
        ]);
        expect(decision.winner).toBe('officer-a');
      });

      it('then prefers an officer never delivered to over one delivered to', () => {
        const decision = route([
          anAllocation('officer-a', { lastDeliveredAt: plus(-HOUR) }),
          anAllocation('officer-b', { lastDeliveredAt: null }),
        ]);
        expect(decision.winner).toBe('officer-b');
      });

      it('then prefers the earlier last delivery', () => {
        const decision = route([
          anAllocation('officer-a', { lastDeliveredAt: plus(-HOUR) }),
          anAllocation('officer-b', { lastDeliveredAt: plus(-DAY) }),
          anAllocation('officer-c', { lastDeliveredAt: plus(-2 * HOUR) }),
        ]);
        expect(decision.winner).toBe('officer-b');
      });

      it('finally prefers the smaller officer id', () => {
        expect(route([anAllocation('officer-b'), anAllocation('officer-a')]).winner).toBe('officer-a');
        expect(
          route([anAllocation('officer-b', { lastDeliveredAt: plus(-HOUR) }), anAllocation('officer-a', { lastDeliveredAt: plus(-HOUR) })]).winner,
        ).toBe('officer-a');
      });

      it('reaches the same decision whatever order the allocations come in', () => {
        const allocations = [
          anAllocation('officer-d', { lastDeliveredAt: plus(-HOUR) }),
          anAllocation('officer-c'),
          // Level with officer-c on everything but the id.
          anAllocation('officer-cc'),
          anAllocation('officer-b', { lastDeliveredAt: plus(-DAY) }),
          anAllocation('officer-a', { lastDeliveredAt: plus(-2 * HOUR) }),
          // Ties on shortfall (0.1) but loses on deficit (1 against 2).
          anAllocation('officer-aa', { leads: 10, assigned: 4 }),
          anAllocation('officer-0', { assigned: 11 }),
        ];
        const decisions = permutations(allocations).map((order) => route(order));
        expect(decisions).toHaveLength(5040);
        expect(decisions[0].winner).toBe('officer-c');
        for (const decision of decisions) expect(decision).toStrictEqual(decisions[0]);
      });
    });
  });

  describe('the decision', () => {
    it('lists the eligible officers with their figures and every other officer with reasons, by officer id', () => {
      const lastDeliveredAt = plus(-3 * HOUR);
      const decision = route([
        anAllocation('officer-d', { filters: { loanTypes: ['heloc'] } }),
        anAllocation('officer-b', { leads: 40, assigned: 17, lastDeliveredAt }),
        anAllocation('officer-c', { cancelled: true, assigned: 12 }),
        anAllocation('officer-a', { leads: 10, assigned: 5, credited: 1 }),
      ]);
      expect(decision).toStrictEqual({
        rule: 'furthest-behind-pace',
        ruleVersion: 1,
        at: now,
        marketId,
        month,
        winner: 'officer-a',
        candidates: [
          { officerId: 'officer-a', allocation: 10, net: 4, expected: 5, deficit: 1, shortfall: 0.1, tolerance: 1, lastDeliveredAt: null },
          { officerId: 'officer-b', allocation: 40, net: 17, expected: 20, deficit: 3, shortfall: 0.075, tolerance: 2, lastDeliveredAt },
        ],
        excluded: [
          { officerId: 'officer-c', reasons: ['ALLOCATION_CANCELLED', 'AHEAD_OF_PACE'] },
          { officerId: 'officer-d', reasons: ['FILTER_LOAN_TYPE'] },
        ],
      });
    });

    it('refuses with NO_ALLOCATIONS when nobody has an allocation in the market this month', () => {
      expect(route([])).toStrictEqual({
        rule: 'furthest-behind-pace',
        ruleVersion: 1,
        at: now,
        marketId,
        month,
        winner: null,
        candidates: [],
        excluded: [],
        refusal: 'NO_ALLOCATIONS',
      });
    });

    it('refuses with NO_ELIGIBLE_OFFICER when every officer with an allocation is excluded', () => {
      expect(route([anAllocation('officer-a', { assigned: 11 }), anAllocation('officer-b', { cancelled: true })])).toStrictEqual({
        rule: 'furthest-behind-pace',
        ruleVersion: 1,
        at: now,
        marketId,
        month,
        winner: null,
        candidates: [],
        excluded: [
          { officerId: 'officer-a', reasons: ['AHEAD_OF_PACE'] },
          { officerId: 'officer-b', reasons: ['ALLOCATION_CANCELLED'] },
        ],
        refusal: 'NO_ELIGIBLE_OFFICER',
      });
    });
  });

  describe('repeat borrower', () => {
    it('goes to the officer who holds the borrower when eligible, even if another is further behind', () => {
      const repeatBorrower = aRepeatBorrower('officer-b');
      const decision = route([anAllocation('officer-a', { assigned: 2 }), anAllocation('officer-b', { assigned: 10 })], { repeatBorrower });
      expect(decision).toMatchObject({
        winner: 'officer-b',
        repeatBorrower,
        candidates: [{ officerId: 'officer-b' }],
        excluded: [{ officerId: 'officer-a', reasons: ['DUPLICATE_BORROWER'] }],
      });
      expect(decision).not.toHaveProperty('refusal');
    });

    it('is refused with DUPLICATE_BORROWER when the holder is not eligible, never given to another officer', () => {
      const repeatBorrower = aRepeatBorrower('officer-b');
      const decision = route([anAllocation('officer-a', { assigned: 2 }), anAllocation('officer-b', { assigned: 11 })], { repeatBorrower });
      expect(decision).toStrictEqual({
        rule: 'furthest-behind-pace',
        ruleVersion: 1,
        at: now,
        marketId,
        month,
        winner: null,
        candidates: [],
        excluded: [
          { officerId: 'officer-a', reasons: ['DUPLICATE_BORROWER'] },
          { officerId: 'officer-b', reasons: ['AHEAD_OF_PACE'] },
        ],
        repeatBorrower,
        refusal: 'DUPLICATE_BORROWER',
      });
    });

    it('is refused when the holder has no allocation in this market (the earlier lead was in another market)', () => {
      const decision = route([anAllocation('officer-a'), anAllocation('officer-b')], { repeatBorrower: aRepeatBorrower('officer-z') });
      expect(decision).toMatchObject({
        winner: null,
        refusal: 'DUPLICATE_BORROWER',
        candidates: [],
        excluded: [
          { officerId: 'officer-a', reasons: ['DUPLICATE_BORROWER'] },
          { officerId: 'officer-b', reasons: ['DUPLICATE_BORROWER'] },
        ],
      });
    });

    it('is refused with DUPLICATE_BORROWER, not NO_ALLOCATIONS, when there are no allocations at all', () => {
      expect(route([], { repeatBorrower: aRepeatBorrower('officer-a') })).toMatchObject({ winner: null, refusal: 'DUPLICATE_BORROWER' });
    });
  });

  // ---- helpers: one market (dfw, Chicago time), September 2026, an eligible officer by default ----

  function route(allocations: AllocationStanding[], overrides: Partial<Omit<RoutingInput, 'at'>> & { at?: string | number } = {}): AutomaticRoutingDecision {
    const { at = now, ...rest } = overrides;
    return furthestBehindPace({
      marketId,
      month,
      paceTolerance: null,
      lead: aLead(),
      allocations,
      repeatBorrower: null,
      ...rest,
      at: typeof at === 'number' ? new Date(at).toISOString() : at,
    });
  }

  function aLead(overrides: Partial<LeadToRoute> = {}): LeadToRoute {
    return {
      leadId,
      propertyState: 'TX',
      loanType: 'purchase',
      loanAmount: 300_000,
      creditTier: 'good',
      score: 70,
      previouslyRoutedTo: [],
      ...overrides,
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
      officer: { active: true, licensedStates: ['TX', 'OK'] },
      ...overrides,
    };
  }

  function aWindow(overrides: Partial<PaceWindow> = {}): PaceWindow {
    return { activeFrom: monthStart, activeTo: monthEnd, pauses: [], ...overrides };
  }

  function aRepeatBorrower(officerId: string): RepeatBorrower {
    return { leadId: randomUUID(), officerId, routedAt: plus(-5 * DAY) };
  }

  /** Local midnight in Chicago on a September day. */
  function sep(day: number): string {
    return plus((day - 1) * DAY, monthStart);
  }

  function plus(ms: number, from: string = now): string {
    return new Date(Date.parse(from) + ms).toISOString();
  }

  function permutations<T>(items: T[]): T[][] {
    if (items.length <= 1) return [items];
    return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
  }
});
