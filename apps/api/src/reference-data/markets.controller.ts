import { Body, Controller, Get, Inject, Param, Put, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
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
import { SLUG_PATTERN } from '../leads/leads.dto';
import { ApiErrorResponses, ApiWriteHeaders } from '../observability/openapi';
import { MarketView } from './reference-data.responses';
import { RequireScope } from '../auth/require-scope.decorator';

@ApiTags('markets')
@Controller('v1/markets')
export class MarketsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly clock: Clock,
    private readonly readModels: ReadModels,
    @Inject(LEDGER) private readonly ledger: Ledger,
  ) {}

  /** 201 when this opens the market; 200 when it changes it, or when nothing differed (no event). */
  @RequireScope('allocations:admin')
  @Put(':marketId')
  @ApiOperation({ summary: "Open a market or replace its settings (MarketOpened / MarketChanged)" })
  @ApiParam({ name: 'marketId', schema: { type: 'string', pattern: SLUG_PATTERN, example: 'dfw' } })
  @ApiWriteHeaders()
  @ApiCreatedResponse({ type: MarketView, description: 'Opened' })
  @ApiOkResponse({ type: MarketView, description: 'Changed, or nothing differed (no event)' })
  @ApiErrorResponses(400, 409, 422, 503)
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

  @RequireScope('allocations:read')
  @Get(':marketId')
  @ApiOperation({ summary: "A market's settings (ETag: its revision)" })
  @ApiParam({ name: 'marketId', schema: { type: 'string', pattern: SLUG_PATTERN, example: 'dfw' } })
  @ApiOkResponse({ type: MarketView })
  @ApiErrorResponses(400, 404, 503)
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
