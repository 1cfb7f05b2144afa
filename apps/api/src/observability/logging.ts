import { LoggerService, RequestMethod } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LoggerModule, Params } from 'nestjs-pino';
import pino, { DestinationStream, LoggerOptions } from 'pino';
import { AppConfig } from '../config/config';

/** The same rule as http/request-context.ts: a caller's X-Correlation-Id if sane, else the request id. */
const CORRELATION_PATTERN = /^[\w.:-]{1,128}$/;
/** A caller's X-Request-Id is kept only if it is this plain (it goes into logs and a response header). */
export const REQUEST_ID_PATTERN = /^[\w.:-]{1,128}$/;

/** Probes and scrapes would drown the request log; their failures still show in /health's own answer. */
const QUIET_PATHS = new Set(['/health/live', '/health/ready', '/metrics']);

/** @fastify/middie may rewrite `url` relative to a middleware's mount path; `originalUrl` keeps the request's own. */
type RawRequest = IncomingMessage & { id?: unknown; originalUrl?: string };

export function correlationIdOf(request: RawRequest): string {
  const header = request.headers['x-correlation-id'];
  const supplied = Array.isArray(header) ? header[0] : header;
  return supplied && CORRELATION_PATTERN.test(supplied) ? supplied : String(request.id);
}

/** The path without its query string: queries (export filters, history formats) may carry PII one day. */
function pathOf(url: string | undefined): string {
  return (url ?? '').split('?')[0];
}

/** What every line carries, request or not. */
function baseOptions(config: AppConfig): LoggerOptions {
  return {
    level: config.logLevel,
    base: { service: 'lead-ledger-api' },
    timestamp: () => `,"time":"${new Date().toISOString()}"`,
  };
}

/**
 * The logger Nest uses until the app is built: the same JSON lines, so a boot that fails (an
 * unreachable ledger, a bad key file) is reported in the same format as everything else.
 */
export function bootLogger(config: AppConfig, destination?: DestinationStream): LoggerService {
  const logger = destination ? pino(baseOptions(config), destination) : pino(baseOptions(config));
  const write = (level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace') => (message: unknown, ...rest: unknown[]) => {
    const context = typeof rest[rest.length - 1] === 'string' ? (rest[rest.length - 1] as string) : undefined;
    const stack = rest.length > 1 && typeof rest[0] === 'string' ? rest[0] : undefined;
    if (message instanceof Error) logger[level]({ context, err: message }, message.message);
    else logger[level]({ context, ...(stack && { stack }) }, String(message));
  };
  return { log: write('info'), error: write('error'), warn: write('warn'), debug: write('debug'), verbose: write('trace'), fatal: write('fatal') };
}

/**
 * JSON logs (nestjs-pino over pino-http). Every line logged while a request is handled carries its
 * reqId and correlationId. No bodies, no headers and no query strings are logged, so neither PII nor
 * an API key can reach the log; authorization and cookie headers are redacted besides, should a
 * serializer ever let headers through.
 */
export function loggingModule(config: AppConfig, destination?: DestinationStream) {
  const params: Params = {
    pinoHttp: [
      {
        ...baseOptions(config),
        redact: {
          paths: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-api-key"]', 'res.headers["set-cookie"]', 'headers.authorization', 'headers.cookie'],
          censor: '[redacted]',
        },
        // The request id is Fastify's (app.factory.ts); @fastify/middie puts it on the raw request.
        genReqId: (request: RawRequest) => String(request.id),
        customProps: (request: RawRequest) => ({ reqId: request.id, correlationId: correlationIdOf(request) }),
        serializers: {
          req: (request: { method?: string; url?: string }) => ({ method: request.method, url: pathOf(request.url) }),
          res: (response: { statusCode?: number }) => ({ statusCode: response.statusCode }),
        },
        wrapSerializers: true,
        autoLogging: { ignore: (request: RawRequest) => QUIET_PATHS.has(pathOf(request.originalUrl ?? request.url)) },
        customLogLevel: (_request: IncomingMessage, response: ServerResponse, error?: Error) =>
          error || response.statusCode >= 500 ? 'error' : response.statusCode >= 400 ? 'warn' : 'info',
      },
      ...(destination ? [destination] : []),
    ] as Params['pinoHttp'],
    forRoutes: [{ path: '{*path}', method: RequestMethod.ALL }],
  };
  return LoggerModule.forRoot(params);
}
