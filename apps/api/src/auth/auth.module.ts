import { DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD, DiscoveryModule } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { AccessGuard, API_KEYS } from './access.guard';
import { ConfiguredApiKey } from './api-key-config';
import { resolveApiKeys } from './api-keys';
import { RateLimiter, rateLimitOptions } from './rate-limiter';
import { VersionedRoutes } from './versioned-routes';

export interface AuthSettings {
  /** From API_KEYS / API_KEYS_FILE; empty → the development admin key in `${dataDir}/admin-api-key`. */
  apiKeys: readonly ConfiguredApiKey[];
  dataDir: string;
  /** RATE_LIMIT_PER_MINUTE; 0 turns limiting off. */
  rateLimitPerMinute: number;
}

/** API keys, scopes and rate limits for /v1: one global guard, and a boot-time check that every endpoint declares its scope. */
@Module({})
export class AuthModule {
  static register(settings: AuthSettings): DynamicModule {
    return {
      module: AuthModule,
      imports: [DiscoveryModule, ThrottlerModule.forRoot(rateLimitOptions(settings.rateLimitPerMinute))],
      providers: [
        { provide: API_KEYS, useFactory: () => resolveApiKeys(settings.apiKeys, settings.dataDir) },
        RateLimiter,
        VersionedRoutes,
        { provide: APP_GUARD, useClass: AccessGuard },
      ],
      exports: [VersionedRoutes],
    };
  }
}
