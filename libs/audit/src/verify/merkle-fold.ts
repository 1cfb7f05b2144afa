import * as crypto from 'node:crypto';
import { EMPTY_ROOT } from '../merkle';

/**
 * RFC 6962 trees (libs/audit/src/merkle.ts) folded in pieces, so the hashing of leaves can run in
 * worker threads page by page while the main thread keeps the O(log n) frontier:
 * a page of leaves starting at leaf index `start` is cut into perfect subtrees aligned on their own
 * size; adding those pieces in order to the frontier is the same as adding the leaves one by one.
 */
export interface TreePiece {
  /** 2^height leaves. */
  height: number;
  root: Buffer;
}

/** Reused inputs (one per thread): 0x00 ‖ hash, 0x01 ‖ left ‖ right. */
const leafInput = Buffer.alloc(33, 0);
const nodeInput = Buffer.alloc(65, 1);

/** One-shot SHA-256 (crypto.hash where Node has it: no Hash object per call). */
const sha256: (data: Buffer) => Buffer =
  typeof (crypto as { hash?: unknown }).hash === 'function'
    ? (data) => (crypto as unknown as { hash(algorithm: string, data: Buffer, encoding: 'buffer'): Buffer }).hash('sha256', data, 'buffer')
    : (data) => crypto.createHash('sha256').update(data).digest();

/** leafHash(eventHash) = SHA-256(0x00 ‖ 32 bytes of the event's hash). */
export function leafOfHex(eventHashHex: string): Buffer {
  if (leafInput.write(eventHashHex, 1, 32, 'hex') !== 32) throw new Error(`not a 32-byte hex hash: ${eventHashHex}`);
  return sha256(leafInput);
}

export function nodeOf(left: Buffer, right: Buffer): Buffer {
  left.copy(nodeInput, 1);
  right.copy(nodeInput, 33);
  return sha256(nodeInput);
}

function perfectRoot(leaves: Buffer[], from: number, size: number): Buffer {
  if (size === 1) return leaves[from];
  const half = size / 2;
  return nodeOf(perfectRoot(leaves, from, half), perfectRoot(leaves, from + half, half));
}

/** The aligned perfect subtrees that make up leaves[0, count) of a page whose first leaf is `start`. */
export function piecesOf(leaves: Buffer[], start: number, count = leaves.length): TreePiece[] {
  const pieces: TreePiece[] = [];
  let offset = 0;
  while (offset < count) {
    let height = 0;
    // Grow while the piece stays aligned on its size and inside the page.
    while ((start + offset) % 2 ** (height + 1) === 0 && offset + 2 ** (height + 1) <= count) height++;
    pieces.push({ height, root: perfectRoot(leaves, offset, 2 ** height) });
    offset += 2 ** height;
  }
  return pieces;
}

/** The frontier of the tree so far: roots of its perfect subtrees, one per set bit of its size. */
export class MerkleFrontier {
  private frontier: Array<Buffer | null> = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  add(piece: TreePiece): void {
    const width = 2 ** piece.height;
    if (this.count % width !== 0) throw new Error(`a subtree of ${width} leaves cannot follow ${this.count} leaves`);
    let carry = piece.root;
    let level = piece.height;
    while (this.frontier[level]) {
      carry = nodeOf(this.frontier[level]!, carry);
      this.frontier[level] = null;
      level++;
    }
    this.frontier[level] = carry;
    this.count += width;
  }

  clone(): MerkleFrontier {
    const copy = new MerkleFrontier();
    copy.frontier = [...this.frontier];
    copy.count = this.count;
    return copy;
  }

  root(): Buffer {
    let root: Buffer | null = null;
    for (const subtree of this.frontier) {
      if (!subtree) continue;
      root = root === null ? subtree : nodeOf(subtree, root);
    }
    return root ?? EMPTY_ROOT;
  }
}
