import canonicalize from 'canonicalize';
import { createHash } from 'node:crypto';

/**
 * RFC 8785 (JCS) canonical JSON, written for the verifier's hot loop: it must canonicalise every
 * event of the ledger, and the `canonicalize` package (the reference the writer uses) builds its
 * output with `reduce` and template strings, which costs several times more. Both functions here
 * give byte-for-byte the package's output (the unit spec fuzzes them against it); anything they are
 * not sure of goes to the package itself.
 */

/** JCS of a JSON value already parsed (objects from JSON.parse, or built in code). */
export function canonicalJson(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new Error(`${value} is not allowed in canonical JSON`);
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      break;
    default:
      // undefined, functions, symbols, bigints: whatever the reference does with them.
      return canonicalize(value as object) as string;
  }
  if (value === null) return 'null';
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return canonicalize(value) as string;
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ',';
      const item = value[i];
      out += item === undefined || typeof item === 'symbol' ? 'null' : canonicalJson(item);
    }
    return out + ']';
  }
  const keys = Object.keys(value);
  sortKeys(keys);
  let out = '{';
  let first = true;
  for (const key of keys) {
    const item = (value as Record<string, unknown>)[key];
    if (item === undefined || typeof item === 'symbol') continue;
    out += (first ? '' : ',') + JSON.stringify(key) + ':' + canonicalJson(item);
    first = false;
  }
  return out + '}';
}

/**
 * Equality of two JSON values as their canonical forms would compare (key order and keys holding
 * `undefined` do not count), without printing them.
 */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i] ?? null, b[i] ?? null)) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  let count = 0;
  for (const key in a) {
    const value = (a as Record<string, unknown>)[key];
    if (value === undefined) continue;
    count++;
    if (!jsonEqual(value, (b as Record<string, unknown>)[key])) return false;
  }
  for (const key in b) if ((b as Record<string, unknown>)[key] !== undefined) count--;
  return count === 0;
}

/** Insertion sort by UTF-16 code units (what `<` compares): objects here have few keys. */
function sortKeys(keys: string[]): void {
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i];
    let j = i - 1;
    while (j >= 0 && keys[j] > key) {
      keys[j + 1] = keys[j];
      j--;
    }
    keys[j + 1] = key;
  }
}

class NotFastPath extends Error {}
const NOT_FAST = new NotFastPath();
/**
 * Control characters and surrogates anywhere send the text to the slow path (white space between
 * tokens does too, when the scanner meets it).
 */
const NEEDS_SLOW_PATH = /[\x00-\x1f\ud800-\udfff]/;
const isDigit = (code: number) => code >= 0x30 && code <= 0x39;

/**
 * JCS of a JSON text, without building the objects: a strict recursive-descent pass over the text
 * that re-orders each object's members by key and re-prints numbers in their ECMAScript form.
 * Returns exactly `canonicalize(JSON.parse(text))`, or throws as JSON.parse does on invalid JSON.
 * Texts with white space, control characters, surrogates, escaped keys or duplicate keys take the
 * reference path (JSON.parse, then `canonicalize`).
 */
export function canonicalJsonText(text: string): string {
  if (!NEEDS_SLOW_PATH.test(text)) {
    try {
      const scanner = new Scanner(text);
      const out = scanner.value();
      if (scanner.pos === text.length) return out;
    } catch (error) {
      if (!(error instanceof NotFastPath)) throw error;
    }
  }
  return canonicalize(JSON.parse(text)) as string;
}

class Scanner {
  pos = 0;
  /** The next backslash at or after some earlier point (−1: none left), so escapes cost one scan. */
  private nextBackslash: number;

  constructor(private readonly src: string) {
    this.nextBackslash = src.indexOf('\\');
  }

  value(): string {
    const src = this.src;
    const c = src.charCodeAt(this.pos);
    if (c === 0x22) return this.string();
    if (c === 0x7b) return this.object();
    if (c === 0x5b) return this.array();
    if (c === 0x74) return this.literal('true');
    if (c === 0x66) return this.literal('false');
    if (c === 0x6e) return this.literal('null');
    return this.number();
  }

  /** A number token (strict JSON grammar), printed as ECMAScript prints its value. */
  private number(): string {
    const src = this.src;
    const start = this.pos;
    let i = start;
    let plain = true;
    if (src.charCodeAt(i) === 0x2d) i++;
    const intStart = i;
    while (i < src.length && isDigit(src.charCodeAt(i))) i++;
    const intDigits = i - intStart;
    if (intDigits === 0 || (intDigits > 1 && src.charCodeAt(intStart) === 0x30)) throw NOT_FAST;
    if (src.charCodeAt(i) === 0x2e) {
      plain = false;
      const fracStart = ++i;
      while (i < src.length && isDigit(src.charCodeAt(i))) i++;
      if (i === fracStart) throw NOT_FAST;
    }
    const e = src.charCodeAt(i);
    if (e === 0x65 || e === 0x45) {
      plain = false;
      i++;
      const sign = src.charCodeAt(i);
      if (sign === 0x2b || sign === 0x2d) i++;
      const expStart = i;
      while (i < src.length && isDigit(src.charCodeAt(i))) i++;
      if (i === expStart) throw NOT_FAST;
    }
    this.pos = i;
    const token = src.slice(start, i);
    // Integers of up to 15 digits are exact doubles and print as written (but "-0" prints "0").
    if (plain && intDigits <= 15 && token !== '-0') return token;
    const value = Number(token);
    if (!Number.isFinite(value)) throw NOT_FAST;
    return JSON.stringify(value);
  }

  private literal(word: string): string {
    if (!this.src.startsWith(word, this.pos)) throw NOT_FAST;
    this.pos += word.length;
    return word;
  }

  /** The end (index of the closing quote) of the string token at `pos`, if it has no escape; else −1. */
  private plainStringEnd(): number {
    const src = this.src;
    const start = this.pos;
    const end = src.indexOf('"', start + 1);
    if (end === -1) throw NOT_FAST;
    if (this.nextBackslash !== -1 && this.nextBackslash < start) this.nextBackslash = src.indexOf('\\', start);
    return this.nextBackslash !== -1 && this.nextBackslash < end ? -1 : end;
  }

  /** A string value, as JSON.stringify prints it. */
  private string(): string {
    const src = this.src;
    const start = this.pos;
    let end = this.plainStringEnd();
    if (end !== -1) {
      this.pos = end + 1;
      return src.slice(start, end + 1);
    }
    // Escapes: find the real closing quote, then let JSON say what the token means.
    end = start + 1;
    for (;;) {
      const ch = src.charCodeAt(end);
      if (Number.isNaN(ch)) throw NOT_FAST;
      if (ch === 0x5c) end += 2;
      else if (ch === 0x22) break;
      else end++;
    }
    this.pos = end + 1;
    return JSON.stringify(JSON.parse(src.slice(start, end + 1)) as string);
  }

  private object(): string {
    const src = this.src;
    this.pos++;
    if (src.charCodeAt(this.pos) === 0x7d) {
      this.pos++;
      return '{}';
    }
    // Keys are kept unquoted: JCS orders by the key's code units, and a quote would sort before
    // the space and "!" a longer key may continue with.
    const keys: string[] = [];
    const values: string[] = [];
    for (;;) {
      if (src.charCodeAt(this.pos) !== 0x22) throw NOT_FAST;
      const end = this.plainStringEnd();
      if (end === -1) throw NOT_FAST;
      const key = src.slice(this.pos + 1, end);
      this.pos = end + 1;
      if (src.charCodeAt(this.pos) !== 0x3a) throw NOT_FAST;
      this.pos++;
      const value = this.value();
      let j = keys.length - 1;
      keys.push(key);
      values.push(value);
      while (j >= 0 && keys[j] > key) {
        keys[j + 1] = keys[j];
        values[j + 1] = values[j];
        j--;
      }
      if (j >= 0 && keys[j] === key) throw NOT_FAST;
      keys[j + 1] = key;
      values[j + 1] = value;
      const next = src.charCodeAt(this.pos++);
      if (next === 0x7d) break;
      if (next !== 0x2c) throw NOT_FAST;
    }
    let out = '{"' + keys[0] + '":' + values[0];
    for (let i = 1; i < keys.length; i++) out += ',"' + keys[i] + '":' + values[i];
    return out + '}';
  }

  private array(): string {
    const src = this.src;
    this.pos++;
    if (src.charCodeAt(this.pos) === 0x5d) {
      this.pos++;
      return '[]';
    }
    let out = '[';
    for (;;) {
      out += this.value();
      const next = src.charCodeAt(this.pos++);
      if (next === 0x5d) break;
      if (next !== 0x2c) throw NOT_FAST;
      out += ',';
    }
    return out + ']';
  }
}

/** The covered fields of an event with data and metadata already in canonical JSON. */
export interface CanonicalEventParts {
  prevHash: string;
  stream: string;
  revision: bigint | number | string;
  id: string;
  type: string;
  schemaVersion: number;
  recordedAt: string;
  /** Canonical JSON of `data`. */
  data: string;
  /** Canonical JSON of `metadata`. */
  metadata: string;
}

/**
 * docs/ledger-format.md "Event hash": SHA-256 of the JCS document, lowercase hex. The document's
 * ten keys are written in their sorted order by hand; data and metadata come in canonical already.
 */
export function eventHashOfParts(parts: CanonicalEventParts): string {
  const document =
    '{"chainVersion":1,"data":' +
    parts.data +
    ',"id":' +
    JSON.stringify(parts.id) +
    ',"metadata":' +
    parts.metadata +
    ',"prevHash":' +
    JSON.stringify(parts.prevHash) +
    ',"recordedAt":' +
    JSON.stringify(parts.recordedAt) +
    ',"revision":' +
    JSON.stringify(String(parts.revision)) +
    ',"schemaVersion":' +
    canonicalJson(parts.schemaVersion) +
    ',"stream":' +
    JSON.stringify(parts.stream) +
    ',"type":' +
    JSON.stringify(parts.type) +
    '}';
  return createHash('sha256').update(document, 'utf8').digest('hex');
}
