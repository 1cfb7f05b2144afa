import { Body, Controller, Get, HttpCode, Param, Post, Put, Query, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBody, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { AllocationState, notFound, paceFigures } from '@lead-ledger/domain';
import { AllocationPaceDoc } from '@lead-ledger/projections';
import type { FastifyReply } from 'fastify';
import { Clock } from '../clock/clock';
import { Ctx, RequestContext } from '../http/request-context';
import { ReadModels } from '../read-models/read-models';
import { CancelAllocationCommand, ContractAllocationCommand, PauseAllocationCommand, ResumeAllocationCommand } from './allocation-commands';
import { AllocationReasonDto, ContractAllocationDto, PaceTableQueryDto } from './allocations.dto';
import { MonthParam, NoFields, SlugParam } from './params';
import { DecidedWrite, writeReceipt } from './stream-decisions';
import { SLUG_PATTERN } from '../leads/leads.dto';
import { ApiErrorResponses, ApiWriteHeaders } from '../observability/openapi';
import { AllocationView, PaceTable } from './reference-data.responses';
import { RequireScope } from '../auth/require-scope.decorator';

/** One officer's allocation in one month: contract or change it, pause, resume, cancel. */
@ApiTags('allocations')
@Controller('v1/officers/:officerId/allocations/:month')
export class AllocationsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly clock: Clock,
  ) {}

  /** 201 when this contracts the allocation; 200 when it changes the terms, or when nothing differed (no event). */
  @RequireScope('allocations:admin')
  @Put()
  @ApiOperation({ summary: "Contract an officer's monthly allocation in a market, or change its terms (AllocationContracted / AllocationChanged)" })
  @ApiParam({ name: 'officerId', schema: { type: 'string', pattern: SLUG_PATTERN, example: 'lo-ana' } })
  @ApiParam({ name: 'month', schema: { type: 'string', pattern: '^\\d{4}-(0[1-9]|1[0-2])$', example: '2026-11' } })
  @ApiWriteHeaders()
  @ApiCreatedResponse({ type: AllocationView, description: 'Contracted' })
  @ApiOkResponse({ type: AllocationView, description: 'Terms changed, or nothing differed (no event)' })
  @ApiErrorResponses(400, 404, 409, 422, 503)
  async contract(
    @Param('officerId', new SlugParam('officerId')) officerId: string,
    @Param('month', new MonthParam()) month: string,
    @Body() body: ContractAllocationDto,
    @Ctx() context: RequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const data = {
      officerId,
      month,
      marketId: body.marketId,
      leads: body.leads,
      startsOn: body.startsOn ?? null,
      filters: { ...body.filters },
    };
    const write = await this.commands.execute(new ContractAllocationCommand({ data, at: this.clock.nowIso() }, context));
    void reply.status(write.appended.some((event) => event.type === 'AllocationContracted') ? 201 : 200);
    return allocationView(reply, write);
  }

  @RequireScope('allocations:admin')
  @Post('pause')
  @HttpCode(200)
  @ApiOperation({ summary: 'Pause an allocation: no leads, and paused time does not count towards pace (AllocationPaused)' })
  @ApiParam({ name: 'officerId', schema: { type: 'string', pattern: SLUG_PATTERN, example: 'lo-ana' } })
  @ApiParam({ name: 'month', schema: { type: 'string', pattern: '^\\d{4}-(0[1-9]|1[0-2])$', example: '2026-11' } })
  @ApiWriteHeaders()
  @ApiOkResponse({ type: AllocationView })
  @ApiErrorResponses(400, 404, 409, 422, 503)
  async pause(
    @Param('officerId', new SlugParam('officerId')) officerId: string,
    @Param('month', new MonthParam()) month: string,
    @Body() body: AllocationReasonDto,
    @Ctx() context: RequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const command = { type: 'PauseAllocation' as const, data: { officerId, month, reason: body.reason }, at: this.clock.nowIso() };
    return allocationView(reply, await this.commands.execute(new PauseAllocationCommand(command, context)));
  }

  @RequireScope('allocations:admin')
  @Post('resume')
  @HttpCode(200)
  @ApiOperation({ summary: 'Resume a paused allocation (AllocationResumed); the body is {}' })
  @ApiParam({ name: 'officerId', schema: { type: 'string', pattern: SLUG_PATTERN, example: 'lo-ana' } })
  @ApiParam({ name: 'month', schema: { type: 'string', pattern: '^\\d{4}-(0[1-9]|1[0-2])$', example: '2026-11' } })
  @ApiBody({ schema: { type: 'object', additionalProperties: false, example: {} }, required: false })
  @ApiWriteHeaders()
  @ApiOkResponse({ type: AllocationView })
  @ApiErrorResponses(400, 404, 409, 422, 503)
  async resume(
    @Param('officerId', new SlugParam('officerId')) officerId: string,
    @Param('month', new MonthParam()) month: string,
    @Body(new NoFields()) _body: Record<string, never>,
    @Ctx() context: RequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const command = { type: 'ResumeAllocation' as const, data: { officerId, month }, at: this.clock.nowIso() };
    return allocationView(reply, await this.commands.execute(new ResumeAllocationCommand(command, context)));
  }

  @RequireScope('allocations:admin')
  @Post('cancel')
  @HttpCode(200)
  @ApiOperation({ summary: 'Cancel an allocation for the rest of the month (AllocationCancelled)' })
  @ApiParam({ name: 'officerId', schema: { type: 'string', pattern: SLUG_PATTERN, example: 'lo-ana' } })
  @ApiParam({ name: 'month', schema: { type: 'string', pattern: '^\\d{4}-(0[1-9]|1[0-2])$', example: '2026-11' } })
  @ApiWriteHeaders()
  @ApiOkResponse({ type: AllocationView })
  @ApiErrorResponses(400, 404, 409, 422, 503)
  async cancel(
    @Param('officerId', new SlugParam('officerId')) officerId: string,
    @Param('month', new MonthParam()) month: string,
    @Body() body: AllocationReasonDto,
    @Ctx() context: RequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const command = { type: 'CancelAllocation' as const, data: { officerId, month, reason: body.reason }, at: this.clock.nowIso() };
    return allocationView(reply, await this.commands.execute(new CancelAllocationCommand(command, context)));
  }
}

/** The allocation-pace table of one market and month, as of the service's clock. */
@ApiTags('allocations')
@Controller('v1/allocations')
export class AllocationPaceController {
  constructor(
    private readonly readModels: ReadModels,
    private readonly clock: Clock,
  ) {}

  @RequireScope('allocations:read')
  @Get(':month')
  @ApiOperation({ summary: "The month's pace table of a market: every officer's allocation, net, expected, deficit and shortfall now" })
  @ApiParam({ name: 'month', schema: { type: 'string', pattern: '^\\d{4}-(0[1-9]|1[0-2])$', example: '2026-11' } })
  @ApiOkResponse({ type: PaceTable })
  @ApiErrorResponses(400, 404, 503)
  async table(@Param('month', new MonthParam()) month: string, @Query() query: PaceTableQueryDto) {
    // Read-your-writes: the table reflects every write acknowledged before this request.
    await this.readModels.catchUpWithLedger();
    const market = await this.readModels.market(query.marketId);
    if (market === null) throw notFound('MARKET_NOT_FOUND', `market ${query.marketId} does not exist`);
    const asOf = this.clock.nowIso();
    const allocations = await this.readModels.allocationsIn(query.marketId, month);
    return { month, marketId: query.marketId, asOf, officers: allocations.map((doc) => paceRow(doc, Date.parse(asOf))) };
  }
}

function allocationView(reply: FastifyReply, write: DecidedWrite<AllocationState>) {
  const { terms, paused, cancelled } = write.state;
  return { ...terms!, paused, cancelled, ...writeReceipt(reply, write) };
}

function paceRow(doc: AllocationPaceDoc, t: number) {
  const pace = paceFigures(doc.leads, doc.assigned - doc.credited, { activeFrom: doc.activeFrom, activeTo: doc.monthWindow.to, pauses: doc.pauses }, t);
  return {
    officerId: doc.officerId,
    marketId: doc.marketId,
    allocation: doc.leads,
    startsOn: doc.startsOn,
    activeFrom: doc.activeFrom,
    paused: doc.paused,
    cancelled: doc.cancelled,
    assigned: doc.assigned,
    delivered: doc.delivered,
    credited: doc.credited,
    net: pace.net,
    expected: pace.expected,
    deficit: pace.deficit,
    shortfall: pace.shortfall,
    paceRatio: pace.paceRatio,
    behindBy: pace.behindBy,
    lastDeliveredAt: doc.lastDeliveredAt,
  };
}
