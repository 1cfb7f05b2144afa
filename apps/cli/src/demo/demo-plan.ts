import { DateTime } from 'luxon';

/**
 * The demo's story, as plain data: markets, officers and their allocations, and when each lead
 * arrives. Pure and seeded, so the same options give the same month.
 */
export interface DemoMarket {
  marketId: string;
  name: string;
  states: string[];
  zipPrefixes: string[];
  timeZone: string;
  seatCap: number;
}

export interface DemoOfficer {
  officerId: string;
  name: string;
  marketId: string;
  leads: number;
  startsOn: string | null;
  filters: Record<string, unknown>;
  /** Local dates the allocation is paused from and resumed on (resume null: still paused). */
  pause: { from: string; to: string | null } | null;
}

export interface DemoArrival {
  at: number;
  marketId: string;
}

export const DEMO_MARKETS: DemoMarket[] = [
  { marketId: 'dfw', name: 'Dallas-Fort Worth', states: ['TX'], zipPrefixes: ['750', '751', '760', '761'], timeZone: 'America/Chicago', seatCap: 16 },
  { marketId: 'mia', name: 'Miami', states: ['FL'], zipPrefixes: ['331', '330'], timeZone: 'America/New_York', seatCap: 16 },
  { marketId: 'phx', name: 'Phoenix', states: ['AZ'], zipPrefixes: ['850', '852', '853'], timeZone: 'America/Phoenix', seatCap: 16 },
  { marketId: 'den', name: 'Denver', states: ['CO'], zipPrefixes: ['802', '801'], timeZone: 'America/Denver', seatCap: 16 },
];

const FIRST_NAMES = ['Ana', 'Ben', 'Carla', 'Dev', 'Elena', 'Frank', 'Grace', 'Hugo', 'Iris', 'Jamal', 'Kim', 'Luis', 'Maya', 'Noah', 'Olga', 'Priya', 'Quinn', 'Rosa', 'Sam', 'Tariq', 'Uma', 'Victor', 'Wen', 'Ximena', 'Yusuf', 'Zoe'];
const LAST_NAMES = ['Ruiz', 'Okafor', 'Chen', 'Patel', 'Novak', 'Silva', 'Kowalski', 'Haddad', 'Moreau', 'Tanaka', 'Byrne', 'Lindqvist', 'Mensah', 'Duarte'];

export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const personName = (random: () => number) => `${FIRST_NAMES[Math.floor(random() * FIRST_NAMES.length)]} ${LAST_NAMES[Math.floor(random() * LAST_NAMES.length)]}`;

/**
 * Officers spread over the markets, allocations of 40–160 leads. In the first market one officer
 * starts on the 15th and one pauses on the 8th and resumes on the 13th; in the second market one
 * pauses on the 20th and stays paused.
 */
export function planOfficers(markets: DemoMarket[], officers: number, month: string, random: () => number): DemoOfficer[] {
  const planned: DemoOfficer[] = [];
  for (let i = 0; i < officers; i++) {
    const market = markets[i % markets.length];
    const inMarket = Math.floor(i / markets.length);
    const name = personName(random);
    const special = (m: number, n: number) => i % markets.length === m && inMarket === n;
    planned.push({
      officerId: `lo-${market.marketId}-${String(inMarket + 1).padStart(2, '0')}`,
      name,
      marketId: market.marketId,
      leads: 40 + 10 * Math.floor(random() * 13),
      startsOn: special(0, 1) ? `${month}-15` : null,
      filters: inMarket === 2 ? { minLoanAmount: 150_000 } : inMarket === 3 ? { creditTiers: ['excellent', 'good', 'fair'] } : {},
      pause: special(0, 2) ? { from: `${month}-08`, to: `${month}-13` } : special(1 % markets.length, 1) && markets.length > 1 ? { from: `${month}-20`, to: null } : null,
    });
  }
  return planned;
}

/**
 * Arrival times over [from, until): the month's leads spread by hour with weights for the local
 * time of day (busy 9:00–20:00, quiet at night) and the weekday (weekends about half).
 */
export function planArrivals(market: DemoMarket, count: number, from: number, until: number, random: () => number): DemoArrival[] {
  const hours: Array<{ at: number; weight: number }> = [];
  for (let at = from; at < until; at += 3_600_000) {
    const local = DateTime.fromMillis(at, { zone: market.timeZone });
    const hour = local.hour;
    const timeOfDay = hour < 6 ? 0.08 : hour < 9 ? 0.5 : hour < 13 ? 1.3 : hour < 18 ? 1.1 : hour < 22 ? 0.9 : 0.3;
    const weekday = local.weekday >= 6 ? 0.5 : local.weekday === 1 ? 1.15 : 1;
    hours.push({ at, weight: timeOfDay * weekday * (0.8 + 0.4 * random()) });
  }
  const total = hours.reduce((sum, hour) => sum + hour.weight, 0);
  const arrivals: DemoArrival[] = [];
  let carry = 0;
  for (const hour of hours) {
    // Whole leads per hour, carrying the fractions so the total comes out exact.
    carry += (count * hour.weight) / total;
    const leads = Math.floor(carry);
    carry -= leads;
    for (let i = 0; i < leads; i++) arrivals.push({ at: Math.min(until - 1, hour.at + Math.floor(random() * 3_600_000)), marketId: market.marketId });
  }
  // Floating-point sums may leave the last lead in the carry.
  while (arrivals.length < count && hours.length > 0) arrivals.push({ at: Math.min(until - 1, hours[hours.length - 1].at + Math.floor(random() * 3_600_000)), marketId: market.marketId });
  return arrivals;
}
