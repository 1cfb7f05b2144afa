import { createHash } from 'node:crypto';

/**
 * RFC 6962 (Certificate Transparency) Merkle trees over the global log. Leaves are the events'
 * 32-byte hashes in position order:
 *   leafHash(e)   = SHA-256(0x00 ‖ e.hash)
 *   nodeHash(l,r) = SHA-256(0x01 ‖ l ‖ r)
 *   MTH(D[n])     = for n > 1, with k the largest power of two < n: nodeHash(MTH(D[0:k]), MTH(D[k:n]))
 * The domain-separation bytes stop a leaf from being passed off as an inner node.
 */
export const EMPTY_ROOT = createHash('sha256').digest();

export function leafHash(eventHash: Buffer | string): Buffer {
  const bytes = typeof eventHash === 'string' ? Buffer.from(eventHash, 'hex') : eventHash;
  return createHash('sha256').update(Buffer.from([0])).update(bytes).digest();
}

export function nodeHash(left: Buffer, right: Buffer): Buffer {
  return createHash('sha256').update(Buffer.from([1])).update(left).update(right).digest();
}

/** Largest power of two strictly below n (n ≥ 2). */
function split(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** MTH over leaf hashes (already passed through leafHash). */
export function merkleRoot(leaves: Buffer[]): Buffer {
  if (leaves.length === 0) return EMPTY_ROOT;
  if (leaves.length === 1) return leaves[0];
  const k = split(leaves.length);
  return nodeHash(merkleRoot(leaves.slice(0, k)), merkleRoot(leaves.slice(k)));
}

/** The audit path for leaf `index` in the tree over `leaves` (RFC 6962 §2.1.1 PATH). */
export function inclusionProof(index: number, leaves: Buffer[]): Buffer[] {
  if (index < 0 || index >= leaves.length) throw new RangeError(`leaf ${index} is outside a tree of ${leaves.length}`);
  if (leaves.length === 1) return [];
  const k = split(leaves.length);
  return index < k
    ? [...inclusionProof(index, leaves.slice(0, k)), merkleRoot(leaves.slice(k))]
    : [...inclusionProof(index - k, leaves.slice(k)), merkleRoot(leaves.slice(0, k))];
}

/** Recomputes the root from a leaf, its index, the tree size and the audit path (RFC 9162 §2.1.3.2). */
export function rootFromInclusionProof(leaf: Buffer, index: number, treeSize: number, proof: Buffer[]): Buffer | null {
  if (index < 0 || index >= treeSize) return null;
  let fn = index;
  let sn = treeSize - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return null;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? r : null;
}

export function verifyInclusion(leaf: Buffer, index: number, treeSize: number, proof: Buffer[], root: Buffer): boolean {
  const computed = rootFromInclusionProof(leaf, index, treeSize, proof);
  return computed !== null && computed.equals(root);
}

/**
 * Streams leaves in and gives the root of everything so far, in O(log n) memory: it keeps the
 * roots of the perfect subtrees that make up the tree (its "frontier"). For the verifier and the
 * digest recorder, which see the log once, in order.
 */
export class MerkleAccumulator {
  /** frontier[i] is the root of a perfect subtree of 2^i leaves, or null. */
  private readonly frontier: Array<Buffer | null> = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  add(leaf: Buffer): void {
    let carry = leaf;
    let level = 0;
    while (this.frontier[level]) {
      carry = nodeHash(this.frontier[level]!, carry);
      this.frontier[level] = null;
      level++;
    }
    this.frontier[level] = carry;
    this.count++;
  }

  /** MTH of all leaves added so far: the perfect subtrees folded from the smallest up. */
  root(): Buffer {
    let root: Buffer | null = null;
    for (const subtree of this.frontier) {
      if (!subtree) continue;
      root = root === null ? subtree : nodeHash(subtree, root);
    }
    return root ?? EMPTY_ROOT;
  }
}
