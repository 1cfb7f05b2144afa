import { DateTime, IANAZone } from 'luxon';

/**
 * Month boundaries are local midnights in the market's IANA time zone (e.g. America/Chicago), so a
 * Texas month starts at 2026-11-01T05:00Z, not at UTC midnight. `startsOn` dates are local midnight
 * in the same zone.
 */
export const MONTH_PATTERN = /^(\d{4})-(0[1-9]|1[0-2])$/;
export const DATE_PATTERN = /^(\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;

export function isValidTimeZone(zone: string): boolean {
  return IANAZone.isValidZone(zone);
}

/** [start, end) of a calendar month in a zone, as UTC ISO strings. */
export function monthWindow(month: string, timeZone: string): { from: string; to: string } {
  const [year, monthNumber] = month.split('-').map(Number);
  const start = DateTime.fromObject({ year, month: monthNumber, day: 1 }, { zone: timeZone });
  return { from: utcIso(start), to: utcIso(start.plus({ months: 1 })) };
}

/** Local midnight of a `YYYY-MM-DD` date in a zone, or null if the date does not exist (2026-02-30). */
export function localMidnight(date: string, timeZone: string): string | null {
  const parsed = DateTime.fromISO(date, { zone: timeZone });
  return parsed.isValid && parsed.toISODate() === date ? utcIso(parsed.startOf('day')) : null;
}

/** The `YYYY-MM` month an instant falls in, in a zone. */
export function monthOf(instant: string, timeZone: string): string {
  return DateTime.fromISO(instant, { zone: 'utc' }).setZone(timeZone).toFormat('yyyy-MM');
}

function utcIso(value: DateTime): string {
  return value.toUTC().toISO({ suppressMilliseconds: false })!;
}
