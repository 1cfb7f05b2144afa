import { Inject, Injectable } from '@nestjs/common';
import { clockStream, evolveManualClock, initialManualClockState, ManualClockEvent, ManualClockState } from '@lead-ledger/domain';
import { Ledger } from '@lead-ledger/ledger/ledger.port';
import { LEDGER } from '../ledger/ledger.tokens';

/** The application's one source of time. Nothing else reads the system clock for a rule or an event. */
export abstract class Clock {
  abstract now(): Date;
  nowIso(): string {
    return this.now().toISOString();
  }
}

export class SystemClock extends Clock {
  now(): Date {
    return new Date();
  }
}

/**
 * CLOCK=manual: time stands still until `PUT /v1/admin/clock` moves it. Until the first PUT on a
 * fresh ledger it reads the system time.
 */
@Injectable()
export class ManualClock extends Clock {
  private state: ManualClockState = initialManualClockState;

  constructor(@Inject(LEDGER) private readonly ledger: Ledger) {
    super();
  }

  async load(): Promise<void> {
    const [last] = await this.ledger.readStream(clockStream(), { direction: 'backwards', maxCount: 1 });
    if (last) this.state = evolveManualClock(this.state, last as unknown as ManualClockEvent);
  }

  isSet(): boolean {
    return this.state.now !== null;
  }

  now(): Date {
    return this.state.now === null ? new Date() : new Date(this.state.now);
  }

  /** Called after a ManualClockSet is appended. */
  moveTo(state: ManualClockState): void {
    this.state = state;
  }
}
