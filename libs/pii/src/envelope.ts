import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * A sealed envelope: AES-256-GCM ciphertext of a JSON value under one borrower's data key. It is
 * what the ledger stores instead of the plaintext, so the hash chain covers these bytes and still
 * verifies after the data key is destroyed (docs/ledger-format.md, "Sealed borrower data").
 */
export interface SealedEnvelope {
  alg: typeof SEAL_ALG;
  /** The data key that sealed it (one per borrower, in the key store). */
  keyId: string;
  borrowerRef: string;
  /** base64, 12 bytes, random per envelope. */
  iv: string;
  /** base64. */
  ciphertext: string;
  /** base64, the 16-byte GCM tag. */
  tag: string;
}

export const SEAL_ALG = 'A256GCM';
const IV_BYTES = 12;
const KEY_BYTES = 32;

/**
 * The envelope's identity is bound into the ciphertext as additional authenticated data, so an
 * envelope cannot be passed off as another borrower's or key's by editing its header.
 */
const aadOf = (keyId: string, borrowerRef: string) => Buffer.from(`${SEAL_ALG}\n${keyId}\n${borrowerRef}`, 'utf8');

export function seal(value: unknown, dataKey: Buffer, { keyId, borrowerRef }: { keyId: string; borrowerRef: string }): SealedEnvelope {
  assertKey(dataKey);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', dataKey, iv);
  cipher.setAAD(aadOf(keyId, borrowerRef));
  const ciphertext = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return {
    alg: SEAL_ALG,
    keyId,
    borrowerRef,
    iv: iv.toString('base64'),
    ciphertext: ciphertext.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
  };
}

/** Throws if the key is wrong or any byte of the envelope was changed (GCM authenticates all of it). */
export function open<T = unknown>(envelope: SealedEnvelope, dataKey: Buffer): T {
  assertKey(dataKey);
  if (envelope.alg !== SEAL_ALG) throw new Error(`unsupported envelope algorithm ${String(envelope.alg)}`);
  const decipher = createDecipheriv('aes-256-gcm', dataKey, Buffer.from(envelope.iv, 'base64'));
  decipher.setAAD(aadOf(envelope.keyId, envelope.borrowerRef));
  decipher.setAuthTag(Buffer.from(envelope.tag, 'base64'));
  const plaintext = Buffer.concat([decipher.update(Buffer.from(envelope.ciphertext, 'base64')), decipher.final()]);
  return JSON.parse(plaintext.toString('utf8')) as T;
}

export function isSealedEnvelope(value: unknown): value is SealedEnvelope {
  const v = value as Partial<SealedEnvelope> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    v.alg === SEAL_ALG &&
    typeof v.keyId === 'string' &&
    typeof v.borrowerRef === 'string' &&
    typeof v.iv === 'string' &&
    typeof v.ciphertext === 'string' &&
    typeof v.tag === 'string'
  );
}

export const newDataKey = () => randomBytes(KEY_BYTES);

/**
 * A data key wrapped (AES-256-GCM) by a master key: `base64(iv ‖ tag ‖ ciphertext)`. The key id is
 * bound as AAD, so a wrapped key moved to another record does not unwrap.
 */
export function wrapKey(dataKey: Buffer, masterKey: Buffer, keyId: string): string {
  assertKey(dataKey);
  assertKey(masterKey);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', masterKey, iv);
  cipher.setAAD(Buffer.from(`data-key\n${keyId}`, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(dataKey), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64');
}

export function unwrapKey(wrapped: string, masterKey: Buffer, keyId: string): Buffer {
  const bytes = Buffer.from(wrapped, 'base64');
  const decipher = createDecipheriv('aes-256-gcm', masterKey, bytes.subarray(0, IV_BYTES));
  decipher.setAAD(Buffer.from(`data-key\n${keyId}`, 'utf8'));
  decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + 16));
  return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + 16)), decipher.final()]);
}

function assertKey(key: Buffer): void {
  if (key.length !== KEY_BYTES) throw new Error(`an AES-256 key is ${KEY_BYTES} bytes; got ${key.length}`);
}
