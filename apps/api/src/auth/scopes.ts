/**
 * The scopes an API key can hold. Every endpoint declares the one it needs; `admin` holds them all.
 * PII is a separate grant: a key that can read audit history sees borrower contact details only
 * with `pii:read`.
 */
export const SCOPES = [
  'leads:write', // create, score, deliver, record delivery failures
  'leads:read', // a lead's current summary
  'routing:write', // automatic routing
  'routing:override', // routing to a named officer
  'credits:write', // credit a delivered lead
  'allocations:admin', // markets, officers, allocations and their pause/resume/cancel
  'allocations:read', // the allocation-pace table and reference data reads
  'audit:read', // per-lead history, digests, proofs, verification runs
  'audit:export', // bulk exports
  'pii:read', // see borrower contact details wherever they are shown
  'pii:erase', // crypto-shred a borrower's personal data
  'clock:admin', // the manual clock (CLOCK=manual only)
  'admin', // everything above
] as const;

export type Scope = (typeof SCOPES)[number];

export function isScope(value: unknown): value is Scope {
  return typeof value === 'string' && (SCOPES as readonly string[]).includes(value);
}

/** Who made a request, as established by the API-key guard. */
export interface Principal {
  keyId: string;
  scopes: ReadonlySet<Scope>;
}

export function hasScope(principal: Principal | undefined, scope: Scope): boolean {
  return principal !== undefined && (principal.scopes.has('admin') || principal.scopes.has(scope));
}
