import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { Ledger, LedgerSubscription, RecordedEvent } from '@lead-ledger/ledger/ledger.port';
import { LEDGER } from './ledger.tokens';

const PAGE = 2000;

/**
 * Idempotency-Keys are scoped per caller: the same key sent with two API keys names two different
 * requests. `actor` is the caller as recorded in event metadata (`key:<id>`).
 */
export const scopedIdempotencyKey = (actor: string, key: string) => JSON.stringify([actor, key]);

/**
 * Which Idempotency-Keys the ledger has seen, per caller, and for which request. Derived from event metadata,
 * so it can never disagree with the ledger after a crash: it is rebuilt from the log on start and
 * follows it live (including writes by other API instances on a shared EventStoreDB).
 *
 * Replays on the same stream do not depend on this index (the writer scans the stream itself); the
 * index is what catches one key reused for a different request on a different stream.
 */
@Injectable()
export class IdempotencyIndex implements BeforeApplicationShutdown {
  private readonly logger = new Logger(IdempotencyIndex.name);
  private readonly requestHashByKey = new Map<string, string>();
  private checkpoint: bigint | undefined;
  private subscription: LedgerSubscription | null = null;

  constructor(@Inject(LEDGER) private readonly ledger: Ledger) {}

  /** Reads the log to its head, then follows it in the background. */
  async start(): Promise<void> {
    for (;;) {
      const page = await this.ledger.readAll({ after: this.checkpoint, maxCount: PAGE });
      for (const event of page) this.observe(event);
      if (page.length < PAGE) break;
    }
    this.subscription = this.ledger.subscribeToAll({ after: this.checkpoint });
    void this.follow(this.subscription);
  }

  requestHashOf(actor: string, key: string): string | undefined {
    return this.requestHashByKey.get(scopedIdempotencyKey(actor, key));
  }

  observe(event: RecordedEvent): void {
    const { idempotencyKey: key, actor, requestHash } = event.metadata;
    if (typeof key === 'string' && typeof requestHash === 'string') this.requestHashByKey.set(scopedIdempotencyKey(String(actor), key), requestHash);
    if (this.checkpoint === undefined || event.position > this.checkpoint) this.checkpoint = event.position;
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.subscription?.close();
  }

  private async follow(subscription: LedgerSubscription): Promise<void> {
    try {
      for await (const event of subscription) this.observe(event);
    } catch (error) {
      this.logger.warn(`idempotency index stopped following the ledger: ${(error as Error).message}`);
    }
  }
}
