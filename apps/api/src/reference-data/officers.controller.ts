import { Body, Controller, Get, Inject, Param, Put, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
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

@Controller('v1/officers')
export class OfficersController {
  constructor(
    private readonly commands: CommandBus,
    private readonly clock: Clock,
    private readonly readModels: ReadModels,
    @Inject(LEDGER) private readonly ledger: Ledger,
  ) {}

  /** 201 when this onboards the officer; 200 when it changes the profile, or when nothing differed (no event). */
  @Put(':officerId')
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

  @Get(':officerId')
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
