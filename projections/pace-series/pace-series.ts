import { DateTime } from 'luxon';
import { expectedByTime, paceFigures, PaceWindow, PauseInterval } from '@lead-ledger/domain';
import { HOUR_MS, PaceSeriesFields } from './pace-series.projection';

export type SeriesResolution = 'day' | 'hour';

export interface SeriesPoint {
  at: string;
  /** Days since the month's local start (0 … days in month), the chart's x value. */
  day: number;
  /** Cumulative net (routed − failed − credited) by `at`; null after `asOf`. */
  net: number | null;
  /** Cumulative deliveries by `at`; null after `asOf`. */
  delivered: number | null;
  /** expected(at) by the pace rule, with the pauses known at that time. */
  expected: number;
  /** After `asOf`: the expected line assumes no further pause (an open pause ends now). */
  projected: boolean;
}

export interface OfficerSeries {
  officerId: string;
  allocation: number;
  startsOn: string | null;
  activeFrom: string;
  paused: boolean;
  cancelled: boolean;
  summary: {
    assigned: number;
    delivered: number;
    credited: number;
    failed: number;
    net: number;
    expected: number;
    deficit: number;
    shortfall: number;
    paceRatio: number | null;
    behindBy: number;
    /** net ÷ allocation. */
    fulfilment: number;
  };
  points: SeriesPoint[];
  credits: Array<{ leadId: string; at: string; day: number; reason: string; net: number }>;
  creditsNotListed: number;
  recentLeads: Array<{ leadId: string; routedAt: string }>;
}

/**
 * The pacing chart of one allocation, from its read-model document: cumulative net and deliveries
 * at each local midnight (or hour) of the month up to `asOf`, and the expected line of the pace
 * rule over the whole month. Pure; the maths is libs/domain's, so the chart shows what routing saw.
 */
export function officerSeries(doc: PaceSeriesFields, options: { asOf: string; timeZone: string; resolution: SeriesResolution; calendar?: MonthCalendar }): OfficerSeries {
  const asOf = Date.parse(options.asOf);
  const from = Date.parse(doc.monthWindow.from);
  const to = Date.parse(doc.monthWindow.to);
  // Time-zone maths is the slow part (Luxon through Intl): callers charting many officers of one market share one calendar.
  const calendar = options.calendar && options.calendar.from === from && options.calendar.to === to ? options.calendar : monthCalendar(doc.monthWindow, options.timeZone);
  const dayOf = (t: number) => calendar.dayOf(t);

  // Prefix sums over the hourly buckets: the value at the start of hour h is sums[h].
  const netSums = prefixSums(doc.netByHour);
  const deliveredSums = prefixSums(doc.deliveredByHour);
  const hoursBefore = (t: number) => Math.min(doc.netByHour.length, Math.max(0, Math.ceil((t - from) / HOUR_MS)));
  // Activity after the month (late credits) belongs to the month's final value.
  const netAt = (t: number) => netSums[hoursBefore(t)] + (t >= to ? doc.netAfterMonth : 0);
  const deliveredAt = (t: number) => deliveredSums[hoursBefore(t)] + (t >= to ? doc.deliveredAfterMonth : 0);

  const times = pointTimes(calendar, asOf, options.resolution);
  const points = times.map((t): SeriesPoint => {
    const past = t <= asOf;
    // asOf itself may fall inside an hour: everything recorded so far counts.
    const atNow = t === asOf;
    return {
      at: new Date(t).toISOString(),
      day: round(dayOf(t), 6),
      net: past ? (atNow ? netSums[netSums.length - 1] + (t >= to ? doc.netAfterMonth : 0) : netAt(t)) : null,
      delivered: past ? (atNow ? deliveredSums[deliveredSums.length - 1] + (t >= to ? doc.deliveredAfterMonth : 0) : deliveredAt(t)) : null,
      expected: round(expectedAt(doc, t, asOf), 4),
      projected: !past,
    };
  });

  const figures = paceFigures(doc.leads, doc.assigned - doc.credited, paceWindow(doc, doc.pauses), asOf);
  const credits = doc.credits.map((credit) => {
    const t = Date.parse(credit.at);
    return { ...credit, day: round(dayOf(t), 6), net: t >= to ? netAt(to) : netSums[Math.min(netSums.length - 1, Math.floor((t - from) / HOUR_MS) + 1)] };
  });
  return {
    officerId: doc.officerId,
    allocation: doc.leads,
    startsOn: doc.startsOn,
    activeFrom: doc.activeFrom,
    paused: doc.paused,
    cancelled: doc.cancelled,
    summary: {
      assigned: doc.assigned,
      delivered: doc.delivered,
      credited: doc.credited,
      failed: doc.failed,
      net: figures.net,
      expected: figures.expected,
      deficit: figures.deficit,
      shortfall: figures.shortfall,
      paceRatio: figures.paceRatio,
      behindBy: figures.behindBy,
      fulfilment: doc.leads === 0 ? 0 : figures.net / doc.leads,
    },
    points,
    credits,
    creditsNotListed: doc.creditsNotListed,
    recentLeads: doc.recentLeads,
  };
}

/**
 * expected(t) as the rule knew it at t: pauses that began later did not exist yet, and a pause
 * that ended later was still in progress. After `asOf` the line is a projection: the pauses known
 * now, with an open pause taken to end now.
 */
export function expectedAt(doc: Pick<PaceSeriesFields, 'leads' | 'activeFrom' | 'monthWindow' | 'pauses'>, t: number, asOf: number): number {
  if (t <= asOf) return expectedByTime(doc.leads, paceWindow(doc, pausesKnownAt(doc.pauses, t)), t);
  const now = new Date(asOf).toISOString();
  const known = pausesKnownAt(doc.pauses, asOf).map((pause) => (pause.to === null ? { from: pause.from, to: now } : pause));
  return expectedByTime(doc.leads, paceWindow(doc, known), t);
}

export function pausesKnownAt(pauses: PauseInterval[], t: number): PauseInterval[] {
  return pauses
    .filter((pause) => Date.parse(pause.from) <= t)
    .map((pause) => (pause.to !== null && Date.parse(pause.to) <= t ? pause : { from: pause.from, to: null }));
}

function paceWindow(doc: Pick<PaceSeriesFields, 'activeFrom' | 'monthWindow'>, pauses: PauseInterval[]): PaceWindow {
  return { activeFrom: doc.activeFrom, activeTo: doc.monthWindow.to, pauses };
}

/** Local midnights (or hours) from the month's start to its end, plus `asOf` when it falls inside. */
function pointTimes(calendar: MonthCalendar, asOf: number, resolution: SeriesResolution): number[] {
  const { from, to } = calendar;
  const times: number[] = [];
  if (resolution === 'day') times.push(...calendar.midnights);
  else for (let t = from; t < to; t += HOUR_MS) times.push(t);
  times.push(to);
  if (asOf > from && asOf < to && !times.includes(asOf)) times.push(asOf);
  return times.sort((a, b) => a - b);
}

export interface MonthCalendar {
  from: number;
  to: number;
  /** Local midnights from the month's start (inclusive) to its end (exclusive), epoch ms. */
  midnights: number[];
  /** Days since the month's local start, fractional (a 23- or 25-hour day still counts as one). */
  dayOf(t: number): number;
}

/** The month's local days in a zone, computed once (Luxon), then looked up without it. */
export function monthCalendar(window: { from: string; to: string }, timeZone: string): MonthCalendar {
  const from = Date.parse(window.from);
  const to = Date.parse(window.to);
  const midnights: number[] = [];
  for (let day = DateTime.fromMillis(from, { zone: timeZone }); day.toMillis() < to; day = day.plus({ days: 1 })) midnights.push(day.toMillis());
  const bounds = [...midnights, to];
  return {
    from,
    to,
    midnights,
    dayOf(t: number) {
      if (t <= from) return 0;
      if (t >= to) return midnights.length;
      let low = 0;
      let high = midnights.length - 1;
      while (low < high) {
        const mid = (low + high + 1) >> 1;
        if (bounds[mid] <= t) low = mid;
        else high = mid - 1;
      }
      return low + (t - bounds[low]) / (bounds[low + 1] - bounds[low]);
    },
  };
}

function prefixSums(values: number[]): number[] {
  const sums = new Array<number>(values.length + 1);
  sums[0] = 0;
  for (let i = 0; i < values.length; i++) sums[i + 1] = sums[i] + values[i];
  return sums;
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
