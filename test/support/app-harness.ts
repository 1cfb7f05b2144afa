import Database from 'better-sqlite3';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import TestAgent from 'supertest/lib/agent';
import { createApp } from '../../apps/api/src/app.factory';
import { loadConfig } from '../../apps/api/src/config/config';
import { Clock } from '../../apps/api/src/clock/clock';

/**
 * The clocks of the apps this process has running, newest last: a fixture's consent time follows
 * the service's clock (manual or system), so the consent gate (at most CONSENT_MAX_AGE_DAYS old,
 * never in the future) holds whatever the real date is.
 */
const runningClocks: Clock[] = [];

export interface RunningApp {
  app: NestFastifyApplication;
  /** supertest against the real HTTP server, with the admin key already set. */
  http: TestAgent;
  /** supertest with no Authorization header. */
  anonymous: TestAgent;
  dataDir: string;
  ledgerPath: string;
  adminKey: string;
  /** Rows in the real ledger file's events table, read with SQLite directly. */
  countEvents(): number;
  /** Events in the real ledger file, read with SQLite directly. */
  eventsInFile(stream?: string): Array<{ position: number; stream: string; revision: number; type: string; data: any; metadata: any; recorded_at: string }>;
  close(): Promise<void>;
  /** Stops the app, keeping its data dir (for restart tests). */
  stop(): Promise<void>;
}

/** Starts the real application on a fresh (or given) data dir with the embedded ledger. */
export async function startApp(options: { dataDir?: string; env?: Record<string, string> } = {}): Promise<RunningApp> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'lead-ledger-e2e-'));
  const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...options.env });
  const app = await createApp(config);
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  const adminKey = readFileSync(join(dataDir, 'admin-api-key'), 'utf8').trim();
  const ledgerPath = join(dataDir, 'ledger.db');
  const server = app.getHttpServer();
  const http = request.agent(server).set('authorization', `Bearer ${adminKey}`);
  const anonymous = request.agent(server);
  const query = <T>(sql: string, ...params: unknown[]): T[] => {
    const db = new Database(ledgerPath, { readonly: true, fileMustExist: true });
    try {
      return db.prepare(sql).all(...params) as T[];
    } finally {
      db.close();
    }
  };
  const clock = app.get(Clock);
  runningClocks.push(clock);
  const stop = async () => {
    const at = runningClocks.lastIndexOf(clock);
    if (at >= 0) runningClocks.splice(at, 1);
    await app.close();
  };
  return {
    app,
    http,
    anonymous,
    dataDir,
    ledgerPath,
    adminKey,
    countEvents: () => query<{ n: number }>('SELECT COUNT(*) AS n FROM events')[0].n,
    eventsInFile: (stream?: string) =>
      query<any>(stream ? 'SELECT * FROM events WHERE stream = ? ORDER BY position' : 'SELECT * FROM events ORDER BY position', ...(stream ? [stream] : [])).map(
        (row) => ({ ...row, data: JSON.parse(row.data), metadata: JSON.parse(row.metadata) }),
      ),
    stop,
    close: async () => {
      await stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A minute before the newest running app's time (its manual clock, else now): fresh consent for the consent gate. */
export function consentCapturedAt(): string {
  const now = runningClocks[runningClocks.length - 1]?.now() ?? new Date();
  return new Date(now.getTime() - 60_000).toISOString();
}

/** A valid POST /v1/leads body; override any part. */
export function aLeadBody(overrides: Record<string, unknown> = {}) {
  return {
    source: { campaign: 'fb-nov', vendor: 'acme-leads' },
    borrower: { firstName: 'Sarah', lastName: 'Lee', phone: '+12145550123', email: 'sarah@example.com' },
    property: { state: 'TX', zip: '75201' },
    loan: { type: 'purchase', program: 'fha', amount: 350000 },
    creditTier: 'good',
    consent: { tcpa: true, capturedAt: consentCapturedAt(), text: 'I agree to be contacted.', ip: '203.0.113.7' },
    ...overrides,
  };
}
