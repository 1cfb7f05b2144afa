import { DynamicModule, Global, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { TerminusModule } from '@nestjs/terminus';
import type { DestinationStream } from 'pino';
import { AppConfig } from '../config/config';
import { HealthController } from '../health/health.controller';
import { loggingModule } from './logging';
import { Metrics } from './metrics';
import { MetricsController } from './metrics.controller';
import { MetricsWiring } from './metrics-wiring';

/**
 * The operations surface, beside the app module: validated configuration (@nestjs/config over the
 * result of loadConfig), JSON logs, Prometheus metrics, health. Global, so the app module's LEDGER
 * factory can wrap the ledger with Metrics.
 */
@Global()
@Module({})
export class ObservabilityModule {
  static forRoot(config: AppConfig, options: { logDestination?: DestinationStream } = {}): DynamicModule {
    return {
      module: ObservabilityModule,
      imports: [
        // Already validated by loadConfig (joi): the module serves that result, never process.env again.
        ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, skipProcessEnv: true, load: [() => ({ ...config })] }),
        loggingModule(config, options.logDestination),
        TerminusModule.forRoot({ errorLogStyle: 'json' }),
      ],
      controllers: [HealthController, MetricsController],
      providers: [Metrics, MetricsWiring],
      exports: [Metrics],
    };
  }
}
