import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** A key-encryption key. `id` is derived from the key, so it names the key without revealing it. */
export interface MasterKey {
  id: string;
  key: Buffer;
}

/**
 * The master keys in force: `primary` wraps new data keys and derives the pseudonymisation
 * secret; `previous` keys (after a rotation) only unwrap data keys they wrapped.
 */
export interface MasterKeyring {
  primary: MasterKey;
  previous: MasterKey[];
  /** Where the primary key came from, for the start-up log (never the key). */
  source: string;
}

export const MASTER_KEY_FILE_NAME = 'pii-master-key';

export function masterKeyOf(key: Buffer): MasterKey {
  if (key.length !== 32) throw new Error(`a PII master key is 32 bytes; got ${key.length}`);
  return { id: `mk-${createHash('sha256').update('lead-ledger pii master key id\n').update(key).digest('hex').slice(0, 16)}`, key };
}

export class MasterKeyError extends Error {
  override name = 'MasterKeyError';
}

/**
 * The master key, in this order: `PII_MASTER_KEY` (base64 of 32 bytes), `PII_MASTER_KEY_FILE` (a
 * file holding that base64), else `${dataDir}/pii-master-key`, generated once (mode 0600) for the
 * embedded default. `PII_MASTER_KEY_PREVIOUS` (comma-separated base64) lists keys retired by a
 * rotation. With `create: false` (the CLI) a missing embedded key is an error, not a new key.
 */
export function loadMasterKeyring(
  env: NodeJS.ProcessEnv,
  dataDir: string,
  { create = true, log = () => undefined }: { create?: boolean; log?: (message: string) => void } = {},
): MasterKeyring {
  const previous = (env.PII_MASTER_KEY_PREVIOUS ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean)
    .map((item, i) => masterKeyOf(decodeKey(item, `PII_MASTER_KEY_PREVIOUS[${i}]`)));
  if (env.PII_MASTER_KEY) {
    return { primary: masterKeyOf(decodeKey(env.PII_MASTER_KEY, 'PII_MASTER_KEY')), previous, source: 'PII_MASTER_KEY' };
  }
  if (env.PII_MASTER_KEY_FILE) {
    const path = resolve(env.PII_MASTER_KEY_FILE);
    if (!existsSync(path)) throw new MasterKeyError(`PII_MASTER_KEY_FILE ${path} does not exist`);
    return { primary: masterKeyOf(decodeKey(readFileSync(path, 'utf8'), `PII_MASTER_KEY_FILE (${path})`)), previous, source: path };
  }
  const path = join(dataDir, MASTER_KEY_FILE_NAME);
  if (!existsSync(path)) {
    if (!create) throw new MasterKeyError(`no PII master key: set PII_MASTER_KEY or PII_MASTER_KEY_FILE, or point DATA_DIR at a data dir with ${MASTER_KEY_FILE_NAME}`);
    mkdirSync(dataDir, { recursive: true });
    // 'wx': of two processes starting on one data dir, exactly one writes the key; the other reads it.
    try {
      writeFileSync(path, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
      log(`created a PII master key in ${path} (mode 0600); back it up apart from the data, see SECURITY.md`);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  } else {
    log(`PII master key: ${path}`);
  }
  return { primary: masterKeyOf(decodeKey(readFileSync(path, 'utf8'), path)), previous, source: path };
}

export function keyById(ring: MasterKeyring, id: string): MasterKey | undefined {
  return [ring.primary, ...ring.previous].find((candidate) => candidate.id === id);
}

function decodeKey(text: string, name: string): Buffer {
  const trimmed = text.trim();
  const key = /^[A-Za-z0-9+/]+={0,2}$/.test(trimmed) ? Buffer.from(trimmed, 'base64') : Buffer.alloc(0);
  if (key.length !== 32) throw new MasterKeyError(`${name} must be the base64 of exactly 32 random bytes (e.g. \`openssl rand -base64 32\`)`);
  return key;
}
