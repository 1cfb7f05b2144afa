import { CanActivate, ExecutionContext, Injectable, Logger } from '@nestjs/common';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyRequest } from 'fastify';
import { ApiError } from '../http/api-error';

export interface ApiKey {
  id: string;
  /** sha256 of the secret; the secret itself is never kept in memory or logged. */
  hash: Buffer;
}

const hashOf = (secret: string) => createHash('sha256').update(secret, 'utf8').digest();

/**
 * With no keys configured, the service makes one admin key in `${dataDir}/admin-api-key` (mode
 * 0600) on first start and logs where it is, never the key itself. There is no open mode.
 */
export function ensureAdminKey(dataDir: string, logger = new Logger('ApiKeys')): ApiKey {
  const path = join(dataDir, 'admin-api-key');
  if (!existsSync(path)) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(path, `ll_admin_${randomBytes(24).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
    logger.log(`created an admin API key in ${path}; send it as "Authorization: Bearer <key>"`);
  } else {
    logger.log(`admin API key: ${path}`);
  }
  return { id: 'admin', hash: hashOf(readFileSync(path, 'utf8').trim()) };
}

/** Every /v1 route needs a known key. The key's id becomes the actor in event metadata. */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(private readonly keys: ApiKey[]) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest & { actor?: string }>();
    // Only the versioned API needs a key; health, metrics, docs and the UI's static files are open.
    if (!request.url.startsWith('/v1/')) return true;
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match) throw new ApiError(401, 'UNAUTHENTICATED', 'send an API key as "Authorization: Bearer <key>"');
    const presented = hashOf(match[1]);
    const key = this.keys.find((candidate) => timingSafeEqual(candidate.hash, presented));
    if (!key) throw new ApiError(401, 'UNAUTHENTICATED', 'the API key is not known');
    request.actor = `key:${key.id}`;
    return true;
  }
}
