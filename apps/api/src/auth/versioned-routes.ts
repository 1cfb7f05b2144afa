import { Injectable, Logger, OnModuleInit, RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, HttpAdapterHost, MetadataScanner } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { isVersionedApiPath } from './access.guard';
import { REQUIRED_SCOPE, ScopeRequirement } from './require-scope.decorator';

/** A /v1 route as Fastify registered it. */
export interface RegisteredRoute {
  method: string;
  url: string;
}

/** A /v1 endpoint as Nest declares it: the controller method that answers it and its @RequireScope. */
export interface DeclaredEndpoint {
  method: string;
  url: string;
  handler: string;
  requirement: ScopeRequirement | undefined;
}

export class UndeclaredScopeError extends Error {
  override name = 'UndeclaredScopeError';
}

/**
 * Deny by default, checked at boot: every /v1 route in Fastify's route table must be answered by a
 * controller method with @RequireScope. A route without one (or one added to Fastify directly,
 * which the guard would never see) stops the app before it serves anything.
 *
 * The route table is read through an onRoute hook, added when this provider is created: Nest
 * creates providers before it registers controller routes.
 */
@Injectable()
export class VersionedRoutes implements OnModuleInit {
  private readonly logger = new Logger('ApiKeys');
  private readonly registered: RegisteredRoute[] = [];

  constructor(
    adapterHost: HttpAdapterHost,
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
  ) {
    const fastify = adapterHost.httpAdapter.getInstance<FastifyInstance>();
    fastify.addHook('onRoute', (route) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      const url = normalised(route.url ?? route.path);
      if (isVersionedApiPath(url)) for (const method of methods) this.registered.push({ method: String(method).toUpperCase(), url });
    });
  }

  /** Every /v1 route Fastify serves (HEAD routes included), in registration order. */
  routes(): RegisteredRoute[] {
    return [...this.registered];
  }

  /** Every /v1 controller method, with its declared scope requirement (if any). */
  endpoints(): DeclaredEndpoint[] {
    const endpoints: DeclaredEndpoint[] = [];
    for (const wrapper of this.discovery.getControllers()) {
      const controller = wrapper.metatype as (new (...args: never[]) => object) | undefined;
      if (!controller?.prototype) continue;
      const prefixes = asList(Reflect.getMetadata(PATH_METADATA, controller));
      for (const name of this.scanner.getAllMethodNames(controller.prototype)) {
        const handler = (controller.prototype as Record<string, unknown>)[name] as object;
        const paths = Reflect.getMetadata(PATH_METADATA, handler) as string | string[] | undefined;
        if (paths === undefined) continue;
        const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod] ?? 'GET';
        const requirement = Reflect.getMetadata(REQUIRED_SCOPE, handler) as ScopeRequirement | undefined;
        for (const prefix of prefixes) {
          for (const path of asList(paths)) {
            const url = normalised(`/${prefix}/${path}`);
            if (isVersionedApiPath(url)) endpoints.push({ method, url, handler: `${controller.name}.${name}`, requirement });
          }
        }
      }
    }
    return endpoints;
  }

  onModuleInit(): void {
    const endpoints = this.endpoints();
    const problems: string[] = [];
    for (const endpoint of endpoints) {
      if (!endpoint.requirement) problems.push(`${endpoint.method} ${endpoint.url} (${endpoint.handler}) has no @RequireScope`);
    }
    for (const route of this.registered) {
      const answeredBy = endpoints.some((endpoint) => answers(endpoint, route));
      if (!answeredBy) problems.push(`${route.method} ${route.url} is served by Fastify but by no controller method, so no API-key check would run`);
    }
    if (problems.length > 0) {
      throw new UndeclaredScopeError(`every /v1 endpoint must declare its scope with @RequireScope (apps/api/src/auth):\n  - ${problems.join('\n  - ')}`);
    }
    this.logger.log(`${endpoints.length} /v1 endpoints, each with a required scope`);
  }
}

function answers(endpoint: DeclaredEndpoint, route: RegisteredRoute): boolean {
  if (endpoint.url !== route.url) return false;
  // Fastify answers HEAD with the GET handler (exposeHeadRoutes).
  return endpoint.method === 'ALL' || endpoint.method === route.method || (route.method === 'HEAD' && endpoint.method === 'GET');
}

function asList(value: string | string[] | undefined): string[] {
  if (value === undefined) return [''];
  return Array.isArray(value) ? value : [value];
}

function normalised(path: string): string {
  const joined = `/${path}`.replace(/\/+/g, '/');
  return joined.length > 1 ? joined.replace(/\/$/, '') : joined;
}
