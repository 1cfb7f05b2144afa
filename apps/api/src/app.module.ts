import { DynamicModule, Inject, Logger, Module, OnApplicationShutdown, Provider } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import { Ledger } from '@lead-ledger/ledger/ledger.port';
import { openLedger } from '@lead-ledger/ledger/ledger.factory';
import { ApiKeyGuard, ensureAdminKey } from './auth/api-keys';
import { Clock, ManualClock, SystemClock } from './clock/clock';
import { ClockController } from './clock/clock.controller';
import { AppConfig } from './config/config';
import { ErrorResponseFilter } from './http/error-response';
import { strictValidationPipe } from './http/validation';
import { EventStreamWriter } from './ledger/event-stream-writer';
import { IdempotencyIndex } from './ledger/idempotency-index';
import { APP_CONFIG, LEDGER } from './ledger/ledger.tokens';
import { LEAD_COMMAND_HANDLERS } from './leads/lead-commands';
import { LeadsController } from './leads/leads.controller';

/** Closes the ledger last, after Nest has stopped taking requests. */
class LedgerLifecycle implements OnApplicationShutdown {
  constructor(@Inject(LEDGER) private readonly ledger: Ledger) {}
  async onApplicationShutdown() {
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
        useFactory: async () => {
          const ledger = openLedger(config.ledger);
          await ledger.ping();
          new Logger('Ledger').log(config.ledger.kind === 'sqlite' ? `embedded ledger at ${config.ledger.path}` : 'EventStoreDB ledger');
          return ledger;
        },
      },
      LedgerLifecycle,
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
      { provide: APP_GUARD, useFactory: () => new ApiKeyGuard([ensureAdminKey(config.dataDir)]) },
      { provide: APP_PIPE, useFactory: strictValidationPipe },
      { provide: APP_FILTER, useClass: ErrorResponseFilter },
      ...LEAD_COMMAND_HANDLERS,
    ];
    return {
      module: AppModule,
      imports: [CqrsModule.forRoot()],
      controllers: [LeadsController, ...(manualClock ? [ClockController] : [])],
      providers,
    };
  }
}
