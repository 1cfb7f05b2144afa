import { monthWindow } from './calendar';
import { activeElapsedMs, activeLengthMs, elapsedFraction, expectedByTime, isPausedAt, paceFigures, PaceWindow, PauseInterval } from './pace';

// September 2026 in Chicago: 30 days, all daylight time, so every local midnight is 05:00Z.
const monthStart = '2026-09-01T05:00:00.000Z';
const monthEnd = '2026-10-01T05:00:00.000Z';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('pace', () => {
  describe('a whole-month allocation of 30 in a 30-day month', () => {
    const window = aWindow();

    it.each([
      ['at the month start', sep(1), 0],
      ['after 10 days', sep(11), 10],
      ['at the middle', sep(16), 15],
      ['at the month end', Date.parse(monthEnd), 30],
    ])('expects allocation × elapsed ÷ length %s', (_, t, expected) => {
      expect(expectedByTime(30, window, t)).toBeCloseTo(expected, 9);
    });

    it('is exactly half way at the middle of the month', () => {
      expect(elapsedFraction(window, sep(16))).toBe(0.5);
      expect(expectedByTime(30, window, sep(16))).toBe(15);
    });

    it('grows continuously, not by whole days', () => {
      expect(expectedByTime(30, window, sep(16, 12))).toBeCloseTo(15.5, 9);
      expect(expectedByTime(30, window, Date.parse(monthEnd) - 1)).toBeLessThan(30);
    });

    it('expects nothing before the window opens', () => {
      expect(expectedByTime(30, window, sep(1) - 1)).toBe(0);
      expect(expectedByTime(30, window, sep(1) - 10 * DAY)).toBe(0);
      expect(activeElapsedMs(window, sep(1) - DAY)).toBe(0);
    });

    it('expects the whole allocation, and no more, after the month ends', () => {
      expect(expectedByTime(30, window, Date.parse(monthEnd) + 14 * DAY)).toBe(30);
      expect(elapsedFraction(window, Date.parse(monthEnd) + 14 * DAY)).toBe(1);
      expect(activeElapsedMs(window, Date.parse(monthEnd) + 14 * DAY)).toBe(30 * DAY);
    });
  });

  describe('a mid-month start (startsOn the 16th)', () => {
    const window = aWindow({ activeFrom: '2026-09-16T05:00:00.000Z' });

    it('prorates over the 15 days left: at the 23rd it expects 30 × 7/15 = 14', () => {
      expect(activeLengthMs(window, sep(23))).toBe(15 * DAY);
      expect(activeElapsedMs(window, sep(23))).toBe(7 * DAY);
      expect(expectedByTime(30, window, sep(23))).toBeCloseTo(14, 9);
      // The same instant in a whole-month window would expect 22: the start date really counts.
      expect(expectedByTime(30, aWindow(), sep(23))).toBeCloseTo(22, 9);
    });

    it('expects nothing before startsOn, and nothing at startsOn itself', () => {
      expect(expectedByTime(30, window, sep(10))).toBe(0);
      expect(expectedByTime(30, window, sep(16))).toBe(0);
    });

    it('expects the whole allocation at the month end', () => {
      expect(expectedByTime(30, window, Date.parse(monthEnd))).toBe(30);
    });
  });

  describe('pauses', () => {
    it('takes a closed pause out of both the elapsed time and the length', () => {
      const window = aWindow({ pauses: [{ from: iso(sep(6)), to: iso(sep(11)) }] });
      expect(activeElapsedMs(window, sep(16))).toBe(10 * DAY);
      expect(activeLengthMs(window, sep(16))).toBe(25 * DAY);
      expect(expectedByTime(30, window, sep(16))).toBeCloseTo(12, 9);
    });

    it('adds up several pauses', () => {
      const window = aWindow({
        pauses: [
          { from: iso(sep(3)), to: iso(sep(5)) },
          { from: iso(sep(9)), to: iso(sep(12)) },
        ],
      });
      expect(expectedByTime(30, window, sep(16))).toBeCloseTo(30 * (10 / 25), 9);
    });

    it('counts a pause in progress up to t, and freezes the elapsed time while paused', () => {
      const window = aWindow({ pauses: [{ from: iso(sep(11)), to: null }] });

      expect(activeElapsedMs(window, sep(16))).toBe(10 * DAY);
      expect(activeLengthMs(window, sep(16))).toBe(25 * DAY);
      expect(expectedByTime(30, window, sep(16))).toBeCloseTo(12, 9);

      expect(activeElapsedMs(window, sep(21))).toBe(10 * DAY);
      expect(activeLengthMs(window, sep(21))).toBe(20 * DAY);
      expect(expectedByTime(30, window, sep(21))).toBeCloseTo(15, 9);
    });

    it('resumes the clock after the pause closes', () => {
      const window = aWindow({ pauses: [{ from: iso(sep(11)), to: iso(sep(21)) }] });
      expect(activeElapsedMs(window, sep(26))).toBe(15 * DAY);
      expect(expectedByTime(30, window, sep(26))).toBeCloseTo(22.5, 9);
    });

    it('ignores the part of a pause before the window opens', () => {
      const window = aWindow({ activeFrom: '2026-09-16T05:00:00.000Z', pauses: [{ from: iso(sep(10)), to: iso(sep(18)) }] });
      expect(activeLengthMs(window, sep(23))).toBe(13 * DAY);
      expect(activeElapsedMs(window, sep(23))).toBe(5 * DAY);
      expect(expectedByTime(30, window, sep(23))).toBeCloseTo((30 * 5) / 13, 9);
    });

    it('expects the whole allocation after the month ends even if still paused', () => {
      const window = aWindow({ pauses: [{ from: iso(sep(26)), to: null }] });
      expect(activeLengthMs(window, Date.parse(monthEnd) + 4 * DAY)).toBe(25 * DAY);
      expect(expectedByTime(30, window, Date.parse(monthEnd) + 4 * DAY)).toBe(30);
    });

    it('expects nothing when paused since the window opened', () => {
      const window = aWindow({ pauses: [{ from: monthStart, to: null }] });
      expect(expectedByTime(30, window, sep(10))).toBe(0);
      expect(elapsedFraction(window, sep(10))).toBe(0);
    });

    it('is paused from the pause start (inclusive) to its end (exclusive)', () => {
      const closed: PauseInterval[] = [{ from: iso(sep(6)), to: iso(sep(11)) }];
      expect(isPausedAt(closed, sep(6) - 1)).toBe(false);
      expect(isPausedAt(closed, sep(6))).toBe(true);
      expect(isPausedAt(closed, sep(11) - 1)).toBe(true);
      expect(isPausedAt(closed, sep(11))).toBe(false);
      expect(isPausedAt([{ from: iso(sep(6)), to: null }], sep(29))).toBe(true);
      expect(isPausedAt([], sep(6))).toBe(false);
    });
  });

  describe('a month with a DST change', () => {
    it('paces by elapsed hours: November in Chicago has 721, so local midnight on the 16th is 361 of them', () => {
      const { from, to } = monthWindow('2026-11', 'America/Chicago');
      const window = aWindow({ activeFrom: from, activeTo: to });
      expect(expectedByTime(721, window, Date.parse('2026-11-16T06:00:00.000Z'))).toBeCloseTo(361, 9);
    });
  });

  describe('paceFigures', () => {
    it('reports an officer behind pace', () => {
      expect(paceFigures(20, 7, aWindow(), sep(16))).toStrictEqual({
        allocation: 20,
        net: 7,
        expected: 10,
        deficit: 3,
        shortfall: 0.15,
        paceRatio: 0.7,
        behindBy: 3,
        elapsedFraction: 0.5,
      });
    });

    it('counts only whole leads in behindBy', () => {
      // A quarter of the month: 7.5 days of 30.
      expect(paceFigures(30, 5, aWindow(), sep(8, 12))).toStrictEqual({
        allocation: 30,
        net: 5,
        expected: 7.5,
        deficit: 2.5,
        shortfall: 2.5 / 30,
        paceRatio: 5 / 7.5,
        behindBy: 2,
        elapsedFraction: 0.25,
      });
    });

    it('reports an officer ahead of pace with a negative deficit and nothing behind', () => {
      expect(paceFigures(20, 13, aWindow(), sep(16))).toStrictEqual({
        allocation: 20,
        net: 13,
        expected: 10,
        deficit: -3,
        shortfall: -0.15,
        paceRatio: 1.3,
        behindBy: 0,
        elapsedFraction: 0.5,
      });
    });

    it('has no pace ratio before any time has elapsed', () => {
      expect(paceFigures(20, 0, aWindow(), sep(1))).toMatchObject({ expected: 0, deficit: 0, shortfall: 0, paceRatio: null, behindBy: 0 });
      expect(paceFigures(20, 1, aWindow(), sep(1) - DAY)).toMatchObject({ expected: 0, deficit: -1, paceRatio: null, behindBy: 0 });
    });

    it('has no shortfall for an empty allocation', () => {
      expect(paceFigures(0, 0, aWindow(), sep(16))).toMatchObject({ expected: 0, shortfall: 0, paceRatio: null });
    });
  });

  // ---- helpers ----

  /** Local time in Chicago on a September day, as ms since epoch. */
  function sep(day: number, hour = 0): number {
    return Date.parse(monthStart) + (day - 1) * DAY + hour * HOUR;
  }

  function iso(t: number): string {
    return new Date(t).toISOString();
  }

  function aWindow(overrides: Partial<PaceWindow> = {}): PaceWindow {
    return { activeFrom: monthStart, activeTo: monthEnd, pauses: [], ...overrides };
  }
});
