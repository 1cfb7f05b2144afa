import { Injectable } from '@nestjs/common';
import { KeyedLocks } from '../ledger/keyed-locks';

/**
 * Serialises decisions within one market in this process: routing and contracting read pace and
 * seats, decide, append and wait for the read models before the next decision in the market
 * starts, so two leads can never both take an officer's last slot. Across processes this holds
 * only if each market is decided by one instance (see the README's deployment rule).
 */
@Injectable()
export class MarketLocks extends KeyedLocks {}
