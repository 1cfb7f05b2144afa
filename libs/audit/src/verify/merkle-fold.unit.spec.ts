import { randomBytes } from 'node:crypto';
import { leafHash, MerkleAccumulator, merkleRoot } from '../merkle';
import { jsonEqual } from './canonical-json';
import { leafOfHex, MerkleFrontier, piecesOf } from './merkle-fold';

describe('Merkle trees folded in pieces', () => {
  it('computes leaves as libs/audit/src/merkle.ts does', () => {
    const hash = randomBytes(32).toString('hex');
    expect(leafOfHex(hash)).toEqual(leafHash(hash));
  });

  it.each([
    [0, 1],
    [0, 4096],
    [4096, 4096],
    [4096, 17],
    [3, 29],
    [1000, 1000],
    [8191, 3],
  ])('gives the same roots as adding leaf by leaf, for a page of %i… %i leaves', (start, count) => {
    const leaves = Array.from({ length: start + count }, () => leafHash(randomBytes(32)));
    const reference = new MerkleAccumulator();
    const folded = new MerkleFrontier();
    for (let i = 0; i < start; i++) {
      reference.add(leaves[i]);
      folded.add({ height: 0, root: leaves[i] });
    }
    const page = leaves.slice(start);
    for (const size of [1, Math.ceil(count / 3), count]) {
      const partial = folded.clone();
      for (const piece of piecesOf(page, start, size)) partial.add(piece);
      expect(partial.root()).toEqual(merkleRoot(leaves.slice(0, start + size)));
      expect(partial.size).toBe(start + size);
    }
    for (const piece of piecesOf(page, start)) folded.add(piece);
    for (const leaf of page) reference.add(leaf);
    expect(folded.root()).toEqual(reference.root());
  });

  it('refuses a piece that is not aligned on its size', () => {
    const frontier = new MerkleFrontier();
    frontier.add({ height: 0, root: randomBytes(32) });
    expect(() => frontier.add({ height: 1, root: randomBytes(32) })).toThrow('cannot follow');
  });
});

describe('jsonEqual', () => {
  it('compares JSON values as their canonical forms would', () => {
    expect(jsonEqual({ a: 1, b: [1, { c: null }] }, { b: [1, { c: null }], a: 1 })).toBe(true);
    expect(jsonEqual({ a: 1, u: undefined }, { a: 1 })).toBe(true);
    expect(jsonEqual({ a: 1 }, { a: 1, b: 2 })).toBe(false);
    expect(jsonEqual({ a: 0.1 + 0.2 }, { a: 0.3 })).toBe(false);
    expect(jsonEqual([1, 2], [2, 1])).toBe(false);
    expect(jsonEqual([], {})).toBe(false);
    expect(jsonEqual(null, {})).toBe(false);
    expect(jsonEqual({ a: -0 }, JSON.parse('{"a":0}'))).toBe(true);
  });
});
