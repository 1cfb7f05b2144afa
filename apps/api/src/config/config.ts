import Joi from 'joi';
import { resolve } from 'node:path';
import { LedgerLocation, parseLedgerUrl } from '@lead-ledger/ledger/ledger.factory';
import { ConfiguredApiKey, readApiKeysConfig } from '../auth/api-key-config';

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
  /** On SIGTERM/SIGINT, how long in-flight requests may take to finish before the server closes anyway. */
  shutdownGraceMs: number;
  /** /health/ready fails while external read models are more than this many events behind the ledger. */
  projectionLagReadyMax: number;
  /** When set, GET /metrics needs `Authorization: Bearer <token>`; unset, /metrics is open. */
  metricsToken: string | null;
  /** MONGODB_URL: read models in MongoDB (MongoReadStore) instead of process memory; null = embedded. */
  mongodbUrl: string | null;
  /** PROJECTOR: who writes the read models: this process (`in-process`) or the projector app (`external`, the default with MONGODB_URL). */
  projector: 'in-process' | 'external';
  /** PROJECTION_WAIT_MS: how long a decision waits for the read models to reach its position before 503 READ_MODELS_LAGGING. */
  projectionWaitMs: number;
  /** API_KEYS / API_KEYS_FILE, checked at boot (auth/api-key-config.ts); empty → the development admin key in DATA_DIR. */
  apiKeys: ConfiguredApiKey[];
  /** RATE_LIMIT_PER_MINUTE: requests a minute per API key (per client IP without a valid key); 0 turns limiting off. */
  rateLimitPerMinute: number;
  /** CONSENT_MAX_AGE_DAYS: TCPA consent older than this at routing time is refused (422 CONSENT_INVALID). */
  consentMaxAgeDays: number;
  /** PII_MASTER_KEY / PII_MASTER_KEY_FILE / PII_MASTER_KEY_PREVIOUS, read by libs/pii loadMasterKeyring; all null → `${DATA_DIR}/pii-master-key`. */
  piiMasterKey: { PII_MASTER_KEY?: string; PII_MASTER_KEY_FILE?: string; PII_MASTER_KEY_PREVIOUS?: string };
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'silent'] as const;

// An unset or empty variable takes its default; anything else must be valid, never silently replaced.
const int = (fallback: number, min: number, max: number) => Joi.number().integer().min(min).max(max).empty('').default(fallback);
const oneOf = <T extends string>(allowed: readonly T[], fallback: T) => Joi.string().valid(...allowed).empty('').default(fallback);
const optionalText = () => Joi.string().empty('').default(null);

/**
 * Every environment variable the service reads, with its rule and default. Add a variable here and
 * map it into AppConfig in loadConfig; nothing else reads process.env.
 */
export const ENV_SCHEMA = Joi.object({
  PORT: int(3000, 0, 65535),
  HOST: Joi.string().hostname().empty('').default('127.0.0.1'),
  DATA_DIR: Joi.string().empty('').default('./data'),
  // Checked by parseLedgerUrl below, which knows the schemes and the DATA_DIR default.
  LEDGER_URL: Joi.string().empty('').default(null),
  CLOCK: oneOf(['system', 'manual'] as const, 'system'),
  CREDIT_WINDOW_DAYS: int(14, 1, 365),
  BODY_LIMIT_BYTES: int(64 * 1024, 1024, 16 * 1024 * 1024),
  DIGEST_EVERY_EVENTS: int(1000, 1, 1_000_000_000),
  LOG_LEVEL: oneOf(LOG_LEVELS, 'info'),
  SHUTDOWN_GRACE_MS: int(10_000, 0, 10 * 60_000),
  PROJECTION_LAG_READY_MAX: int(1000, 0, 1_000_000_000),
  MONGODB_URL: Joi.string().pattern(/^mongodb(\+srv)?:\/\//)
    // Never echo the value: a connection string may carry a password.
    .messages({ 'string.pattern.base': 'MONGODB_URL must start with mongodb:// or mongodb+srv://' }).empty('').default(null),
  PROJECTOR: Joi.string().valid('in-process', 'external').empty('').default(null),
  PROJECTION_WAIT_MS: int(5000, 1, 10 * 60_000),
  METRICS_TOKEN: optionalText().min(16).pattern(/^[\x21-\x7e]+$/, 'visible ASCII'),
  // Parsed and checked by readApiKeysConfig below (ids, hashes, scopes, duplicates).
  API_KEYS: optionalText(),
  API_KEYS_FILE: optionalText(),
  RATE_LIMIT_PER_MINUTE: int(6000, 0, 10_000_000),
  CONSENT_MAX_AGE_DAYS: int(30, 1, 3650),
  // Checked by loadMasterKeyring (libs/pii) at boot: base64 of exactly 32 bytes.
  PII_MASTER_KEY: optionalText(),
  PII_MASTER_KEY_FILE: optionalText(),
  PII_MASTER_KEY_PREVIOUS: optionalText(),
})
  .unknown(true)
  .prefs({ abortEarly: false, convert: true, errors: { wrap: { label: false } } });

/** Values of these may be credentials: a message names the variable but never repeats its value. */
const SECRET_NAME = /TOKEN|KEY|SECRET|PASSWORD|URL/i;

/**
 * Reads and validates configuration once, at boot (joi, ENV_SCHEMA). A bad value stops the process
 * with a ConfigError that names every offending variable. @nestjs/config then serves the validated
 * result (app.module.ts), so the app never re-reads process.env.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const problems: string[] = [];
  const { value: v, error } = ENV_SCHEMA.validate(env);
  for (const detail of error?.details ?? []) {
    const name = String(detail.path[0]);
    const raw = env[name];
    problems.push(SECRET_NAME.test(name) || raw === undefined ? detail.message : `${detail.message}; got "${raw}"`);
  }

  const dataDir = resolve(v.DATA_DIR);
  let ledger: LedgerLocation = { kind: 'sqlite', path: resolve(dataDir, 'ledger.db') };
  try {
    ledger = parseLedgerUrl(v.LEDGER_URL ?? undefined, dataDir);
  } catch (parseError) {
    problems.push((parseError as Error).message);
  }
  // The embedded store lives in one process's memory: nobody else can project into it.
  if (v.PROJECTOR === 'external' && !v.MONGODB_URL) problems.push('PROJECTOR=external needs MONGODB_URL (the embedded read store lives in this process)');
  let apiKeys: ConfiguredApiKey[] = [];
  try {
    apiKeys = readApiKeysConfig({ API_KEYS: v.API_KEYS ?? undefined, API_KEYS_FILE: v.API_KEYS_FILE ?? undefined });
  } catch (keyError) {
    problems.push((keyError as Error).message);
  }
  if (problems.length > 0) throw new ConfigError(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
  return {
    port: v.PORT,
    host: v.HOST,
    dataDir,
    ledger,
    clock: v.CLOCK,
    creditWindowDays: v.CREDIT_WINDOW_DAYS,
    bodyLimitBytes: v.BODY_LIMIT_BYTES,
    digestEveryEvents: v.DIGEST_EVERY_EVENTS,
    logLevel: v.LOG_LEVEL,
    shutdownGraceMs: v.SHUTDOWN_GRACE_MS,
    projectionLagReadyMax: v.PROJECTION_LAG_READY_MAX,
    metricsToken: v.METRICS_TOKEN,
    mongodbUrl: v.MONGODB_URL,
    projector: v.PROJECTOR ?? (v.MONGODB_URL ? 'external' : 'in-process'),
    projectionWaitMs: v.PROJECTION_WAIT_MS,
    apiKeys,
    rateLimitPerMinute: v.RATE_LIMIT_PER_MINUTE,
    consentMaxAgeDays: v.CONSENT_MAX_AGE_DAYS,
    piiMasterKey: {
      ...(v.PII_MASTER_KEY && { PII_MASTER_KEY: v.PII_MASTER_KEY }),
      ...(v.PII_MASTER_KEY_FILE && { PII_MASTER_KEY_FILE: v.PII_MASTER_KEY_FILE }),
      ...(v.PII_MASTER_KEY_PREVIOUS && { PII_MASTER_KEY_PREVIOUS: v.PII_MASTER_KEY_PREVIOUS }),
    },
  };
}
