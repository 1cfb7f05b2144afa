import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { RecordedEvent } from '@lead-ledger/ledger/ledger.port';
import {
  checkDigest,
  digestOf,
  digestRecorded,
  InvalidDigestError,
  isDigestEvent,
  LEDGER_DIGEST_RECORDED,
  LEDGER_DIGEST_STREAM,
  leafOf,
  ledgerDigestStream,
  recomputeDigest,
  UnchainedEventError,
  verifyEventInclusion,
} from './digests';
import { inclusionProof, leafHash, merkleRoot, nodeHash } from './merkle';

const hex = () => randomBytes(32).toString('hex');

function anEvent(position: number, overrides: Partial<RecordedEvent> = {}): RecordedEvent {
  return {
    id: randomUUID(),
    type: 'LeadCreated',
    schemaVersion: 1,
    data: {},
    recordedAt: '2026-11-03T14:00:00.000Z',
    metadata: { correlationId: 'c', causationId: 'c', commandId: 'c', actor: 'test' },
    stream: `lead-${position}`,
    revision: 0n,
    position: BigInt(position),
    chain: { hash: hex(), prevHash: '0'.repeat(64) },
    ...overrides,
  };
}

function aDigestEvent(log: RecordedEvent[], treeSize: number, position: number, revision = 0n): RecordedEvent {
  const event = digestRecorded({
    treeSize,
    root: merkleRoot(log.slice(0, treeSize).map(leafOf)),
    last: log[treeSize - 1],
    digestedAt: '2026-11-03T14:00:00.000Z',
  });
  return anEvent(position, { ...event, stream: LEDGER_DIGEST_STREAM, revision });
}

describe('ledger digests', () => {
  it('names the stream and the event', () => {
    expect(ledgerDigestStream()).toBe('ledger-digests');
    expect(LEDGER_DIGEST_RECORDED).toBe('LedgerDigestRecorded');
    expect(isDigestEvent({ stream: 'ledger-digests', type: 'LedgerDigestRecorded' })).toBe(true);
    expect(isDigestEvent({ stream: 'lead-1', type: 'LedgerDigestRecorded' })).toBe(false);
    expect(isDigestEvent({ stream: 'ledger-digests', type: 'Other' })).toBe(false);
  });

  it('makes a leaf of the 32 bytes of an event hash, prefixed with 0x00, as the format document says', () => {
    const event = anEvent(1);
    const expected = createHash('sha256')
      .update(Buffer.concat([Buffer.from([0]), Buffer.from(event.chain!.hash, 'hex')]))
      .digest();
    expect(leafOf(event)).toEqual(expected);
    expect(leafOf(event)).toEqual(leafHash(event.chain!.hash));
  });

  it('refuses a leaf for an event without a hash, or with a malformed one: the log is not verifiable there', () => {
    expect(() => leafOf(anEvent(7, { chain: null }))).toThrow(UnchainedEventError);
    expect(() => leafOf(anEvent(7, { chain: { hash: 'ABC', prevHash: '0'.repeat(64) } }))).toThrow(UnchainedEventError);
    expect(() => leafOf(anEvent(7, { chain: { hash: hex().toUpperCase(), prevHash: '0'.repeat(64) } }))).toThrow(/position 7/);
    const log = [anEvent(1), anEvent(2, { chain: null })];
    expect(() => recomputeDigest(log, 2)).toThrow(UnchainedEventError);
    expect(checkDigest({ ...recomputeDigest(log, 1), treeSize: 2, digestedAt: 'x' }, log)).toEqual([expect.stringMatching(/no hash/)]);
  });

  it('builds a LedgerDigestRecorded v1 event with the root in hex and the last position as a decimal string', () => {
    const log = [anEvent(3), anEvent(5), anEvent(9)];
    const root = merkleRoot(log.map(leafOf));
    const event = digestRecorded({ treeSize: 3, root, last: log[2], digestedAt: '2026-11-03T14:00:00.000Z' });
    expect(event).toStrictEqual({
      type: 'LedgerDigestRecorded',
      schemaVersion: 1,
      data: { treeSize: 3, rootHash: root.toString('hex'), lastPosition: '9', lastEventId: log[2].id, digestedAt: '2026-11-03T14:00:00.000Z' },
    });
    expect(root).toEqual(nodeHash(nodeHash(leafOf(log[0]), leafOf(log[1])), leafOf(log[2])));
    expect(() => digestRecorded({ treeSize: 0, root, last: log[0], digestedAt: 'x' })).toThrow(RangeError);
  });

  it('reads a digest event back, and refuses malformed ones', () => {
    const log = [anEvent(1), anEvent(2)];
    const event = aDigestEvent(log, 2, 3, 4n);
    expect(digestOf(event)).toStrictEqual({
      ...(event.data as object),
      position: 3n,
      eventId: event.id,
      revision: 4n,
      hash: event.chain!.hash,
    });
    const bad = (data: Record<string, unknown>, overrides: Partial<RecordedEvent> = {}) => () => digestOf({ ...event, data: { ...event.data, ...data }, ...overrides });
    expect(bad({ treeSize: 0 })).toThrow(InvalidDigestError);
    expect(bad({ treeSize: 1.5 })).toThrow(/treeSize/);
    expect(bad({ rootHash: 'abc' })).toThrow(/rootHash/);
    expect(bad({ lastPosition: 2 })).toThrow(/lastPosition/);
    expect(bad({ lastPosition: '3' })).toThrow(/before it/);
    expect(bad({}, { schemaVersion: 2 })).toThrow(/schema version/);
    expect(bad({}, { stream: 'lead-1' })).toThrow(InvalidDigestError);
  });

  it('checks a digest against the log it claims to cover', () => {
    const log = [anEvent(1), anEvent(2), anEvent(4), anEvent(8), anEvent(9)];
    const digest = digestOf(aDigestEvent(log, 4, 10));
    expect(checkDigest(digest, log)).toEqual([]);
    expect(recomputeDigest(log, 4)).toEqual({ treeSize: 4, rootHash: digest.rootHash, lastPosition: '8', lastEventId: log[3].id });
    // an event edited, dropped or swapped changes the root
    const edited = log.map((e, i) => (i === 1 ? { ...e, chain: { ...e.chain!, hash: hex() } } : e));
    expect(checkDigest(digest, edited)).toEqual([expect.stringMatching(/rootHash/)]);
    expect(checkDigest(digest, [log[0], log[2], log[3], log[4]])).toContainEqual(expect.stringMatching(/rootHash/));
    expect(checkDigest(digest, [log[1], log[0], ...log.slice(2)])).toEqual([expect.stringMatching(/rootHash/)]);
    expect(checkDigest({ ...digest, lastPosition: '9' }, log)).toEqual([expect.stringMatching(/lastPosition/)]);
    expect(checkDigest({ ...digest, treeSize: 6 }, log)).toEqual([expect.stringMatching(/covers 6/)]);
  });

  it('verifies an event inclusion proof in hex, and rejects any change to it', () => {
    const log = Array.from({ length: 13 }, (_, i) => anEvent(i + 1));
    const leaves = log.map(leafOf);
    const digest = { treeSize: 13, rootHash: merkleRoot(leaves).toString('hex') };
    for (let i = 0; i < log.length; i++) {
      const proof = { hash: log[i].chain!.hash, leafIndex: i, auditPath: inclusionProof(i, leaves).map((b) => b.toString('hex')) };
      expect(verifyEventInclusion(proof, digest)).toBe(true);
      expect(verifyEventInclusion({ ...proof, hash: hex() }, digest)).toBe(false);
      expect(verifyEventInclusion({ ...proof, leafIndex: (i + 1) % 13 }, digest)).toBe(false);
      expect(verifyEventInclusion({ ...proof, auditPath: proof.auditPath.slice(1) }, digest)).toBe(false);
      // An audit path does not pin the tree size: for most leaves the same path also "verifies"
      // for 14 or 15 leaves (RFC 9162 authenticates the size in the signed tree head). So a
      // verifier takes treeSize and rootHash together, from a pinned digest (docs/ledger-format.md).
      if (i === 12) expect(verifyEventInclusion(proof, { ...digest, treeSize: 14 })).toBe(false);
      expect(verifyEventInclusion(proof, { ...digest, treeSize: 12 })).toBe(i < 8);
      expect(verifyEventInclusion({ ...proof, auditPath: [...proof.auditPath.slice(0, -1), 'zz'] }, digest)).toBe(false);
    }
  });
});
