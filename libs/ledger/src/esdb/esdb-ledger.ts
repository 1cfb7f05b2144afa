import { randomUUID } from 'node:crypto';
import {
  ANY,
  BACKWARDS,
  END,
  ErrorType,
  EventStoreDBClient,
  FORWARDS,
  NO_STREAM,
  START,
  STREAM_EXISTS,
  StreamNotFoundError,
  WrongExpectedVersionError,
  excludeSystemEvents,
  isCommandError,
  jsonEvent,
  type AllStreamSubscription,
  type AppendExpectedRevision,
  type AppendResult as EsdbAppendResult,
  type Position,
  type RecordedEvent as EsdbRecordedEvent,
} from '@eventstore/db-client';
import {
  AppendResult,
  EventMetadata,
  ExpectedRevision,
  Ledger,
  LedgerSubscription,
  LedgerUnavailableError,
  NewEvent,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  SubscribeOptions,
  WrongExpectedRevisionError,
} from '../ledger.port';

/** How many $all events one read fetches while paging past system events. */
const ALL_PAGE_SIZE = 500;
const HEAD_PAGE_SIZE = 32;
const PING_TIMEOUT_MS = 5_000;
/** What servers before 22.6 report as the $all position of an event read from a stream. */
const NO_POSITION = 2n ** 64n - 1n;

/**
 * The event's metadata as stored: the port's metadata plus the fields EventStoreDB has no slot for.
 * `$schemaVersion`, `$recordedAt`, `$hash` and `$prevHash` are therefore reserved keys in EventMetadata.
 */
type StoredMetadata = EventMetadata & { $schemaVersion?: number; $recordedAt?: string; $hash?: string; $prevHash?: string };

/** Client failures that mean the store cannot serve us right now, not that the request was wrong. */
const UNAVAILABLE_TYPES = new Set<ErrorType>([
  ErrorType.UNAVAILABLE,
  ErrorType.DEADLINE_EXCEEDED,
  ErrorType.TIMEOUT,
  ErrorType.CANCELLED,
  ErrorType.NOT_LEADER,
  ErrorType.ACCESS_DENIED,
  ErrorType.UNKNOWN,
]);

/** The ledger on EventStoreDB (or KurrentDB) through its gRPC client. */
export class EsdbLedger implements Ledger {
  constructor(private readonly client: EventStoreDBClient) {}

  /** Does not connect: the client connects on its first call. */
  static connect(connectionString: string): EsdbLedger {
    return new EsdbLedger(EventStoreDBClient.connectionString(connectionString));
  }

  async append(stream: string, events: NewEvent[], { expectedRevision }: { expectedRevision: ExpectedRevision }): Promise<AppendResult> {
    if (events.length === 0) throw new Error('append needs at least one event');
    const toWrite = events.map((event) => ({ ...event, id: event.id ?? randomUUID() }));
    let result: EsdbAppendResult;
    try {
      result = await this.client.appendToStream(
        stream,
        toWrite.map(({ id, type, data, metadata, schemaVersion, recordedAt, chain }) =>
          jsonEvent({
            id,
            type,
            data,
            metadata: { ...metadata, $schemaVersion: schemaVersion, $recordedAt: recordedAt, ...(chain && { $hash: chain.hash, $prevHash: chain.prevHash }) },
          }),
        ),
        { expectedRevision: toClientRevision(expectedRevision) },
      );
    } catch (error) {
      if (error instanceof WrongExpectedVersionError) {
        const actual = typeof error.actualVersion === 'bigint' ? error.actualVersion : null;
        throw new WrongExpectedRevisionError(stream, expectedRevision, actual);
      }
      throw toLedgerError(error);
    }

    const nextRevision = result.nextExpectedRevision;
    let recorded: RecordedEvent[];
    if (toWrite.length === 1 && result.position) {
      // The append reports the position of its last event, so one event needs no read-back.
      const [event] = toWrite;
      recorded = [{ ...roundTrip(event), stream, revision: nextRevision, position: result.position.commit }];
    } else {
      // Each event has its own $all position, which only a read tells.
      recorded = await this.readStream(stream, { fromRevision: nextRevision - BigInt(toWrite.length - 1), maxCount: toWrite.length });
    }
    return { nextRevision, position: recorded[recorded.length - 1].position, events: recorded };
  }

  async readStream(stream: string, { direction = 'forwards', fromRevision, maxCount }: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const forwards = direction === 'forwards';
    const read: RecordedEvent[] = [];
    try {
      // No early break: a read left half-consumed would keep its gRPC call open.
      for await (const { event } of this.client.readStream(stream, {
        direction: forwards ? FORWARDS : BACKWARDS,
        fromRevision: fromRevision ?? (forwards ? START : END),
        maxCount,
      })) {
        if (event) read.push(toRecorded(event));
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw toLedgerError(error);
    }
    return read;
  }

  async streamRevision(stream: string): Promise<bigint | null> {
    const [last] = await this.readStream(stream, { direction: 'backwards', maxCount: 1 });
    return last?.revision ?? null;
  }

  async readAll({ after, maxCount = Number.POSITIVE_INFINITY }: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const read: RecordedEvent[] = [];
    if (maxCount <= 0) return read;
    const from = after === undefined ? START : { commit: after, prepare: after };
    for await (const event of this.scanAll('forwards', from, Math.min(maxCount + 1, ALL_PAGE_SIZE))) {
      if (isSystemEvent(event) || (after !== undefined && event.position.commit <= after)) continue;
      read.push(toRecorded(event));
      if (read.length >= maxCount) break;
    }
    return read;
  }

  async headPosition(): Promise<bigint | null> {
    for await (const event of this.scanAll('backwards', END, HEAD_PAGE_SIZE)) {
      if (!isSystemEvent(event)) return event.position.commit;
    }
    return null;
  }

  subscribeToAll({ after }: SubscribeOptions = {}): LedgerSubscription {
    const source = this.client.subscribeToAll({
      fromPosition: after === undefined ? START : { commit: after, prepare: after },
      filter: excludeSystemEvents(),
    });
    return new EsdbSubscription(source, after);
  }

  async ping(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new LedgerUnavailableError(`EventStoreDB did not answer within ${PING_TIMEOUT_MS} ms`)), PING_TIMEOUT_MS);
    });
    try {
      await Promise.race([this.readAllPage('backwards', END, 1), timeout]);
    } catch (error) {
      throw error instanceof LedgerUnavailableError ? error : new LedgerUnavailableError('EventStoreDB is unreachable', { cause: error });
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    await this.client.dispose();
  }

  /**
   * Walks $all page by page, yielding each event once even when the server includes the event at
   * the page's starting position. A page is read completely before anything is yielded, so a
   * caller that stops early leaves no gRPC call half-read.
   */
  private async *scanAll(direction: 'forwards' | 'backwards', from: Position | typeof START | typeof END, pageSize: number) {
    let cursor = from;
    for (;;) {
      const page = await this.readAllPage(direction, cursor, pageSize);
      for (const event of page) {
        if (typeof cursor !== 'object' || comparePositions(event.position, cursor) === (direction === 'forwards' ? 1 : -1)) yield event;
      }
      if (page.length < pageSize) return;
      cursor = page[page.length - 1].position;
    }
  }

  private async readAllPage(direction: 'forwards' | 'backwards', fromPosition: Position | typeof START | typeof END, maxCount: number) {
    const page: (EsdbRecordedEvent & { position: Position })[] = [];
    try {
      for await (const { event } of this.client.readAll({ direction: direction === 'forwards' ? FORWARDS : BACKWARDS, fromPosition, maxCount })) {
        if (event) page.push(event);
      }
    } catch (error) {
      throw toLedgerError(error);
    }
    return page;
  }
}

/** A catch-up subscription whose `close()` also ends an iteration waiting for the next event. */
class EsdbSubscription implements LedgerSubscription {
  private closed = false;

  constructor(
    private readonly source: AllStreamSubscription,
    private readonly after: bigint | undefined,
  ) {}

  async *[Symbol.asyncIterator](): AsyncIterator<RecordedEvent> {
    try {
      for await (const { event } of this.source) {
        if (!event || isSystemEvent(event) || (this.after !== undefined && event.position.commit <= this.after)) continue;
        yield toRecorded(event);
      }
    } catch (error) {
      // Closing destroys the source, which ends a pending read with a premature-close error.
      if (!this.closed) throw toLedgerError(error);
    } finally {
      // Covers a consumer that breaks out of its loop without calling close().
      await this.close();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.source.unsubscribe().catch(() => undefined);
    // Unsubscribing cancels the gRPC call; destroying the source also settles a pending read
    // whatever the gRPC library does on cancel.
    this.source.destroy();
  }
}

function toClientRevision(expected: ExpectedRevision): AppendExpectedRevision {
  switch (expected) {
    case 'any':
      return ANY;
    case 'no_stream':
      return NO_STREAM;
    case 'stream_exists':
      return STREAM_EXISTS;
    default:
      return expected;
  }
}

function toRecorded(event: EsdbRecordedEvent): RecordedEvent {
  if (!event.position || event.position.commit === NO_POSITION) {
    throw new Error(`EventStoreDB did not report the $all position of ${event.streamId}@${event.revision}; the ledger needs a server newer than 22.6`);
  }
  const stored = (isPlainObject(event.metadata) ? event.metadata : {}) as StoredMetadata;
  const { $schemaVersion, $recordedAt, $hash, $prevHash, ...metadata } = stored;
  return {
    id: event.id,
    type: event.type,
    // Fallbacks only matter for events some other writer put in the store.
    schemaVersion: $schemaVersion ?? 1,
    data: (isPlainObject(event.data) ? event.data : {}) as Record<string, unknown>,
    recordedAt: $recordedAt ?? event.created.toISOString(),
    metadata,
    stream: event.streamId,
    revision: event.revision,
    position: event.position.commit,
    chain: $hash !== undefined && $prevHash !== undefined ? { hash: $hash, prevHash: $prevHash } : null,
  };
}

/** The event as a JSON round trip through the store returns it, so an append's result equals a later read. */
function roundTrip({ id, type, schemaVersion, data, recordedAt, metadata, chain }: NewEvent & { id: string }) {
  return {
    id,
    type,
    schemaVersion,
    recordedAt,
    data: JSON.parse(JSON.stringify(data)),
    metadata: JSON.parse(JSON.stringify(metadata)),
    chain: chain ? { hash: chain.hash, prevHash: chain.prevHash } : null,
  };
}

function isSystemEvent(event: EsdbRecordedEvent): boolean {
  return event.type.startsWith('$') || event.streamId.startsWith('$');
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

function comparePositions(a: Position, b: Position): -1 | 0 | 1 {
  if (a.commit !== b.commit) return a.commit < b.commit ? -1 : 1;
  if (a.prepare !== b.prepare) return a.prepare < b.prepare ? -1 : 1;
  return 0;
}

function toLedgerError(error: unknown): unknown {
  if (error instanceof LedgerUnavailableError || !(error instanceof Error)) return error;
  const unavailable = isCommandError(error)
    ? UNAVAILABLE_TYPES.has(error.type)
    : typeof (error as { code?: unknown }).code === 'number'; // a raw gRPC error the client did not convert
  return unavailable ? new LedgerUnavailableError(`EventStoreDB: ${error.message}`, { cause: error }) : error;
}
