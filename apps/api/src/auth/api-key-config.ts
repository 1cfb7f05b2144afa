import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isScope, Scope, SCOPES } from './scopes';

/**
 * One API key as configured in API_KEYS or API_KEYS_FILE: its id (which becomes the actor in event
 * metadata), the sha256 of its secret (hex) and its scopes. The secret itself is never configured,
 * kept or logged by the service; `lead-ledger keys create` prints it once.
 */
export interface ConfiguredApiKey {
  id: string;
  sha256: string;
  scopes: Scope[];
}

/** Key ids appear in event metadata as `key:<id>`, so they are short, stable slugs. */
export const KEY_ID_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;
const ENTRY_FIELDS = new Set(['id', 'sha256', 'scopes']);

export class ApiKeyConfigError extends Error {
  override name = 'ApiKeyConfigError';
  constructor(readonly problems: string[]) {
    super(problems.join('\n  - '));
  }
}

/** A fresh secret: 256 random bits, with a prefix that makes a leaked key easy to recognise (and to scan for). */
export function newApiKeySecret(): string {
  return `llk_${randomBytes(32).toString('base64url')}`;
}

/** Secrets are 256-bit random strings, not passwords, so a plain (unsalted) sha256 cannot be brute-forced. */
export function sha256Hex(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/**
 * Reads API_KEYS (a JSON list) and API_KEYS_FILE (a JSON or YAML file with the same list) and checks
 * every entry. Any problem stops the boot with every problem listed; an empty result means no keys
 * are configured (the development default applies).
 */
export function readApiKeysConfig(env: { API_KEYS?: string; API_KEYS_FILE?: string }): ConfiguredApiKey[] {
  const problems: string[] = [];
  const keys: Array<ConfiguredApiKey & { source: string }> = [];
  if (env.API_KEYS !== undefined && env.API_KEYS.trim() !== '') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(env.API_KEYS);
    } catch {
      // Not the parser's message: it quotes the value, which might be a secret pasted by mistake.
      problems.push('API_KEYS is not valid JSON; expected a list of {"id","sha256","scopes"}');
    }
    if (parsed !== undefined) keys.push(...entriesOf(parsed, 'API_KEYS', problems));
  }
  if (env.API_KEYS_FILE !== undefined && env.API_KEYS_FILE.trim() !== '') {
    const source = `API_KEYS_FILE ${env.API_KEYS_FILE}`;
    const parsed = parseKeysFile(env.API_KEYS_FILE, source, problems);
    if (parsed !== undefined) keys.push(...entriesOf(parsed, source, problems));
  }

  const sourceById = new Map<string, string>();
  const idByHash = new Map<string, string>();
  for (const key of keys) {
    const earlier = sourceById.get(key.id);
    if (earlier !== undefined) problems.push(`${key.source}: key id "${key.id}" is defined twice (also in ${earlier})`);
    sourceById.set(key.id, key.source);
    const sameSecret = idByHash.get(key.sha256);
    // Two ids with one secret would make the actor of a request ambiguous.
    if (sameSecret !== undefined && sameSecret !== key.id) problems.push(`${key.source}: keys "${sameSecret}" and "${key.id}" have the same sha256 (the same secret)`);
    idByHash.set(key.sha256, key.id);
  }
  if (problems.length > 0) throw new ApiKeyConfigError(problems);
  return keys.map(({ id, sha256, scopes }) => ({ id, sha256, scopes }));
}

function parseKeysFile(path: string, source: string, problems: string[]): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    problems.push(`${source} cannot be read: ${(error as Error).message}`);
    return undefined;
  }
  const json = /\.json$/i.test(path) || /^\s*[[{]/.test(text);
  let yaml: typeof import('yaml') | undefined;
  if (!json) {
    try {
      // Loaded only for YAML files, so a JSON-only deployment does not need the package.
      yaml = require('yaml') as typeof import('yaml');
    } catch {
      problems.push(`${source} looks like YAML, but the yaml package is not installed; write the list as JSON instead`);
      return undefined;
    }
  }
  try {
    return yaml ? yaml.parse(text) : JSON.parse(text);
  } catch (error) {
    // JSON.parse quotes the text around the error; YAML's message gives the line, which is what helps.
    problems.push(json ? `${source} is not valid JSON` : `${source} is not valid YAML: ${(error as Error).message}`);
    return undefined;
  }
}

function entriesOf(value: unknown, source: string, problems: string[]): Array<ConfiguredApiKey & { source: string }> {
  if (!Array.isArray(value)) {
    problems.push(`${source} must be a list of {id, sha256, scopes}`);
    return [];
  }
  const entries: Array<ConfiguredApiKey & { source: string }> = [];
  value.forEach((entry: unknown, index) => {
    const where = `${source}[${index}]`;
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
      problems.push(`${where} must be an object {id, sha256, scopes}`);
      return;
    }
    const { id, sha256, scopes } = entry as Record<string, unknown>;
    const before = problems.length;
    for (const field of Object.keys(entry)) if (!ENTRY_FIELDS.has(field)) problems.push(`${where}: unknown field "${field}" (a key has only id, sha256 and scopes)`);
    if (typeof id !== 'string' || !KEY_ID_PATTERN.test(id)) problems.push(`${where}: id must match ${KEY_ID_PATTERN.source}; got ${JSON.stringify(id)}`);
    const named = typeof id === 'string' ? `${where} (id "${id}")` : where;
    if (typeof sha256 !== 'string' || !SHA256_HEX.test(sha256.toLowerCase())) {
      problems.push(`${named}: sha256 must be the 64 hex digits of the secret's SHA-256 (lead-ledger keys create prints it)`);
    }
    if (!Array.isArray(scopes) || scopes.length === 0) {
      problems.push(`${named}: scopes must be a non-empty list; known scopes: ${SCOPES.join(', ')}`);
    } else {
      for (const scope of scopes) if (!isScope(scope)) problems.push(`${named}: unknown scope ${JSON.stringify(scope)}; known scopes: ${SCOPES.join(', ')}`);
    }
    if (problems.length === before) {
      entries.push({ id: id as string, sha256: (sha256 as string).toLowerCase(), scopes: [...new Set(scopes as Scope[])], source });
    }
  });
  return entries;
}
