import { resolve } from 'node:path';
import { LedgerLocation, parseLedgerUrl } from '@lead-ledger/ledger/ledger.factory';

export interface AppConfig {
  port: number;
  host: string;
  dataDir: string;
  ledger: LedgerLocation;
  clock: 'system' | 'manual';
  /** Days after delivery during which a lead can be credited. */
  creditWindowDays: number;
  /** Largest accepted request body, in bytes; larger bodies get 413. */
  bodyLimitBytes: number;
  /** A Merkle digest of the global log is recorded once this many events follow the previous one (DIGEST_EVERY_EVENTS). */
  digestEveryEvents: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'silent';
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Reads and validates configuration once, at boot. A bad value stops the process with a clear message. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const problems: string[] = [];
  const int = (name: string, fallback: number, min: number, max: number) => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name} must be an integer from ${min} to ${max}; got "${raw}"`);
      return fallback;
    }
    return value;
  };
  const oneOf = <T extends string>(name: string, allowed: readonly T[], fallback: T): T => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    if (!(allowed as readonly string[]).includes(raw)) {
      problems.push(`${name} must be one of ${allowed.join(', ')}; got "${raw}"`);
      return fallback;
    }
    return raw as T;
  };

  const dataDir = resolve(env.DATA_DIR || './data');
  let ledger: LedgerLocation = { kind: 'sqlite', path: resolve(dataDir, 'ledger.db') };
  try {
    ledger = parseLedgerUrl(env.LEDGER_URL, dataDir);
  } catch (error) {
    problems.push((error as Error).message);
  }
  const config: AppConfig = {
    port: int('PORT', 3000, 0, 65535),
    host: env.HOST || '127.0.0.1',
    dataDir,
    ledger,
    clock: oneOf('CLOCK', ['system', 'manual'] as const, 'system'),
    creditWindowDays: int('CREDIT_WINDOW_DAYS', 14, 1, 365),
    bodyLimitBytes: int('BODY_LIMIT_BYTES', 64 * 1024, 1024, 16 * 1024 * 1024),
    digestEveryEvents: int('DIGEST_EVERY_EVENTS', 1000, 1, 1_000_000_000),
    logLevel: oneOf('LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'silent'] as const, 'info'),
  };
  if (problems.length > 0) throw new ConfigError(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
  return config;
}
