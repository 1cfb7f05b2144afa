import { Decider } from '../decider';
import { MarketCommand, SetMarketSettings } from './market.commands';
import { MarketEvent, MarketSettingsV1 } from './market.events';

export interface MarketState {
  /** The settings in force, or null before the market is opened. */
  settings: MarketSettingsV1 | null;
}

export const initialMarketState: MarketState = { settings: null };

export function evolveMarket(_state: MarketState, event: MarketEvent): MarketState {
  switch (event.type) {
    case 'MarketOpened': {
      const { openedAt: _openedAt, ...settings } = event.data;
      return { settings };
    }
    case 'MarketChanged': {
      const { changedAt: _changedAt, ...settings } = event.data;
      return { settings };
    }
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
}

export function decideMarket(command: MarketCommand, state: MarketState): MarketEvent[] {
  switch (command.type) {
    case 'SetMarketSettings':
      return setMarketSettings(command, state);
    default: {
      const unknown: never = command.type;
      return unknown;
    }
  }
}

export const marketDecider: Decider<MarketCommand, MarketEvent, MarketState> = {
  initialState: initialMarketState,
  evolve: evolveMarket,
  decide: decideMarket,
};

/** A PUT is idempotent: the same settings again record nothing, so retries and re-syncs are free. */
function setMarketSettings({ data, at }: SetMarketSettings, state: MarketState): MarketEvent[] {
  const settings = canonicalSettings(data);
  if (state.settings === null) return [{ type: 'MarketOpened', schemaVersion: 1, data: { ...settings, openedAt: at } }];
  if (sameSettings(state.settings, settings)) return [];
  return [{ type: 'MarketChanged', schemaVersion: 1, data: { ...settings, changedAt: at } }];
}

/** States and ZIP prefixes are sets: order and repeats carry no meaning, so they never make a change. */
function canonicalSettings(data: MarketSettingsV1): MarketSettingsV1 {
  return {
    marketId: data.marketId,
    name: data.name,
    states: [...new Set(data.states)].sort(),
    zipPrefixes: [...new Set(data.zipPrefixes)].sort(),
    seatCap: data.seatCap,
    timeZone: data.timeZone,
    paceTolerance: data.paceTolerance,
    dedupeWindowDays: data.dedupeWindowDays,
  };
}

function sameSettings(a: MarketSettingsV1, b: MarketSettingsV1): boolean {
  return JSON.stringify(canonicalSettings(a)) === JSON.stringify(canonicalSettings(b));
}
