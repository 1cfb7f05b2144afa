import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { ApiError } from '../http/api-error';
import { ApiKey, findApiKey, principalOf } from './api-keys';
import { RateLimiter } from './rate-limiter';
import { REQUIRED_SCOPE, ScopeRequirement, scopeFor } from './require-scope.decorator';
import { hasScope, Principal } from './scopes';

export const API_KEYS = Symbol('API_KEYS');

export type AuthenticatedRequest = FastifyRequest & { principal?: Principal; actor?: string };

/** The versioned API is the only part that needs a key; health, metrics, docs and the UI's files are open. */
export function isVersionedApiPath(path: string): boolean {
  return path === '/v1' || path.startsWith('/v1/');
}

/**
 * The one guard in front of every /v1 endpoint, in this order:
 * 1. who is calling: a known API key (compared in constant time) becomes `request.principal` and
 *    the actor `key:<id>` recorded in event metadata;
 * 2. the rate limit, per key (or per client IP without a valid key, so key guessing is limited too);
 * 3. no valid key → 401 UNAUTHENTICATED;
 * 4. the endpoint's declared scope (@RequireScope) → 403 FORBIDDEN naming the missing scope. An
 *    endpoint that declares none is refused for everyone (and AuthModule refuses to boot with one).
 */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(
    @Inject(API_KEYS) private readonly keys: readonly ApiKey[],
    private readonly reflector: Reflector,
    private readonly rateLimiter: RateLimiter,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    // The route's pattern, not the raw URL: what decides is which endpoint will run.
    if (!isVersionedApiPath(request.routeOptions?.url ?? request.url.split('?')[0])) return true;

    const key = this.keyOf(request);
    if (key) {
      request.principal = principalOf(key);
      request.actor = `key:${key.id}`;
    }
    await this.rateLimiter.canActivate(context);
    if (!request.principal) {
      throw new ApiError(401, 'UNAUTHENTICATED', key === null ? 'send an API key as "Authorization: Bearer <key>"' : 'the API key is not known');
    }

    const requirement = this.reflector.get<ScopeRequirement | undefined>(REQUIRED_SCOPE, context.getHandler());
    if (!requirement) {
      throw new ApiError(403, 'FORBIDDEN', 'this endpoint declares no required scope, so it is refused for every key', [
        { field: 'scope', message: 'the endpoint has no @RequireScope' },
      ]);
    }
    const scope = scopeFor(requirement, request);
    if (!hasScope(request.principal, scope)) {
      throw new ApiError(403, 'FORBIDDEN', `the API key "${request.principal.keyId}" lacks the scope "${scope}"`, [{ field: 'scope', message: `requires ${scope}` }], {
        requiredScope: scope,
      });
    }
    return true;
  }

  /** The matching key; `null` when no key was sent, `undefined` when the one sent is unknown. */
  private keyOf(request: FastifyRequest): ApiKey | null | undefined {
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header) : null;
    if (!match) return typeof header === 'string' ? undefined : null;
    return findApiKey(this.keys, match[1]);
  }
}
