import { randomUUID } from 'node:crypto';
import { ForwardingLedger } from '../forwarding-ledger';
import { AppendResult, ExpectedRevision, NewEvent, WrongExpectedRevisionError } from '../ledger.port';
import { eventHash, GENESIS_HASH } from './event-hash';

/** An `any` append that keeps losing races to other writers gives up after this many tries. */
const MAX_ANY_ATTEMPTS = 10;

/**
 * Hash-chains every append, on any adapter: each event's hash covers its canonical bytes and the
 * hash of the stream's previous event. The append is made at the exact revision the chain was
 * computed on, so a concurrent writer can never leave two events claiming the same predecessor.
 */
export class ChainedLedger extends ForwardingLedger {
  override async append(stream: string, events: NewEvent[], { expectedRevision }: { expectedRevision: ExpectedRevision }): Promise<AppendResult> {
    for (let attempt = 1; ; attempt++) {
      const [last] = await this.inner.readStream(stream, { direction: 'backwards', maxCount: 1 });
      const current = last?.revision ?? null;
      if (!matches(expectedRevision, current)) throw new WrongExpectedRevisionError(stream, expectedRevision, current);
      let prevHash = last ? (last.chain?.hash ?? GENESIS_HASH) : GENESIS_HASH;
      let revision = current ?? -1n;
      const chained = events.map((event) => {
        revision += 1n;
        const id = event.id ?? randomUUID();
        const hash = eventHash({ ...event, id, stream, revision }, prevHash);
        const link = { hash, prevHash };
        prevHash = hash;
        return { ...event, id, chain: link };
      });
      try {
        return await this.inner.append(stream, chained, { expectedRevision: current ?? 'no_stream' });
      } catch (error) {
        // Only `any` may retry: every other expectation was already checked against `current`.
        if (!(error instanceof WrongExpectedRevisionError) || expectedRevision !== 'any' || attempt >= MAX_ANY_ATTEMPTS) throw error;
      }
    }
  }
}

function matches(expected: ExpectedRevision, current: bigint | null): boolean {
  if (expected === 'any') return true;
  if (expected === 'no_stream') return current === null;
  if (expected === 'stream_exists') return current !== null;
  return current === expected;
}
