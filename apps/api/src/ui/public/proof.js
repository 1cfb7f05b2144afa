// Checks a lead's history the way docs/ledger-format.md says a third party would: each event's
// hash recomputed from its fields (RFC 8785 canonical JSON, SHA-256), the per-stream chain, and
// each event's Merkle inclusion proof (RFC 9162 §2.1.3.2) against the digest in the export.

const GENESIS = '0'.repeat(64);
const HEX = /^[0-9a-f]{64}$/;

/** RFC 8785 JSON Canonicalization for the values a ledger holds (objects, arrays, strings, finite numbers, booleans, null). */
export function canonicalJson(value) {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value).filter((key) => value[key] !== undefined).sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key])}`).join(',')}}`;
}

const hexToBytes = (hex) => Uint8Array.from(hex.match(/../g), (pair) => parseInt(pair, 16));
const bytesToHex = (bytes) => Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, '0')).join('');

async function sha256(...parts) {
  const total = parts.reduce((sum, part) => sum + part.length, 0);
  const joined = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.length;
  }
  return new Uint8Array(await crypto.subtle.digest('SHA-256', joined));
}

export async function eventHash(event) {
  const covered = {
    chainVersion: 1,
    prevHash: event.prevHash,
    stream: event.stream,
    revision: String(event.revision),
    id: event.eventId,
    type: event.type,
    schemaVersion: event.schemaVersion,
    recordedAt: event.recordedAt,
    data: event.data,
    metadata: event.metadata,
  };
  return bytesToHex(await sha256(new TextEncoder().encode(canonicalJson(covered))));
}

export async function inclusionHolds(hash, inclusion, treeSize, rootHash) {
  let fn = inclusion.leafIndex;
  let sn = treeSize - 1;
  if (fn >= treeSize) return false;
  let r = await sha256(new Uint8Array([0]), hexToBytes(hash));
  for (const sibling of inclusion.auditPath) {
    if (sn === 0) return false;
    const p = hexToBytes(sibling);
    if (fn % 2 === 1 || fn === sn) {
      r = await sha256(new Uint8Array([1]), p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = await sha256(new Uint8Array([1]), r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && bytesToHex(r) === rootHash;
}

/**
 * Per event: { content: 'ok'|'differs'|'unavailable', link: 'ok'|'broken', inclusion: 'ok'|'failed'|'unavailable' }.
 * 'differs' is expected when the API redacted personal data (a key without pii:read): the hash
 * covers the data as recorded, not as shown.
 */
export async function checkHistory(history) {
  if (!globalThis.crypto?.subtle) return history.events.map(() => ({ content: 'unavailable', link: 'unavailable', inclusion: 'unavailable' }));
  const { digest, inclusions } = history.proof;
  const results = [];
  let previous = null;
  for (const [i, event] of history.events.entries()) {
    const wellFormed = HEX.test(event.hash ?? '');
    const content = wellFormed ? ((await eventHash(event)) === event.hash ? 'ok' : 'differs') : 'differs';
    const expectedPrev = previous === null ? (event.revision === 0 ? GENESIS : null) : previous.hash;
    const link = expectedPrev !== null && event.prevHash === expectedPrev && (previous === null || event.revision === previous.revision + 1) ? 'ok' : 'broken';
    const inclusion = inclusions[i] && wellFormed ? ((await inclusionHolds(event.hash, inclusions[i], digest.treeSize, digest.rootHash)) ? 'ok' : 'failed') : 'unavailable';
    results.push({ content, link, inclusion });
    previous = event;
  }
  return results;
}
