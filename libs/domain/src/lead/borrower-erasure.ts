import { conflict, notFound } from '../errors';

/**
 * A borrower's personal data was erased by destroying their data keys (crypto-shredding). The
 * event is in stream `borrower-<borrowerRef>` and holds no PII: who, when, why, which keys. The
 * leads' sealed envelopes stay in the ledger, unreadable for good, so the hash chain is untouched.
 */
export interface BorrowerErasedV1 {
  borrowerRef: string;
  /** The data keys destroyed by this erasure. */
  keyIds: string[];
  /** When the keys were destroyed (the key store's time, which precedes this record). */
  erasedAt: string;
  reason: string;
  requestReference?: string;
  by: string;
  /** True when recorded at start-up for an erasure whose request stopped between destroying and recording. */
  recovered?: true;
}

export type BorrowerEvent = { type: 'BorrowerErased'; schemaVersion: 1; data: BorrowerErasedV1 };

export const borrowerStream = (borrowerRef: string) => `borrower-${borrowerRef}`;

export interface BorrowerErasureState {
  /** Key ids whose destruction is already recorded. */
  recordedKeyIds: Set<string>;
  lastErasedAt: string | null;
}

export function borrowerErasureStateOf(events: Array<{ type: string; data: unknown }>): BorrowerErasureState {
  const state: BorrowerErasureState = { recordedKeyIds: new Set(), lastErasedAt: null };
  for (const event of events) {
    if (event.type !== 'BorrowerErased') continue;
    const data = event.data as BorrowerErasedV1;
    data.keyIds.forEach((id) => state.recordedKeyIds.add(id));
    state.lastErasedAt = data.erasedAt;
  }
  return state;
}

/**
 * Record an erasure. `destroyedKeys` are the borrower's destroyed keys as the key store has them
 * (the edge destroys first, then records, so a crash in between leaves destroyed keys to record,
 * never a record of keys that still exist). `known` says whether the key store has ever had a
 * key of this borrower.
 */
export interface RecordBorrowerErasure {
  type: 'RecordBorrowerErasure';
  data: { borrowerRef: string; reason: string; requestReference?: string; by: string; recovered?: true };
  known: boolean;
  destroyedKeys: Array<{ keyId: string; destroyedAt: string }>;
  at: string;
}

export function decideBorrowerErasure(command: RecordBorrowerErasure, state: BorrowerErasureState): BorrowerEvent[] {
  const { data } = command;
  if (!command.known) throw notFound('BORROWER_NOT_FOUND', `no borrower ${data.borrowerRef} is known`);
  const pending = command.destroyedKeys.filter((key) => !state.recordedKeyIds.has(key.keyId));
  if (pending.length === 0) {
    throw conflict('ALREADY_ERASED', `borrower ${data.borrowerRef} was already erased at ${state.lastErasedAt}; there is nothing left to erase`, [
      { field: 'borrowerRef', message: 'already erased', erasedAt: state.lastErasedAt },
    ]);
  }
  const erasedAt = pending.map((key) => key.destroyedAt).sort()[0];
  return [
    {
      type: 'BorrowerErased',
      schemaVersion: 1,
      data: {
        borrowerRef: data.borrowerRef,
        keyIds: pending.map((key) => key.keyId).sort(),
        erasedAt,
        reason: data.reason,
        ...(data.requestReference !== undefined && { requestReference: data.requestReference }),
        by: data.by,
        ...(data.recovered && { recovered: true as const }),
      },
    },
  ];
}
