import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiExtension, ApiForbiddenResponse, ApiTooManyRequestsResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Scope } from './scopes';

/** A scope that replaces the endpoint's scope when the request has some shape (e.g. a routing override). */
export interface ConditionalScope {
  scope: Scope;
  /** For people: when this scope applies, e.g. "the body names an officerId". */
  when: string;
  applies(request: FastifyRequest): boolean;
  /** The body field whose presence selects this scope, when that is the condition (tests use it to trigger it). */
  bodyField?: string;
}

/** What an endpoint needs: `scope`, unless one of `instead` applies to the request. */
export interface ScopeRequirement {
  scope: Scope;
  instead: ConditionalScope[];
}

export const REQUIRED_SCOPE = 'lead-ledger:required-scope';

/** @nestjs/swagger's metadata key for @ApiOperation (DECORATORS.API_OPERATION, which the package does not export). */
const API_OPERATION_METADATA = 'swagger/apiOperation';

/**
 * Declares the scope an endpoint needs (every /v1 endpoint must; one without is refused for
 * everyone and stops the app at boot), and publishes it in OpenAPI: bearer auth, the 401/403/429
 * answers, and the scope in the operation's description and in `x-required-scopes`.
 *
 * Put it above the other decorators of the method: decorators apply bottom-up, so it then sees an
 * @ApiOperation description and appends the scope to it instead of being overwritten by it.
 */
export function RequireScope(scope: Scope, ...instead: ConditionalScope[]): MethodDecorator {
  const requirement: ScopeRequirement = { scope, instead };
  const scopes = [scope, ...instead.map((conditional) => conditional.scope)];
  return applyDecorators(
    SetMetadata(REQUIRED_SCOPE, requirement),
    ApiBearerAuth(),
    ApiUnauthorizedResponse({ description: 'UNAUTHENTICATED: no API key, or one the service does not know', schema: errorSchema('UNAUTHENTICATED') }),
    ApiForbiddenResponse({ description: `FORBIDDEN: the API key lacks the scope ${scopes.map((s) => `\`${s}\``).join(' / ')}`, schema: errorSchema('FORBIDDEN') }),
    ApiTooManyRequestsResponse({ description: 'RATE_LIMITED: too many requests from this API key; see Retry-After', schema: errorSchema('RATE_LIMITED') }),
    ApiExtension('x-required-scopes', scopes),
    appendToOperationDescription(describe(requirement)),
  );
}

/** The scope applies when the JSON body has `field` (present, whatever its value). */
export function whenBodyHas(field: string, scope: Scope): ConditionalScope {
  return {
    scope,
    when: `the body has \`${field}\``,
    bodyField: field,
    applies: (request) => {
      const body = request.body;
      return body !== null && typeof body === 'object' && Object.prototype.hasOwnProperty.call(body, field);
    },
  };
}

/** The scope this request needs from the endpoint's requirement. */
export function scopeFor(requirement: ScopeRequirement, request: FastifyRequest): Scope {
  return requirement.instead.find((conditional) => conditional.applies(request))?.scope ?? requirement.scope;
}

export function describe(requirement: ScopeRequirement): string {
  const base = `Requires the API-key scope \`${requirement.scope}\``;
  const alternatives = requirement.instead.map((conditional) => `; \`${conditional.scope}\` instead when ${conditional.when}`).join('');
  return `${base}${alternatives} (or \`admin\`).`;
}

function appendToOperationDescription(text: string): MethodDecorator {
  return (_target, _key, descriptor) => {
    const operation = (Reflect.getMetadata(API_OPERATION_METADATA, descriptor.value as object) ?? {}) as { description?: string };
    const description = operation.description ? `${operation.description}\n\n${text}` : text;
    Reflect.defineMetadata(API_OPERATION_METADATA, { ...operation, description }, descriptor.value as object);
    return descriptor;
  };
}

function errorSchema(code: string) {
  return {
    type: 'object',
    required: ['code', 'message', 'details'],
    properties: {
      code: { type: 'string', example: code },
      message: { type: 'string' },
      details: { type: 'array', items: { type: 'object', properties: { field: { type: 'string' }, message: { type: 'string' } } } },
    },
  };
}
