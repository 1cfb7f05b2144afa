import { Body, Controller, Get, HttpCode, Put, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { clockStream, decideManualClock, evolveManualClock, initialManualClockState, ManualClockEvent } from '@lead-ledger/domain';
import { IsISO8601, Matches } from 'class-validator';
import { EventStreamWriter } from '../ledger/event-stream-writer';
import { Ctx, RequestContext } from '../http/request-context';
import { ManualClock } from './clock';
import { ApiErrorResponses, ApiWriteHeaders } from '../observability/openapi';
import { RequireScope } from '../auth/require-scope.decorator';

export class SetClockDto {
  /** The new service time, ISO-8601 with a zone, e.g. 2026-11-03T14:00:00Z. */
  @ApiProperty({ format: 'date-time', example: '2026-11-03T14:00:00Z', description: 'The new service time, with its zone; only forward' })
  @IsISO8601({ strict: true, strictSeparator: true })
  @Matches(/(Z|[+-]\d{2}:?\d{2})$/, { message: 'now must name its zone: end with Z or an offset such as +02:00' })
  now: string;
}

class ClockView {
  @ApiProperty({ enum: ['manual'] }) mode: 'manual';
  @ApiProperty({ format: 'date-time', description: "The service's time now" }) now: string;
  @ApiProperty({ description: 'False until the clock is first set (it then reads the system time)' }) set: boolean;
}

class ClockWriteView extends ClockView {
  @ApiProperty({ type: 'integer' }) revision: number;
  @ApiProperty() position: string;
}

/** Registered only with CLOCK=manual; with the system clock these routes do not exist (404). */
@ApiTags('clock')
@Controller('v1/admin/clock')
export class ClockController {
  constructor(
    private readonly clock: ManualClock,
    private readonly writer: EventStreamWriter,
  ) {}

  @RequireScope('clock:admin')
  @Get()
  @ApiOperation({ summary: "The service's manual clock (CLOCK=manual only)" })
  @ApiOkResponse({ type: ClockView })
  read() {
    return { mode: 'manual', now: this.clock.nowIso(), set: this.clock.isSet() };
  }

  @RequireScope('clock:admin')
  @Put()
  @HttpCode(200)
  @ApiOperation({ summary: "Move the service's manual clock forward (ManualClockSet; CLOCK=manual only)" })
  @ApiWriteHeaders()
  @ApiOkResponse({ type: ClockWriteView })
  @ApiErrorResponses(400, 409, 503)
  async set(@Body() body: SetClockDto, @Ctx() context: RequestContext, @Res({ passthrough: true }) reply: FastifyReply) {
    const at = new Date(body.now).toISOString();
    const result = await this.writer.execute(clockStream(), at, context, (history) =>
      decideManualClock({ type: 'SetManualClock', data: { now: body.now } }, foldClock(history)),
    );
    if (result.replayed) void reply.header('idempotent-replayed', 'true');
    const latest = foldClock(result.events);
    if (latest.now !== null && (!this.clock.isSet() || Date.parse(latest.now) > this.clock.now().getTime())) this.clock.moveTo(latest);
    return { mode: 'manual', now: this.clock.nowIso(), set: true, revision: Number(result.revision), position: result.position.toString() };
  }
}

function foldClock(history: Array<{ type: string; schemaVersion: number; data: object }>) {
  return history.reduce((state, event) => evolveManualClock(state, event as ManualClockEvent), initialManualClockState);
}
