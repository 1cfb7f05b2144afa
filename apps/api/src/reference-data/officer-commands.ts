import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { officerDecider, OfficerState, officerStream, SetOfficerProfile } from '@lead-ledger/domain';
import { RequestContext } from '../http/request-context';
import { DecidedWrite, StreamDecisions } from './stream-decisions';

export class SetOfficerProfileCommand extends Command<DecidedWrite<OfficerState>> {
  constructor(
    readonly command: SetOfficerProfile,
    readonly context: RequestContext,
  ) {
    super();
  }
}

@CommandHandler(SetOfficerProfileCommand)
export class SetOfficerProfileHandler implements ICommandHandler<SetOfficerProfileCommand> {
  constructor(private readonly decisions: StreamDecisions) {}
  execute({ command, context }: SetOfficerProfileCommand) {
    return this.decisions.decide(officerDecider, officerStream(command.data.officerId), command, context);
  }
}
