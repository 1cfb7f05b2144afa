/**
 * An independent verifier for Lead Ledger history exports, written only from docs/ledger-format.md
 * ("Event hash", "Per-stream chain", "Merkle digests", "Inclusion proofs") with node:crypto and the
 * `canonicalize` package (RFC 8785). It deliberately imports nothing from apps/ or libs/.
 */
import canonicalize from 'canonicalize';
import { createHash } from 'node:crypto';

const GENESIS = '0'.repeat(64);
const HEX64 = /^[0-9a-f]{64}$/;

export interface ExportedEvent {
  position: string;
  revision: number;
  eventId: string;
  stream: string;
  type: string;
  schemaVersion: number;
  recordedAt: string;
  data: unknown;
  metadata: unknown;
  hash: string;
  prevHash: string;
  /** "Sealed borrower data": contact details shown beside a LeadCreated, outside the hashed fields. */
  pii?: unknown;
}

export interface ExportedInclusion {
  position: string;
  leafIndex: number;
  leafHash?: string;
  auditPath: string[];
}

export interface ExportedDigest {
  treeSize: number;
  rootHash: string;
  lastPosition: string;
  position: string;
}

export interface HistoryExport {
  events: ExportedEvent[];
  inclusions: ExportedInclusion[];
  digest: ExportedDigest;
}

const sha256 = (...parts: Buffer[]) => {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest();
};

/** "Event hash": SHA-256 over the RFC 8785 bytes of the covered fields, lowercase hex. */
export function eventHash(event: ExportedEvent): string {
  const document = {
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
  return createHash('sha256').update(Buffer.from(canonicalize(document)!, 'utf8')).digest('hex');
}

/** "The global log and its leaves": SHA-256(0x00 ‖ the 32 bytes of the hash). */
export function leafOf(hash: string): Buffer {
  return sha256(Buffer.from([0]), Buffer.from(hash, 'hex'));
}

const node = (left: Buffer, right: Buffer) => sha256(Buffer.from([1]), left, right);

/** "Recomputing a root": the stack of perfect subtrees, over event hashes in position order. */
export function rootOf(hashes: string[]): string {
  if (hashes.length === 0) return sha256().toString('hex');
  const stack: Array<{ height: number; hash: Buffer }> = [];
  for (const hash of hashes) {
    if (!HEX64.test(hash)) throw new Error('an event without a hash: the log is not verifiable');
    let item = { height: 0, hash: leafOf(hash) };
    while (stack.length > 0 && stack[stack.length - 1].height === item.height) {
      const left = stack.pop()!;
      item = { height: item.height + 1, hash: node(left.hash, item.hash) };
    }
    stack.push(item);
  }
  let root = stack.pop()!.hash;
  while (stack.length > 0) root = node(stack.pop()!.hash, root);
  return root.toString('hex');
}

/** "Verifying an export", step 4: RFC 9162 §2.1.3.2. */
export function verifyInclusion(leaf: Buffer, leafIndex: number, treeSize: number, auditPath: string[], rootHash: string): boolean {
  if (!Number.isSafeInteger(leafIndex) || !Number.isSafeInteger(treeSize) || leafIndex < 0 || leafIndex >= treeSize) return false;
  if (!auditPath.every((p) => HEX64.test(p)) || !HEX64.test(rootHash)) return false;
  let fn = leafIndex;
  let sn = treeSize - 1;
  let r = leaf;
  for (const hex of auditPath) {
    const p = Buffer.from(hex, 'hex');
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = node(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = node(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && r.toString('hex') === rootHash;
}

/**
 * Every check of "Verifying an export". `pinned` is a (treeSize, rootHash) pair obtained
 * independently; without it the export's own digest is used (consistency only, not authenticity).
 * Returns the failures found.
 */
export function verifyHistory(history: HistoryExport, pinned?: { treeSize: number; rootHash: string }): string[] {
  const failures: string[] = [];
  const { events, inclusions, digest } = history;
  const root = pinned?.rootHash ?? digest.rootHash;
  const treeSize = pinned?.treeSize ?? digest.treeSize;
  // 5. the digest itself
  if (!Number.isSafeInteger(digest.treeSize) || digest.treeSize < 1) failures.push('digest: treeSize is not an integer ≥ 1');
  if (!HEX64.test(digest.rootHash)) failures.push('digest: rootHash is not 64 lowercase hex');
  if (pinned !== undefined && (digest.rootHash !== pinned.rootHash || digest.treeSize !== pinned.treeSize)) failures.push('digest: not the pinned digest');
  if (!(BigInt(digest.position) > BigInt(digest.lastPosition))) failures.push('digest: it does not come after the events it covers');
  if (events.length === 0) failures.push('no events');
  if (inclusions.length !== events.length) failures.push(`${events.length} events but ${inclusions.length} inclusion proofs`);
  events.forEach((event, i) => {
    const at = `event ${i} (${event.type} @${event.position})`;
    // 1. event hash
    if (!HEX64.test(event.hash) || eventHash(event) !== event.hash) failures.push(`${at}: hash does not match its fields`);
    // 2. chain
    if (event.revision !== i) failures.push(`${at}: revision ${event.revision}, expected ${i}`);
    if (i === 0 && event.prevHash !== GENESIS) failures.push(`${at}: the first event's prevHash is not 64 zeros`);
    if (i > 0) {
      const previous = events[i - 1];
      if (event.prevHash !== previous.hash) failures.push(`${at}: prevHash is not the previous event's hash`);
      if (!(BigInt(event.position) > BigInt(previous.position))) failures.push(`${at}: position does not increase`);
      if (event.stream !== previous.stream) failures.push(`${at}: another stream`);
    }
    if (BigInt(event.position) > BigInt(digest.lastPosition)) failures.push(`${at}: after the digest's last position`);
    failures.push(...sealedBorrowerFailures(event).map((failure) => `${at}: ${failure}`));
    // 3. leaf, 4. inclusion
    const inclusion = inclusions[i];
    if (!inclusion) return;
    if (inclusion.position !== event.position) failures.push(`${at}: its proof is for position ${inclusion.position}`);
    if (!HEX64.test(event.hash)) return;
    const leaf = leafOf(event.hash);
    if (inclusion.leafHash !== undefined && inclusion.leafHash !== leaf.toString('hex')) failures.push(`${at}: leafHash is not SHA-256(0x00 ‖ hash)`);
    if (i > 0 && inclusions[i - 1] && !(inclusion.leafIndex > inclusions[i - 1].leafIndex)) failures.push(`${at}: leaf index does not increase`);
    if (!verifyInclusion(leaf, inclusion.leafIndex, treeSize, inclusion.auditPath, root)) failures.push(`${at}: inclusion proof does not lead to the root`);
  });
  return failures;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * "Sealed borrower data": a LeadCreated of schema version 2 holds no plaintext contact details;
 * `sealedBorrower` is an A256GCM envelope (12-byte iv, 16-byte tag, base64) of the borrower named
 * by `borrowerRef`. (Whether it still opens is not a verifier's business: an erased one never will.)
 */
export function sealedBorrowerFailures(event: ExportedEvent): string[] {
  if (event.type !== 'LeadCreated' || event.schemaVersion !== 2) return [];
  const data = event.data as Record<string, any>;
  const sealed = data?.sealedBorrower;
  const failures: string[] = [];
  if ('borrower' in data) failures.push('a v2 LeadCreated carries a plaintext borrower');
  if (data?.consent && 'ip' in data.consent) failures.push('a v2 LeadCreated carries a plaintext consent ip');
  if (typeof sealed !== 'object' || sealed === null) return [...failures, 'no sealedBorrower envelope'];
  if (sealed.alg !== 'A256GCM') failures.push(`sealedBorrower.alg is ${sealed.alg}, not A256GCM`);
  const bytes = (value: unknown) => (typeof value === 'string' && BASE64.test(value) ? Buffer.from(value, 'base64').length : -1);
  if (bytes(sealed.iv) !== 12) failures.push('sealedBorrower.iv is not 12 bytes of base64');
  if (bytes(sealed.tag) !== 16) failures.push('sealedBorrower.tag is not 16 bytes of base64');
  if (bytes(sealed.ciphertext) < 1) failures.push('sealedBorrower.ciphertext is not base64');
  if (typeof sealed.keyId !== 'string' || sealed.keyId === '') failures.push('sealedBorrower.keyId is missing');
  if (sealed.borrowerRef !== data.borrowerRef || !/^[0-9a-f]{32}$/.test(String(data.borrowerRef))) failures.push('sealedBorrower.borrowerRef is not the event\'s borrowerRef (32 hex)');
  return failures;
}

/** The JSON export: {leadId, events, proof: {digest, inclusions}}. */
export function fromJson(body: any): HistoryExport {
  return { events: body.events, inclusions: body.proof.inclusions, digest: body.proof.digest };
}

/** The NDJSON export: event lines (with leafIndex, leafHash, auditPath), then {"type":"proof","digest"}. */
export function fromNdjson(text: string): HistoryExport {
  if (!text.endsWith('\n')) throw new Error('NDJSON must end with a newline');
  const lines = text.slice(0, -1).split('\n').map((line) => JSON.parse(line));
  const last = lines.pop();
  if (last?.type !== 'proof') throw new Error('the last NDJSON line is not the proof');
  const events = lines.map(({ leafIndex, leafHash, auditPath, ...event }) => event as ExportedEvent);
  const inclusions = lines.map(({ position, leafIndex, leafHash, auditPath }) => ({ position, leafIndex, leafHash, auditPath }));
  return { events, inclusions, digest: last.digest };
}

/** The CSV export: a header row, event rows, then one `LedgerDigest` row. */
export function fromCsv(text: string): HistoryExport {
  const [header, ...rows] = parseCsv(text);
  const records = rows.map((row) => Object.fromEntries(header.map((column, i) => [column, row[i] ?? ''])));
  const digestRow = records.pop();
  if (digestRow?.type !== 'LedgerDigest') throw new Error('the last CSV row is not the digest');
  const digestData = JSON.parse(digestRow.data);
  const events = records.map((r) => ({
    position: r.position,
    revision: Number(r.revision),
    eventId: r.eventId,
    stream: r.stream,
    type: r.type,
    schemaVersion: Number(r.schemaVersion),
    recordedAt: r.recordedAt,
    data: JSON.parse(r.data),
    metadata: JSON.parse(r.metadata),
    hash: r.hash,
    prevHash: r.prevHash,
    ...(r.pii ? { pii: JSON.parse(r.pii) } : {}),
  }));
  const inclusions = records.map((r) => ({
    position: r.position,
    leafIndex: Number(r.leafIndex),
    leafHash: r.leafHash,
    auditPath: r.auditPath === '' ? [] : r.auditPath.split('|'),
  }));
  const digest = { treeSize: Number(digestRow.treeSize), rootHash: digestRow.rootHash, lastPosition: digestData.lastPosition, position: digestRow.position };
  return { events, inclusions, digest };
}

/** RFC 4180: quoted fields may hold commas, quotes (doubled) and line breaks. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') row.push(field), (field = '');
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length > 0) row.push(field), rows.push(row);
  return rows;
}
