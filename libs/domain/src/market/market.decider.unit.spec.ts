import { randomUUID } from 'node:crypto';
import { givenWhenThen } from '../testing/given-when-then';
import { SetMarketSettings } from './market.commands';
import { marketDecider } from './market.decider';
import { MarketEvent, MarketSettingsV1 } from './market.events';

const now = '2026-11-02T12:00:00.000Z';
const earlier = '2026-10-01T12:00:00.000Z';

describe('market decider', () => {
  const given = givenWhenThen(marketDecider);
  let marketId: string;

  beforeEach(() => {
    marketId = `dfw-${randomUUID().slice(0, 8)}`;
  });

  describe('SetMarketSettings', () => {
    it('opens a market that does not exist yet, with openedAt = the command time', () => {
      given([])
        .when(aSetMarketSettings())
        .then([{ type: 'MarketOpened', schemaVersion: 1, data: { ...settings(), openedAt: now } }]);
    });

    it('records the whole new set of settings when any of them differs', () => {
      given([aMarketOpened()])
        .when(aSetMarketSettings({ seatCap: 8, paceTolerance: null }))
        .then([{ type: 'MarketChanged', schemaVersion: 1, data: { ...settings({ seatCap: 8, paceTolerance: null }), changedAt: now } }]);
    });

    it('compares with the latest change, not the opening', () => {
      given([aMarketOpened(), aMarketChanged({ name: 'Dallas' })])
        .when(aSetMarketSettings({ name: 'Dallas' }))
        .then([]);
    });

    it('records nothing when the settings are identical', () => {
      given([aMarketOpened()]).when(aSetMarketSettings()).then([]);
    });

    it('treats states and ZIP prefixes as sets: order and repeats are not a change', () => {
      given([aMarketOpened()])
        .when(aSetMarketSettings({ states: ['TX', 'OK', 'TX'], zipPrefixes: ['761', '750', '750'] }))
        .then([]);
    });

    it('records states and ZIP prefixes sorted and without repeats', () => {
      given([])
        .when(aSetMarketSettings({ states: ['TX', 'OK', 'TX'], zipPrefixes: ['761', '750', '761'] }))
        .then([{ type: 'MarketOpened', schemaVersion: 1, data: { ...settings({ states: ['OK', 'TX'], zipPrefixes: ['750', '761'] }), openedAt: now } }]);
    });
  });

  // ---- helpers ----

  function settings(overrides: Partial<MarketSettingsV1> = {}): MarketSettingsV1 {
    return {
      marketId,
      name: 'Dallas-Fort Worth',
      states: ['OK', 'TX'],
      zipPrefixes: ['750', '761'],
      seatCap: 5,
      timeZone: 'America/Chicago',
      paceTolerance: 2,
      dedupeWindowDays: 30,
      ...overrides,
    };
  }

  function aSetMarketSettings(overrides: Partial<MarketSettingsV1> = {}): SetMarketSettings {
    return { type: 'SetMarketSettings', data: settings(overrides), at: now };
  }

  function aMarketOpened(overrides: Partial<MarketSettingsV1> = {}): MarketEvent {
    return { type: 'MarketOpened', schemaVersion: 1, data: { ...settings(overrides), openedAt: earlier } };
  }

  function aMarketChanged(overrides: Partial<MarketSettingsV1> = {}): MarketEvent {
    return { type: 'MarketChanged', schemaVersion: 1, data: { ...settings(overrides), changedAt: earlier } };
  }
});
