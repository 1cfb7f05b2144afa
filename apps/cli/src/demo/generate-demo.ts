import Database from 'better-sqlite3';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DateTime } from 'luxon';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '../../../api/src/app.factory';
import { loadConfig } from '../../../api/src/config/config';
import { DEMO_MARKETS, DemoMarket, DemoOfficer, personName, planArrivals, planOfficers, seeded } from './demo-plan';

export interface DemoOptions {
  dataDir: string;
  /** Replace an existing ledger in dataDir (its file is deleted; the admin key is kept). */
  force?: boolean;
  /** YYYY-MM; default: the current month (the previous one in its first week). */
  month?: string;
  /** Nothing happens after this instant (default: now), so the demo never runs ahead of the real clock. */
  now?: Date;
  markets?: number;
  officers?: number;
  /** Leads offered ÷ leads contracted, over the whole month. */
  supply?: number;
  seed?: number;
  /** Extra configuration for the in-process app (e.g. API_KEYS); the ledger and clock settings stay the demo's. */
  env?: Record<string, string>;
  log?: (line: string) => void;
}

export interface DemoResult {
  month: string;
  until: string;
  markets: string[];
  officers: number;
  leads: { created: number; routed: number; unroutable: number; delivered: number; deliveryFailures: number; credited: number; repeatBorrowers: number };
  requests: number;
  ms: number;
}

export class DemoRefusedError extends Error {
  override name = 'DemoRefusedError';
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Actions due within this much virtual time of each other run together, at most BATCH at once. */
const TICK = 30 * SECOND;
const BATCH = 64;
/**
 * An action may run up to this much before it was due, to save a clock change (each is a durable
 * write). Consent is captured more than this before a lead arrives, so it is never in the future.
 */
const SLACK = 60 * SECOND;
const AREA_CODES: Record<string, string[]> = { TX: ['214', '469', '972', '817'], FL: ['305', '786', '954'], AZ: ['480', '602', '623'], CO: ['303', '720'] };
const LOAN_TYPES = ['purchase', 'purchase', 'refinance', 'cash_out_refinance', 'heloc'];
const PROGRAMS = ['conventional', 'fha', 'va', 'jumbo'];
const CREDIT_TIERS = ['excellent', 'good', 'good', 'fair', 'poor'];
const CAMPAIGNS = ['fb-fall', 'google-search', 'zillow', 'bankrate'];
const CREDIT_REASONS = ['disconnected_number', 'fake_identity', 'out_of_market', 'already_in_loan', 'duplicate'];

/**
 * A realistic month of demo data, made through the real command path: the application runs in
 * this process with CLOCK=manual on the data dir, and every market, officer, allocation, lead,
 * score, route, delivery, failure and credit is an HTTP request to it, at its own virtual time.
 * Returns the app still running (for `--serve` and tests); the caller closes it.
 */
export async function generateDemo(options: DemoOptions): Promise<{ result: DemoResult; app: NestFastifyApplication; adminKey: string }> {
  const started = performance.now();
  const log = options.log ?? (() => undefined);
  const dataDir = resolve(options.dataDir);
  const now = (options.now ?? new Date()).getTime();
  prepareLedger(dataDir, options.force ?? false);

  const random = seeded(options.seed ?? 7);
  const markets = DEMO_MARKETS.slice(0, Math.max(1, Math.min(DEMO_MARKETS.length, options.markets ?? 4)));
  const month = options.month ?? defaultMonth(now);
  const windows = new Map(markets.map((market) => [market.marketId, monthWindowOf(month, market.timeZone)]));
  const monthStart = Math.min(...[...windows.values()].map((window) => window.from));
  if (monthStart >= now) throw new DemoRefusedError(`month ${month} has not started yet; the demo only records the past`);
  const officers = planOfficers(markets, options.officers ?? 24, month, random);

  const config = loadConfig({ ...withoutLedgerSettings(process.env), ...options.env, DATA_DIR: dataDir, CLOCK: 'manual', LOG_LEVEL: 'error', RATE_LIMIT_PER_MINUTE: '0' });
  const app = await createApp(config);
  await app.init();
  const fastify = app.getHttpAdapter().getInstance();
  await fastify.ready();
  const adminKey = readFileSync(join(dataDir, 'admin-api-key'), 'utf8').trim();

  let requests = 0;
  const call = async (method: 'GET' | 'POST' | 'PUT', url: string, body?: unknown): Promise<{ status: number; body: any }> => {
    requests++;
    const response = await fastify.inject({ method, url, headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' }, payload: body === undefined ? undefined : JSON.stringify(body) });
    const parsed = response.body ? JSON.parse(response.body) : null;
    if (response.statusCode >= 500) throw new Error(`${method} ${url} answered ${response.statusCode}: ${response.body}`);
    return { status: response.statusCode, body: parsed };
  };
  const expectOk = async (method: 'POST' | 'PUT', url: string, body: unknown) => {
    const answer = await call(method, url, body);
    if (answer.status >= 400) throw new Error(`${method} ${url} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    return answer.body;
  };
  let clock = 0;
  /** Moves the service clock to `at`, unless it is less than `slack` ahead (then the action runs a little early). */
  const setClock = async (at: number, slack = 0) => {
    if (at <= clock + slack) return;
    clock = at;
    await expectOk('PUT', '/v1/admin/clock', { now: new Date(at).toISOString() });
  };

  try {
    // Reference data two days before the month.
    await setClock(monthStart - 2 * DAY);
    for (const market of markets) {
      await expectOk('PUT', `/v1/markets/${market.marketId}`, { name: market.name, states: market.states, zipPrefixes: market.zipPrefixes, seatCap: market.seatCap, timeZone: market.timeZone });
    }
    for (const officer of officers) {
      const state = markets.find((market) => market.marketId === officer.marketId)!.states[0];
      await expectOk('PUT', `/v1/officers/${officer.officerId}`, { name: officer.name, nmlsId: String(1_000_000 + Math.floor(random() * 8_999_999)), licensedStates: [state], active: true });
      await expectOk('PUT', `/v1/officers/${officer.officerId}/allocations/${month}`, {
        marketId: officer.marketId,
        leads: officer.leads,
        ...(officer.startsOn && { startsOn: officer.startsOn }),
        ...(Object.keys(officer.filters).length > 0 && { filters: officer.filters }),
      });
    }
    log(`${markets.length} markets, ${officers.length} officers with allocations for ${month}`);

    const queue = new ActionQueue();
    const until = Math.min(now - 5 * MINUTE, Math.max(...[...windows.values()].map((window) => window.to)));
    for (const officer of officers) schedulePause(queue, officer, markets, month, until, call);

    const counts = { created: 0, routed: 0, unroutable: 0, delivered: 0, deliveryFailures: 0, credited: 0, repeatBorrowers: 0 };
    const recentBorrowers: Array<{ phone: string; email: string; firstName: string; lastName: string }> = [];
    for (const market of markets) {
      const window = windows.get(market.marketId)!;
      const end = Math.min(until, window.to);
      if (end <= window.from) continue;
      const contracted = officers.filter((officer) => officer.marketId === market.marketId).reduce((sum, officer) => sum + officer.leads, 0);
      const leads = Math.round(contracted * (options.supply ?? 1.12) * ((end - window.from) / (window.to - window.from)));
      for (const arrival of planArrivals(market, leads, window.from, end, random)) {
        queue.push(arrival.at, async () => {
          const repeat = recentBorrowers.length > 50 && random() < 0.015;
          const borrower = repeat ? recentBorrowers[Math.floor(random() * recentBorrowers.length)] : newBorrower(market, counts.created, random);
          if (repeat) counts.repeatBorrowers++;
          else {
            recentBorrowers.push(borrower);
            if (recentBorrowers.length > 300) recentBorrowers.shift();
          }
          await leadLifecycle(arrival.at, market, borrower);
        });
      }
    }

    const leadLifecycle = async (at: number, market: DemoMarket, borrower: { phone: string; email: string; firstName: string; lastName: string }) => {
      const created = await call('POST', '/v1/leads', leadBody(market, borrower, at, random));
      if (created.status !== 201) throw new Error(`POST /v1/leads answered ${created.status}: ${JSON.stringify(created.body)}`);
      counts.created++;
      const leadId = created.body.leadId as string;
      const scoreAt = at + 20 * SECOND + Math.floor(random() * 70 * SECOND);
      const routeAt = scoreAt + 30 * SECOND + Math.floor(random() * 2 * MINUTE);
      queue.push(scoreAt, async () => {
        const score = 35 + Math.floor(random() * 65);
        await expectOk('POST', `/v1/leads/${leadId}/score`, { score, grade: score >= 85 ? 'A' : score >= 70 ? 'B' : score >= 50 ? 'C' : 'D', reasons: ['phone verified'], model: 'lead-score-v3' });
      });
      const route = async (routeTime: number, attempt: number): Promise<void> => {
        const routed = await call('POST', `/v1/leads/${leadId}/route`, {});
        if (routed.status !== 200) {
          counts.unroutable++;
          return;
        }
        counts.routed++;
        const officerId = routed.body.officerId as string;
        const deliverAt = routeTime + MINUTE + Math.floor(random() * 4 * MINUTE);
        if (attempt === 0 && random() < 0.03) {
          queue.push(deliverAt, async () => {
            await expectOk('POST', `/v1/leads/${leadId}/delivery-failures`, { officerId, reason: 'CRM webhook answered 503' });
            counts.deliveryFailures++;
            queue.push(deliverAt + 2 * MINUTE, () => route(deliverAt + 2 * MINUTE, 1));
          });
          return;
        }
        queue.push(deliverAt, async () => {
          await expectOk('POST', `/v1/leads/${leadId}/deliver`, { officerId, channel: ['crm', 'crm', 'webhook', 'email'][Math.floor(random() * 4)], receipt: `rcpt-${leadId.slice(0, 8)}` });
          counts.delivered++;
          if (random() < 0.05) {
            const creditAt = deliverAt + 6 * HOUR + Math.floor(random() * 6 * DAY);
            if (creditAt < until) {
              queue.push(creditAt, async () => {
                const reason = CREDIT_REASONS[Math.floor(random() * CREDIT_REASONS.length)];
                await expectOk('POST', `/v1/leads/${leadId}/credit`, { reason, ...(reason === 'already_in_loan' && { note: 'closing with another lender next week' }) });
                counts.credited++;
              });
            }
          }
        });
      };
      queue.push(routeAt, () => route(routeAt, 0));
    };

    let lastReport = performance.now();
    for (let action = queue.pop(); action !== undefined; action = queue.pop()) {
      if (action.at >= until) continue;
      // Actions due within one tick run concurrently at the tick's last time (or up to SLACK
      // earlier): the ledger commits concurrent writes together, many times faster than one at a
      // time. A lead's next step is scheduled only once its previous one has finished, and at
      // least 20 s later, so each lead's own order holds.
      const batch = [action];
      while (batch.length < BATCH && queue.peek() !== undefined && queue.peek()!.at < Math.min(until, action.at + TICK)) batch.push(queue.pop()!);
      await setClock(batch[batch.length - 1].at, SLACK);
      await Promise.all(batch.map((item) => item.run()));
      if (performance.now() - lastReport > 5000) {
        lastReport = performance.now();
        log(`… ${new Date(clock).toISOString().slice(0, 16)}Z: ${counts.created} leads, ${counts.delivered} delivered, ${counts.credited} credited`);
      }
    }
    await setClock(until);
    const result: DemoResult = { month, until: new Date(until).toISOString(), markets: markets.map((market) => market.marketId), officers: officers.length, leads: counts, requests, ms: Math.round(performance.now() - started) };
    return { result, app, adminKey };
  } catch (error) {
    await app.close();
    throw error;
  }
}

function prepareLedger(dataDir: string, force: boolean) {
  const path = join(dataDir, 'ledger.db');
  if (!existsSync(path)) return;
  let events = 0;
  try {
    const db = new Database(path, { readonly: true, fileMustExist: true });
    try {
      events = (db.prepare('SELECT COUNT(*) AS n FROM events').get() as { n: number }).n;
    } finally {
      db.close();
    }
  } catch {
    events = -1;
  }
  if (events === 0) return;
  if (!force) {
    throw new DemoRefusedError(`${path} already holds ${events < 0 ? 'data' : `${events} events`}; the demo writes only to an empty ledger. Use --force to replace it, or --data-dir for a fresh directory.`);
  }
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
}

/** The current month (UTC), or the previous one while the current is less than a week old. */
export function defaultMonth(now: number): string {
  const today = DateTime.fromMillis(now, { zone: 'utc' });
  return (today.day < 8 ? today.minus({ months: 1 }) : today).toFormat('yyyy-MM');
}

function monthWindowOf(month: string, timeZone: string) {
  const start = DateTime.fromISO(`${month}-01`, { zone: timeZone });
  return { from: start.toMillis(), to: start.plus({ months: 1 }).toMillis() };
}

/**
 * The demo always runs on the embedded ledger of its data dir and the embedded read models, and
 * writes with the data dir's admin key (configured API keys would leave it no key it knows).
 */
function withoutLedgerSettings(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { LEDGER_URL: _ledger, MONGODB_URL: _mongo, PORT: _port, API_KEYS: _keys, API_KEYS_FILE: _keysFile, ...rest } = env;
  return rest;
}

function schedulePause(queue: ActionQueue, officer: DemoOfficer, markets: DemoMarket[], month: string, until: number, call: (method: 'POST', url: string, body: unknown) => Promise<{ status: number }>) {
  if (!officer.pause) return;
  const zone = markets.find((market) => market.marketId === officer.marketId)!.timeZone;
  const at = (date: string) => DateTime.fromISO(date, { zone }).plus({ hours: 9 }).toMillis();
  const url = `/v1/officers/${officer.officerId}/allocations/${month}`;
  const pauseAt = at(officer.pause.from);
  if (pauseAt >= until) return;
  queue.push(pauseAt, async () => void (await call('POST', `${url}/pause`, { reason: 'officer on vacation' })));
  if (officer.pause.to !== null && at(officer.pause.to) < until) queue.push(at(officer.pause.to), async () => void (await call('POST', `${url}/resume`, {})));
}

function newBorrower(market: DemoMarket, n: number, random: () => number) {
  const [firstName, lastName] = personName(random).split(' ');
  const areaCodes = AREA_CODES[market.states[0]] ?? ['214'];
  let exchange = 201 + Math.floor(random() * 698);
  if (exchange === 555 || exchange % 100 === 11) exchange += 1;
  const phone = `+1${areaCodes[Math.floor(random() * areaCodes.length)]}${exchange}${String(Math.floor(random() * 10_000)).padStart(4, '0')}`;
  return { firstName, lastName, phone, email: `${firstName}.${lastName}.${n}@example.com`.toLowerCase() };
}

function leadBody(market: DemoMarket, borrower: { phone: string; email: string; firstName: string; lastName: string }, at: number, random: () => number) {
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)];
  return {
    marketId: market.marketId,
    source: { campaign: pick(CAMPAIGNS), vendor: 'demo-leads' },
    borrower,
    property: { state: market.states[0], zip: `${pick(market.zipPrefixes)}${String(Math.floor(random() * 100)).padStart(2, '0')}` },
    loan: { type: pick(LOAN_TYPES), program: pick(PROGRAMS), amount: 90_000 + 5_000 * Math.floor(random() * 140) },
    creditTier: pick(CREDIT_TIERS),
    // Captured a minute or two before the lead arrived: the consent gate (CONSENT_MAX_AGE_DAYS) refuses old or future consent.
    consent: { tcpa: true, capturedAt: new Date(at - SLACK - Math.floor(random() * 60) * SECOND).toISOString(), text: 'I agree to be contacted about my mortgage.', ip: '203.0.113.7' },
  };
}

/** Actions in virtual-time order (a binary heap; equal times keep insertion order). */
class ActionQueue {
  private readonly heap: Array<{ at: number; seq: number; run: () => Promise<void> }> = [];
  private seq = 0;

  push(at: number, run: () => Promise<void>) {
    const heap = this.heap;
    heap.push({ at, seq: this.seq++, run });
    for (let i = heap.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (!this.less(heap[i], heap[parent])) break;
      [heap[i], heap[parent]] = [heap[parent], heap[i]];
      i = parent;
    }
  }

  peek() {
    return this.heap[0];
  }

  pop() {
    const heap = this.heap;
    if (heap.length === 0) return undefined;
    const top = heap[0];
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      for (let i = 0; ; ) {
        const left = 2 * i + 1;
        const right = left + 1;
        let smallest = i;
        if (left < heap.length && this.less(heap[left], heap[smallest])) smallest = left;
        if (right < heap.length && this.less(heap[right], heap[smallest])) smallest = right;
        if (smallest === i) break;
        [heap[i], heap[smallest]] = [heap[smallest], heap[i]];
        i = smallest;
      }
    }
    return top;
  }

  private less(a: { at: number; seq: number }, b: { at: number; seq: number }) {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }
}
