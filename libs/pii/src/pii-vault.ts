import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BorrowerPseudonyms } from './borrower-keys';
import { newDataKey, open, seal, SealedEnvelope, unwrapKey, wrapKey } from './envelope';
import { DataKeyRecord, DataKeyStore, ErasureNote } from './key-store.port';
import { keyById, loadMasterKeyring, MasterKeyring } from './master-key';
import { SqliteDataKeyStore } from './sqlite-key-store';

/** What a LeadCreated (v2) seals: the borrower's contact details and the consent's IP address. */
export interface BorrowerContact {
  firstName: string;
  lastName: string;
  phone: string;
  email: string;
  consentIp?: string;
}

/** A sealed envelope as a reader may see it. */
export type Disclosure<T> =
  | { status: 'revealed'; value: T }
  /** The data key was destroyed: the ciphertext can never be read again. */
  | { status: 'erased'; erasedAt: string | null };

export interface SealedBorrower {
  sealed: SealedEnvelope;
  borrowerKeys: string[];
  borrowerRef: string;
}

/**
 * Envelope encryption of borrower PII: one random AES-256-GCM data key per borrower, wrapped by
 * the master key and kept in the key store; erasing a borrower destroys their data keys.
 */
export class PiiVault {
  readonly pseudonyms: BorrowerPseudonyms;

  constructor(
    readonly store: DataKeyStore,
    private readonly ring: MasterKeyring,
    private readonly now: () => string = () => new Date().toISOString(),
  ) {
    this.pseudonyms = new BorrowerPseudonyms(ring.primary);
  }

  /** Seals the contact under the borrower's live data key (made on the borrower's first lead, or first after an erasure). */
  async seal(contact: BorrowerContact): Promise<SealedBorrower> {
    const borrowerKeys = this.pseudonyms.keysOf(contact);
    const borrowerRef = this.pseudonyms.refOf(borrowerKeys);
    const { keyId, key } = await this.liveKeyOf(borrowerRef);
    return { sealed: seal(contact, key, { keyId, borrowerRef }), borrowerKeys, borrowerRef };
  }

  async reveal<T = BorrowerContact>(envelope: SealedEnvelope): Promise<Disclosure<T>> {
    const record = await this.store.get(envelope.keyId);
    // A key the store does not know cannot open anything: for a reader that is the same as erased.
    if (record === null) return { status: 'erased', erasedAt: null };
    if (record.wrappedKey === null) return { status: 'erased', erasedAt: record.destroyedAt };
    return { status: 'revealed', value: open<T>(envelope, this.unwrap(record)) };
  }

  /** Destroys every live data key of the borrower; resolves the destroyed key ids (none if there were none). */
  destroyKeysOf(borrowerRef: string, erasure: ErasureNote, onlyKeyIds?: string[]): Promise<string[]> {
    return this.store.destroy(borrowerRef, erasure, this.now(), onlyKeyIds);
  }

  private async liveKeyOf(borrowerRef: string): Promise<{ keyId: string; key: Buffer }> {
    const live = (await this.store.keysOf(borrowerRef)).find((record) => record.wrappedKey !== null);
    if (live) return { keyId: live.keyId, key: this.unwrap(live) };
    const keyId = `dk_${randomBytes(12).toString('hex')}`;
    const key = newDataKey();
    const { primary } = this.ring;
    await this.store.insert({ keyId, borrowerRef, wrappedKey: wrapKey(key, primary.key, keyId), wrappedBy: primary.id, createdAt: this.now() });
    return { keyId, key };
  }

  private unwrap(record: DataKeyRecord): Buffer {
    const master = keyById(this.ring, record.wrappedBy);
    if (!master) throw new Error(`data key ${record.keyId} is wrapped by master key ${record.wrappedBy}, which is not configured (PII_MASTER_KEY / PII_MASTER_KEY_PREVIOUS)`);
    return unwrapKey(record.wrappedKey!, master.key, record.keyId);
  }
}

export const KEY_STORE_FILE_NAME = 'pii-keys.db';

/**
 * The embedded vault of a data dir, for tools (the CLI's `--pii`): the master key from the
 * environment or `${dataDir}/pii-master-key` (never generated here) and `${dataDir}/pii-keys.db`.
 */
export function openEmbeddedVault(dataDir: string, env: NodeJS.ProcessEnv = process.env): PiiVault {
  const path = join(dataDir, KEY_STORE_FILE_NAME);
  if (!existsSync(path)) throw new Error(`no PII key store at ${path}`);
  return new PiiVault(new SqliteDataKeyStore(path), loadMasterKeyring(env, dataDir, { create: false }));
}
