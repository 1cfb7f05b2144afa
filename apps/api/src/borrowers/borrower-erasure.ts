import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { BorrowerErasedV1, borrowerErasureStateOf, borrowerStream, decideBorrowerErasure, DomainError, RecordBorrowerErasure } from '@lead-ledger/domain';
import { Ledger } from '@lead-ledger/ledger/ledger.port';
import { DataKeyRecord, ErasureNote, PiiVault } from '@lead-ledger/pii';
import { randomUUID } from 'node:crypto';
import { Clock } from '../clock/clock';
import { RequestContext } from '../http/request-context';
import { EventStreamWriter, StreamWriteResult } from '../ledger/event-stream-writer';
import { LEDGER } from '../ledger/ledger.tokens';

/**
 * Crypto-shredding, crash-safe: the data keys are destroyed first, then BorrowerErased is
 * recorded in `borrower-<ref>`. A crash between the two leaves destroyed keys whose erasure is
 * not recorded; the next erase request, or the start-up reconciliation, records them. The opposite
 * order could leave a record of an erasure whose key still exists; that can only happen if an old
 * copy of the key store is restored, and start-up destroys such keys again.
 */
@Injectable()
export class BorrowerErasure implements OnApplicationBootstrap {
  private readonly logger = new Logger('BorrowerErasure');

  constructor(
    private readonly vault: PiiVault,
    private readonly writer: EventStreamWriter,
    private readonly clock: Clock,
    @Inject(LEDGER) private readonly ledger: Ledger,
  ) {}

  /** 404 BORROWER_NOT_FOUND for a ref the key store never had; 409 ALREADY_ERASED when nothing is left. */
  async erase(borrowerRef: string, request: { reason: string; requestReference?: string }, context: RequestContext): Promise<StreamWriteResult> {
    const note: ErasureNote = { actor: context.actor, reason: request.reason, correlationId: context.correlationId, ...(request.requestReference !== undefined && { requestReference: request.requestReference }) };
    const at = this.clock.nowIso();
    const result = await this.writer.execute(borrowerStream(borrowerRef), at, context, async (history) => {
      await this.vault.destroyKeysOf(borrowerRef, note);
      const keys = await this.vault.store.keysOf(borrowerRef);
      const command: RecordBorrowerErasure = {
        type: 'RecordBorrowerErasure',
        data: { borrowerRef, reason: request.reason, ...(request.requestReference !== undefined && { requestReference: request.requestReference }), by: context.actor },
        known: keys.length > 0 || history.length > 0,
        destroyedKeys: destroyedOf(keys),
        at,
      };
      return decideBorrowerErasure(command, borrowerErasureStateOf(history));
    });
    await this.markRecorded(result);
    return result;
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.reconcile();
  }

  /**
   * 1. Destroyed keys whose erasure is not in the ledger (a crash between the two steps): record it.
   * 2. Live keys that a recorded erasure names (an old key-store backup was restored): destroy again.
   */
  async reconcile(): Promise<{ recorded: number; destroyedAgain: number }> {
    let recorded = 0;
    const pending = groupByBorrower(await this.vault.store.unrecorded());
    for (const [borrowerRef, keys] of pending) {
      const erasure = keys[0].erasure ?? { actor: 'system', reason: 'erasure interrupted before it was recorded', correlationId: randomUUID() };
      const context: RequestContext = { correlationId: erasure.correlationId, requestHash: `reconcile:${borrowerRef}`, actor: erasure.actor };
      try {
        const result = await this.writer.execute(borrowerStream(borrowerRef), this.clock.nowIso(), context, (history) =>
          decideBorrowerErasure(
            {
              type: 'RecordBorrowerErasure',
              data: { borrowerRef, reason: erasure.reason, ...(erasure.requestReference !== undefined && { requestReference: erasure.requestReference }), by: erasure.actor, recovered: true },
              known: true,
              destroyedKeys: destroyedOf(keys),
              at: this.clock.nowIso(),
            },
            borrowerErasureStateOf(history),
          ),
        );
        await this.markRecorded(result);
        recorded += 1;
      } catch (error) {
        // Recorded already (the crash came after the append, before the key store noted it).
        if (!(error instanceof DomainError && error.code === 'ALREADY_ERASED')) throw error;
        await this.vault.store.markRecorded(keys.map((key) => key.keyId), this.clock.nowIso());
      }
    }
    let destroyedAgain = 0;
    const live: DataKeyRecord[] = [];
    for await (const key of this.vault.store.liveKeys()) live.push(key);
    for (const [borrowerRef, keys] of groupByBorrower(live)) {
      const history = await this.ledger.readStream(borrowerStream(borrowerRef));
      if (history.length === 0) continue;
      const state = borrowerErasureStateOf(history);
      const resurrected = keys.filter((key) => state.recordedKeyIds.has(key.keyId)).map((key) => key.keyId);
      if (resurrected.length === 0) continue;
      const last = history[history.length - 1].data as unknown as BorrowerErasedV1;
      const ids = await this.vault.destroyKeysOf(borrowerRef, { actor: 'system', reason: `re-destroyed at start-up: erased at ${last.erasedAt}`, correlationId: randomUUID() }, resurrected);
      await this.vault.store.markRecorded(ids, this.clock.nowIso());
      destroyedAgain += ids.length;
    }
    if (recorded + destroyedAgain > 0) this.logger.warn(`reconciled erasures: ${recorded} recorded after an interruption, ${destroyedAgain} restored keys destroyed again`);
    return { recorded, destroyedAgain };
  }

  private async markRecorded(result: StreamWriteResult): Promise<void> {
    const ids = result.events.flatMap((event) => (event.type === 'BorrowerErased' ? (event.data as unknown as BorrowerErasedV1).keyIds : []));
    await this.vault.store.markRecorded(ids, this.clock.nowIso());
  }
}

function destroyedOf(keys: DataKeyRecord[]): Array<{ keyId: string; destroyedAt: string }> {
  return keys.filter((key) => key.destroyedAt !== null).map((key) => ({ keyId: key.keyId, destroyedAt: key.destroyedAt! }));
}

function groupByBorrower(keys: DataKeyRecord[]): Map<string, DataKeyRecord[]> {
  const groups = new Map<string, DataKeyRecord[]>();
  for (const key of keys) groups.set(key.borrowerRef, [...(groups.get(key.borrowerRef) ?? []), key]);
  return groups;
}
