import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { ApiError } from './api-error';

/** What the edge knows about a write request, carried into event metadata. */
export interface RequestContext {
  correlationId: string;
  /** The caller's Idempotency-Key, if sent. */
  idempotencyKey?: string;
  /** sha256 over method, path and canonical body: the same key with another hash is a reused key. */
  requestHash: string;
  /** From If-Match: the stream revision the caller read. */
  ifMatch?: bigint;
  actor: string;
}

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;
const IF_MATCH_PATTERN = /^(?:W\/)?"?(\d{1,18})"?$/;
const CORRELATION_PATTERN = /^[\w.:-]{1,128}$/;

export const Ctx = createParamDecorator((_: unknown, execution: ExecutionContext): RequestContext => {
  const request = execution.switchToHttp().getRequest<FastifyRequest & { actor?: string }>();
  return requestContextOf(request);
});

export function requestContextOf(request: FastifyRequest & { actor?: string }): RequestContext {
  const header = (name: string) => {
    const value = request.headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const idempotencyKey = header('idempotency-key');
  if (idempotencyKey !== undefined && !KEY_PATTERN.test(idempotencyKey)) {
    throw ApiError.validation([{ field: 'Idempotency-Key', message: 'must be 1 to 255 visible ASCII characters' }]);
  }
  const ifMatchHeader = header('if-match');
  let ifMatch: bigint | undefined;
  if (ifMatchHeader !== undefined) {
    const match = IF_MATCH_PATTERN.exec(ifMatchHeader.trim());
    if (!match) throw ApiError.validation([{ field: 'If-Match', message: 'must be a stream revision, e.g. 3 or "3"' }]);
    ifMatch = BigInt(match[1]);
  }
  const suppliedCorrelation = header('x-correlation-id');
  const correlationId = suppliedCorrelation && CORRELATION_PATTERN.test(suppliedCorrelation) ? suppliedCorrelation : String(request.id ?? randomUUID());
  const path = request.url.split('?')[0];
  return {
    correlationId,
    idempotencyKey,
    requestHash: createHash('sha256').update(`${request.method} ${path}\n${canonicalJson(request.body ?? {})}`).digest('hex'),
    ifMatch,
    actor: request.actor ?? 'anonymous',
  };
}

/** JSON with object keys sorted, so two bodies that mean the same hash the same. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value as object)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
