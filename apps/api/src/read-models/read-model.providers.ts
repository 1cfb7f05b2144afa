import { Logger, Provider } from '@nestjs/common';
import { Ledger } from '@lead-ledger/ledger/ledger.port';
import { AliasedReadStore, MemoryReadStore, Projector, ReadStore } from '@lead-ledger/read-models';
import { MongoReadStore } from '@lead-ledger/read-models/mongo/mongo-read-store';
import { ALL_PROJECTIONS } from '@lead-ledger/projections';
import { AppConfig } from '../config/config';
import { APP_CONFIG, LEDGER } from '../ledger/ledger.tokens';
import { ProjectionStatus } from './projection-status';
import { READ_STORE } from './read-store.token';

/**
 * Where the read models live and who writes them:
 * - embedded default: a MemoryReadStore in this process, rebuilt from the ledger on every start by
 *   this process's Projector;
 * - MONGODB_URL set: MongoReadStore, read through the blue/green aliases. By default the projector
 *   app (apps/projector) writes it and this process only reads; PROJECTOR=in-process makes this
 *   process project too (one API instance, no separate projector).
 * In external mode the Projector is constructed but never started, so shutdown's stop() is a no-op.
 */
export const READ_MODEL_PROVIDERS: Provider[] = [
  {
    provide: READ_STORE,
    inject: [APP_CONFIG],
    useFactory: async (config: AppConfig): Promise<ReadStore> => {
      if (!config.mongodbUrl) return new MemoryReadStore();
      const store = await MongoReadStore.connect(config.mongodbUrl);
      new Logger('ReadModels').log(`read models in MongoDB; projected ${config.projector === 'in-process' ? 'in this process' : 'by the projector app'}`);
      return new AliasedReadStore(store);
    },
  },
  {
    provide: Projector,
    inject: [APP_CONFIG, LEDGER, READ_STORE],
    useFactory: async (config: AppConfig, ledger: Ledger, store: ReadStore) => {
      const logger = new Logger('Projector');
      const target = store instanceof AliasedReadStore ? store.inner : store;
      const projector = new Projector(ledger, target, ALL_PROJECTIONS, { logger: { log: (m) => logger.log(m), warn: (m) => logger.warn(m) } });
      if (config.projector === 'in-process') await projector.start();
      return projector;
    },
  },
  ProjectionStatus,
];
