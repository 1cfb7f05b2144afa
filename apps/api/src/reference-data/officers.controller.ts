import { Body, Controller, Get, Inject, Param, Put, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { notFound, officerStream } from '@lead-ledger/domain';
import { Ledger } from '@lead-ledger/ledger/ledger.port';
import type { FastifyReply } from 'fastify';
import { Clock } from '../clock/clock';
import { Ctx, RequestContext } from '../http/request-context';
import { LEDGER } from '../ledger/ledger.tokens';
import { ReadModels } from '../read-models/read-models';
import { SetOfficerProfileCommand } from './officer-commands';
import { OfficerProfileDto } from './officers.dto';
import { SlugParam } from './params';
import { writeReceipt } from './stream-decisions';
import { SLUG_PATTERN } from '../leads/leads.dto';
import { ApiErrorResponses, ApiWriteHeaders } from '../observability/openapi';
import { OfficerView } from './reference-data.responses';
import { RequireScope } from '../auth/require-scope.decorator';

@ApiTags('officers')
@Controller('v1/officers')
export class OfficersController {
  constructor(
    private readonly commands: CommandBus,
    private readonly clock: Clock,
    private readonly readModels: ReadModels,
    @Inject(LEDGER) private readonly ledger: Ledger,
  ) {}

  /** 201 when this onboards the officer; 200 when it changes the profile, or when nothing differed (no event). */
  @RequireScope('allocations:admin')
  @Put(':officerId')
  @ApiOperation({ summary: "Onboard a loan officer or replace their profile (OfficerOnboarded / OfficerChanged)" })
  @ApiParam({ name: 'officerId', schema: { type: 'string', pattern: SLUG_PATTERN, example: 'lo-ana' } })
  @ApiWriteHeaders()
  @ApiCreatedResponse({ type: OfficerView, description: 'Onboarded' })
  @ApiOkResponse({ type: OfficerView, description: 'Changed, or nothing differed (no event)' })
  @ApiErrorResponses(400, 409, 422, 503)
  async put(
    @Param('officerId', new SlugParam('officerId')) officerId: string,
    @Body() body: OfficerProfileDto,
    @Ctx() context: RequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const data = { officerId, name: body.name, nmlsId: body.nmlsId, licensedStates: body.licensedStates, active: body.active };
    const write = await this.commands.execute(new SetOfficerProfileCommand({ type: 'SetOfficerProfile', data, at: this.clock.nowIso() }, context));
    void reply.status(write.appended.some((event) => event.type === 'OfficerOnboarded') ? 201 : 200);
    return { ...write.state.profile!, ...writeReceipt(reply, write) };
  }

  @RequireScope('allocations:read')
  @Get(':officerId')
  @ApiOperation({ summary: "An officer's profile (ETag: its revision)" })
  @ApiParam({ name: 'officerId', schema: { type: 'string', pattern: SLUG_PATTERN, example: 'lo-ana' } })
  @ApiOkResponse({ type: OfficerView })
  @ApiErrorResponses(400, 404, 503)
  async get(@Param('officerId', new SlugParam('officerId')) officerId: string, @Res({ passthrough: true }) reply: FastifyReply) {
    await this.readModels.catchUpWithLedger();
    const doc = await this.readModels.officer(officerId);
    if (doc === null) throw notFound('OFFICER_NOT_FOUND', `officer ${officerId} does not exist`);
    const { _id, _position, ...profile } = doc;
    const revision = await this.ledger.streamRevision(officerStream(officerId));
    void reply.header('etag', `"${revision}"`);
    return { ...profile, revision: Number(revision), position: _position };
  }
}
