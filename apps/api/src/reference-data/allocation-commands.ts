import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import {
  allocationDecider,
  AllocationState,
  allocationStream,
  CancelAllocation,
  ContractAllocation,
  PauseAllocation,
  ResumeAllocation,
} from '@lead-ledger/domain';
import { RequestContext } from '../http/request-context';
import { MarketLocks } from '../read-models/market-locks';
import { ReadModels } from '../read-models/read-models';
import { DecidedWrite, StreamDecisions } from './stream-decisions';

abstract class AllocationCommandMessage<C> extends Command<DecidedWrite<AllocationState>> {
  constructor(
    readonly command: C,
    readonly context: RequestContext,
  ) {
    super();
  }
}

/** The contract terms; the handler adds the facts (officer, market, seat holders) from the read models. */
export class ContractAllocationCommand extends AllocationCommandMessage<Pick<ContractAllocation, 'data' | 'at'>> {}
export class PauseAllocationCommand extends AllocationCommandMessage<PauseAllocation> {}
export class ResumeAllocationCommand extends AllocationCommandMessage<ResumeAllocation> {}
export class CancelAllocationCommand extends AllocationCommandMessage<CancelAllocation> {}

/**
 * Seats are counted and taken under the market's lock, on read models caught up with the ledger,
 * and the lock is released only once the read models hold the new seat (StreamDecisions waits),
 * so contracts in parallel can never overfill a market.
 */
@CommandHandler(ContractAllocationCommand)
export class ContractAllocationHandler implements ICommandHandler<ContractAllocationCommand> {
  constructor(
    private readonly decisions: StreamDecisions,
    private readonly readModels: ReadModels,
    private readonly locks: MarketLocks,
  ) {}

  execute({ command: { data, at }, context }: ContractAllocationCommand) {
    return this.locks.run(data.marketId, async () => {
      await this.readModels.catchUpWithLedger();
      const [officer, market, allocations] = await Promise.all([
        this.readModels.officer(data.officerId),
        this.readModels.market(data.marketId),
        this.readModels.allocationsIn(data.marketId, data.month),
      ]);
      const seatHolders = allocations.filter((allocation) => !allocation.cancelled).map((allocation) => allocation.officerId);
      const command: ContractAllocation = { type: 'ContractAllocation', data, officer, market, seatHolders, at };
      return this.decisions.decide(allocationDecider, allocationStream(data.officerId, data.month), command, context);
    });
  }
}

/**
 * Pause, resume and cancel also run under the market's lock, so a route in the market never
 * decides between one of them and its projection.
 */
async function decideAllocationState(
  deps: { decisions: StreamDecisions; readModels: ReadModels; locks: MarketLocks },
  { command, context }: AllocationCommandMessage<PauseAllocation | ResumeAllocation | CancelAllocation>,
) {
  const { officerId, month } = command.data;
  const decide = () => deps.decisions.decide(allocationDecider, allocationStream(officerId, month), command, context);
  const allocation = await deps.readModels.allocationOf(officerId, month);
  // Not in the read models: the decider answers from the stream itself (404).
  return allocation ? deps.locks.run(allocation.marketId, decide) : decide();
}

@CommandHandler(PauseAllocationCommand)
export class PauseAllocationHandler implements ICommandHandler<PauseAllocationCommand> {
  constructor(
    readonly decisions: StreamDecisions,
    readonly readModels: ReadModels,
    readonly locks: MarketLocks,
  ) {}
  execute(message: PauseAllocationCommand) {
    return decideAllocationState(this, message);
  }
}

@CommandHandler(ResumeAllocationCommand)
export class ResumeAllocationHandler implements ICommandHandler<ResumeAllocationCommand> {
  constructor(
    readonly decisions: StreamDecisions,
    readonly readModels: ReadModels,
    readonly locks: MarketLocks,
  ) {}
  execute(message: ResumeAllocationCommand) {
    return decideAllocationState(this, message);
  }
}

@CommandHandler(CancelAllocationCommand)
export class CancelAllocationHandler implements ICommandHandler<CancelAllocationCommand> {
  constructor(
    readonly decisions: StreamDecisions,
    readonly readModels: ReadModels,
    readonly locks: MarketLocks,
  ) {}
  execute(message: CancelAllocationCommand) {
    return decideAllocationState(this, message);
  }
}
