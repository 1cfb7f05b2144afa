import { expectedByTime } from '@lead-ledger/domain';
import { expectedAt, officerSeries, pausesKnownAt, PaceSeriesFields, hoursIn } from '@lead-ledger/projections';

describe('pace series maths', () => {
  it('given a mid-month start, then expected is 0 before it and reaches the allocation at the month end', () => {
    const doc = anAllocation({ startsOn: '2026-11-16', activeFrom: '2026-11-16T06:00:00.000Z' });
    const series = officerSeries(doc, { asOf: '2026-12-02T00:00:00.000Z', timeZone: 'America/Chicago', resolution: 'day' });
    const byDay = new Map(series.points.map((point) => [point.day, point.expected]));
    expect(byDay.get(10)).toBe(0);
    expect(byDay.get(15)).toBe(0);
    expect(byDay.get(30)).toBe(30);
    // Halfway through the active window, half the allocation.
    const halfway = (Date.parse('2026-11-16T06:00:00.000Z') + Date.parse(WINDOW.to)) / 2;
    expect(expectedAt(doc, halfway, halfway)).toBeCloseTo(15, 6);
  });

  it('given a pause that ended later, then at a time inside it the rule saw a pause in progress (the window as known then)', () => {
    const pauses = [{ from: '2026-11-10T06:00:00.000Z', to: '2026-11-15T06:00:00.000Z' }];
    const doc = anAllocation({ pauses });
    const t = Date.parse('2026-11-12T06:00:00.000Z');
    expect(pausesKnownAt(pauses, t)).toEqual([{ from: pauses[0].from, to: null }]);
    const asKnownThen = expectedByTime(30, { activeFrom: WINDOW.from, activeTo: WINDOW.to, pauses: [{ from: pauses[0].from, to: null }] }, t);
    expect(expectedAt(doc, t, Date.parse('2026-11-20T00:00:00.000Z'))).toBeCloseTo(asKnownThen, 9);
    // Before the pause began it did not exist yet.
    const before = Date.parse('2026-11-05T06:00:00.000Z');
    expect(expectedAt(doc, before, Date.parse('2026-11-20T00:00:00.000Z'))).toBeCloseTo(expectedByTime(30, { activeFrom: WINDOW.from, activeTo: WINDOW.to, pauses: [] }, before), 9);
  });

  it('given a pause still in progress at asOf, then points after asOf are projected as if it ended now, reaching the allocation at the month end', () => {
    const doc = anAllocation({ pauses: [{ from: '2026-11-10T06:00:00.000Z', to: null }], paused: true });
    const series = officerSeries(doc, { asOf: '2026-11-12T06:00:00.000Z', timeZone: 'America/Chicago', resolution: 'day' });
    const last = series.points[series.points.length - 1];
    expect(last).toMatchObject({ day: 30, net: null, projected: true });
    expect(last.expected).toBeCloseTo(30, 6);
    const now = series.points.find((point) => point.at === '2026-11-12T06:00:00.000Z')!;
    expect(now.projected).toBe(false);
    // During the pause the elapsed active time stands still.
    const pauseStart = series.points.find((point) => point.at === '2026-11-10T06:00:00.000Z')!;
    expect(now.expected).toBeGreaterThanOrEqual(pauseStart.expected);
  });

  it('given hour resolution, then there is a point for every hour of the month and one at asOf', () => {
    const doc = anAllocation({});
    const series = officerSeries(doc, { asOf: '2026-11-03T10:30:00.000Z', timeZone: 'America/Chicago', resolution: 'hour' });
    expect(series.points).toHaveLength(hoursIn(WINDOW) + 2);
    expect(series.points.filter((point) => point.net !== null).at(-1)!.at).toBe('2026-11-03T10:30:00.000Z');
  });

  function anAllocation(overrides: Partial<PaceSeriesFields>): PaceSeriesFields {
    const hours = hoursIn(WINDOW);
    return {
      officerId: 'lo-1',
      month: '2026-11',
      marketId: 'dfw',
      leads: 30,
      startsOn: null,
      filters: {},
      monthWindow: WINDOW,
      activeFrom: WINDOW.from,
      pauses: [],
      paused: false,
      cancelled: false,
      netByHour: new Array(hours).fill(0),
      deliveredByHour: new Array(hours).fill(0),
      netAfterMonth: 0,
      deliveredAfterMonth: 0,
      assigned: 0,
      delivered: 0,
      credited: 0,
      failed: 0,
      credits: [],
      creditsNotListed: 0,
      recentLeads: [],
      ...overrides,
    };
  }
});

const WINDOW = { from: '2026-11-01T05:00:00.000Z', to: '2026-12-01T06:00:00.000Z' };
