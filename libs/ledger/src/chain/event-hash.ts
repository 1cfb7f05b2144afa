import canonicalize from 'canonicalize';
import { createHash } from 'node:crypto';

/** The prevHash of a stream's first event. */
export const GENESIS_HASH = '0'.repeat(64);
export const CHAIN_VERSION = 1;

/** Exactly the fields an event's hash covers (docs/ledger-format.md, "Event hash"). */
export interface HashedFields {
  stream: string;
  revision: bigint;
  id: string;
  type: string;
  schemaVersion: number;
  recordedAt: string;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
}

/** The canonical bytes of an event: RFC 8785 (JCS) JSON of its fields and its predecessor's hash. */
export function canonicalEventBytes(event: HashedFields, prevHash: string): Buffer {
  const document = {
    chainVersion: CHAIN_VERSION,
    prevHash,
    stream: event.stream,
    // Revisions are bigints in code; as a decimal string they survive any JSON parser exactly.
    revision: event.revision.toString(),
    id: event.id,
    type: event.type,
    schemaVersion: event.schemaVersion,
    recordedAt: event.recordedAt,
    data: event.data,
    metadata: event.metadata,
  };
  return Buffer.from(canonicalize(document)!, 'utf8');
}

/** sha256 over the canonical bytes, lowercase hex. */
export function eventHash(event: HashedFields, prevHash: string): string {
  return createHash('sha256').update(canonicalEventBytes(event, prevHash)).digest('hex');
}
