import { RecordedEvent } from '@lead-ledger/ledger/ledger.port';
import {
  AllocationPaceDoc,
  allocationPaceProjection,
  BorrowerRoutesDoc,
  borrowerRoutesProjection,
  MarketDoc,
  marketsProjection,
  OfficerDoc,
  officersProjection,
} from '@lead-ledger/projections';
import { Projection, ReadDocument } from '@lead-ledger/read-models';

/**
 * The read models routing decides on (markets, officers, allocation pace, borrower routes), rebuilt
 * from the ledger by the API's own projections: the same pure `documentsFor`/`evolve`, applied
 * synchronously to in-memory maps, one event at a time in position order. So at any event the
 * verifier knows exactly what the read models held just before it.
 *
 * Each document keeps its last few versions, so a decision can also be checked against the state a
 * few events earlier: the API decides on read models that may lag its append by events other
 * requests wrote meanwhile (a delivery or credit in the same market is not under the market lock).
 */
const VERSIONS_KEPT = 6;

interface Version<D> {
  doc: D | null;
  position: bigint;
  prev: Version<D> | null;
}

class VersionedDocs<D extends ReadDocument> {
  private readonly latest = new Map<string, Version<D>>();

  get size(): number {
    return this.latest.size;
  }

  get(id: string, asOf?: bigint): D | null {
    let version = this.latest.get(id) ?? null;
    if (asOf !== undefined) while (version !== null && version.position > asOf) version = version.prev;
    return version?.doc ?? null;
  }

  /** Positions of the versions of `id` written after `after`, newest first. */
  changesAfter(id: string, after: bigint, into: bigint[]): void {
    for (let version = this.latest.get(id) ?? null; version !== null && version.position > after; version = version.prev) into.push(version.position);
  }

  put(id: string, doc: D | null, position: bigint): void {
    const version: Version<D> = { doc, position, prev: this.latest.get(id) ?? null };
    let tail = version;
    for (let kept = 1; kept < VERSIONS_KEPT && tail.prev !== null; kept++) tail = tail.prev;
    tail.prev = null;
    this.latest.set(id, version);
  }

  delete(id: string): void {
    this.latest.delete(id);
  }

  entries(): IterableIterator<[string, Version<D>]> {
    return this.latest.entries();
  }
}

/** A read-only view of the routing read models, now or as of a position. */
export interface RoutingView {
  market(marketId: string): MarketDoc | null;
  marketsInState(state: string): MarketDoc[];
  officer(officerId: string): OfficerDoc | null;
  allocationsIn(marketId: string, month: string): AllocationPaceDoc[];
  allocation(id: string): AllocationPaceDoc | null;
  borrowerRoutes(keys: string[]): BorrowerRoutesDoc[];
}

export class RoutingState {
  readonly markets = new VersionedDocs<MarketDoc>();
  readonly officers = new VersionedDocs<OfficerDoc>();
  readonly allocations = new VersionedDocs<AllocationPaceDoc>();
  readonly borrowers = new VersionedDocs<BorrowerRoutesDoc>();
  /** Additive indexes: every id that was ever in the bucket; lookups re-check the document. */
  private readonly marketsByState = new Map<string, Set<string>>();
  private readonly allocationsByMarketMonth = new Map<string, Set<string>>();
  /** The longest dedupe window of any market seen, in days: borrower routes older than it are dropped. */
  private longestWindowDays = 30;

  private readonly collections: Array<[Projection, VersionedDocs<ReadDocument>]> = [
    [marketsProjection as unknown as Projection, this.markets as unknown as VersionedDocs<ReadDocument>],
    [officersProjection as unknown as Projection, this.officers as unknown as VersionedDocs<ReadDocument>],
    [allocationPaceProjection as unknown as Projection, this.allocations as unknown as VersionedDocs<ReadDocument>],
    [borrowerRoutesProjection as unknown as Projection, this.borrowers as unknown as VersionedDocs<ReadDocument>],
  ];

  /** Applies one event to every routing read model, exactly as the Projector would. */
  apply(event: RecordedEvent): void {
    for (const [projection, docs] of this.collections) {
      const ids = projection.documentsFor(event);
      if (ids.length === 0) continue;
      const position = event.position.toString();
      for (const id of ids) {
        const next = projection.evolve(docs.get(id), event, id);
        const doc = next === null ? null : ({ ...next, _id: id, _position: position } as ReadDocument);
        docs.put(id, doc, event.position);
        if (doc !== null) this.index(projection, id, doc);
      }
    }
  }

  private index(projection: Projection, id: string, doc: ReadDocument): void {
    if (projection === (marketsProjection as unknown as Projection)) {
      const market = doc as MarketDoc;
      for (const state of market.states ?? []) bucket(this.marketsByState, state).add(id);
      if (typeof market.dedupeWindowDays === 'number' && market.dedupeWindowDays > this.longestWindowDays) this.longestWindowDays = market.dedupeWindowDays;
    } else if (projection === (allocationPaceProjection as unknown as Projection)) {
      const allocation = doc as AllocationPaceDoc;
      bucket(this.allocationsByMarketMonth, `${allocation.marketId}\u0000${allocation.month}`).add(id);
    }
  }

  view(asOf?: bigint): RoutingView {
    return {
      market: (marketId) => this.markets.get(marketId, asOf),
      marketsInState: (state) =>
        [...(this.marketsByState.get(state) ?? [])]
          .map((id) => this.markets.get(id, asOf))
          .filter((market): market is MarketDoc => market !== null && market.states.includes(state as never))
          .sort((a, b) => (a._id < b._id ? -1 : a._id > b._id ? 1 : 0)),
      officer: (officerId) => this.officers.get(officerId, asOf),
      allocationsIn: (marketId, month) =>
        [...(this.allocationsByMarketMonth.get(`${marketId}\u0000${month}`) ?? [])]
          .map((id) => this.allocations.get(id, asOf))
          .filter((allocation): allocation is AllocationPaceDoc => allocation !== null && allocation.marketId === marketId && allocation.month === month)
          .sort((a, b) => (a.officerId < b.officerId ? -1 : a.officerId > b.officerId ? 1 : 0)),
      allocation: (id) => this.allocations.get(id, asOf),
      borrowerRoutes: (keys) => keys.map((key) => this.borrowers.get(key, asOf)).filter((doc): doc is BorrowerRoutesDoc => doc !== null),
    };
  }

  /** Positions after `after` at which the documents a decision in this market-month read changed. */
  changesAfter(after: bigint, marketId: string, month: string, borrowerKeys: string[]): bigint[] {
    const positions: bigint[] = [];
    this.markets.changesAfter(marketId, after, positions);
    for (const id of this.allocationsByMarketMonth.get(`${marketId}\u0000${month}`) ?? []) {
      this.allocations.changesAfter(id, after, positions);
      const officerId = this.allocations.get(id)?.officerId;
      if (officerId !== undefined) this.officers.changesAfter(officerId, after, positions);
    }
    for (const key of borrowerKeys) this.borrowers.changesAfter(key, after, positions);
    return [...new Set(positions)].sort((a, b) => (a > b ? -1 : a < b ? 1 : 0));
  }

  /**
   * Drops borrower routes that no repeat-borrower lookup can reach any more: routed more than the
   * longest dedupe window (plus two days of slack for clock skew between writers) before `now`.
   * This keeps memory proportional to the leads routed within the window, not to the whole ledger.
   */
  pruneBorrowers(now: string): number {
    const horizon = Date.parse(now) - (this.longestWindowDays + 2) * 86_400_000;
    if (Number.isNaN(horizon)) return 0;
    let dropped = 0;
    for (const [key, version] of this.borrowers.entries()) {
      const routes = version.doc?.routes ?? [];
      if (routes.every((route) => Date.parse(route.routedAt) < horizon)) {
        this.borrowers.delete(key);
        dropped++;
      }
    }
    return dropped;
  }
}

function bucket<K, V>(map: Map<K, Set<V>>, key: K): Set<V> {
  let set = map.get(key);
  if (set === undefined) map.set(key, (set = new Set()));
  return set;
}
