import { AllocationPaceController, AllocationsController } from './allocations.controller';
import { CancelAllocationHandler, ContractAllocationHandler, PauseAllocationHandler, ResumeAllocationHandler } from './allocation-commands';
import { SetMarketSettingsHandler } from './market-commands';
import { MarketsController } from './markets.controller';
import { SetOfficerProfileHandler } from './officer-commands';
import { OfficersController } from './officers.controller';
import { StreamDecisions } from './stream-decisions';

/** Markets, officers, allocations and the pace table; app.module registers these lists as they are. */
export const REFERENCE_DATA_CONTROLLERS = [MarketsController, OfficersController, AllocationsController, AllocationPaceController];

/** The command handlers, and the write path they share (a provider like them). */
export const REFERENCE_DATA_HANDLERS = [
  StreamDecisions,
  SetMarketSettingsHandler,
  SetOfficerProfileHandler,
  ContractAllocationHandler,
  PauseAllocationHandler,
  ResumeAllocationHandler,
  CancelAllocationHandler,
];
