import { Body, Controller, Get, Inject, Param, Put, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { MarketSettingsV1, marketStream, notFound } from '@lead-ledger/domain';
import { Ledger } from '@lead-ledger/ledger/ledger.port';
import type { FastifyReply } from 'fastify';
import { Clock } from '../clock/clock';
import { Ctx, RequestContext } from '../http/request-context';
import { LEDGER } from '../ledger/ledger.tokens';
import { ReadModels } from '../read-models/read-models';
import { SetMarketSettingsCommand } from './market-commands';
import { DEFAULT_DEDUPE_WINDOW_DAYS, MarketSettingsDto } from './markets.dto';
import { SlugParam } from './params';
import { writeReceipt } from './stream-decisions';

@Controller('v1/markets')
export class MarketsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly clock: Clock,
    private readonly readModels: ReadModels,
    @Inject(LEDGER) private readonly ledger: Ledger,
  ) {}

  /** 201 when this opens the market; 200 when it changes it, or when nothing differed (no event). */
  @Put(':marketId')
  async put(
    @Param('marketId', new SlugParam('marketId')) marketId: string,
    @Body() body: MarketSettingsDto,
    @Ctx() context: RequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const data: MarketSettingsV1 = {
      marketId,
      name: body.name,
      states: body.states,
      zipPrefixes: body.zipPrefixes ?? [],
      seatCap: body.seatCap,
      timeZone: body.timeZone,
      paceTolerance: body.paceTolerance ?? null,
      dedupeWindowDays: body.dedupeWindowDays ?? DEFAULT_DEDUPE_WINDOW_DAYS,
    };
    const write = await this.commands.execute(new SetMarketSettingsCommand({ type: 'SetMarketSettings', data, at: this.clock.nowIso() }, context));
    void reply.status(write.appended.some((event) => event.type === 'MarketOpened') ? 201 : 200);
    return { ...write.state.settings!, ...writeReceipt(reply, write) };
  }

  @Get(':marketId')
  async get(@Param('marketId', new SlugParam('marketId')) marketId: string, @Res({ passthrough: true }) reply: FastifyReply) {
    await this.readModels.catchUpWithLedger();
    const doc = await this.readModels.market(marketId);
    if (doc === null) throw notFound('MARKET_NOT_FOUND', `market ${marketId} does not exist`);
    const { _id, _position, ...settings } = doc;
    const revision = await this.ledger.streamRevision(marketStream(marketId));
    void reply.header('etag', `"${revision}"`);
    return { ...settings, revision: Number(revision), position: _position };
  }
}
