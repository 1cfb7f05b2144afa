import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { marketDecider, MarketState, marketStream, SetMarketSettings } from '@lead-ledger/domain';
import { RequestContext } from '../http/request-context';
import { DecidedWrite, StreamDecisions } from './stream-decisions';

export class SetMarketSettingsCommand extends Command<DecidedWrite<MarketState>> {
  constructor(
    readonly command: SetMarketSettings,
    readonly context: RequestContext,
  ) {
    super();
  }
}

@CommandHandler(SetMarketSettingsCommand)
export class SetMarketSettingsHandler implements ICommandHandler<SetMarketSettingsCommand> {
  constructor(private readonly decisions: StreamDecisions) {}
  execute({ command, context }: SetMarketSettingsCommand) {
    return this.decisions.decide(marketDecider, marketStream(command.data.marketId), command, context);
  }
}
