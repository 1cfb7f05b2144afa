import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard, ThrottlerLimitDetail, ThrottlerModuleOptions } from '@nestjs/throttler';
import type { FastifyRequest } from 'fastify';
import { ApiError } from '../http/api-error';
import { Principal } from './scopes';

const MINUTE_MS = 60_000;

/**
 * Per-caller request budget for /v1, per minute: callers are API keys, or client IPs for requests
 * without a valid key (so guessing keys is limited too). One budget per caller across every
 * endpoint, not one per endpoint. `0` turns limiting off (load and reliability tests).
 */
export function rateLimitOptions(perMinute: number): ThrottlerModuleOptions {
  return {
    // Unnamed ("default"), so the 429 carries a plain Retry-After header.
    throttlers: [{ ttl: MINUTE_MS, limit: Math.max(perMinute, 1) }],
    skipIf: () => perMinute === 0,
    getTracker: (request) => {
      const principal = (request as { principal?: Principal }).principal;
      return principal ? `key:${principal.keyId}` : `ip:${(request as FastifyRequest).ip}`;
    },
    generateKey: (_context, tracker, throttler) => `${throttler}|${tracker}`,
  };
}

/** @nestjs/throttler's guard, called by the access guard once it knows the caller; refuses with the contract's 429. */
@Injectable()
export class RateLimiter extends ThrottlerGuard {
  protected override async throwThrottlingException(_context: ExecutionContext, limit: ThrottlerLimitDetail): Promise<void> {
    const caller = limit.tracker.startsWith('key:') ? 'this API key' : 'this client address';
    throw new ApiError(429, 'RATE_LIMITED', `too many requests from ${caller}: at most ${limit.limit} a minute; retry after ${limit.timeToBlockExpire} s`, [], {
      retryAfterSeconds: limit.timeToBlockExpire,
    });
  }
}
