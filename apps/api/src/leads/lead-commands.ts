import { CommandHandler, ICommandHandler, Command } from '@nestjs/cqrs';
import {
  ConsentEvidence,
  CreateLead,
  CreditLead,
  DeliverLead,
  LeadCommand,
  leadDecider,
  LeadCreatedV1,
  leadStream,
  RecordDeliveryFailure,
  ScoreLead,
} from '@lead-ledger/domain';
import { EventStreamWriter, StreamWriteResult } from '../ledger/event-stream-writer';
import { RequestContext } from '../http/request-context';
import { ReadModels } from '../read-models/read-models';
import { foldLead } from './fold-lead';
import { PiiVault } from '@lead-ledger/pii';

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

export class ScoreLeadCommand extends LeadCommandMessage<ScoreLead> {}
export class RecordDeliveryFailureCommand extends LeadCommandMessage<RecordDeliveryFailure> {}
export class DeliverLeadCommand extends LeadCommandMessage<DeliverLead> {}
export class CreditLeadCommand extends LeadCommandMessage<CreditLead> {}


function decideOnLeadStream(writer: EventStreamWriter, { command, context }: { command: LeadCommand; context: RequestContext }) {
  return writer.execute(leadStream(command.data.leadId), command.at, context, (history) =>
    leadDecider.decide(command, foldLead(history)),
  );
}

/** A create body as validated at the edge, with the borrower in plaintext: the handler seals it before anything is decided or stored. */
export type LeadIntake = Omit<LeadCreatedV1, 'borrowerKeys' | 'createdAt'> & { consent: ConsentEvidence };

/** The body's data; whether its market exists is looked up here, in the read models. */
export class CreateLeadCommand extends Command<StreamWriteResult> {
  constructor(
    readonly data: LeadIntake,
    readonly at: string,
    readonly context: RequestContext,
  ) {
    super();
  }
}

@CommandHandler(CreateLeadCommand)
export class CreateLeadHandler implements ICommandHandler<CreateLeadCommand> {
  constructor(
    private readonly writer: EventStreamWriter,
    private readonly readModels: ReadModels,
    private readonly vault: PiiVault,
  ) {}

  /**
   * Seals the borrower's contact details and the consent IP (libs/pii) before deciding, so only
   * ciphertext, HMAC borrower keys and the borrower's ref reach the decider and the ledger. The
   * request hash covered the plaintext body, so it is stored as an HMAC too (it stays equal for
   * equal bodies, which is all Idempotency-Key replays compare).
   */
  async execute({ data, at, context }: CreateLeadCommand) {
    const marketKnown = data.marketId === null || (await this.marketExists(data.marketId));
    const { borrower, consent, ...facts } = data;
    const { ip, ...consentWithoutIp } = consent;
    const sealedContext = { ...context, requestHash: this.vault.pseudonyms.mac(`request\n${context.requestHash}`) };
    return this.writer.execute(leadStream(data.leadId), at, sealedContext, async (history) => {
      const { sealed, borrowerKeys, borrowerRef } = await this.vault.seal({ ...borrower, ...(ip !== undefined && { consentIp: ip }) });
      const command: CreateLead = {
        type: 'CreateLead',
        data: { ...facts, consent: consentWithoutIp, sealedBorrower: sealed, borrowerRef, borrowerKeys },
        marketKnown,
        at,
      };
      return leadDecider.decide(command, foldLead(history));
    });
  }

  private async marketExists(marketId: string): Promise<boolean> {
    if (await this.readModels.market(marketId)) return true;
    // A miss may only mean the read model has not applied a market just opened: catch up, look again.
    await this.readModels.catchUpWithLedger();
    return (await this.readModels.market(marketId)) !== null;
  }
}

@CommandHandler(ScoreLeadCommand)
export class ScoreLeadHandler implements ICommandHandler<ScoreLeadCommand> {
  constructor(private readonly writer: EventStreamWriter) {}
  execute(message: ScoreLeadCommand) {
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

