import { LedgerDigest } from '@lead-ledger/audit/digests';
import { BorrowerPiiView, discloseLeadCreated, PiiAccess } from '@lead-ledger/audit/export';
import { RecordedEvent } from '@lead-ledger/ledger/ledger.port';
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

/**
 * Borrower contact details in a view. A LeadCreated event keeps its `data` exactly as the ledger
 * holds it (v2: the sealed envelope), so its hash still verifies from the view alone
 * (docs/ledger-format.md); the contact details, when the reader may see them, go in `pii`,
 * outside the hashed fields: the plaintext, `{"erased": true, "erasedAt"}` or `{"redacted": true}`.
 * A v1 event holds plaintext in `data`; without `pii:read` that data is masked.
 */
export async function withBorrowerPii<E extends { type: string; schemaVersion: number; data: Record<string, unknown> }>(
  events: E[],
  access: PiiAccess,
): Promise<Array<E & { pii?: BorrowerPiiView }>> {
  return Promise.all(
    events.map(async (event) => {
      const disclosed = await discloseLeadCreated(event, access);
      return disclosed === null ? event : { ...event, data: disclosed.data, pii: disclosed.pii };
    }),
  );
}

/** The lead summary's borrower: the pseudonymous ref (null for a v1 lead) and the contact details as the reader may see them. */
export async function borrowerOfLead(created: RecordedEvent, access: PiiAccess): Promise<{ borrowerRef: string | null; borrower: BorrowerPiiView }> {
  const disclosed = await discloseLeadCreated(created, access);
  return { borrowerRef: (created.data.borrowerRef as string | undefined) ?? null, borrower: disclosed?.pii ?? { redacted: true } };
}

/** `borrowerRef` for a create response (also on an idempotent replay); absent for a v1 lead. */
export function borrowerRefOf(result: { events: RecordedEvent[] }): { borrowerRef?: string } {
  const ref = result.events.find((event) => event.type === 'LeadCreated')?.data.borrowerRef;
  return typeof ref === 'string' ? { borrowerRef: ref } : {};
}
