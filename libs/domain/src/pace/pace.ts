/**
 * Allocation pace, as pure functions of the allocation's window and a time `t` (ms since epoch).
 *
 * The active window runs from max(month start, startsOn) to month end, less paused time. A pause
 * still in progress counts up to `t`, so the window's length is "as known at t":
 *   expected(t) = allocation × active time elapsed by t ÷ active window length
 *   net         = assigned − credited   (assigned: routed leads whose delivery has not failed)
 *   deficit     = expected − net
 *   shortfall   = deficit ÷ allocation  (relative, so small accounts are not starved by big ones)
 */
export interface PauseInterval {
  from: string;
  /** null while the pause is in progress. */
  to: string | null;
}

export interface PaceWindow {
  /** max(month start, startsOn local midnight), ISO UTC. */
  activeFrom: string;
  /** Month end (exclusive), ISO UTC. */
  activeTo: string;
  pauses: PauseInterval[];
}

export interface PaceFigures {
  allocation: number;
  net: number;
  expected: number;
  deficit: number;
  shortfall: number;
  /** net ÷ expected: 1 is on pace, below 1 behind; null before any time has elapsed. */
  paceRatio: number | null;
  /** Whole leads behind pace now (0 when on or ahead of pace). */
  behindBy: number;
  /** Fraction of the active window elapsed by t, 0..1. */
  elapsedFraction: number;
}

export function activeLengthMs(window: PaceWindow, t: number): number {
  const from = Date.parse(window.activeFrom);
  const to = Date.parse(window.activeTo);
  return Math.max(0, to - from - pausedMs(window.pauses, from, to, t));
}

export function activeElapsedMs(window: PaceWindow, t: number): number {
  const from = Date.parse(window.activeFrom);
  const until = Math.min(t, Date.parse(window.activeTo));
  if (until <= from) return 0;
  return Math.max(0, until - from - pausedMs(window.pauses, from, until, t));
}

export function elapsedFraction(window: PaceWindow, t: number): number {
  const length = activeLengthMs(window, t);
  return length === 0 ? 0 : Math.min(1, activeElapsedMs(window, t) / length);
}

export function expectedByTime(allocation: number, window: PaceWindow, t: number): number {
  return allocation * elapsedFraction(window, t);
}

export function paceFigures(allocation: number, net: number, window: PaceWindow, t: number): PaceFigures {
  const fraction = elapsedFraction(window, t);
  const expected = allocation * fraction;
  const deficit = expected - net;
  return {
    allocation,
    net,
    expected,
    deficit,
    shortfall: allocation === 0 ? 0 : deficit / allocation,
    paceRatio: expected === 0 ? null : net / expected,
    behindBy: Math.max(0, Math.floor(deficit)),
    elapsedFraction: fraction,
  };
}

export function isPausedAt(pauses: PauseInterval[], t: number): boolean {
  return pauses.some((pause) => Date.parse(pause.from) <= t && (pause.to === null || t < Date.parse(pause.to)));
}

/** Paused time overlapping [from, to); a pause in progress runs up to `t`. */
function pausedMs(pauses: PauseInterval[], from: number, to: number, t: number): number {
  let total = 0;
  for (const pause of pauses) {
    const start = Math.max(from, Date.parse(pause.from));
    const end = Math.min(to, pause.to === null ? t : Date.parse(pause.to));
    if (end > start) total += end - start;
  }
  return total;
}
