import type { ChainLink, RecordedEvent } from '@lead-ledger/ledger/ledger.port';
import { leafHash, merkleRoot, verifyInclusion } from './merkle';

/**
 * Merkle digests over the global log (docs/ledger-format.md, "Merkle digests").
 *
 * The leaves are EVERY event of the global log, in position order, digest events included:
 * leaf i = leafHash(hash of the i-th event), i counted from 0. A digest commits to the first
 * `treeSize` leaves with their RFC 6962 root and is itself recorded in the ledger, as a
 * `LedgerDigestRecorded` event on the `ledger-digests` stream, so it becomes a leaf of every later
 * tree.
 *
 * An event without a hash (`chain: null`) has no leaf: it is not a valid event of this ledger.
 * No digest is recorded over a tree that would contain it, and a verifier that meets one must fail
 * (see `UnchainedEventError`).
 */
export const LEDGER_DIGEST_STREAM = 'ledger-digests';
export const ledgerDigestStream = (): string => LEDGER_DIGEST_STREAM;

export const LEDGER_DIGEST_RECORDED = 'LedgerDigestRecorded' as const;
export const LEDGER_DIGEST_SCHEMA_VERSION = 1;

/** The data of a `LedgerDigestRecorded` event, schema version 1. */
export interface LedgerDigestRecordedV1 {
  /** How many leaves (events of the global log, from the first) the digest covers; ≥ 1. */
  treeSize: number;
  /** RFC 6962 Merkle Tree Hash of those leaves, 64 lowercase hex. */
  rootHash: string;
  /** Position of the last covered event (leaf treeSize − 1), decimal string. */
  lastPosition: string;
  /** Id of the last covered event. */
  lastEventId: string;
  /** When the digest was taken, by the service's clock (ISO-8601 UTC). */
  digestedAt: string;
}

/** A digest as read back from the ledger: its data plus where its own event sits. */
export interface LedgerDigest extends LedgerDigestRecordedV1 {
  /** Position of the LedgerDigestRecorded event itself. */
  position: bigint;
  eventId: string;
  /** Revision of the event in the `ledger-digests` stream. */
  revision: bigint;
  /** The digest event's own hash (null only for an unchained event, which the app never writes). */
  hash: string | null;
}

const HEX64 = /^[0-9a-f]{64}$/;
const DECIMAL = /^(0|[1-9][0-9]*)$/;

export function isDigestEvent(event: { stream: string; type: string }): boolean {
  return event.stream === LEDGER_DIGEST_STREAM && event.type === LEDGER_DIGEST_RECORDED;
}

/** An event of the global log without a (well-formed) hash: it cannot be a leaf, so no tree containing it verifies. */
export class UnchainedEventError extends Error {
  constructor(
    readonly position: bigint,
    readonly eventId: string,
  ) {
    super(`event ${eventId} at position ${position} has no hash; the log is not verifiable from there on`);
    this.name = 'UnchainedEventError';
  }
}

/** A LedgerDigestRecorded event whose data does not follow schema version 1. */
export class InvalidDigestError extends Error {
  constructor(
    readonly eventId: string,
    problem: string,
  ) {
    super(`digest event ${eventId}: ${problem}`);
    this.name = 'InvalidDigestError';
  }
}

/** The leaf of one event: leafHash(its 32-byte hash). Throws UnchainedEventError if it has none. */
export function leafOf(event: { chain: ChainLink | null; position: bigint; id: string }): Buffer {
  const hash = event.chain?.hash;
  if (typeof hash !== 'string' || !HEX64.test(hash)) throw new UnchainedEventError(event.position, event.id);
  return leafHash(Buffer.from(hash, 'hex'));
}

/** The event to append for a digest of `treeSize` leaves whose last leaf is `last`. */
export function digestRecorded(fields: { treeSize: number; root: Buffer; last: { position: bigint; id: string }; digestedAt: string }): {
  type: typeof LEDGER_DIGEST_RECORDED;
  schemaVersion: number;
  data: LedgerDigestRecordedV1 & Record<string, unknown>;
} {
  if (!Number.isSafeInteger(fields.treeSize) || fields.treeSize < 1) throw new RangeError(`a digest covers at least one event; got treeSize ${fields.treeSize}`);
  if (fields.root.length !== 32) throw new RangeError('a root is 32 bytes');
  return {
    type: LEDGER_DIGEST_RECORDED,
    schemaVersion: LEDGER_DIGEST_SCHEMA_VERSION,
    data: {
      treeSize: fields.treeSize,
      rootHash: fields.root.toString('hex'),
      lastPosition: fields.last.position.toString(),
      lastEventId: fields.last.id,
      digestedAt: fields.digestedAt,
    },
  };
}

/** Reads and checks a LedgerDigestRecorded event (schema version 1). Throws InvalidDigestError. */
export function digestOf(event: RecordedEvent): LedgerDigest {
  const bad = (problem: string) => new InvalidDigestError(event.id, problem);
  if (!isDigestEvent(event)) throw bad(`not a ${LEDGER_DIGEST_RECORDED} event of stream ${LEDGER_DIGEST_STREAM}`);
  if (event.schemaVersion !== LEDGER_DIGEST_SCHEMA_VERSION) throw bad(`unknown schema version ${event.schemaVersion}`);
  const { treeSize, rootHash, lastPosition, lastEventId, digestedAt } = event.data as Record<string, unknown>;
  if (typeof treeSize !== 'number' || !Number.isSafeInteger(treeSize) || treeSize < 1) throw bad('treeSize must be an integer ≥ 1');
  if (typeof rootHash !== 'string' || !HEX64.test(rootHash)) throw bad('rootHash must be 64 lowercase hex');
  if (typeof lastPosition !== 'string' || !DECIMAL.test(lastPosition)) throw bad('lastPosition must be a decimal string');
  if (typeof lastEventId !== 'string' || lastEventId === '') throw bad('lastEventId must be a string');
  if (typeof digestedAt !== 'string') throw bad('digestedAt must be a string');
  if (BigInt(lastPosition) >= event.position) throw bad('a digest can only cover events before it');
  return {
    treeSize,
    rootHash,
    lastPosition,
    lastEventId,
    digestedAt,
    position: event.position,
    eventId: event.id,
    revision: event.revision,
    hash: event.chain?.hash ?? null,
  };
}

/**
 * Recomputes a digest from the global log, read from its first event in position order (at least
 * `treeSize` events). Throws UnchainedEventError if a covered event has no hash.
 */
export function recomputeDigest(log: RecordedEvent[], treeSize: number): Pick<LedgerDigestRecordedV1, 'treeSize' | 'rootHash' | 'lastPosition' | 'lastEventId'> {
  if (treeSize < 1 || treeSize > log.length) throw new RangeError(`cannot digest ${treeSize} of ${log.length} events`);
  const covered = log.slice(0, treeSize);
  const last = covered[treeSize - 1];
  return {
    treeSize,
    rootHash: merkleRoot(covered.map(leafOf)).toString('hex'),
    lastPosition: last.position.toString(),
    lastEventId: last.id,
  };
}

/**
 * Checks a digest against the global log, read from its first event in position order. Returns the
 * problems found (none: the digest is exactly what the log says).
 */
export function checkDigest(digest: LedgerDigestRecordedV1, log: RecordedEvent[]): string[] {
  if (digest.treeSize > log.length) return [`the digest covers ${digest.treeSize} events; the log has ${log.length}`];
  let expected: ReturnType<typeof recomputeDigest>;
  try {
    expected = recomputeDigest(log, digest.treeSize);
  } catch (error) {
    return [(error as Error).message];
  }
  const problems: string[] = [];
  if (expected.rootHash !== digest.rootHash) problems.push(`rootHash ${digest.rootHash} differs from the log's ${expected.rootHash}`);
  if (expected.lastPosition !== digest.lastPosition) problems.push(`lastPosition ${digest.lastPosition} is not the log's ${expected.lastPosition}`);
  if (expected.lastEventId !== digest.lastEventId) problems.push(`lastEventId ${digest.lastEventId} is not the log's ${expected.lastEventId}`);
  return problems;
}

/** One event's inclusion proof against a digest, as exported (hex strings). */
export interface InclusionProof {
  /** The event's 64-hex hash. */
  hash: string;
  /** The event's ordinal in the global log, from 0. */
  leafIndex: number;
  auditPath: string[];
}

/** True if the event's hash is leaf `leafIndex` of the tree the digest commits to (RFC 9162 §2.1.3.2). */
export function verifyEventInclusion(proof: InclusionProof, digest: Pick<LedgerDigestRecordedV1, 'treeSize' | 'rootHash'>): boolean {
  if (!HEX64.test(proof.hash) || !HEX64.test(digest.rootHash) || !proof.auditPath.every((node) => HEX64.test(node))) return false;
  if (!Number.isSafeInteger(proof.leafIndex) || !Number.isSafeInteger(digest.treeSize)) return false;
  return verifyInclusion(
    leafHash(Buffer.from(proof.hash, 'hex')),
    proof.leafIndex,
    digest.treeSize,
    proof.auditPath.map((node) => Buffer.from(node, 'hex')),
    Buffer.from(digest.rootHash, 'hex'),
  );
}
