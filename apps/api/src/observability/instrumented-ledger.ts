import { ForwardingLedger } from '@lead-ledger/ledger/forwarding-ledger';
import { AppendResult, ExpectedRevision, Ledger, NewEvent } from '@lead-ledger/ledger/ledger.port';
import type { Histogram } from 'prom-client';

/**
 * The Ledger port with the latency of every append recorded (lead_ledger_ledger_append_duration_seconds),
 * failed appends included: a slow refusal is as telling as a slow commit. Everything else passes through.
 */
export class InstrumentedLedger extends ForwardingLedger {
  constructor(
    inner: Ledger,
    private readonly appendDuration: Histogram,
  ) {
    super(inner);
  }

  override async append(stream: string, events: NewEvent[], options: { expectedRevision: ExpectedRevision }): Promise<AppendResult> {
    const stop = this.appendDuration.startTimer();
    try {
      return await this.inner.append(stream, events, options);
    } finally {
      stop();
    }
  }
}
