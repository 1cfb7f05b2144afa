import { Inject, Injectable } from '@nestjs/common';
import { Ledger } from '@lead-ledger/ledger/ledger.port';
import { ProjectionTimeoutError, ReadStore } from '@lead-ledger/read-models';
import {
  AllocationPaceDoc,
  allocationPaceProjection,
  BorrowerRoutesDoc,
  borrowerRoutesProjection,
  MarketDoc,
  marketsProjection,
  OfficerDoc,
  officersProjection,
} from '@lead-ledger/projections';
import { ApiError } from '../http/api-error';
import { LEDGER } from '../ledger/ledger.tokens';
import { ProjectionStatus } from './projection-status';
import { READ_STORE } from './read-store.token';

export { READ_STORE } from './read-store.token';

/** The queries the API makes of the read models. Each maps to one MongoDB query on an indexed field. */
@Injectable()
export class ReadModels {
  constructor(
    @Inject(READ_STORE) private readonly store: ReadStore,
    private readonly status: ProjectionStatus,
    @Inject(LEDGER) private readonly ledger: Ledger,
  ) {}

  market(marketId: string): Promise<MarketDoc | null> {
    return this.store.collection<MarketDoc>(marketsProjection.collection).findOne({ _id: marketId });
  }

  marketsInState(state: string): Promise<MarketDoc[]> {
    return this.store.collection<MarketDoc>(marketsProjection.collection).find({ states: state }, { sort: { _id: 1 } });
  }

  officer(officerId: string): Promise<OfficerDoc | null> {
    return this.store.collection<OfficerDoc>(officersProjection.collection).findOne({ _id: officerId });
  }

  officers(officerIds: string[]): Promise<OfficerDoc[]> {
    return this.store.collection<OfficerDoc>(officersProjection.collection).find({ _id: { $in: officerIds } });
  }

  allocationsIn(marketId: string, month: string): Promise<AllocationPaceDoc[]> {
    return this.store.collection<AllocationPaceDoc>(allocationPaceProjection.collection).find({ month, marketId }, { sort: { officerId: 1 } });
  }

  allocationOf(officerId: string, month: string): Promise<AllocationPaceDoc | null> {
    return this.store.collection<AllocationPaceDoc>(allocationPaceProjection.collection).findOne({ officerId, month });
  }

  borrowerRoutes(borrowerKeys: string[]): Promise<BorrowerRoutesDoc[]> {
    return this.store.collection<BorrowerRoutesDoc>(borrowerRoutesProjection.collection).find({ _id: { $in: borrowerKeys } });
  }

  /** Read-your-writes: wait until the read models reflect everything the ledger holds now. */
  async catchUpWithLedger(): Promise<void> {
    const head = await this.ledger.headPosition();
    if (head !== null) await this.waitFor(head);
  }

  /** Waits up to PROJECTION_WAIT_MS, then answers 503: a decision is never made on stale read models. */
  async waitFor(position: bigint): Promise<void> {
    try {
      await this.status.waitFor(position);
    } catch (error) {
      if (error instanceof ProjectionTimeoutError) {
        throw new ApiError(503, 'READ_MODELS_LAGGING', 'the read models are catching up with the ledger; retry shortly');
      }
      throw error;
    }
  }
}
