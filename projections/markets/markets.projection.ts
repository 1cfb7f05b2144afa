import { MarketEvent, MarketSettingsV1 } from '@lead-ledger/domain';
import { Projection, ReadDocument } from '@lead-ledger/read-models';

export type MarketDoc = ReadDocument & MarketSettingsV1;

/** Markets by id: the reference data routing and contracting read. */
export const marketsProjection: Projection<MarketDoc> = {
  name: 'markets_v1',
  collection: 'markets_v1',
  indexes: [['states']],
  documentsFor: (event) => (event.type === 'MarketOpened' || event.type === 'MarketChanged' ? [String(event.data.marketId)] : []),
  evolve(_doc, recorded) {
    const event = recorded as unknown as MarketEvent;
    const { openedAt: _opened, changedAt: _changed, ...settings } = event.data as MarketSettingsV1 & { openedAt?: string; changedAt?: string };
    return settings;
  },
};
