import { AppendResult, ExpectedRevision, Ledger, LedgerSubscription, NewEvent, ReadAllOptions, ReadStreamOptions, RecordedEvent, SubscribeOptions } from './ledger.port';

/**
 * A Ledger that hands every call to another one. Decorators (hash chaining, metrics) extend it and
 * override only what they change, so a new port method cannot be forgotten in one of them.
 */
export abstract class ForwardingLedger implements Ledger {
  constructor(protected readonly inner: Ledger) {}

  append(stream: string, events: NewEvent[], options: { expectedRevision: ExpectedRevision }): Promise<AppendResult> {
    return this.inner.append(stream, events, options);
  }

  readStream(stream: string, options?: ReadStreamOptions): Promise<RecordedEvent[]> {
    return this.inner.readStream(stream, options);
  }

  streamRevision(stream: string): Promise<bigint | null> {
    return this.inner.streamRevision(stream);
  }

  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]> {
    return this.inner.readAll(options);
  }

  headPosition(): Promise<bigint | null> {
    return this.inner.headPosition();
  }

  subscribeToAll(options?: SubscribeOptions): LedgerSubscription {
    return this.inner.subscribeToAll(options);
  }

  ping(): Promise<void> {
    return this.inner.ping();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
