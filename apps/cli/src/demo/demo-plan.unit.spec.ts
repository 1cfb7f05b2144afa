import { DateTime } from 'luxon';
import { DEMO_MARKETS, planArrivals, planOfficers, seeded } from './demo-plan';
import { defaultMonth } from './generate-demo';

describe('demo plan', () => {
  const dfw = DEMO_MARKETS[0];
  const from = Date.parse('2026-11-01T05:00:00.000Z');
  const to = Date.parse('2026-12-01T06:00:00.000Z');

  it('given a lead count, then exactly that many arrive, all inside the window', () => {
    const arrivals = planArrivals(dfw, 3000, from, to, seeded(1));
    expect(arrivals).toHaveLength(3000);
    expect(arrivals.every((arrival) => arrival.at >= from && arrival.at < to && arrival.marketId === 'dfw')).toBe(true);
  });

  it('then leads arrive mostly in the local daytime and on weekdays', () => {
    const local = planArrivals(dfw, 6000, from, to, seeded(2)).map((arrival) => DateTime.fromMillis(arrival.at, { zone: dfw.timeZone }));
    const night = local.filter((t) => t.hour < 6).length;
    const midday = local.filter((t) => t.hour >= 9 && t.hour < 15).length;
    expect(midday).toBeGreaterThan(8 * night);
    // November 2026 has 9 weekend days and 21 weekdays: per day, weekends get about half.
    const weekendPerDay = local.filter((t) => t.weekday >= 6).length / 9;
    const weekdayPerDay = local.filter((t) => t.weekday < 6).length / 21;
    expect(weekendPerDay / weekdayPerDay).toBeGreaterThan(0.35);
    expect(weekendPerDay / weekdayPerDay).toBeLessThan(0.65);
  });

  it('given officers over markets, then one starts mid-month and two are paused, one of them still at the month end', () => {
    const officers = planOfficers(DEMO_MARKETS, 24, '2026-11', seeded(3));
    expect(officers).toHaveLength(24);
    expect(new Set(officers.map((officer) => officer.officerId)).size).toBe(24);
    expect(officers.filter((officer) => officer.startsOn !== null).map((officer) => officer.startsOn)).toEqual(['2026-11-15']);
    expect(officers.filter((officer) => officer.pause !== null).map((officer) => officer.pause)).toEqual(
      expect.arrayContaining([{ from: '2026-11-08', to: '2026-11-13' }, { from: '2026-11-20', to: null }]),
    );
    expect(officers.every((officer) => officer.leads >= 40 && officer.leads <= 160)).toBe(true);
  });

  it('the default month is the current one, or the previous one during the first week', () => {
    expect(defaultMonth(Date.parse('2026-11-23T10:00:00Z'))).toBe('2026-11');
    expect(defaultMonth(Date.parse('2026-12-03T10:00:00Z'))).toBe('2026-11');
    expect(defaultMonth(Date.parse('2027-01-02T10:00:00Z'))).toBe('2026-12');
  });
});
