import { isIPv4, isIPv6 } from 'node:net';
import { parsePhoneNumberFromString } from 'libphonenumber-js';

/**
 * PII masking for exports with `redact=true`. What is masked, wherever it appears in an event's
 * data (matched by field name, at any depth, so a future event type carrying a borrower is masked
 * too):
 *
 * | field | example | masked |
 * |---|---|---|
 * | `phone` | `+12145550123` | `+1******0123` (country code and last 4 digits kept) |
 * | `email` | `sarah@example.com` | `s***@example.com` (first character and domain kept) |
 * | `firstName`, `lastName` | `Sarah`, `Lee` | `S.`, `L.` (initials) |
 * | `ip` (consent evidence) | `203.0.113.7` / `2001:db8::1` | `203.0.*.*` / `2001:db8:*` |
 * | `borrowerKeys` | `phone:<sha256>` | `phone:redacted` |
 *
 * `borrowerKeys` are unsalted sha256 hashes of the phone and email: a phone number's hash is found
 * again by hashing every possible number, so they are PII too. Free-text fields (a credit note, a
 * delivery receipt, consent text) are kept as they are: nothing can mask a name typed into prose.
 */
export function maskPhone(phone: string): string {
  const parsed = parsePhoneNumberFromString(phone);
  if (parsed) return `+${parsed.countryCallingCode}${maskAllButLast(String(parsed.nationalNumber), 4)}`;
  const digits = phone.replace(/\D/g, '');
  return `${phone.trim().startsWith('+') ? '+' : ''}${maskAllButLast(digits, 4)}`;
}

export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 0) return '***';
  const local = email.slice(0, at);
  const first = Array.from(local)[0] ?? '';
  return `${first}***${email.slice(at)}`;
}

/** `Sarah` → `S.`; empty stays empty. */
export function initialOf(name: string): string {
  const first = Array.from(name.trim())[0];
  return first === undefined ? '' : `${first.toLocaleUpperCase('en-US')}.`;
}

/** IPv4 keeps its first two octets, IPv6 its first two groups; anything else is fully masked. */
export function maskIp(ip: string): string {
  if (isIPv4(ip)) return `${ip.split('.').slice(0, 2).join('.')}.*.*`;
  if (isIPv6(ip)) {
    const head = ip.split('::')[0].split(':').filter(Boolean).slice(0, 2);
    return head.length === 0 ? '*' : `${head.join(':')}:*`;
  }
  return '*';
}

export function maskBorrowerKey(key: string): string {
  const colon = key.indexOf(':');
  return colon < 0 ? 'redacted' : `${key.slice(0, colon)}:redacted`;
}

const MASKERS: Record<string, (value: string) => string> = {
  phone: maskPhone,
  email: maskEmail,
  firstName: initialOf,
  lastName: initialOf,
  ip: maskIp,
};

/** A deep copy of `value` with every PII field masked (see above). The input is not changed. */
export function redactPii<T>(value: T): T {
  return redactValue(value, undefined) as T;
}

function redactValue(value: unknown, key: string | undefined): unknown {
  if (key === 'borrowerKeys' && Array.isArray(value)) return value.map((k) => (typeof k === 'string' ? maskBorrowerKey(k) : k));
  if (typeof value === 'string') {
    const mask = key === undefined ? undefined : MASKERS[key];
    return mask ? mask(value) : value;
  }
  if (Array.isArray(value)) return value.map((item) => redactValue(item, undefined));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = redactValue(v, k);
    return out;
  }
  return value;
}

function maskAllButLast(digits: string, keep: number): string {
  if (digits.length <= keep) return '*'.repeat(digits.length);
  return '*'.repeat(digits.length - keep) + digits.slice(-keep);
}
