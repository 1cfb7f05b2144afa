import { AppendResult, ExpectedRevision, Ledger, LedgerSubscription, NewEvent, ReadAllOptions, ReadStreamOptions, RecordedEvent, SubscribeOptions } from '@lead-ledger/ledger/ledger.port';
import type { Histogram } from 'prom-client';

/**
 * The Ledger port with the latency of every append recorded (lead_ledger_ledger_append_duration_seconds),
 * failed appends included: a slow refusal is as telling as a slow commit. Everything else passes through.
 */
export class InstrumentedLedger implements Ledger {
  constructor(
    private readonly inner: Ledger,
    private readonly appendDuration: Histogram,
  ) {}

  async append(stream: string, events: NewEvent[], options: { expectedRevision: ExpectedRevision }): Promise<AppendResult> {
    const stop = this.appendDuration.startTimer();
    try {
      return await this.inner.append(stream, events, options);
    } finally {
      stop();
    }
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
