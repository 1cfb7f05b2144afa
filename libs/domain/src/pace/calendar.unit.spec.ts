import { DATE_PATTERN, isValidTimeZone, localMidnight, MONTH_PATTERN, monthOf, monthWindow } from './calendar';

// Chicago is CDT (UTC-5) until 2026-11-01 02:00 local and CST (UTC-6) after; DST starts again
// 2026-03-08 02:00 local. Month boundaries are local midnights, so they move with the offset.
const chicago = 'America/Chicago';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

describe('calendar', () => {
  describe('monthWindow', () => {
    it('spans local midnight to local midnight across the November DST change (721 hours)', () => {
      const window = monthWindow('2026-11', chicago);
      expect(window).toStrictEqual({ from: '2026-11-01T05:00:00.000Z', to: '2026-12-01T06:00:00.000Z' });
      expect(Date.parse(window.to) - Date.parse(window.from)).toBe(721 * HOUR);
    });

    it('loses an hour across the March DST change (743 hours)', () => {
      const window = monthWindow('2026-03', chicago);
      expect(window).toStrictEqual({ from: '2026-03-01T06:00:00.000Z', to: '2026-04-01T05:00:00.000Z' });
      expect(Date.parse(window.to) - Date.parse(window.from)).toBe(743 * HOUR);
    });

    it('runs into the next year for December', () => {
      expect(monthWindow('2026-12', chicago)).toStrictEqual({ from: '2026-12-01T06:00:00.000Z', to: '2027-01-01T06:00:00.000Z' });
    });

    it('is 30 whole days for a 30-day month with no DST change', () => {
      const window = monthWindow('2026-09', chicago);
      expect(window).toStrictEqual({ from: '2026-09-01T05:00:00.000Z', to: '2026-10-01T05:00:00.000Z' });
      expect(Date.parse(window.to) - Date.parse(window.from)).toBe(30 * DAY);
    });

    it.each([
      ['UTC', '2026-02', { from: '2026-02-01T00:00:00.000Z', to: '2026-03-01T00:00:00.000Z' }],
      ['America/New_York', '2026-11', { from: '2026-11-01T04:00:00.000Z', to: '2026-12-01T05:00:00.000Z' }],
      ['Asia/Kolkata', '2026-11', { from: '2026-10-31T18:30:00.000Z', to: '2026-11-30T18:30:00.000Z' }],
    ])('uses the given zone (%s)', (zone, month, expected) => {
      expect(monthWindow(month, zone)).toStrictEqual(expected);
    });
  });

  describe('localMidnight', () => {
    it.each([
      ['2026-11-15', '2026-11-15T06:00:00.000Z'],
      // Midnight on the changeover day is still daylight time: the change happens at 02:00.
      ['2026-11-01', '2026-11-01T05:00:00.000Z'],
      ['2026-11-02', '2026-11-02T06:00:00.000Z'],
      ['2026-03-08', '2026-03-08T06:00:00.000Z'],
      ['2026-03-09', '2026-03-09T05:00:00.000Z'],
    ])('puts %s at %s in Chicago', (date, expected) => {
      expect(localMidnight(date, chicago)).toBe(expected);
    });

    it.each(['2026-02-30', '2026-04-31', '2026-13-01', '2026-00-10', 'not a date', '', '2026-11-15T10:00', '20261115'])(
      'is null for %p, which is not a calendar date',
      (date) => {
        expect(localMidnight(date, chicago)).toBeNull();
      },
    );

    it('is null in a zone that does not exist', () => {
      expect(localMidnight('2026-11-15', 'Mars/Olympus')).toBeNull();
    });

    it('accepts 29 February in a leap year only', () => {
      expect(localMidnight('2028-02-29', chicago)).toBe('2028-02-29T06:00:00.000Z');
      expect(localMidnight('2026-02-29', chicago)).toBeNull();
    });
  });

  describe('monthOf', () => {
    it.each([
      // Still 23:30 on 30 November in Chicago.
      ['2026-12-01T05:30:00.000Z', '2026-11'],
      ['2026-12-01T05:59:59.999Z', '2026-11'],
      ['2026-12-01T06:00:00.000Z', '2026-12'],
      ['2026-11-01T04:59:59.999Z', '2026-10'],
      ['2026-11-01T05:00:00.000Z', '2026-11'],
      ['2027-01-01T05:59:59.999Z', '2026-12'],
      ['2027-01-01T06:00:00.000Z', '2027-01'],
    ])('puts %s in %s in Chicago', (instant, month) => {
      expect(monthOf(instant, chicago)).toBe(month);
    });

    it('depends on the zone', () => {
      expect(monthOf('2026-12-01T05:30:00.000Z', 'UTC')).toBe('2026-12');
    });

    it('agrees with monthWindow at both ends', () => {
      const { from, to } = monthWindow('2026-11', chicago);
      expect(monthOf(from, chicago)).toBe('2026-11');
      expect(monthOf(new Date(Date.parse(to) - 1).toISOString(), chicago)).toBe('2026-11');
      expect(monthOf(to, chicago)).toBe('2026-12');
    });
  });

  describe('validation helpers', () => {
    it('knows IANA zones', () => {
      expect(isValidTimeZone('America/Chicago')).toBe(true);
      expect(isValidTimeZone('UTC')).toBe(true);
      expect(isValidTimeZone('Mars/Olympus')).toBe(false);
      expect(isValidTimeZone('')).toBe(false);
    });

    it('matches months and dates by shape', () => {
      expect(['2026-11', '2026-01', '2026-12'].every((m) => MONTH_PATTERN.test(m))).toBe(true);
      expect(['2026-13', '2026-00', '2026-1', '2026-11-01', '26-11'].some((m) => MONTH_PATTERN.test(m))).toBe(false);
      expect(['2026-11-15', '2026-02-28', '2026-12-31'].every((d) => DATE_PATTERN.test(d))).toBe(true);
      expect(['2026-11-32', '2026-11-00', '2026-11-5', '2026-11'].some((d) => DATE_PATTERN.test(d))).toBe(false);
    });
  });
});
