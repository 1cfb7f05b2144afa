import { Logger } from '@nestjs/common';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfiguredApiKey } from './api-key-config';
import { Principal, Scope } from './scopes';

/** A key the service accepts. Only the sha256 of the secret is held; the secret is never kept or logged. */
export interface ApiKey {
  id: string;
  hash: Buffer;
  scopes: ReadonlySet<Scope>;
}

const hashOf = (secret: string) => createHash('sha256').update(secret, 'utf8').digest();

/**
 * The keys the service accepts: the configured ones (API_KEYS / API_KEYS_FILE) if there are any;
 * otherwise the development default, one admin key in `${dataDir}/admin-api-key`. There is no
 * open mode.
 */
export function resolveApiKeys(configured: readonly ConfiguredApiKey[], dataDir: string, logger = new Logger('ApiKeys')): ApiKey[] {
  if (configured.length === 0) return [ensureAdminKey(dataDir, logger)];
  const ignored = join(dataDir, 'admin-api-key');
  if (existsSync(ignored)) logger.warn(`API keys come from API_KEYS/API_KEYS_FILE; ${ignored} is not accepted`);
  logger.log(`${configured.length} API key(s) configured: ${configured.map((key) => key.id).join(', ')}`);
  return configured.map((key) => ({ id: key.id, hash: Buffer.from(key.sha256, 'hex'), scopes: new Set(key.scopes) }));
}

/**
 * With no keys configured, the service makes one admin key in `${dataDir}/admin-api-key` (mode
 * 0600) on first start and logs where it is, never the key itself.
 */
export function ensureAdminKey(dataDir: string, logger = new Logger('ApiKeys')): ApiKey {
  const path = join(dataDir, 'admin-api-key');
  if (!existsSync(path)) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(path, `ll_admin_${randomBytes(24).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
    logger.log(`no API keys configured: created an admin API key in ${path}; send it as "Authorization: Bearer <key>"`);
  } else {
    logger.log(`no API keys configured: the admin API key is in ${path}`);
  }
  return { id: 'admin', hash: hashOf(readFileSync(path, 'utf8').trim()), scopes: new Set<Scope>(['admin']) };
}

/**
 * The key whose hash matches the presented secret. Every key is compared, in constant time, so the
 * time taken says nothing about which key (or how much of one) matched.
 */
export function findApiKey(keys: readonly ApiKey[], presentedSecret: string): ApiKey | undefined {
  const presented = hashOf(presentedSecret);
  let found: ApiKey | undefined;
  for (const key of keys) if (timingSafeEqual(key.hash, presented) && found === undefined) found = key;
  return found;
}

export function principalOf(key: ApiKey): Principal {
  return { keyId: key.id, scopes: key.scopes };
}
