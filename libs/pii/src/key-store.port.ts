/**
 * Where the borrowers' data keys live, wrapped by the master key. Unlike the ledger this store is
 * mutable on purpose: destroying a data key is what erasure does (crypto-shredding), and it is
 * the only thing erasure changes.
 */
export interface DataKeyRecord {
  keyId: string;
  borrowerRef: string;
  /** The data key wrapped by the master key `wrappedBy`; null once destroyed. */
  wrappedKey: string | null;
  wrappedBy: string;
  createdAt: string;
  /** When the key was destroyed; null while it is live. */
  destroyedAt: string | null;
  /** Why and for whom it was destroyed, kept so an erasure interrupted before it was recorded can be recorded later. */
  erasure: ErasureNote | null;
  /** When the erasure was recorded in the ledger; null while that is pending. */
  recordedAt: string | null;
}

export interface ErasureNote {
  actor: string;
  reason: string;
  requestReference?: string;
  correlationId: string;
}

export interface DataKeyStore {
  /** Adds a live key. Resolves false (and changes nothing) if the key id exists. */
  insert(record: Omit<DataKeyRecord, 'destroyedAt' | 'erasure' | 'recordedAt'>): Promise<boolean>;
  get(keyId: string): Promise<DataKeyRecord | null>;
  /** Every key of the borrower, live or destroyed, oldest first. */
  keysOf(borrowerRef: string): Promise<DataKeyRecord[]>;
  /**
   * Destroys every live key of the borrower, or only those in `onlyKeyIds` (drops the wrapped key,
   * keeps a tombstone); resolves the ids destroyed.
   */
  destroy(borrowerRef: string, erasure: ErasureNote, at: string, onlyKeyIds?: string[]): Promise<string[]>;
  /** Notes that these keys' erasure is in the ledger. */
  markRecorded(keyIds: string[], at: string): Promise<void>;
  /** Destroyed keys whose erasure is not yet in the ledger (a crash between the two steps). */
  unrecorded(): Promise<DataKeyRecord[]>;
  /** Live keys, for reconciling with erasures the ledger records (e.g. after restoring an old key-store backup). */
  liveKeys(): AsyncIterable<DataKeyRecord>;
  close(): Promise<void>;
}
