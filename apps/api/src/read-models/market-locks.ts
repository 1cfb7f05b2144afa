import { Injectable } from '@nestjs/common';

/**
 * Serialises decisions within one market in this process: routing and contracting read pace and
 * seats, decide, append and wait for the read models before the next decision in the market
 * starts, so two leads can never both take an officer's last slot. Across processes this holds
 * only if each market is decided by one instance (see the README's deployment rule).
 */
@Injectable()
export class MarketLocks {
  private readonly tails = new Map<string, Promise<unknown>>();

  async run<T>(marketId: string, critical: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(marketId) ?? Promise.resolve();
    const mine = previous.then(critical, critical);
    const tail = mine.catch(() => undefined);
    this.tails.set(marketId, tail);
    try {
      return await mine;
    } finally {
      // Forget the chain once nothing is queued behind us, so idle markets hold no memory.
      if (this.tails.get(marketId) === tail) this.tails.delete(marketId);
    }
  }
}
