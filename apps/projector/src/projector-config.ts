import Joi from 'joi';
import { resolve } from 'node:path';
import { LedgerLocation, parseLedgerUrl } from '@lead-ledger/ledger/ledger.factory';

export interface ProjectorConfig {
  ledger: LedgerLocation;
  mongodbUrl: string;
  port: number;
  host: string;
  /** Events per committed batch while catching up. */
  batchSize: number;
  /** /health/ready answers 503 while more than this many events behind the ledger's head. */
  lagReadyMax: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'silent';
}

export class ProjectorConfigError extends Error {
  override name = 'ProjectorConfigError';
}

const int = (fallback: number, min: number, max: number) => Joi.number().integer().min(min).max(max).empty('').default(fallback);

const ENV_SCHEMA = Joi.object({
  DATA_DIR: Joi.string().empty('').default('./data'),
  LEDGER_URL: Joi.string().empty('').default(null),
  MONGODB_URL: Joi.string().pattern(/^mongodb(\+srv)?:\/\//)
    // Never echo the value: a connection string may carry a password.
    .messages({ 'string.pattern.base': 'MONGODB_URL must start with mongodb:// or mongodb+srv://' }).required(),
  PROJECTOR_PORT: int(3001, 0, 65535),
  PROJECTOR_HOST: Joi.string().hostname().empty('').default('127.0.0.1'),
  PROJECTOR_BATCH_SIZE: int(1000, 1, 100_000),
  PROJECTION_LAG_READY_MAX: int(1000, 0, 1_000_000_000),
  LOG_LEVEL: Joi.string().valid('fatal', 'error', 'warn', 'info', 'debug', 'silent').empty('').default('info'),
})
  .unknown(true)
  .prefs({ abortEarly: false, convert: true, errors: { wrap: { label: false } } });

/** Reads and checks the projector app's environment once; a bad value names the variable (never a URL's value: it may hold a password). */
export function loadProjectorConfig(env: NodeJS.ProcessEnv = process.env): ProjectorConfig {
  const { value: v, error } = ENV_SCHEMA.validate(env);
  const problems = (error?.details ?? []).map((detail) => detail.message);
  let ledger: LedgerLocation | null = null;
  try {
    ledger = parseLedgerUrl(v.LEDGER_URL ?? undefined, resolve(v.DATA_DIR));
  } catch (parseError) {
    problems.push((parseError as Error).message);
  }
  if (problems.length > 0 || ledger === null) throw new ProjectorConfigError(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
  return {
    ledger,
    mongodbUrl: v.MONGODB_URL,
    port: v.PROJECTOR_PORT,
    host: v.PROJECTOR_HOST,
    batchSize: v.PROJECTOR_BATCH_SIZE,
    lagReadyMax: v.PROJECTION_LAG_READY_MAX,
    logLevel: v.LOG_LEVEL,
  };
}
