/**
 * Hash-chaining for the pre-fill, byte for byte as ChainedLedger does it (libs/ledger/src/chain):
 * each event gets a random UUID and sha256 over its RFC 8785 (JCS) canonical bytes, linked to the
 * previous event of its stream.
 *
 * The ledger's `eventHash` uses the `canonicalize` package, which costs ~45 µs per event here; at
 * a million events that alone is most of a minute. `canonicalJcs` below produces the same bytes
 * about twice as fast for the data the domain writes (plain objects, arrays, strings, finite
 * numbers, booleans, null): keys sorted by UTF-16 code units, strings escaped by JSON.stringify,
 * numbers as ECMAScript prints them. It refuses anything else rather than guess. The pre-fill then
 * re-reads a sample of streams and checks them with the ledger's own `eventHash`.
 */
import { hash, randomUUID } from 'node:crypto';
import { CHAIN_VERSION, GENESIS_HASH } from '@lead-ledger/ledger/chain/event-hash';
import { NewEvent } from '@lead-ledger/ledger/ledger.port';
import { AppendUnit } from './scenario';

const NEEDS_ESCAPE = /["\\\u0000-\u001f\u007f-\u009f\ud800-\udfff]/;
/** V8 orders integer-like keys numerically, whatever order they were added in: refuse them. */
const INTEGER_LIKE = /^(0|[1-9]\d*)$/;

const jsonString = (value: string) => (NEEDS_ESCAPE.test(value) ? JSON.stringify(value) : `"${value}"`);

export function canonicalJcs(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return jsonString(value);
    case 'number':
      if (!Number.isFinite(value)) throw new Error(`canonicalJcs: ${value} is not allowed`);
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) {
          if (i > 0) out += ',';
          const item = value[i];
          out += item === undefined ? 'null' : canonicalJcs(item);
        }
        return `${out}]`;
      }
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) throw new Error('canonicalJcs: only plain objects');
      const keys = Object.keys(value).sort();
      let out = '{';
      let first = true;
      for (const key of keys) {
        const item = (value as Record<string, unknown>)[key];
        if (item === undefined) continue;
        if (INTEGER_LIKE.test(key)) throw new Error(`canonicalJcs: integer-like key ${key}`);
        if (!first) out += ',';
        first = false;
        out += `${jsonString(key)}:${canonicalJcs(item)}`;
      }
      return `${out}}`;
    }
    default:
      throw new Error(`canonicalJcs: ${typeof value} is not allowed`);
  }
}

/** The same document `canonicalEventBytes` hashes, in the same field order (order is irrelevant to JCS). */
function fastEventHash(event: NewEvent & { id: string }, stream: string, revision: bigint, prevHash: string): string {
  const document = {
    chainVersion: CHAIN_VERSION,
    prevHash,
    stream,
    revision: revision.toString(),
    id: event.id,
    type: event.type,
    schemaVersion: event.schemaVersion,
    recordedAt: event.recordedAt,
    data: event.data,
    metadata: event.metadata,
  };
  // crypto.hash: the one-shot sha256 (same digest as createHash().update().digest(), less overhead).
  return hash('sha256', canonicalJcs(document), 'hex');
}

export interface ChainedAppend {
  stream: string;
  expectedRevision: bigint | 'no_stream';
  events: NewEvent[];
  target: boolean;
}

export type ChainTips = Map<string, { revision: bigint; hash: string }>;

/** Links a unit's events to its stream's chain, as ChainedLedger.append would at that revision. */
export function chainUnit(unit: AppendUnit, tips: ChainTips): ChainedAppend {
  const { stream } = unit;
  const tip = unit.continues ? tips.get(stream) : undefined;
  if (unit.continues && !tip) throw new Error(`no chain tip for ${stream}`);
  let prevHash = tip?.hash ?? GENESIS_HASH;
  let revision = tip?.revision ?? -1n;
  const events: NewEvent[] = unit.events.map((event) => {
    revision += 1n;
    const withId = { ...event, id: randomUUID() };
    const eventHash = fastEventHash(withId, stream, revision, prevHash);
    const chained = { ...withId, chain: { hash: eventHash, prevHash } };
    prevHash = eventHash;
    return chained;
  });
  if (unit.more) tips.set(stream, { revision, hash: prevHash });
  else tips.delete(stream);
  return { stream, expectedRevision: tip ? tip.revision : 'no_stream', events, target: unit.target };
}
