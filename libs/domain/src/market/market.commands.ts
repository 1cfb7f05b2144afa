import { MarketSettingsV1 } from './market.events';

/** Open a market, or replace its settings: a PUT of the whole set. `at` comes from the app's clock. */
export type SetMarketSettings = {
  type: 'SetMarketSettings';
  data: MarketSettingsV1;
  at: string;
};

export type MarketCommand = SetMarketSettings;
