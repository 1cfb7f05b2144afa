/**
 * Writes a realistic embedded ledger of (at least) N events, fast: rows go straight into the
 * ledger's own SQLite schema in big transactions (synchronous=OFF: this is a fixture, not a
 * durability test), each event hash-chained exactly as ChainedLedger would, with a Merkle digest
 * every 1,000 events as the API records them.
 *
 * The story is the API's: markets, officers and monthly allocations; leads created, scored, routed
 * automatically by rule v1 on the read models as they stand (the same projections and rule the
 * verifier re-derives with), delivered; some delivery failures with re-routes, credits a few days
 * later, manual overrides, repeat borrowers, refusals. So verifying it exercises every check.
 */
import Database from 'better-sqlite3';
import { createHash, randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import {
  AllocationTermsV1,
  borrowerKeysOf,
  furthestBehindPace,
  MarketSettingsV1,
  monthWindow,
  OfficerProfileV1,
} from '@lead-ledger/domain';
import { GENESIS_HASH } from '@lead-ledger/ledger/chain/event-hash';
import { RecordedEvent } from '@lead-ledger/ledger/ledger.port';
import { SqliteLedger } from '@lead-ledger/ledger/sqlite/sqlite-ledger';
import { digestRecorded, LEDGER_DIGEST_STREAM } from '../../libs/audit/src/digests';
import { leafHash, MerkleAccumulator } from '../../libs/audit/src/merkle';
import { automaticRoutingInput, repeatBorrowerOf } from '../../libs/audit/src/routing-input';
import { canonicalJson, eventHashOfParts } from '../../libs/audit/src/verify/canonical-json';
import { RoutingState } from '../../libs/audit/src/verify/routing-state';

export interface GeneratedLedger {
  path: string;
  events: number;
  streams: number;
  leads: number;
  bytes: number;
  ms: number;
}

const DIGEST_EVERY = 1000;
const MINUTE = 60_000;
const DAY = 86_400_000;
const MONTHS = ['2026-09', '2026-10', '2026-11', '2026-12', '2027-01', '2027-02'];
const MARKETS: MarketSettingsV1[] = [
  { marketId: 'dfw', name: 'Dallas-Fort Worth', states: ['TX'], zipPrefixes: ['750', '751', '760', '761'], seatCap: 8, timeZone: 'America/Chicago', paceTolerance: null, dedupeWindowDays: 30 },
  { marketId: 'hou', name: 'Houston', states: ['TX'], zipPrefixes: ['770', '772', '773'], seatCap: 8, timeZone: 'America/Chicago', paceTolerance: 2, dedupeWindowDays: 45 },
  { marketId: 'mia', name: 'Miami', states: ['FL'], zipPrefixes: [], seatCap: 8, timeZone: 'America/New_York', paceTolerance: null, dedupeWindowDays: 30 },
  { marketId: 'phx', name: 'Phoenix', states: ['AZ'], zipPrefixes: [], seatCap: 8, timeZone: 'America/Phoenix', paceTolerance: null, dedupeWindowDays: 60 },
];
const OFFICERS_PER_MARKET = 6;
const LOAN_TYPES = ['purchase', 'refinance', 'cash_out_refinance', 'heloc'] as const;
const CREDIT_TIERS = ['excellent', 'good', 'fair', 'poor'] as const;

export function generateLedger(path: string, targetEvents: number, seed = 1): GeneratedLedger {
  const started = performance.now();
  rmSync(path, { force: true });
  rmSync(`${path}-wal`, { force: true });
  rmSync(`${path}-shm`, { force: true });
  // The ledger's own schema, triggers and format version, from the adapter itself.
  void SqliteLedger.open(path).close();
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  const insert = db.prepare(
    `INSERT INTO events (position, event_id, stream, revision, type, schema_version, data, metadata, recorded_at, hash, prev_hash)
     VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?)`,
  );
  const random = mulberry32(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];

  const routing = new RoutingState();
  const chains = new Map<string, { revision: number; hash: string }>();
  const merkle = new MerkleAccumulator();
  let position = 0;
  let sinceDigest = 0;
  let bytes = 0;
  let batch: unknown[][] = [];
  const flush = db.transaction((rows: unknown[][]) => {
    for (const row of rows) insert.run(...row);
  });

  const append = (stream: string, type: string, data: Record<string, unknown>, at: string, actor = 'key:admin') => {
    const chain = chains.get(stream);
    const revision = chain ? chain.revision + 1 : 0;
    const prevHash = chain ? chain.hash : GENESIS_HASH;
    const id = randomUUID();
    const commandId = randomUUID();
    const metadata = { correlationId: randomUUID(), causationId: commandId, commandId, requestHash: sha(id), actor };
    const dataJson = JSON.stringify(data);
    const metadataJson = JSON.stringify(metadata);
    const hash = eventHashOfParts({ prevHash, stream, revision, id, type, schemaVersion: 1, recordedAt: at, data: canonicalJson(data), metadata: canonicalJson(metadata) });
    position++;
    chains.set(stream, { revision, hash });
    batch.push([position, id, stream, revision, type, dataJson, metadataJson, at, hash, prevHash]);
    bytes += dataJson.length + metadataJson.length;
    if (batch.length >= 20_000) {
      flush(batch);
      batch = [];
    }
    merkle.add(leafHash(hash));
    const event = { id, type, schemaVersion: 1, data, recordedAt: at, metadata, stream, revision: BigInt(revision), position: BigInt(position), chain: { hash, prevHash } } as RecordedEvent;
    routing.apply(event);
    if (stream !== LEDGER_DIGEST_STREAM && ++sinceDigest >= DIGEST_EVERY) {
      sinceDigest = 0;
      const digest = digestRecorded({ treeSize: merkle.size, root: merkle.root(), last: { position: BigInt(position), id }, digestedAt: at });
      append(LEDGER_DIGEST_STREAM, digest.type, digest.data, at, 'system');
    }
    return event;
  };

  // Reference data: markets, officers (some licensed in two states), allocations for every month.
  let clock = Date.parse('2026-08-25T15:00:00.000Z');
  const iso = () => new Date(clock).toISOString();
  for (const market of MARKETS) append(`market-${market.marketId}`, 'MarketOpened', { ...market, openedAt: iso() }, iso());
  const officersByMarket = new Map<string, string[]>();
  for (const market of MARKETS) {
    const ids: string[] = [];
    for (let i = 0; i < OFFICERS_PER_MARKET; i++) {
      const officerId = `lo-${market.marketId}-${i}`;
      const profile: OfficerProfileV1 = { officerId, name: `Officer ${officerId}`, nmlsId: String(1_000_000 + ids.length), licensedStates: i === 5 ? [...market.states, 'OK'] : [...market.states], active: true };
      append(`officer-${officerId}`, 'OfficerOnboarded', { ...profile, onboardedAt: iso() }, iso());
      ids.push(officerId);
    }
    officersByMarket.set(market.marketId, ids);
  }

  // Lead volume per month sized so the run ends near targetEvents (~4.1 events per lead, with some margin).
  const leadsPerMonth = Math.ceil(targetEvents / 4.0 / MONTHS.length);
  const perOfficer = Math.ceil((leadsPerMonth / MARKETS.length / OFFICERS_PER_MARKET) * 1.08);
  const contract = (month: string) => {
    for (const market of MARKETS) {
      const window = monthWindow(month, market.timeZone);
      for (const [i, officerId] of officersByMarket.get(market.marketId)!.entries()) {
        const terms: AllocationTermsV1 = {
          officerId,
          month,
          marketId: market.marketId,
          leads: Math.round(perOfficer * (0.6 + 0.16 * i)),
          startsOn: null,
          filters: i === 2 ? { minLoanAmount: 150_000 } : i === 3 ? { creditTiers: ['excellent', 'good', 'fair'] } : {},
          monthWindow: window,
          activeFrom: window.from,
        };
        append(`allocation-${officerId}.${month}`, 'AllocationContracted', { ...terms, contractedAt: iso() }, iso());
      }
    }
  };

  interface LeadState {
    leadId: string;
    stream: string;
    created: Record<string, any>;
    market: MarketSettingsV1;
    score: number;
    failed: string[];
  }
  const pendingCredits: Array<{ due: number; leadId: string; officerId: string; allocation: unknown }> = [];
  const recentBorrowers: Array<{ phone: string; email: string }> = [];
  let leads = 0;

  const route = (lead: LeadState): { officerId: string; allocation: unknown } | null => {
    const at = iso();
    if (random() < 0.01) {
      // A manual override to any officer of the market, counted against their allocation.
      const officerId = pick(officersByMarket.get(lead.market.marketId)!);
      const month = monthOfMarket(lead.market, clock);
      const allocation = routing.view().allocation(`${month}:${lead.market.marketId}:${officerId}`);
      const ref = allocation && !allocation.cancelled ? { officerId, month, marketId: lead.market.marketId } : null;
      const holder = repeatBorrowerOf(routing.view().borrowerRoutes(lead.created.borrowerKeys), lead.leadId, lead.market.dedupeWindowDays, at);
      if (holder && holder.officerId !== officerId) return null;
      append(lead.stream, 'LeadRouted', {
        leadId: lead.leadId,
        officerId,
        marketId: lead.market.marketId,
        decision: { rule: 'override', reason: 'borrower asked for this officer', by: 'key:admin', at },
        allocation: ref,
        borrowerKeys: lead.created.borrowerKeys,
        routedAt: at,
      }, at);
      return { officerId, allocation: ref };
    }
    const view = routing.view();
    const market = view.market(lead.market.marketId)!;
    const month = monthOfMarket(lead.market, clock);
    const allocations = view.allocationsIn(market.marketId, month);
    const officers = new Map(allocations.map((a) => [a.officerId, view.officer(a.officerId)!]));
    const repeatBorrower = repeatBorrowerOf(view.borrowerRoutes(lead.created.borrowerKeys), lead.leadId, market.dedupeWindowDays, at);
    const decision = furthestBehindPace(
      automaticRoutingInput({ lead: lead.created as never, score: lead.score, failedOfficerIds: lead.failed, market, at, month, allocations, officers, repeatBorrower }),
    );
    if (decision.winner === null) {
      append(lead.stream, 'LeadUnroutable', { leadId: lead.leadId, marketId: market.marketId, decision, at }, at);
      return null;
    }
    const allocation = { officerId: decision.winner, month: decision.month, marketId: decision.marketId };
    append(lead.stream, 'LeadRouted', { leadId: lead.leadId, officerId: decision.winner, marketId: market.marketId, decision, allocation, borrowerKeys: lead.created.borrowerKeys, routedAt: at }, at);
    return { officerId: decision.winner, allocation };
  };

  for (const month of MONTHS) {
    const market0 = MARKETS[0];
    const window = monthWindow(month, market0.timeZone);
    clock = Math.max(clock, Date.parse(window.from) - 3 * DAY);
    contract(month);
    const monthStart = Date.parse(window.from) + 1000;
    const step = (Date.parse(window.to) - monthStart - 10 * MINUTE) / leadsPerMonth;
    for (let n = 0; n < leadsPerMonth; n++) {
      clock = Math.max(clock, monthStart + n * step);
      while (pendingCredits.length > 0 && pendingCredits[0].due <= clock) {
        const credit = pendingCredits.shift()!;
        append(`lead-${credit.leadId}`, 'LeadCredited', { leadId: credit.leadId, officerId: credit.officerId, allocation: credit.allocation, reason: pick(['disconnected_number', 'fake_identity', 'duplicate'] as const), creditedAt: iso() }, iso());
      }
      const market = pick(MARKETS);
      const leadId = randomUUID();
      const stream = `lead-${leadId}`;
      const repeat = recentBorrowers.length > 100 && random() < 0.02;
      const borrower = repeat ? pick(recentBorrowers) : { phone: `+1${String(2_000_000_000 + Math.floor(random() * 7_999_999_999))}`, email: `b${leads}@example.com` };
      if (!repeat) {
        recentBorrowers.push(borrower);
        if (recentBorrowers.length > 500) recentBorrowers.shift();
      }
      const state = market.states[0];
      const zip = market.zipPrefixes.length > 0 ? `${pick(market.zipPrefixes)}${String(Math.floor(random() * 100)).padStart(2, '0')}` : '33101';
      const created = {
        leadId,
        marketId: market.marketId,
        source: { campaign: pick(['fb-nov', 'google-q4', 'zillow']), vendor: 'acme-leads' },
        borrower: { firstName: 'Sam', lastName: `Lee${leads}`, ...borrower },
        property: { state, zip },
        loan: { type: pick(LOAN_TYPES), program: 'conventional', amount: 80_000 + Math.floor(random() * 700) * 1000 },
        creditTier: pick(CREDIT_TIERS),
        consent: { tcpa: true, capturedAt: iso(), text: 'I agree to be contacted.', ip: '203.0.113.7' },
        borrowerKeys: borrowerKeysOf(borrower),
        createdAt: iso(),
      };
      append(stream, 'LeadCreated', created, iso());
      leads++;
      clock += 1000;
      const score = 40 + Math.floor(random() * 60);
      append(stream, 'LeadScored', { leadId, score, grade: score > 80 ? 'A' : 'B', reasons: ['verified phone'], model: 'acme-v3', scoredAt: iso() }, iso());
      clock += 1000;
      const lead: LeadState = { leadId, stream, created, market, score, failed: [] };
      let held = route(lead);
      if (held && random() < 0.03) {
        clock += 1000;
        append(stream, 'LeadDeliveryFailed', { leadId, officerId: held.officerId, allocation: held.allocation, borrowerKeys: created.borrowerKeys, reason: 'webhook 500', failedAt: iso() }, iso());
        lead.failed.push(held.officerId);
        clock += 1000;
        held = route(lead);
      }
      if (held) {
        clock += 1000;
        append(stream, 'LeadDelivered', { leadId, officerId: held.officerId, allocation: held.allocation, channel: 'crm', receipt: `crm-${leads}`, deliveredAt: iso() }, iso());
        if (random() < 0.04) pendingCredits.push({ due: clock + (1 + random() * 5) * DAY, leadId, officerId: held.officerId, allocation: held.allocation });
      }
      if (n % 2048 === 0) routing.pruneBorrowers(iso());
    }
  }
  while (pendingCredits.length > 0) {
    const credit = pendingCredits.shift()!;
    clock = Math.max(clock, credit.due);
    append(`lead-${credit.leadId}`, 'LeadCredited', { leadId: credit.leadId, officerId: credit.officerId, allocation: credit.allocation, reason: 'duplicate', creditedAt: iso() }, iso());
  }
  if (batch.length > 0) flush(batch);
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return { path, events: position, streams: chains.size, leads, bytes, ms: performance.now() - started };
}

const monthCache = new Map<string, Array<{ from: number; to: number; month: string }>>();
/** monthOf without Luxon on the hot path: the generated months' windows, per zone. */
function monthOfMarket(market: MarketSettingsV1, t: number): string {
  let windows = monthCache.get(market.timeZone);
  if (windows === undefined) {
    windows = ['2026-08', ...MONTHS, '2027-03'].map((month) => {
      const { from, to } = monthWindow(month, market.timeZone);
      return { from: Date.parse(from), to: Date.parse(to), month };
    });
    monthCache.set(market.timeZone, windows);
  }
  return windows.find((w) => t >= w.from && t < w.to)!.month;
}

function sha(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
