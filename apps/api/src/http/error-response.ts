import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { DomainError } from '@lead-ledger/domain';
import { LedgerUnavailableError, WrongExpectedRevisionError } from '@lead-ledger/ledger/ledger.port';
import type { FastifyReply } from 'fastify';
import { ApiError, ErrorBody } from './api-error';

const STATUS_BY_KIND = { not_found: 404, conflict: 409, rule: 422 } as const;

/** Fastify's own request errors (raised before Nest sees the request), mapped to the contract's codes. */
const FASTIFY_CODES: Record<string, { status: number; code: string; message: string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, code: 'PAYLOAD_TOO_LARGE', message: 'the request body is too large' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', message: 'send the body as application/json' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, code: 'MALFORMED_JSON', message: 'the body is empty but the content type is JSON' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, code: 'MALFORMED_REQUEST', message: 'the Content-Length does not match the body' },
};

const logger = new Logger('Errors');

/** The one place where every error becomes an HTTP answer. Anything unexpected is a 500 and is logged. */
export function toErrorResponse(error: unknown): { status: number; body: ErrorBody } {
  if (error instanceof ApiError) {
    const response = answer(error.status, error.code, error.message, error.details);
    return { status: response.status, body: { ...response.body, ...error.extra } };
  }
  if (error instanceof DomainError) return answer(STATUS_BY_KIND[error.kind], error.code, error.message, error.details);
  if (error instanceof WrongExpectedRevisionError) {
    return answer(409, 'CONCURRENT_WRITE', 'another command changed this resource at the same time; read it again and retry');
  }
  if (error instanceof LedgerUnavailableError) return answer(503, 'LEDGER_UNAVAILABLE', 'the ledger is not available; retry later');
  if (error instanceof HttpException) {
    const status = error.getStatus();
    if (status === 404) return answer(404, 'NOT_FOUND', 'no such resource');
    if (status === 405) return answer(405, 'METHOD_NOT_ALLOWED', error.message);
    if (status < 500) return answer(status, codeForStatus(status), error.message);
  }
  const fastifyError = error as { code?: string; statusCode?: number; message?: string };
  if (typeof fastifyError?.code === 'string' && FASTIFY_CODES[fastifyError.code]) {
    const known = FASTIFY_CODES[fastifyError.code];
    return answer(known.status, known.code, known.message);
  }
  if (error instanceof SyntaxError || fastifyError?.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    return answer(400, 'MALFORMED_JSON', 'the body is not valid JSON');
  }
  if (typeof fastifyError?.statusCode === 'number' && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    return answer(fastifyError.statusCode, codeForStatus(fastifyError.statusCode), fastifyError.message ?? 'bad request');
  }
  logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  return answer(500, 'INTERNAL', 'an unexpected error occurred; it has been logged');
}

function answer(status: number, code: string, message: string, details: ErrorBody['details'] = []) {
  return { status, body: { code, message, details } };
}

function codeForStatus(status: number): string {
  switch (status) {
    case 400:
      return 'BAD_REQUEST';
    case 401:
      return 'UNAUTHENTICATED';
    case 403:
      return 'FORBIDDEN';
    case 413:
      return 'PAYLOAD_TOO_LARGE';
    case 415:
      return 'UNSUPPORTED_MEDIA_TYPE';
    case 429:
      return 'RATE_LIMITED';
    default:
      return 'REQUEST_REFUSED';
  }
}

@Catch()
export class ErrorResponseFilter implements ExceptionFilter {
  catch(error: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const { status, body } = toErrorResponse(error);
    void reply.status(status).header('content-type', 'application/json; charset=utf-8').send(body);
  }
}
