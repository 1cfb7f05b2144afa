import { Projection } from '@lead-ledger/read-models';
import { allocationPaceProjection } from './allocation-pace/allocation-pace.projection';
import { borrowerRoutesProjection } from './borrower-routes/borrower-routes.projection';
import { leadsProjection } from './leads/leads.projection';
import { marketsProjection } from './markets/markets.projection';
import { officersProjection } from './officers/officers.projection';
import { paceSeriesProjection } from './pace-series/pace-series.projection';

export * from './allocation-pace/allocation-pace.projection';
export * from './borrower-routes/borrower-routes.projection';
export * from './leads/leads.projection';
export * from './markets/markets.projection';
export * from './officers/officers.projection';
export * from './pace-series/pace-series.projection';
export * from './pace-series/pace-series';

/** Every read model the API serves, in the order the projector runs them. */
export const ALL_PROJECTIONS = [marketsProjection, officersProjection, allocationPaceProjection, borrowerRoutesProjection, leadsProjection, paceSeriesProjection] as Projection[];
