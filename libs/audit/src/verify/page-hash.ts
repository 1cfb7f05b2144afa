import { canonicalJson, canonicalJsonText, eventHashOfParts } from './canonical-json';
import { leafOfHex, piecesOf, TreePiece } from './merkle-fold';

/**
 * The per-event, order-independent half of chain verification, for one page of the log: recompute
 * every event's hash from its covered fields and its stored prevHash, and fold the page's Merkle
 * leaves (leaf = leafHash(stored hash)). Runs in a worker thread (hash-worker.ts) or inline; the
 * order-dependent half (links, revisions, positions) stays with the verifier.
 */
export interface HashInput {
  stream: string;
  revision: bigint | number;
  id: string;
  type: string;
  schemaVersion: number;
  recordedAt: string;
  /** Raw JSON text (from the store) or the parsed value. */
  data: string | unknown;
  metadata: string | unknown;
  hash: string | null;
  prevHash: string | null;
}

export interface HashMismatch {
  /** Index of the event in its page. */
  index: number;
  /** The recomputed hash, or null when it cannot be computed (no hash stored, unreadable JSON). */
  computed: string | null;
  problem: 'content' | 'unchained' | 'unreadable';
  detail?: string;
}

export interface PageHashResult {
  count: number;
  mismatches: HashMismatch[];
  /** The page's Merkle pieces; null when an event without a valid hash makes its leaf unknowable. */
  pieces: TreePiece[] | null;
  /** For each digest tree size ending inside this page: the pieces of the page up to it. */
  targets: Array<{ treeSize: number; pieces: TreePiece[] }>;
}

const HEX64 = /^[0-9a-f]{64}$/;

export function hashPage(events: HashInput[], start: number, targets: number[], raw: boolean): PageHashResult {
  const mismatches: HashMismatch[] = [];
  const leaves: Buffer[] = [];
  let leavesValid = true;
  for (let index = 0; index < events.length; index++) {
    const event = events[index];
    if (event.hash === null || event.prevHash === null || !HEX64.test(event.hash)) {
      mismatches.push({ index, computed: null, problem: 'unchained' });
      leavesValid = false;
      continue;
    }
    leaves.push(leafOfHex(event.hash));
    let computed: string;
    try {
      computed = eventHashOfParts({
        prevHash: event.prevHash,
        stream: event.stream,
        revision: event.revision,
        id: event.id,
        type: event.type,
        schemaVersion: event.schemaVersion,
        recordedAt: event.recordedAt,
        data: raw ? canonicalJsonText(event.data as string) : canonicalJson(event.data),
        metadata: raw ? canonicalJsonText(event.metadata as string) : canonicalJson(event.metadata),
      });
    } catch (error) {
      mismatches.push({ index, computed: null, problem: 'unreadable', detail: (error as Error).message });
      continue;
    }
    if (computed !== event.hash) mismatches.push({ index, computed, problem: 'content' });
  }
  if (!leavesValid) return { count: events.length, mismatches, pieces: null, targets: [] };
  return {
    count: events.length,
    mismatches,
    pieces: piecesOf(leaves, start),
    targets: targets.filter((size) => size > start && size <= start + leaves.length).map((treeSize) => ({ treeSize, pieces: piecesOf(leaves, start, treeSize - start) })),
  };
}
