import { Body, Controller, Get, HttpCode, Put } from '@nestjs/common';
import { clockStream, decideManualClock, evolveManualClock, initialManualClockState, ManualClockEvent } from '@lead-ledger/domain';
import { IsISO8601, Matches } from 'class-validator';
import { EventStreamWriter } from '../ledger/event-stream-writer';
import { Ctx, RequestContext } from '../http/request-context';
import { ManualClock } from './clock';

export class SetClockDto {
  /** The new service time, ISO-8601 with a zone, e.g. 2026-11-03T14:00:00Z. */
  @IsISO8601({ strict: true, strictSeparator: true })
  @Matches(/(Z|[+-]\d{2}:?\d{2})$/, { message: 'now must name its zone: end with Z or an offset such as +02:00' })
  now: string;
}

/** Registered only with CLOCK=manual; with the system clock these routes do not exist (404). */
@Controller('v1/admin/clock')
export class ClockController {
  constructor(
    private readonly clock: ManualClock,
    private readonly writer: EventStreamWriter,
  ) {}

  @Get()
  read() {
    return { mode: 'manual', now: this.clock.nowIso(), set: this.clock.isSet() };
  }

  @Put()
  @HttpCode(200)
  async set(@Body() body: SetClockDto, @Ctx() context: RequestContext) {
    const at = new Date(body.now).toISOString();
    const result = await this.writer.execute(clockStream(), at, context, (history) =>
      decideManualClock({ type: 'SetManualClock', data: { now: body.now } }, foldClock(history)),
    );
    const latest = foldClock(result.events);
    if (latest.now !== null && (!this.clock.isSet() || Date.parse(latest.now) > this.clock.now().getTime())) this.clock.moveTo(latest);
    return { mode: 'manual', now: this.clock.nowIso(), set: true, revision: Number(result.revision), position: result.position.toString() };
  }
}

function foldClock(history: Array<{ type: string; schemaVersion: number; data: object }>) {
  return history.reduce((state, event) => evolveManualClock(state, event as ManualClockEvent), initialManualClockState);
}
