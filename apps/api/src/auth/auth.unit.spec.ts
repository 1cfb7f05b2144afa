import { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { AccessGuard } from './access.guard';
import { newApiKeySecret, readApiKeysConfig, sha256Hex } from './api-key-config';
import { findApiKey, resolveApiKeys } from './api-keys';
import { RateLimiter } from './rate-limiter';
import { RequireScope, scopeFor, whenBodyHas } from './require-scope.decorator';
import { hasScope, Principal, Scope, SCOPES } from './scopes';

describe('scopes', () => {
  it('admin holds every scope; any other key holds exactly its own', () => {
    // given
    const admin = principal('ops', ['admin']);
    const reader = principal('reader', ['leads:read', 'audit:read']);

    // then
    for (const scope of SCOPES) expect(hasScope(admin, scope)).toBe(true);
    expect(SCOPES.filter((scope) => hasScope(reader, scope))).toEqual(['leads:read', 'audit:read']);
    expect(hasScope(undefined, 'leads:read')).toBe(false);
  });

  it('a conditional scope applies when the body has the field, whatever its value, and never for other bodies', () => {
    // given
    const requirement = { scope: 'routing:write' as Scope, instead: [whenBodyHas('officerId', 'routing:override')] };
    const withBody = (body: unknown) => ({ body }) as FastifyRequest;

    // then
    expect(scopeFor(requirement, withBody({}))).toBe('routing:write');
    expect(scopeFor(requirement, withBody(undefined))).toBe('routing:write');
    expect(scopeFor(requirement, withBody(['officerId']))).toBe('routing:write');
    expect(scopeFor(requirement, withBody({ reason: 'x' }))).toBe('routing:write');
    expect(scopeFor(requirement, withBody({ officerId: 'lo-ana', reason: 'x' }))).toBe('routing:override');
    expect(scopeFor(requirement, withBody({ officerId: null }))).toBe('routing:override');
    // an inherited property is not the caller's field
    expect(scopeFor(requirement, withBody(Object.create({ officerId: 'lo-ana' })))).toBe('routing:write');
  });
});

describe('API keys', () => {
  it('a presented secret finds its own key among many, and nothing else does', () => {
    // given
    const secrets = ['a', 'b', 'c'].map(() => newApiKeySecret());
    const configured = readApiKeysConfig({ API_KEYS: JSON.stringify(secrets.map((secret, i) => ({ id: `key-${i}`, sha256: sha256Hex(secret), scopes: ['leads:read'] }))) });
    const keys = resolveApiKeys(configured, '/nonexistent-data-dir', silentLogger());

    // then
    expect(secrets.map((secret) => findApiKey(keys, secret)?.id)).toEqual(['key-0', 'key-1', 'key-2']);
    expect(findApiKey(keys, newApiKeySecret())).toBeUndefined();
    expect(findApiKey(keys, `${secrets[0]} `)).toBeUndefined();
    expect(findApiKey(keys, sha256Hex(secrets[0]))).toBeUndefined();
  });

  it('accepts upper-case hex, and keeps each scope once', () => {
    const [key] = readApiKeysConfig({ API_KEYS: JSON.stringify([{ id: 'ci', sha256: 'AB'.repeat(32), scopes: ['leads:read', 'leads:read'] }]) });
    expect(key).toStrictEqual({ id: 'ci', sha256: 'ab'.repeat(32), scopes: ['leads:read'] });
  });

  it('lists every problem at once, so one boot is enough to fix a configuration', () => {
    const entries = [
      { id: 'ok', sha256: 'a'.repeat(64), scopes: ['leads:read'] },
      { id: 'Bad', sha256: 'short', scopes: ['nope'] },
    ];
    expect(() => readApiKeysConfig({ API_KEYS: JSON.stringify(entries) })).toThrow(
      expect.objectContaining({
        problems: [
          expect.stringMatching(/API_KEYS\[1\]: id must match/),
          expect.stringMatching(/API_KEYS\[1\] \(id "Bad"\): sha256 must be/),
          expect.stringMatching(/API_KEYS\[1\] \(id "Bad"\): unknown scope "nope"/),
        ],
      }),
    );
  });

  function silentLogger() {
    return { log: () => undefined, warn: () => undefined } as never;
  }
});

describe('the access guard', () => {
  const secret = newApiKeySecret();
  const keys = resolveApiKeys(readApiKeysConfig({ API_KEYS: JSON.stringify([{ id: 'ops', sha256: sha256Hex(secret), scopes: ['admin'] }]) }), '/nonexistent', {
    log: () => undefined,
  } as never);
  // The rate limit has its own e2e tests (test/e2e/abuse-limits.e2e.spec.ts); here it always lets through.
  const guard = new AccessGuard(keys, new Reflector(), { canActivate: async () => true } as unknown as RateLimiter);

  class Endpoints {
    @RequireScope('leads:read')
    declared() {}
    undeclared() {}
  }

  it('refuses a /v1 endpoint that declares no scope even to an admin key (deny by default), and lets the declared one through', async () => {
    // given
    const request = (path: string) => ({ url: path, routeOptions: { url: path }, headers: { authorization: `Bearer ${secret}` } }) as unknown as FastifyRequest;

    // when
    const undeclared = guard.canActivate(contextOf(request('/v1/undeclared'), Endpoints.prototype.undeclared));
    const declared = guard.canActivate(contextOf(request('/v1/declared'), Endpoints.prototype.declared));
    const outsideV1 = guard.canActivate(contextOf({ url: '/health/live', routeOptions: { url: '/health/live' }, headers: {} } as unknown as FastifyRequest, Endpoints.prototype.undeclared));

    // then
    await expect(undeclared).rejects.toMatchObject({ status: 403, code: 'FORBIDDEN' });
    await expect(declared).resolves.toBe(true);
    await expect(outsideV1).resolves.toBe(true);
  });

  function contextOf(request: FastifyRequest, handler: () => void): ExecutionContext {
    return { getType: () => 'http', getHandler: () => handler, getClass: () => Endpoints, switchToHttp: () => ({ getRequest: () => request }) } as unknown as ExecutionContext;
  }
});

function principal(keyId: string, scopes: Scope[]): Principal {
  return { keyId, scopes: new Set(scopes) };
}
