import { randomBytes } from 'node:crypto';
import { inclusionProof, leafHash, MerkleAccumulator, merkleRoot, nodeHash, rootFromInclusionProof, verifyInclusion } from './merkle';

describe('RFC 6962 Merkle tree', () => {
  const leaves = (n: number) => Array.from({ length: n }, () => leafHash(randomBytes(32)));

  it('builds the root of small trees by the definition', () => {
    const [a, b, c] = leaves(3);
    expect(merkleRoot([a])).toEqual(a);
    expect(merkleRoot([a, b])).toEqual(nodeHash(a, b));
    expect(merkleRoot([a, b, c])).toEqual(nodeHash(nodeHash(a, b), c));
  });

  it('separates leaves from nodes (a leaf hash is not a bare sha256)', () => {
    const bytes = randomBytes(32);
    expect(leafHash(bytes)).not.toEqual(nodeHash(bytes.subarray(0, 16), bytes.subarray(16)));
  });

  it.each([1, 2, 3, 4, 5, 7, 8, 9, 31, 100])('the streaming accumulator agrees with the recursive root for %i leaves', (n) => {
    const tree = leaves(n);
    const accumulator = new MerkleAccumulator();
    for (let i = 0; i < n; i++) {
      accumulator.add(tree[i]);
      expect(accumulator.root()).toEqual(merkleRoot(tree.slice(0, i + 1)));
    }
    expect(accumulator.size).toBe(n);
  });

  it.each([1, 2, 3, 6, 13, 64, 65])('proves and verifies every leaf of a %i-leaf tree, and rejects a wrong one', (n) => {
    const tree = leaves(n);
    const root = merkleRoot(tree);
    for (let i = 0; i < n; i++) {
      const proof = inclusionProof(i, tree);
      expect(verifyInclusion(tree[i], i, n, proof, root)).toBe(true);
      expect(verifyInclusion(leafHash(randomBytes(32)), i, n, proof, root)).toBe(false);
      if (n > 1) expect(verifyInclusion(tree[i], (i + 1) % n, n, proof, root)).toBe(false);
    }
    expect(rootFromInclusionProof(tree[0], n, n, [])).toBeNull();
  });
});
