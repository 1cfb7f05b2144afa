import { monthOf, monthWindow } from '@lead-ledger/domain';

/**
 * `monthOf(at, zone)` with the month windows remembered per zone: the verifier asks once per
 * routing decision, and Luxon's zone arithmetic would otherwise be a good part of its time. A
 * window is [local midnight of the 1st, next 1st), exactly what monthOf assigns to the month.
 */
export class MonthCalendar {
  private readonly windows = new Map<string, Array<{ from: number; to: number; month: string }>>();

  monthOf(at: string, timeZone: string): string {
    const t = Date.parse(at);
    let known = this.windows.get(timeZone);
    if (known === undefined) this.windows.set(timeZone, (known = []));
    for (const window of known) if (t >= window.from && t < window.to) return window.month;
    const month = monthOf(at, timeZone);
    const { from, to } = monthWindow(month, timeZone);
    if (t >= Date.parse(from) && t < Date.parse(to)) known.push({ from: Date.parse(from), to: Date.parse(to), month });
    return month;
  }
}
