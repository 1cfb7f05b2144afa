import { LedgerDigest } from '@lead-ledger/audit/digests';
import { EventInclusion } from './proof.service';

/** The public shape of a digest (docs/ledger-format.md, "Merkle digests"). */
export function digestView(digest: LedgerDigest) {
  return {
    treeSize: digest.treeSize,
    rootHash: digest.rootHash,
    lastPosition: digest.lastPosition,
    lastEventId: digest.lastEventId,
    digestedAt: digest.digestedAt,
    position: digest.position.toString(),
    eventId: digest.eventId,
    revision: Number(digest.revision),
    hash: digest.hash,
  };
}

/** The public shape of one event's inclusion proof (docs/ledger-format.md, "Inclusion proofs"). */
export function inclusionView(inclusion: EventInclusion) {
  return {
    position: inclusion.position.toString(),
    leafIndex: inclusion.leafIndex,
    leafHash: inclusion.leafHash.toString('hex'),
    auditPath: inclusion.auditPath.map((node) => node.toString('hex')),
  };
}
