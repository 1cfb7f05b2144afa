import { Inject } from '@nestjs/common';
import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import {
  LeadFacts,
  leadDecider,
  LeadState,
  leadStream,
  monthOf,
  notFound,
  RepeatBorrower,
  RouteLeadAutomatically,
  RouteLeadToOfficer,
  ruleViolated,
} from '@lead-ledger/domain';
import { Ledger } from '@lead-ledger/ledger/ledger.port';
import { MarketDoc } from '@lead-ledger/projections';
import { Clock } from '../clock/clock';
import { RequestContext } from '../http/request-context';
import { EventStreamWriter, StreamWriteResult } from '../ledger/event-stream-writer';
import { APP_CONFIG, LEDGER } from '../ledger/ledger.tokens';
import { AppConfig } from '../config/config';
import { MarketLocks } from '../read-models/market-locks';
import { ReadModels } from '../read-models/read-models';
import { allocationStandings, DEFAULT_DEDUPE_WINDOW_DAYS, repeatBorrowerOf, resolveMarket } from '@lead-ledger/audit/routing-input';
import { foldLead } from './fold-lead';


/** Route a lead: automatically by rule v1 (`override` null), or to the officer an operator names. */
export class RouteLeadCommand extends Command<StreamWriteResult> {
  constructor(
    readonly leadId: string,
    readonly override: { officerId: string; reason: string } | null,
    readonly context: RequestContext,
  ) {
    super();
  }
}

/**
 * Decisions in one market run one at a time (MarketLocks): read-your-writes on the read models,
 * decide on the lead's stream at the revision read, append, and wait until the read models count
 * this route before the next decision in the market starts.
 */
@CommandHandler(RouteLeadCommand)
export class RouteLeadHandler implements ICommandHandler<RouteLeadCommand> {
  constructor(
    private readonly writer: EventStreamWriter,
    private readonly readModels: ReadModels,
    private readonly locks: MarketLocks,
    private readonly clock: Clock,
    @Inject(LEDGER) private readonly ledger: Ledger,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async execute({ leadId, override, context }: RouteLeadCommand): Promise<StreamWriteResult> {
    const lead = foldLead(await this.ledger.readStream(leadStream(leadId))).lead;
    if (lead === null) throw notFound('LEAD_NOT_FOUND', `lead ${leadId} does not exist`);
    await this.readModels.catchUpWithLedger();
    const market = await this.marketOf(lead);
    if (market === null && override === null) {
      throw ruleViolated('NO_MARKET', `no market covers ${lead.property.state} ${lead.property.zip}; name an officer to override`);
    }
    const decideAndAppend = async () => {
      await this.readModels.catchUpWithLedger();
      const at = this.clock.nowIso();
      const result = await this.writer.execute(leadStream(leadId), at, context, async (history) => {
        const state = foldLead(history);
        const command = override ? await this.overrideCommand(state, market, override, context, at) : await this.automaticCommand(state, market!, at);
        return leadDecider.decide(command, state);
      });
      await this.readModels.waitFor(result.position);
      return result;
    };
    return market ? this.locks.run(market.marketId, decideAndAppend) : decideAndAppend();
  }

  private async automaticCommand(state: LeadState, market: MarketDoc, at: string): Promise<RouteLeadAutomatically> {
    const month = monthOf(at, market.timeZone);
    const allocations = await this.readModels.allocationsIn(market.marketId, month);
    const officers = new Map((await this.readModels.officers(allocations.map((a) => a.officerId))).map((o) => [o.officerId, o]));
    const standings = allocationStandings(allocations, officers);
    return {
      type: 'RouteLeadAutomatically',
      data: { leadId: state.lead!.leadId },
      routing: {
        marketId: market.marketId,
        month,
        paceTolerance: market.paceTolerance,
        allocations: standings,
        repeatBorrower: await this.repeatBorrower(state, market.dedupeWindowDays, at),
      },
      consentMaxAgeDays: this.config.consentMaxAgeDays,
      at,
    };
  }

  private async overrideCommand(
    state: LeadState,
    market: MarketDoc | null,
    override: { officerId: string; reason: string },
    context: RequestContext,
    at: string,
  ): Promise<RouteLeadToOfficer> {
    const officer = await this.readModels.officer(override.officerId);
    const month = market ? monthOf(at, market.timeZone) : null;
    const allocation = market && month ? await this.readModels.allocationOf(override.officerId, month) : null;
    const countsAgainst = allocation && allocation.marketId === market!.marketId && !allocation.cancelled;
    return {
      type: 'RouteLeadToOfficer',
      data: { leadId: state.lead!.leadId, officerId: override.officerId, reason: override.reason, by: context.actor },
      officer: officer && { active: officer.active, licensedStates: officer.licensedStates },
      marketId: market?.marketId ?? null,
      allocation: countsAgainst ? { officerId: override.officerId, month: month!, marketId: market!.marketId } : null,
      repeatBorrower: await this.repeatBorrower(state, market?.dedupeWindowDays ?? DEFAULT_DEDUPE_WINDOW_DAYS, at),
      consentMaxAgeDays: this.config.consentMaxAgeDays,
      at,
    };
  }

  /** The most recent live route of the same borrower (phone or email) inside the window, if any. */
  private async repeatBorrower(state: LeadState, windowDays: number, at: string): Promise<RepeatBorrower | null> {
    return repeatBorrowerOf(await this.readModels.borrowerRoutes(state.lead!.borrowerKeys), state.lead!.leadId, windowDays, at);
  }

  /** The market a lead belongs to (libs/audit routing-input: the verifier resolves it the same way). */
  private async marketOf(lead: LeadFacts): Promise<MarketDoc | null> {
    const named = lead.marketId ? await this.readModels.market(lead.marketId) : null;
    const inState = lead.marketId ? [] : await this.readModels.marketsInState(lead.property.state);
    return resolveMarket(lead, { byId: () => named, inState: () => inState });
  }
}
