import { BeforeApplicationShutdown, DynamicModule, Inject, Logger, Module, OnApplicationShutdown, Provider } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import { Ledger } from '@lead-ledger/ledger/ledger.port';
import { openLedger } from '@lead-ledger/ledger/ledger.factory';
import { Projector, ReadStore } from '@lead-ledger/read-models';
import { AUDIT_CONTROLLERS, AUDIT_PROVIDERS } from './audit';
import { BORROWER_CONTROLLERS, BORROWER_PROVIDERS } from './borrowers';
import { AuthModule } from './auth/auth.module';
import { Clock, ManualClock, SystemClock } from './clock/clock';
import { ClockController } from './clock/clock.controller';
import { AppConfig } from './config/config';
import { ErrorResponseFilter } from './http/error-response';
import { ExportsController } from './exports/exports.controller';
import { strictValidationPipe } from './http/validation';
import { EventStreamWriter } from './ledger/event-stream-writer';
import { IdempotencyIndex } from './ledger/idempotency-index';
import { APP_CONFIG, LEDGER } from './ledger/ledger.tokens';
import { LEAD_COMMAND_HANDLERS } from './leads';
import { LeadsController } from './leads/leads.controller';
import { Metrics } from './observability/metrics';
import { MarketLocks } from './read-models/market-locks';
import { READ_STORE, ReadModels } from './read-models/read-models';
import { READ_MODEL_PROVIDERS } from './read-models/read-model.providers';
import { REFERENCE_DATA_CONTROLLERS, REFERENCE_DATA_HANDLERS } from './reference-data';
import { UI_CONTROLLERS } from './ui';

/** Stops the ledger's followers first, then closes the read store and the ledger itself. */
class LedgerLifecycle implements BeforeApplicationShutdown, OnApplicationShutdown {
  constructor(
    @Inject(LEDGER) private readonly ledger: Ledger,
    @Inject(READ_STORE) private readonly store: ReadStore,
    private readonly projector: Projector,
  ) {}
  async beforeApplicationShutdown() {
    await this.projector.stop();
  }
  async onApplicationShutdown() {
    await this.store.close();
    await this.ledger.close();
  }
}

@Module({})
export class AppModule {
  static register(config: AppConfig): DynamicModule {
    const manualClock = config.clock === 'manual';
    const providers: Provider[] = [
      { provide: APP_CONFIG, useValue: config },
      {
        provide: LEDGER,
        // Metrics (observability module): every append is timed for lead_ledger_ledger_append_duration_seconds.
        inject: [Metrics],
        useFactory: async (metrics: Metrics) => {
          const ledger = openLedger(config.ledger);
          await ledger.ping();
          new Logger('Ledger').log(config.ledger.kind === 'sqlite' ? `embedded ledger at ${config.ledger.path}` : 'EventStoreDB ledger');
          return metrics.instrumentLedger(ledger);
        },
      },
      LedgerLifecycle,
      // Read store (embedded, or MongoDB with MONGODB_URL), Projector and ProjectionStatus.
      ...READ_MODEL_PROVIDERS,
      ReadModels,
      MarketLocks,
      {
        provide: IdempotencyIndex,
        inject: [LEDGER],
        useFactory: async (ledger: Ledger) => {
          const index = new IdempotencyIndex(ledger);
          await index.start();
          return index;
        },
      },
      EventStreamWriter,
      manualClock
        ? {
            provide: ManualClock,
            inject: [LEDGER],
            useFactory: async (ledger: Ledger) => {
              const clock = new ManualClock(ledger);
              await clock.load();
              return clock;
            },
          }
        : { provide: SystemClock, useValue: new SystemClock() },
      { provide: Clock, useExisting: manualClock ? ManualClock : SystemClock },
      { provide: APP_PIPE, useFactory: strictValidationPipe },
      { provide: APP_FILTER, useClass: ErrorResponseFilter },
      ...LEAD_COMMAND_HANDLERS,
      ...REFERENCE_DATA_HANDLERS,
      ...AUDIT_PROVIDERS,
      // PII vault (master key, data-key store), disclosure by pii:read, erasure.
      ...BORROWER_PROVIDERS,
    ];
    return {
      module: AppModule,
      imports: [CqrsModule.forRoot(), AuthModule.register(config)],
      controllers: [LeadsController, ExportsController, ...REFERENCE_DATA_CONTROLLERS, ...(manualClock ? [ClockController] : []), ...AUDIT_CONTROLLERS, ...UI_CONTROLLERS, ...BORROWER_CONTROLLERS],
      providers,
    };
  }
}
