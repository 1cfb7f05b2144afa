import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyError, FastifyReply } from 'fastify';
import type { IncomingMessage } from 'node:http';
import { randomUUID } from 'node:crypto';
import { Logger } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import secureJson from 'secure-json-parse';
import { AppModule } from './app.module';
import { AppConfig } from './config/config';
import { ApiError } from './http/api-error';
import { registerSecurityHeaders } from './auth/security-headers';
import { InFlightRequests } from './observability/in-flight-requests';
import { bootLogger, REQUEST_ID_PATTERN } from './observability/logging';
import { ObservabilityModule } from './observability/observability.module';
import { serveOpenApi } from './observability/openapi';

export interface CreateAppOptions {
  /** Where the JSON logs go (default stdout); tests pass a stream to read them. */
  logDestination?: DestinationStream;
}

/** Builds the HTTP application; used by main.ts and by the e2e tests, so both run the same app. */
export async function createApp(config: AppConfig, options: CreateAppOptions = {}): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: config.bodyLimitBytes,
    genReqId: requestIdOf,
    logger: false,
    // `/ui/` finds `/ui`, as people type it.
    routerOptions: { ignoreTrailingSlash: true },
    // The router's own refusals (a malformed URL, a path parameter too long) come before Nest can
    // see the request; answer them in the contract's error shape and codes too.
    frameworkErrors: (error: FastifyError, _request: unknown, reply: FastifyReply) => {
      const known: Record<string, { status: number; code: string; message: string }> = {
        FST_ERR_BAD_URL: { status: 400, code: 'MALFORMED_URL', message: 'the URL is not valid (bad percent-encoding?)' },
        FST_ERR_MAX_PARAM_LENGTH: { status: 414, code: 'URI_TOO_LONG', message: 'a path parameter is too long' },
      };
      const answer = known[error.code] ?? { status: error.statusCode && error.statusCode < 500 ? error.statusCode : 400, code: 'MALFORMED_REQUEST', message: 'the request could not be routed' };
      void reply.code(answer.status).header('content-type', 'application/json; charset=utf-8').send({ code: answer.code, message: answer.message, details: [] });
    },
  });
  const fastify = adapter.getInstance();
  await registerSecurityHeaders(fastify);
  // The request id goes back to the caller, so a support question can quote it; logs carry it as reqId.
  fastify.addHook('onRequest', async (request, reply) => {
    void reply.header('x-request-id', request.id);
  });
  // What a graceful shutdown waits for (main.ts).
  InFlightRequests.install(fastify);
  // Strict JSON: a body with __proto__ or constructor.prototype keys is refused, not merged.
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = (body as string).trim();
    if (text === '') return done(null, undefined);
    let parsed: unknown;
    try {
      parsed = secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
    } catch {
      return done(Object.assign(new SyntaxError('the body is not valid JSON'), { statusCode: 400 }), undefined);
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      return done(ApiError.validation([{ field: 'body', message: 'the body must be a JSON object' }]), undefined);
    }
    // Everything downstream (validation, request hashing) walks the body recursively; no real
    // request nests this deep, and a hostile one would otherwise overflow the stack.
    if (nestingDepth(parsed) > MAX_JSON_DEPTH) {
      return done(ApiError.validation([{ field: 'body', message: `the body nests deeper than ${MAX_JSON_DEPTH} levels` }]), undefined);
    }
    done(null, parsed);
  });
  // A POST with no body at all means "no fields", e.g. an automatic route request.
  fastify.addHook('preValidation', async (request) => {
    if (request.body === undefined && (request.method === 'POST' || request.method === 'PUT')) request.body = {};
  });

  // The operations surface sits beside the app module, in one root: both see each other's global providers.
  @Module({ imports: [ObservabilityModule.forRoot(config, { logDestination: options.logDestination }), AppModule.register(config)] })
  class LeadLedgerRoot {}

  const app = await NestFactory.create<NestFastifyApplication>(LeadLedgerRoot, adapter, {
    // Boot messages are held until the request-aware logger is in place; a failed boot flushes them to bootLogger.
    logger: bootLogger(config, options.logDestination),
    bufferLogs: true,
    bodyParser: false,
    // A failed boot (e.g. an unreachable ledger) rejects here, for main.ts to report and exit 1; Nest would abort the process.
    abortOnError: false,
  });
  app.useLogger(app.get(Logger));
  app.flushLogs();
  serveOpenApi(app);
  // No enableShutdownHooks: main.ts owns SIGTERM/SIGINT, to drain requests before Nest closes anything.
  return app;
}

/** A caller's X-Request-Id when it is plain enough to log and echo; otherwise a fresh UUID. */
function requestIdOf(request: IncomingMessage): string {
  const header = request.headers['x-request-id'];
  const supplied = Array.isArray(header) ? header[0] : header;
  return supplied && REQUEST_ID_PATTERN.test(supplied) ? supplied : randomUUID();
}

const MAX_JSON_DEPTH = 32;

/** How deeply objects and arrays nest in a parsed JSON value, counted without recursion. */
function nestingDepth(value: unknown): number {
  let deepest = 0;
  const pending: Array<[unknown, number]> = [[value, 1]];
  while (pending.length > 0) {
    const [current, depth] = pending.pop()!;
    if (current === null || typeof current !== 'object') continue;
    if (depth > deepest) deepest = depth;
    if (deepest > MAX_JSON_DEPTH) return deepest;
    for (const child of Object.values(current as object)) pending.push([child, depth + 1]);
  }
  return deepest;
}
