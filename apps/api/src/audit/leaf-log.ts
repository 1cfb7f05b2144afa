import { EMPTY_ROOT, nodeHash } from '@lead-ledger/audit/merkle';

/** Hashes per chunk: chunks of 512 KiB, so growing never copies the whole column. */
const CHUNK_HASHES = 1 << 14;
/** Perfect subtrees of 2^STORED_FROM_LEVEL leaves and up are kept; smaller ones are rebuilt from leaves (≤ 15 hashes). */
const STORED_FROM_LEVEL = 4;

/** An append-only column of 32-byte hashes in fixed-size chunks. */
class HashColumn {
  private readonly chunks: Buffer[] = [];
  length = 0;

  push(hash: Buffer): void {
    const offset = this.length % CHUNK_HASHES;
    if (offset === 0) this.chunks.push(Buffer.allocUnsafe(CHUNK_HASHES * 32));
    hash.copy(this.chunks[this.chunks.length - 1], offset * 32, 0, 32);
    this.length++;
  }

  /** A view (no copy) of hash i. */
  get(i: number): Buffer {
    if (i < 0 || i >= this.length) throw new RangeError(`hash ${i} of ${this.length}`);
    const offset = (i % CHUNK_HASHES) * 32;
    return this.chunks[Math.floor(i / CHUNK_HASHES)].subarray(offset, offset + 32);
  }
}

/** An append-only column of log positions (unsigned 64-bit), increasing. */
class PositionColumn {
  private readonly chunks: BigUint64Array[] = [];
  length = 0;

  push(position: bigint): void {
    const offset = this.length % CHUNK_HASHES;
    if (offset === 0) this.chunks.push(new BigUint64Array(CHUNK_HASHES));
    this.chunks[this.chunks.length - 1][offset] = position;
    this.length++;
  }

  get(i: number): bigint {
    return this.chunks[Math.floor(i / CHUNK_HASHES)][i % CHUNK_HASHES];
  }
}

/**
 * The leaves of the global log's Merkle tree (one per event, in position order), kept in memory
 * so that roots and audit paths for any tree size come without re-reading the log.
 *
 * Memory: 32 bytes per leaf hash, 8 per position, and the roots of the perfect subtrees of 16
 * leaves and more (≈ 4 bytes per leaf): about 44 bytes per event, so 1 million events take ≈ 44 MB
 * and a few million stay well within a normal heap. Past tens of millions this wants an on-disk
 * store instead.
 *
 * Cost: a root or an audit path for any tree size needs O(log² n) hashes: every perfect, aligned
 * subtree is a lookup (or ≤ 15 hashes below level 4), and the RFC 6962 shape has at most one
 * imperfect subtree per level.
 */
export class LeafLog {
  private readonly leaves = new HashColumn();
  private readonly positions = new PositionColumn();
  /** levels[h] (h ≥ STORED_FROM_LEVEL): roots of the complete perfect subtrees of 2^h leaves, left to right. */
  private readonly levels: HashColumn[] = [];

  get size(): number {
    return this.leaves.length;
  }

  /** Adds the next leaf (already passed through leafHash) for the event at `position`. */
  append(position: bigint, leaf: Buffer): void {
    if (leaf.length !== 32) throw new RangeError('a leaf is 32 bytes');
    if (this.size > 0 && position <= this.positions.get(this.size - 1)) throw new RangeError(`position ${position} does not follow ${this.positions.get(this.size - 1)}`);
    this.leaves.push(leaf);
    this.positions.push(position);
    const size = this.size;
    // Every perfect subtree this leaf completes, from level STORED_FROM_LEVEL up.
    for (let h = STORED_FROM_LEVEL; size % 2 ** h === 0; h++) {
      const index = size / 2 ** h - 1;
      const root = h === STORED_FROM_LEVEL ? this.perfectRoot(h, index) : nodeHash(this.levels[h - 1].get(2 * index), this.levels[h - 1].get(2 * index + 1));
      (this.levels[h] ??= new HashColumn()).push(root);
    }
  }

  leaf(index: number): Buffer {
    return this.leaves.get(index);
  }

  position(index: number): bigint {
    if (index < 0 || index >= this.size) throw new RangeError(`leaf ${index} of ${this.size}`);
    return this.positions.get(index);
  }

  /** The leaf index (the event's ordinal in the log) of the event at `position`, or null. */
  indexOf(position: bigint): number | null {
    let low = 0;
    let high = this.size - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const at = this.positions.get(middle);
      if (at === position) return middle;
      if (at < position) low = middle + 1;
      else high = middle - 1;
    }
    return null;
  }

  /** MTH of the first `treeSize` leaves. */
  root(treeSize: number): Buffer {
    this.checkTreeSize(treeSize);
    return treeSize === 0 ? EMPTY_ROOT : this.subtreeRoot(0, treeSize);
  }

  /** RFC 6962 PATH(index, D[0:treeSize]): the audit path of leaf `index` in the tree of the first `treeSize` leaves. */
  auditPath(index: number, treeSize: number): Buffer[] {
    this.checkTreeSize(treeSize);
    if (!Number.isInteger(index) || index < 0 || index >= treeSize) throw new RangeError(`leaf ${index} is outside a tree of ${treeSize}`);
    const path: Buffer[] = [];
    let start = 0;
    let size = treeSize;
    let m = index;
    // Walk down from the root; each sibling subtree goes on the path, which is read leaf-up.
    while (size > 1) {
      const k = split(size);
      if (m < k) {
        path.push(this.subtreeRoot(start + k, size - k));
        size = k;
      } else {
        path.push(this.subtreeRoot(start, k));
        start += k;
        size -= k;
        m -= k;
      }
    }
    return path.reverse();
  }

  /** MTH(D[start:start+size]). */
  private subtreeRoot(start: number, size: number): Buffer {
    if (size === 1) return this.leaves.get(start);
    if ((size & (size - 1)) === 0 && start % size === 0) return this.perfectRoot(Math.log2(size), start / size);
    const k = split(size);
    return nodeHash(this.subtreeRoot(start, k), this.subtreeRoot(start + k, size - k));
  }

  /** The root of the index-th perfect subtree of 2^level leaves. */
  private perfectRoot(level: number, index: number): Buffer {
    if (level === 0) return this.leaves.get(index);
    if (level > STORED_FROM_LEVEL || (level === STORED_FROM_LEVEL && this.levels[level] && index < this.levels[level].length)) {
      return this.levels[level].get(index);
    }
    return nodeHash(this.perfectRoot(level - 1, 2 * index), this.perfectRoot(level - 1, 2 * index + 1));
  }

  private checkTreeSize(treeSize: number): void {
    if (!Number.isInteger(treeSize) || treeSize < 0 || treeSize > this.size) throw new RangeError(`no tree of ${treeSize} leaves: ${this.size} known`);
  }
}

/** Largest power of two strictly below n (n ≥ 2). */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}
