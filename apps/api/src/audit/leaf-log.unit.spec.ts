import { randomBytes } from 'node:crypto';
import { EMPTY_ROOT, inclusionProof, leafHash, merkleRoot, verifyInclusion } from '@lead-ledger/audit/merkle';
import { LeafLog } from './leaf-log';

describe('LeafLog (leaves kept for roots and audit paths at any tree size)', () => {
  const leaves = (n: number) => Array.from({ length: n }, () => leafHash(randomBytes(32)));
  const logOf = (tree: Buffer[]) => {
    const log = new LeafLog();
    tree.forEach((leaf, i) => log.append(BigInt(10 + 3 * i), leaf));
    return log;
  };

  it('gives the RFC 6962 root of every prefix', () => {
    const tree = leaves(300);
    const log = logOf(tree);
    expect(log.root(0)).toEqual(EMPTY_ROOT);
    for (let n = 1; n <= tree.length; n++) expect(log.root(n)).toEqual(merkleRoot(tree.slice(0, n)));
  });

  it('gives the same audit paths as the reference, for every leaf of many tree sizes', () => {
    const tree = leaves(140);
    const log = logOf(tree);
    for (const n of [1, 2, 3, 5, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 128, 129, 140]) {
      const prefix = tree.slice(0, n);
      const root = merkleRoot(prefix);
      for (let i = 0; i < n; i++) {
        const path = log.auditPath(i, n);
        expect(path).toEqual(inclusionProof(i, prefix));
        expect(verifyInclusion(tree[i], i, n, path, root)).toBe(true);
      }
    }
  });

  it('agrees with the reference on a larger tree with imperfect edges', () => {
    const tree = leaves(5000);
    const log = logOf(tree);
    for (const n of [4097, 4999, 5000]) {
      const prefix = tree.slice(0, n);
      expect(log.root(n)).toEqual(merkleRoot(prefix));
      for (const i of [0, 1, 2047, 4096, n - 2, n - 1]) expect(log.auditPath(i, n)).toEqual(inclusionProof(i, prefix));
    }
  });

  it('finds the leaf index of a position, and refuses positions out of order and trees it does not hold', () => {
    const log = logOf(leaves(40));
    expect(log.indexOf(10n)).toBe(0);
    expect(log.indexOf(13n)).toBe(1);
    expect(log.indexOf(10n + 3n * 39n)).toBe(39);
    expect(log.indexOf(11n)).toBeNull();
    expect(log.indexOf(1000n)).toBeNull();
    expect(log.position(5)).toBe(25n);
    expect(() => log.append(10n, leafHash(randomBytes(32)))).toThrow(RangeError);
    expect(() => log.root(41)).toThrow(RangeError);
    expect(() => log.auditPath(40, 40)).toThrow(RangeError);
  });
});
