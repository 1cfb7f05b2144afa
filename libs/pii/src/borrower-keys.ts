import { createHash, createHmac, hkdfSync } from 'node:crypto';
import { MasterKey } from './master-key';

/**
 * Pseudonymous borrower keys: HMAC-SHA256 of the normalised phone and email under a secret derived
 * (HKDF-SHA256) from the master key. Unlike a plain hash, they cannot be found again by hashing
 * every phone number without the secret, and they stay after an erasure, so the repeat-borrower
 * rule keeps working for an erased borrower.
 */
export class BorrowerPseudonyms {
  private readonly secret: Buffer;

  constructor(master: MasterKey) {
    this.secret = Buffer.from(hkdfSync('sha256', master.key, Buffer.from('lead-ledger'), Buffer.from('borrower-keys v1'), 32));
  }

  /** `phone:<hex>`, `email:<hex>`, phone first (the phone key names the borrower: borrowerRefOf). */
  keysOf(borrower: { phone: string; email: string }): string[] {
    return [`phone:${this.mac(`phone\n${borrower.phone}`)}`, `email:${this.mac(`email\n${borrower.email.trim().toLowerCase()}`)}`];
  }

  /**
   * A stable id for the borrower, derived from the first (phone) key: the same phone is always the
   * same borrower, and the id reveals nothing the keys do not. 32 hex characters, so it is safe in
   * a URL path and a stream name.
   */
  refOf(borrowerKeys: string[]): string {
    return borrowerRefOf(borrowerKeys);
  }

  /** HMAC of an arbitrary value (e.g. a request hash that covered a body with PII). */
  mac(value: string): string {
    return createHmac('sha256', this.secret).update(value, 'utf8').digest('hex');
  }
}

export function borrowerRefOf(borrowerKeys: string[]): string {
  if (borrowerKeys.length === 0) throw new Error('a borrower needs at least one key');
  return createHash('sha256').update(`borrower-ref\n${borrowerKeys[0]}`).digest('hex').slice(0, 32);
}

export const BORROWER_REF = /^[0-9a-f]{32}$/;
