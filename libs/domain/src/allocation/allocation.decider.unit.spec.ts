import { randomUUID } from 'node:crypto';
import { givenWhenThen } from '../testing/given-when-then';
import { CancelAllocation, ContractAllocation, PauseAllocation, ResumeAllocation } from './allocation.commands';
import { allocationDecider } from './allocation.decider';
import { AllocationEvent, AllocationTermsV1 } from './allocation.events';

const now = '2026-11-02T12:00:00.000Z';
const earlier = '2026-10-20T12:00:00.000Z';
const month = '2026-11';
const marketId = 'dfw';
/** November 2026 in America/Chicago: CDT (UTC-5) at its start, CST (UTC-6) at its end. */
const november = { from: '2026-11-01T05:00:00.000Z', to: '2026-12-01T06:00:00.000Z' };
const chicago = { states: ['OK' as const, 'TX' as const], seatCap: 3, timeZone: 'America/Chicago' };

describe('allocation decider', () => {
  const given = givenWhenThen(allocationDecider);
  let officerId: string;

  beforeEach(() => {
    officerId = `ada-${randomUUID().slice(0, 8)}`;
  });

  describe('ContractAllocation: a new allocation', () => {
    it('contracts the whole month from the market zone\'s month start', () => {
      given([])
        .when(aContract())
        .then([{ type: 'AllocationContracted', schemaVersion: 1, data: { ...terms(), contractedAt: now } }]);
    });

    it('starts a mid-month allocation at local midnight of startsOn in the market zone', () => {
      given([])
        .when(aContract({ startsOn: '2026-11-15' }))
        .then([
          {
            type: 'AllocationContracted',
            schemaVersion: 1,
            data: { ...terms({ startsOn: '2026-11-15', activeFrom: '2026-11-15T06:00:00.000Z' }), contractedAt: now },
          },
        ]);
    });

    it('starts an allocation that starts on the 1st at the month start', () => {
      given([])
        .when(aContract({ startsOn: '2026-11-01' }))
        .then([{ type: 'AllocationContracted', schemaVersion: 1, data: { ...terms({ startsOn: '2026-11-01' }), contractedAt: now } }]);
    });

    it('uses the market\'s own zone for the month window', () => {
      given([])
        .when(aContract({}, { market: { ...chicago, timeZone: 'Asia/Tokyo' } }))
        .then([
          {
            type: 'AllocationContracted',
            schemaVersion: 1,
            data: {
              ...terms({ monthWindow: { from: '2026-10-31T15:00:00.000Z', to: '2026-11-30T15:00:00.000Z' }, activeFrom: '2026-10-31T15:00:00.000Z' }),
              contractedAt: now,
            },
          },
        ]);
    });

    it('records filters as sets, sorted, leaving out the ones not given', () => {
      given([])
        .when(aContract({ filters: { states: ['TX', 'OK'], loanTypes: ['refinance', 'purchase', 'refinance'], minScore: 40, maxLoanAmount: 800000 } }))
        .then([
          {
            type: 'AllocationContracted',
            schemaVersion: 1,
            data: { ...terms({ filters: { loanTypes: ['purchase', 'refinance'], maxLoanAmount: 800000, minScore: 40, states: ['OK', 'TX'] } }), contractedAt: now },
          },
        ]);
    });

    it('accepts an officer licensed in just one of the market\'s states', () => {
      given([])
        .when(aContract({}, { officer: { licensedStates: ['OK', 'CA'] } }))
        .then([{ type: 'AllocationContracted', schemaVersion: 1, data: { ...terms(), contractedAt: now } }]);
    });

    it('accepts a one-amount range (min = max)', () => {
      given([])
        .when(aContract({ filters: { minLoanAmount: 300000, maxLoanAmount: 300000 } }))
        .then([
          { type: 'AllocationContracted', schemaVersion: 1, data: { ...terms({ filters: { minLoanAmount: 300000, maxLoanAmount: 300000 } }), contractedAt: now } },
        ]);
    });

    it('may be contracted for a month that has not begun', () => {
      const december = { from: '2026-12-01T06:00:00.000Z', to: '2027-01-01T06:00:00.000Z' };
      given([])
        .when(aContract({ month: '2026-12' }))
        .then([{ type: 'AllocationContracted', schemaVersion: 1, data: { ...terms({ month: '2026-12', monthWindow: december, activeFrom: december.from }), contractedAt: now } }]);
    });

    it('may be contracted in the month\'s last local hours (it is still November in Chicago)', () => {
      const at = '2026-12-01T05:59:59.999Z';
      given([])
        .when(aContract({}, { at }))
        .then([{ type: 'AllocationContracted', schemaVersion: 1, data: { ...terms(), contractedAt: at } }]);
    });

    it('refuses an unknown officer (404)', () => {
      given([]).when(aContract({}, { officer: null })).thenThrows({ kind: 'not_found', code: 'OFFICER_NOT_FOUND' });
    });

    it('refuses an unknown market (422)', () => {
      given([])
        .when(aContract({}, { market: null }))
        .thenThrows({ kind: 'rule', code: 'UNKNOWN_MARKET', details: [{ field: 'marketId', message: 'no such market' }] });
    });

    it('refuses an officer licensed in none of the market\'s states (422)', () => {
      given([])
        .when(aContract({}, { officer: { licensedStates: ['CA', 'NV'] } }))
        .thenThrows({ kind: 'rule', code: 'NOT_LICENSED_IN_MARKET' });
    });

    it('refuses state filters outside the market (422)', () => {
      given([])
        .when(aContract({ filters: { states: ['TX', 'LA'] } }))
        .thenThrows({ kind: 'rule', code: 'FILTER_STATES_OUTSIDE_MARKET', details: [{ field: 'filters.states', message: "must be within the market's states (OK, TX)" }] });
    });

    it('refuses a minimum loan amount above the maximum (422)', () => {
      given([])
        .when(aContract({ filters: { minLoanAmount: 500000, maxLoanAmount: 400000 } }))
        .thenThrows({ kind: 'rule', code: 'FILTER_LOAN_AMOUNT_RANGE_EMPTY', details: [{ field: 'filters.minLoanAmount', message: 'must not exceed filters.maxLoanAmount' }] });
    });

    it.each(['2026-12-01', '2026-10-31', '2026-11-31', '2025-11-15'])('refuses startsOn %s, not a day of 2026-11 (422)', (startsOn) => {
      given([])
        .when(aContract({ startsOn }))
        .thenThrows({ kind: 'rule', code: 'STARTS_OUTSIDE_MONTH', details: [{ field: 'startsOn', message: 'must be a date in 2026-11' }] });
    });

    it.each(['2026-12-01T06:00:00.000Z', '2027-03-01T00:00:00.000Z'])('refuses a month that ended by %s (422)', (at) => {
      given([]).when(aContract({}, { at })).thenThrows({ kind: 'rule', code: 'MONTH_ENDED' });
    });

    it('refuses a new allocation when other officers hold every seat (409)', () => {
      given([])
        .when(aContract({}, { seatHolders: ['bo', 'cy', 'di'] }))
        .thenThrows({ kind: 'conflict', code: 'SEAT_CAP_REACHED' });
    });

    it('takes the last free seat', () => {
      given([])
        .when(aContract({}, { seatHolders: ['bo', 'cy'] }))
        .then([{ type: 'AllocationContracted', schemaVersion: 1, data: { ...terms(), contractedAt: now } }]);
    });
  });

  describe('ContractAllocation: an existing allocation', () => {
    it('records the new terms as AllocationChanged', () => {
      given([aContracted()])
        .when(aContract({ leads: 55, startsOn: '2026-11-10', filters: { creditTiers: ['good', 'excellent'] } }))
        .then([
          {
            type: 'AllocationChanged',
            schemaVersion: 1,
            data: {
              ...terms({ leads: 55, startsOn: '2026-11-10', activeFrom: '2026-11-10T06:00:00.000Z', filters: { creditTiers: ['excellent', 'good'] } }),
              changedAt: now,
            },
          },
        ]);
    });

    it('takes no second seat: a change goes through with every seat taken', () => {
      given([aContracted()])
        .when(aContract({ leads: 60 }, { seatHolders: [officerId, 'bo', 'cy', 'di'] }))
        .then([{ type: 'AllocationChanged', schemaVersion: 1, data: { ...terms({ leads: 60 }), changedAt: now } }]);
    });

    it('keeps the month window fixed at contracting, even if the market\'s zone changed since', () => {
      given([aContracted()])
        .when(aContract({ leads: 60 }, { market: { ...chicago, timeZone: 'America/New_York' } }))
        .then([{ type: 'AllocationChanged', schemaVersion: 1, data: { ...terms({ leads: 60 }), changedAt: now } }]);
    });

    it('records nothing when the terms are identical (filters compared as sets)', () => {
      given([aContracted({ filters: { loanTypes: ['purchase', 'refinance'] } })])
        .when(aContract({ filters: { loanTypes: ['refinance', 'purchase'] } }))
        .then([]);
    });

    it('records nothing for identical terms even after the month ended', () => {
      given([aContracted()]).when(aContract({}, { at: '2026-12-05T00:00:00.000Z' })).then([]);
    });

    it('refuses a change after the month ended (422)', () => {
      given([aContracted()]).when(aContract({ leads: 60 }, { at: '2026-12-05T00:00:00.000Z' })).thenThrows({ kind: 'rule', code: 'MONTH_ENDED' });
    });

    it('changes a paused allocation, which stays paused', () => {
      given([aContracted(), aPaused()])
        .when(aContract({ leads: 60 }))
        .then([{ type: 'AllocationChanged', schemaVersion: 1, data: { ...terms({ leads: 60 }), changedAt: now } }]);
      given([aContracted(), aPaused(), anAllocationChanged({ leads: 60 })])
        .when(aPause())
        .thenThrows({ kind: 'conflict', code: 'ALLOCATION_PAUSED' });
    });

    it('refuses to move the allocation to another market (409)', () => {
      given([aContracted()])
        .when(aContract({ marketId: 'okc' }))
        .thenThrows({ kind: 'conflict', code: 'ALLOCATION_MARKET_FIXED', details: [{ field: 'marketId', message: 'must stay dfw' }] });
    });

    it('refuses to change or re-contract a cancelled allocation (409)', () => {
      given([aContracted(), aCancelled()]).when(aContract({ leads: 60 })).thenThrows({ kind: 'conflict', code: 'ALLOCATION_CANCELLED' });
      given([aContracted(), aCancelled()]).when(aContract()).thenThrows({ kind: 'conflict', code: 'ALLOCATION_CANCELLED' });
    });

    it('still applies the contract rules to the new terms', () => {
      given([aContracted()])
        .when(aContract({ filters: { states: ['CA'] } }))
        .thenThrows({ kind: 'rule', code: 'FILTER_STATES_OUTSIDE_MARKET' });
      given([aContracted()])
        .when(aContract({ leads: 60 }, { officer: { licensedStates: ['CA'] } }))
        .thenThrows({ kind: 'rule', code: 'NOT_LICENSED_IN_MARKET' });
    });
  });

  describe('PauseAllocation', () => {
    it('pauses an active allocation', () => {
      given([aContracted()])
        .when(aPause())
        .then([{ type: 'AllocationPaused', schemaVersion: 1, data: { officerId, month, marketId, reason: 'on vacation', pausedAt: now } }]);
    });

    it('pauses again after a resume', () => {
      given([aContracted(), aPaused(), aResumed()])
        .when(aPause())
        .then([{ type: 'AllocationPaused', schemaVersion: 1, data: { officerId, month, marketId, reason: 'on vacation', pausedAt: now } }]);
    });

    it('refuses an allocation that does not exist (404)', () => {
      given([]).when(aPause()).thenThrows({ kind: 'not_found', code: 'ALLOCATION_NOT_FOUND' });
    });

    it('refuses a paused allocation (409)', () => {
      given([aContracted(), aPaused()]).when(aPause()).thenThrows({ kind: 'conflict', code: 'ALLOCATION_PAUSED' });
    });

    it('refuses a cancelled allocation (409)', () => {
      given([aContracted(), aCancelled()]).when(aPause()).thenThrows({ kind: 'conflict', code: 'ALLOCATION_CANCELLED' });
    });
  });

  describe('ResumeAllocation', () => {
    it('resumes a paused allocation', () => {
      given([aContracted(), aPaused()])
        .when(aResume())
        .then([{ type: 'AllocationResumed', schemaVersion: 1, data: { officerId, month, marketId, resumedAt: now } }]);
    });

    it('refuses an allocation that is not paused (409)', () => {
      given([aContracted()]).when(aResume()).thenThrows({ kind: 'conflict', code: 'ALLOCATION_NOT_PAUSED' });
      given([aContracted(), aPaused(), aResumed()]).when(aResume()).thenThrows({ kind: 'conflict', code: 'ALLOCATION_NOT_PAUSED' });
    });

    it('refuses an allocation that does not exist (404)', () => {
      given([]).when(aResume()).thenThrows({ kind: 'not_found', code: 'ALLOCATION_NOT_FOUND' });
    });

    it('refuses a cancelled allocation, even one cancelled while paused (409)', () => {
      given([aContracted(), aPaused(), aCancelled()]).when(aResume()).thenThrows({ kind: 'conflict', code: 'ALLOCATION_CANCELLED' });
    });
  });

  describe('CancelAllocation', () => {
    it('cancels an active allocation', () => {
      given([aContracted()])
        .when(aCancel())
        .then([{ type: 'AllocationCancelled', schemaVersion: 1, data: { officerId, month, marketId, reason: 'left the company', cancelledAt: now } }]);
    });

    it('cancels a paused allocation', () => {
      given([aContracted(), aPaused()])
        .when(aCancel())
        .then([{ type: 'AllocationCancelled', schemaVersion: 1, data: { officerId, month, marketId, reason: 'left the company', cancelledAt: now } }]);
    });

    it('refuses an allocation that does not exist (404)', () => {
      given([]).when(aCancel()).thenThrows({ kind: 'not_found', code: 'ALLOCATION_NOT_FOUND' });
    });

    it('refuses an allocation already cancelled (409)', () => {
      given([aContracted(), aCancelled()]).when(aCancel()).thenThrows({ kind: 'conflict', code: 'ALLOCATION_CANCELLED' });
    });
  });

  // ---- helpers ----

  function terms(overrides: Partial<AllocationTermsV1> = {}): AllocationTermsV1 {
    return { officerId, month, marketId, leads: 40, startsOn: null, filters: {}, monthWindow: november, activeFrom: november.from, ...overrides };
  }

  function aContract(
    data: Partial<ContractAllocation['data']> = {},
    facts: Partial<Pick<ContractAllocation, 'officer' | 'market' | 'seatHolders' | 'at'>> = {},
  ): ContractAllocation {
    return {
      type: 'ContractAllocation',
      data: { officerId, month, marketId, leads: 40, startsOn: null, filters: {}, ...data },
      officer: { licensedStates: ['TX'] },
      market: chicago,
      seatHolders: [],
      at: now,
      ...facts,
    };
  }

  function aPause(): PauseAllocation {
    return { type: 'PauseAllocation', data: { officerId, month, reason: 'on vacation' }, at: now };
  }

  function aResume(): ResumeAllocation {
    return { type: 'ResumeAllocation', data: { officerId, month }, at: now };
  }

  function aCancel(): CancelAllocation {
    return { type: 'CancelAllocation', data: { officerId, month, reason: 'left the company' }, at: now };
  }

  function aContracted(overrides: Partial<AllocationTermsV1> = {}): AllocationEvent {
    return { type: 'AllocationContracted', schemaVersion: 1, data: { ...terms(overrides), contractedAt: earlier } };
  }

  function anAllocationChanged(overrides: Partial<AllocationTermsV1> = {}): AllocationEvent {
    return { type: 'AllocationChanged', schemaVersion: 1, data: { ...terms(overrides), changedAt: earlier } };
  }

  function aPaused(): AllocationEvent {
    return { type: 'AllocationPaused', schemaVersion: 1, data: { officerId, month, marketId, reason: 'sick', pausedAt: earlier } };
  }

  function aResumed(): AllocationEvent {
    return { type: 'AllocationResumed', schemaVersion: 1, data: { officerId, month, marketId, resumedAt: earlier } };
  }

  function aCancelled(): AllocationEvent {
    return { type: 'AllocationCancelled', schemaVersion: 1, data: { officerId, month, marketId, reason: 'left', cancelledAt: earlier } };
  }
});
