import { Inject, Injectable } from '@nestjs/common';
import { Ledger } from '@lead-ledger/ledger/ledger.port';
import { AliasedReadStore, ProjectionLag, projectionLag, ProjectionTimeoutError, Projector, ReadStore, storedCheckpoint } from '@lead-ledger/read-models';
import { ALL_PROJECTIONS } from '@lead-ledger/projections';
import { AppConfig } from '../config/config';
import { APP_CONFIG, LEDGER } from '../ledger/ledger.tokens';
import { READ_STORE } from './read-store.token';

/** Polling the stored checkpoint (external mode): starts fast for read-your-writes, backs off to this. */
const POLL_MIN_MS = 5;
const POLL_MAX_MS = 100;

/**
 * How far the read models are behind the ledger, and waiting for them, in either mode:
 * - in process (embedded default, or PROJECTOR=in-process): this process's Projector knows;
 * - external (MONGODB_URL, the projector app writes): the checkpoints stored with the read models.
 * Readiness and /metrics read `lag()`; decisions call `waitFor()` (read-your-writes).
 */
@Injectable()
export class ProjectionStatus {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LEDGER) private readonly ledger: Ledger,
    @Inject(READ_STORE) private readonly store: ReadStore,
    private readonly projector: Projector,
  ) {}

  /** True when this process writes the read models itself. */
  get inProcess(): boolean {
    return this.config.projector === 'in-process';
  }

  /** The position every read model has reached (null: nothing projected yet). */
  async checkpoint(): Promise<bigint | null> {
    if (this.inProcess) return this.projector.position();
    // Read through the aliases readers will use next, so a reader never waits on one collection and reads another.
    const aliases = this.store instanceof AliasedReadStore ? await this.store.refresh() : undefined;
    return storedCheckpoint(this.store instanceof AliasedReadStore ? this.store.inner : this.store, ALL_PROJECTIONS, aliases);
  }

  async lag(): Promise<{ events: number; seconds: number; checkpoint: string | null; head: string | null }> {
    const lag: ProjectionLag = await projectionLag(this.ledger, await this.checkpoint());
    return lag;
  }

  /** Resolves once every read model reflects `position`; ProjectionTimeoutError after `timeoutMs`. */
  async waitFor(position: bigint, timeoutMs = this.config.projectionWaitMs): Promise<void> {
    if (this.inProcess) return this.projector.waitFor(position, timeoutMs);
    const deadline = performance.now() + timeoutMs;
    let pause = POLL_MIN_MS;
    for (;;) {
      const checkpoint = await this.checkpoint();
      if (checkpoint !== null && checkpoint >= position) return;
      if (performance.now() >= deadline) throw new ProjectionTimeoutError(position, checkpoint, timeoutMs);
      await new Promise((resolve) => setTimeout(resolve, Math.min(pause, Math.max(0, deadline - performance.now()))));
      pause = Math.min(POLL_MAX_MS, pause * 2);
    }
  }
}
