import { BeforeApplicationShutdown, Logger } from '@nestjs/common';
import {
  digestOf,
  digestRecorded,
  InvalidDigestError,
  isDigestEvent,
  leafOf,
  LedgerDigest,
  ledgerDigestStream,
  UnchainedEventError,
} from '@lead-ledger/audit/digests';
import { MerkleAccumulator } from '@lead-ledger/audit/merkle';
import { EventMetadata, Ledger, LedgerSubscription, RecordedEvent, WrongExpectedRevisionError } from '@lead-ledger/ledger/ledger.port';
import { randomUUID } from 'node:crypto';
import { KeyedLocks } from '../ledger/keyed-locks';
import { LeafLog } from './leaf-log';

const PAGE = 2000;
/** On-demand digests that keep losing the digest stream to other recorders give up after this many tries. */
const MAX_ATTEMPTS = 5;
const LOCK = 'digest';

export interface DigestRecorderOptions {
  /** Record a digest once this many non-digest events follow the latest digest event in the log (DIGEST_EVERY_EVENTS). */
  everyEvents: number;
}

/** Who asked for an on-demand digest; goes into the digest event's metadata. */
export interface DigestRequester {
  correlationId: string;
  actor: string;
  idempotencyKey?: string;
  requestHash?: string;
}

/** The log has an event without a hash: no digest can cover it (docs/ledger-format.md). */
export class LedgerUnverifiableError extends Error {
  constructor(readonly event: UnchainedEventError) {
    super(event.message);
    this.name = 'LedgerUnverifiableError';
  }
}

/** The log is empty: there is nothing to digest. */
export class NothingToDigestError extends Error {
  constructor() {
    super('the ledger has no events yet; there is nothing to digest');
    this.name = 'NothingToDigestError';
  }
}

/** The recorder did not reach a position in time (it follows the log asynchronously). */
export class DigestsLaggingError extends Error {
  constructor(
    readonly position: bigint,
    readonly at: bigint | undefined,
    timeoutMs: number,
  ) {
    super(`the digest recorder did not reach position ${position} within ${timeoutMs} ms (at ${at ?? 'nothing'})`);
    this.name = 'DigestsLaggingError';
  }
}

/** The same Idempotency-Key already recorded a digest for a different request. */
export class DigestKeyReusedError extends Error {
  constructor(readonly key: string) {
    super(`Idempotency-Key ${key} was already used for a different request`);
    this.name = 'DigestKeyReusedError';
  }
}

/** Internal: this recorder's own last digest event has not been read back from the log yet. */
class OwnDigestUnread extends Error {
  constructor(readonly position: bigint) {
    super(`digest event at position ${position} not read back yet`);
  }
}

/**
 * Follows the global log (catching up from its first event at start, then live), keeps every leaf
 * (LeafLog) and the running root (MerkleAccumulator), and records LedgerDigestRecorded events:
 * - automatically, as soon as `everyEvents` non-digest events follow the latest digest event;
 * - on demand (`recordNow`, `ensureCovering`).
 *
 * Digests are appended with the digest stream's expected revision, so with several recorders on one
 * ledger (API instances sharing an EventStoreDB) each digest's treeSize is larger than the one
 * before it in the stream: a recorder that has not yet seen another's digest loses the race.
 *
 * Every digest event read from the log is checked against this recorder's own tree; one that does
 * not match is logged and never used for proofs.
 */
export class DigestRecorder implements BeforeApplicationShutdown {
  private readonly logger = new Logger(DigestRecorder.name);
  private readonly leaves = new LeafLog();
  private readonly accumulator = new MerkleAccumulator();
  /** Valid digests, in treeSize order (which is also their order in the digest stream). */
  private readonly digests: LedgerDigest[] = [];
  private readonly requestByDigest = new Map<string, { idempotencyKey: string; actor: string; requestHash?: string }>();
  private readonly lock = new KeyedLocks();
  /** The last event observed (position order), and the last one that became a leaf. */
  private checkpoint: { position: bigint; id: string } | undefined;
  private lastLeaf: { position: bigint; id: string } | undefined;
  /** Non-digest events observed since the latest digest event. */
  private sinceLastDigest = 0;
  private digestRevision: bigint | null = null;
  /** Digest events this recorder appended and has not yet read back from the log, by id, with their positions. */
  private readonly unobserved = new Map<string, bigint>();
  /** Set when an automatic digest lost a race; cleared by the next digest event read. */
  private autoSuppressed = false;
  private broken: UnchainedEventError | null = null;
  private waiters: Array<{ position: bigint; resolve: () => void; reject: (error: Error) => void }> = [];
  private subscription: LedgerSubscription | null = null;
  private running: Promise<void> | null = null;
  private failure: Error | null = null;
  private stopping = false;

  constructor(
    private readonly ledger: Ledger,
    private readonly options: DigestRecorderOptions,
    private readonly clock: { nowIso(): string },
  ) {
    if (!Number.isInteger(options.everyEvents) || options.everyEvents < 1) throw new RangeError('everyEvents must be an integer ≥ 1');
  }

  /** Reads the whole log to its head, records a digest if one is due, then follows the log live. */
  async start(): Promise<void> {
    for (;;) {
      const page = await this.ledger.readAll({ after: this.checkpoint?.position, maxCount: PAGE });
      for (const event of page) this.observe(event);
      if (page.length < PAGE) break;
    }
    await this.maybeRecordAutomatically();
    this.subscription = this.ledger.subscribeToAll({ after: this.checkpoint?.position });
    this.running = this.follow(this.subscription);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.subscription?.close();
    await this.running;
    // Anything queued behind the lock finishes before the ledger closes.
    await this.lock.run(LOCK, async () => undefined);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  /** How many leaves (events) the recorder has seen. */
  get treeSize(): number {
    return this.leaves.size;
  }

  /** The last position observed. */
  get position(): bigint | undefined {
    return this.checkpoint?.position;
  }

  /** The event without a hash that stopped digesting, if any. */
  get unverifiableAt(): UnchainedEventError | null {
    return this.broken;
  }

  latest(): LedgerDigest | null {
    return this.digests[this.digests.length - 1] ?? null;
  }

  all(): readonly LedgerDigest[] {
    return this.digests;
  }

  /** The first valid digest that covers the first `treeSize` leaves, if any. */
  firstCovering(treeSize: number): LedgerDigest | null {
    let low = 0;
    let high = this.digests.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.digests[middle].treeSize >= treeSize) high = middle;
      else low = middle + 1;
    }
    return this.digests[low] ?? null;
  }

  /** The leaf index of an event (its ordinal in the global log), checked against its hash; null if unknown. */
  leafIndexOf(event: RecordedEvent): number | null {
    const index = this.leaves.indexOf(event.position);
    if (index === null) return null;
    let leaf: Buffer;
    try {
      leaf = leafOf(event);
    } catch {
      return null;
    }
    return this.leaves.leaf(index).equals(leaf) ? index : null;
  }

  leaf(index: number): Buffer {
    return this.leaves.leaf(index);
  }

  auditPath(index: number, treeSize: number): Buffer[] {
    return this.leaves.auditPath(index, treeSize);
  }

  root(treeSize: number): Buffer {
    return this.leaves.root(treeSize);
  }

  /** Resolves once every event up to `position` has been observed. */
  waitFor(position: bigint, timeoutMs = 5000): Promise<void> {
    if (this.checkpoint !== undefined && this.checkpoint.position >= position) return Promise.resolve();
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new DigestsLaggingError(position, this.checkpoint?.position, timeoutMs));
      }, timeoutMs);
      const waiter = {
        position,
        resolve: () => (clearTimeout(timer), resolve()),
        reject: (error: Error) => (clearTimeout(timer), reject(error)),
      };
      this.waiters.push(waiter);
    });
  }

  /** Resolves once the recorder has observed the whole log as it is now. */
  async catchUp(timeoutMs = 5000): Promise<void> {
    const head = await this.ledger.headPosition();
    if (head !== null) await this.waitFor(head, timeoutMs);
  }

  /**
   * Records a digest of everything in the log now. With an Idempotency-Key already used for a
   * digest, answers that digest instead (replayed).
   */
  async recordNow(requester?: DigestRequester): Promise<{ digest: LedgerDigest; replayed: boolean; event: RecordedEvent | null }> {
    for (let attempt = 1; ; attempt++) {
      await this.catchUp();
      try {
        return await this.lock.run(LOCK, async () => {
          this.mustHaveReadOwnDigests();
          const earlier = requester?.idempotencyKey === undefined ? undefined : this.byIdempotencyKey(requester.actor, requester.idempotencyKey);
          if (earlier) {
            if (earlier.request.requestHash !== requester!.requestHash) throw new DigestKeyReusedError(requester!.idempotencyKey!);
            return { digest: earlier.digest, replayed: true, event: null };
          }
          return { ...(await this.append(requester)), replayed: false };
        });
      } catch (error) {
        if (error instanceof OwnDigestUnread) await this.waitFor(error.position);
        else if (!(error instanceof WrongExpectedRevisionError) || attempt >= MAX_ATTEMPTS) throw error;
      }
    }
  }

  /** A digest covering the first `treeSize` leaves: the first recorded one, or a new one now. */
  async ensureCovering(treeSize: number, requester?: DigestRequester): Promise<LedgerDigest> {
    for (let attempt = 1; ; attempt++) {
      const found = this.firstCovering(treeSize);
      if (found) return found;
      if (this.leaves.size < treeSize) throw new RangeError(`only ${this.leaves.size} leaves are known; cannot cover ${treeSize}`);
      try {
        return await this.lock.run(LOCK, async () => {
          const covering = this.firstCovering(treeSize);
          if (covering) return covering;
          this.mustHaveReadOwnDigests();
          return (await this.append(requester)).digest;
        });
      } catch (error) {
        if (error instanceof OwnDigestUnread) {
          await this.waitFor(error.position);
          continue;
        }
        if (!(error instanceof WrongExpectedRevisionError) || attempt >= MAX_ATTEMPTS) throw error;
        // Another recorder wrote a digest first: read it, then look again.
        await this.catchUp();
      }
    }
  }

  /** Called for each event of the log, in position order (catch-up and live). */
  private observe(event: RecordedEvent): void {
    if (this.checkpoint !== undefined && event.position <= this.checkpoint.position) return;
    this.checkpoint = { position: event.position, id: event.id };
    if (this.broken === null) {
      let leaf: Buffer | null = null;
      try {
        leaf = leafOf(event);
      } catch (error) {
        this.broken = error as UnchainedEventError;
        this.logger.error(`${this.broken.message}: no further digests will be recorded until it is repaired`);
      }
      if (leaf) {
        this.leaves.append(event.position, leaf);
        this.accumulator.add(leaf);
        this.lastLeaf = { position: event.position, id: event.id };
        if (isDigestEvent(event)) this.observeDigest(event);
        else this.sinceLastDigest++;
      }
    }
    this.release(event.position);
  }

  private observeDigest(event: RecordedEvent): void {
    this.sinceLastDigest = 0;
    this.autoSuppressed = false;
    if (this.digestRevision === null || event.revision > this.digestRevision) this.digestRevision = event.revision;
    if (this.unobserved.delete(event.id)) return; // ours: already checked and listed when appended
    let digest: LedgerDigest;
    try {
      digest = digestOf(event);
    } catch (error) {
      if (!(error instanceof InvalidDigestError)) throw error;
      this.logger.error(`${error.message}; ignored`);
      return;
    }
    // The digest event is the newest leaf; its tree must be strictly before it.
    const own = this.leaves.size - 1;
    const problem =
      digest.treeSize > own
        ? `it covers ${digest.treeSize} events but only ${own} precede it`
        : !this.leaves.root(digest.treeSize).equals(Buffer.from(digest.rootHash, 'hex'))
          ? `its rootHash is not the root of the first ${digest.treeSize} events`
          : this.leaves.position(digest.treeSize - 1).toString() !== digest.lastPosition
            ? `its lastPosition ${digest.lastPosition} is not the position of event ${digest.treeSize - 1}`
            : null;
    if (problem) {
      this.logger.error(`digest event ${event.id} at position ${event.position} does not match the log (${problem}); it is not used`);
      return;
    }
    if (typeof event.metadata.idempotencyKey === 'string') {
      this.requestByDigest.set(event.id, { idempotencyKey: event.metadata.idempotencyKey, actor: String(event.metadata.actor), requestHash: event.metadata.requestHash });
    }
    this.insert(digest);
  }

  private async follow(subscription: LedgerSubscription): Promise<void> {
    try {
      for await (const event of subscription) {
        this.observe(event);
        await this.maybeRecordAutomatically();
      }
    } catch (error) {
      this.failure = error as Error;
      for (const waiter of this.waiters) waiter.reject(this.failure);
      this.waiters = [];
      if (!this.stopping) this.logger.warn(`digest recorder stopped following the ledger: ${this.failure.message}`);
    }
  }

  private due(): boolean {
    return !this.stopping && this.broken === null && !this.autoSuppressed && this.unobserved.size === 0 && this.sinceLastDigest >= this.options.everyEvents;
  }

  private async maybeRecordAutomatically(): Promise<void> {
    if (!this.due()) return;
    try {
      await this.lock.run(LOCK, async () => {
        if (this.due()) await this.append(undefined);
      });
    } catch (error) {
      if (error instanceof WrongExpectedRevisionError) {
        // Another recorder got there first; its digest event resets the count when it arrives.
        this.autoSuppressed = true;
      } else {
        this.logger.warn(`could not record a ledger digest: ${(error as Error).message}`);
      }
    }
  }

  /** Appends a digest of every leaf so far. Only under the lock. */
  private async append(requester: DigestRequester | undefined): Promise<{ digest: LedgerDigest; event: RecordedEvent }> {
    if (this.broken) throw new LedgerUnverifiableError(this.broken);
    if (this.leaves.size === 0 || this.lastLeaf === undefined) throw new NothingToDigestError();
    const at = this.clock.nowIso();
    const event = digestRecorded({ treeSize: this.leaves.size, root: this.accumulator.root(), last: this.lastLeaf, digestedAt: at });
    const commandId = requester?.idempotencyKey ?? randomUUID();
    const metadata: EventMetadata = requester
      ? {
          correlationId: requester.correlationId,
          causationId: commandId,
          commandId,
          actor: requester.actor,
          ...(requester.requestHash !== undefined && { requestHash: requester.requestHash }),
          ...(requester.idempotencyKey !== undefined && { idempotencyKey: requester.idempotencyKey }),
        }
      : { correlationId: commandId, causationId: this.lastLeaf.id, commandId, actor: 'system' };
    const result = await this.ledger.append(ledgerDigestStream(), [{ ...event, recordedAt: at, metadata }], {
      expectedRevision: this.digestRevision ?? 'no_stream',
    });
    const recorded = result.events[0];
    if (this.digestRevision === null || recorded.revision > this.digestRevision) this.digestRevision = recorded.revision;
    const digest = digestOf(recorded);
    // Unless the follower already read it back while we awaited the append.
    if (this.checkpoint === undefined || recorded.position > this.checkpoint.position) this.unobserved.set(recorded.id, recorded.position);
    if (requester?.idempotencyKey !== undefined) {
      this.requestByDigest.set(recorded.id, { idempotencyKey: requester.idempotencyKey, actor: requester.actor, requestHash: requester.requestHash });
    }
    this.insert(digest);
    this.logger.debug(`recorded digest of ${digest.treeSize} events at position ${digest.position}`);
    return { digest, event: recorded };
  }

  /**
   * A new digest must cover every earlier digest event, so that each digest event is a leaf of all
   * later digests: wait (outside the lock) until this recorder has read back its own.
   */
  private mustHaveReadOwnDigests(): void {
    if (this.unobserved.size > 0) throw new OwnDigestUnread([...this.unobserved.values()].reduce((a, b) => (b > a ? b : a)));
  }

  private insert(digest: LedgerDigest): void {
    if (this.digests.some((d) => d.eventId === digest.eventId)) return;
    let i = this.digests.length;
    while (i > 0 && this.digests[i - 1].treeSize > digest.treeSize) i--;
    this.digests.splice(i, 0, digest);
  }

  /** Idempotency-Keys are per caller (see scopedIdempotencyKey): another API key's identical key is another request. */
  private byIdempotencyKey(actor: string, key: string): { digest: LedgerDigest; request: { idempotencyKey: string; requestHash?: string } } | undefined {
    for (const digest of this.digests) {
      const request = this.requestByDigest.get(digest.eventId);
      if (request?.idempotencyKey === key && request.actor === actor) return { digest, request };
    }
    return undefined;
  }

  private release(position: bigint): void {
    if (this.waiters.length === 0) return;
    const ready = this.waiters.filter((w) => w.position <= position);
    if (ready.length === 0) return;
    this.waiters = this.waiters.filter((w) => w.position > position);
    for (const waiter of ready) waiter.resolve();
  }
}
