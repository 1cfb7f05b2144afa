import { Injectable } from '@nestjs/common';
import { LedgerDigest, UnchainedEventError } from '@lead-ledger/audit/digests';
import { RecordedEvent } from '@lead-ledger/ledger/ledger.port';
import { DigestRecorder, DigestRequester, LedgerUnverifiableError } from './digest-recorder';

/** One event's place in the digested tree and the path from its leaf to the digest's root. */
export interface EventInclusion {
  position: bigint;
  eventId: string;
  /** The event's ordinal in the global log, from 0. */
  leafIndex: number;
  leafHash: Buffer;
  /** RFC 6962 PATH(leafIndex, D[0:treeSize]), from the leaf's sibling up. */
  auditPath: Buffer[];
}

export interface LedgerProof {
  digest: LedgerDigest;
  /** One per event, in the order the events were given. */
  inclusions: EventInclusion[];
}

/**
 * Proves that events are in the ledger: finds the first digest that covers all of them (recording
 * one now if none does yet) and builds each event's inclusion proof against it, from the leaves
 * the DigestRecorder keeps.
 */
@Injectable()
export class ProofService {
  constructor(private readonly recorder: DigestRecorder) {}

  async prove(events: RecordedEvent[], requester?: DigestRequester): Promise<LedgerProof> {
    if (events.length === 0) throw new RangeError('nothing to prove');
    const last = events.reduce((a, b) => (b.position > a.position ? b : a));
    await this.recorder.waitFor(last.position);
    const indices = events.map((event) => {
      const index = this.recorder.leafIndexOf(event);
      if (index !== null) return index;
      if (event.chain === null) throw new LedgerUnverifiableError(new UnchainedEventError(event.position, event.id));
      const broken = this.recorder.unverifiableAt;
      if (broken) throw new LedgerUnverifiableError(broken);
      throw new Error(`event ${event.id} at position ${event.position} is not the leaf the digest recorder holds for that position`);
    });
    const digest = await this.recorder.ensureCovering(Math.max(...indices) + 1, requester);
    return {
      digest,
      inclusions: events.map((event, i) => ({
        position: event.position,
        eventId: event.id,
        leafIndex: indices[i],
        leafHash: this.recorder.leaf(indices[i]),
        auditPath: this.recorder.auditPath(indices[i], digest.treeSize),
      })),
    };
  }
}
