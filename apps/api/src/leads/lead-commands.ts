import { CommandHandler, ICommandHandler, Command } from '@nestjs/cqrs';
import {
  CreateLead,
  CreditLead,
  DeliverLead,
  fold,
  LeadCommand,
  LeadEvent,
  leadDecider,
  leadStream,
  RecordDeliveryFailure,
  RouteLeadToOfficer,
  ScoreLead,
} from '@lead-ledger/domain';
import { RecordedEvent } from '@lead-ledger/ledger/ledger.port';
import { EventStreamWriter, StreamWriteResult } from '../ledger/event-stream-writer';
import { RequestContext } from '../http/request-context';

/**
 * One Nest command per lead command; each handler is the same three steps on the lead's stream:
 * fold its history, decide, append at the revision it read (EventStreamWriter does the append,
 * the retry after a lost race, and Idempotency-Key replays).
 */
abstract class LeadCommandMessage<C extends LeadCommand> extends Command<StreamWriteResult> {
  constructor(
    readonly command: C,
    readonly context: RequestContext,
  ) {
    super();
  }
}

export class CreateLeadCommand extends LeadCommandMessage<CreateLead> {}
export class ScoreLeadCommand extends LeadCommandMessage<ScoreLead> {}
export class RouteLeadToOfficerCommand extends LeadCommandMessage<RouteLeadToOfficer> {}
export class RecordDeliveryFailureCommand extends LeadCommandMessage<RecordDeliveryFailure> {}
export class DeliverLeadCommand extends LeadCommandMessage<DeliverLead> {}
export class CreditLeadCommand extends LeadCommandMessage<CreditLead> {}

export const foldLead = (history: RecordedEvent[]) => fold(leadDecider, history as unknown as LeadEvent[]);

function decideOnLeadStream(writer: EventStreamWriter, { command, context }: LeadCommandMessage<LeadCommand>) {
  return writer.execute(leadStream(command.data.leadId), command.at, context, (history) =>
    leadDecider.decide(command, foldLead(history)),
  );
}

@CommandHandler(CreateLeadCommand)
export class CreateLeadHandler implements ICommandHandler<CreateLeadCommand> {
  constructor(private readonly writer: EventStreamWriter) {}
  execute(message: CreateLeadCommand) {
    return decideOnLeadStream(this.writer, message);
  }
}

@CommandHandler(ScoreLeadCommand)
export class ScoreLeadHandler implements ICommandHandler<ScoreLeadCommand> {
  constructor(private readonly writer: EventStreamWriter) {}
  execute(message: ScoreLeadCommand) {
    return decideOnLeadStream(this.writer, message);
  }
}

@CommandHandler(RouteLeadToOfficerCommand)
export class RouteLeadToOfficerHandler implements ICommandHandler<RouteLeadToOfficerCommand> {
  constructor(private readonly writer: EventStreamWriter) {}
  execute(message: RouteLeadToOfficerCommand) {
    return decideOnLeadStream(this.writer, message);
  }
}

@CommandHandler(RecordDeliveryFailureCommand)
export class RecordDeliveryFailureHandler implements ICommandHandler<RecordDeliveryFailureCommand> {
  constructor(private readonly writer: EventStreamWriter) {}
  execute(message: RecordDeliveryFailureCommand) {
    return decideOnLeadStream(this.writer, message);
  }
}

@CommandHandler(DeliverLeadCommand)
export class DeliverLeadHandler implements ICommandHandler<DeliverLeadCommand> {
  constructor(private readonly writer: EventStreamWriter) {}
  execute(message: DeliverLeadCommand) {
    return decideOnLeadStream(this.writer, message);
  }
}

@CommandHandler(CreditLeadCommand)
export class CreditLeadHandler implements ICommandHandler<CreditLeadCommand> {
  constructor(private readonly writer: EventStreamWriter) {}
  execute(message: CreditLeadCommand) {
    return decideOnLeadStream(this.writer, message);
  }
}

export const LEAD_COMMAND_HANDLERS = [
  CreateLeadHandler,
  ScoreLeadHandler,
  RouteLeadToOfficerHandler,
  RecordDeliveryFailureHandler,
  DeliverLeadHandler,
  CreditLeadHandler,
];
