import { conflict } from '../errors';

/**
 * The manual clock for simulations and demos. Its time is a fact in the ledger, so it survives
 * restarts, and it only moves forward: rules that compare times must never see time run back.
 */
export type ManualClockEvent = { type: 'ManualClockSet'; schemaVersion: 1; data: { now: string; previous: string | null } };
export type SetManualClock = { type: 'SetManualClock'; data: { now: string } };
export type ManualClockState = { now: string | null };

export const initialManualClockState: ManualClockState = { now: null };

export function evolveManualClock(_state: ManualClockState, event: ManualClockEvent): ManualClockState {
  return { now: event.data.now };
}

export function decideManualClock(command: SetManualClock, state: ManualClockState): ManualClockEvent[] {
  const requested = Date.parse(command.data.now);
  if (state.now !== null) {
    const current = Date.parse(state.now);
    if (requested < current) throw conflict('CLOCK_BACKWARDS', `the clock is at ${state.now}; it only moves forward`);
    if (requested === current) return [];
  }
  return [{ type: 'ManualClockSet', schemaVersion: 1, data: { now: new Date(requested).toISOString(), previous: state.now } }];
}
