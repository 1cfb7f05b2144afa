import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../../apps/api/src/app.factory';
import { loadConfig } from '../../../apps/api/src/config/config';
import { LedgerFile } from './ledger-file';

export interface RouteEntry {
  method: string;
  /** Fastify's pattern, e.g. /v1/leads/:leadId/score. */
  url: string;
}

export interface InProcessApp {
  app: NestFastifyApplication;
  /** Every route the app registered, as Fastify saw it: endpoints added later are included automatically. */
  routes: RouteEntry[];
  dataDir: string;
  adminKey: string;
  ledger: LedgerFile;
  close(): Promise<void>;
}

/**
 * The real application in this process on a fresh data dir with the embedded ledger, like
 * test/support/app-harness.ts, plus the route table (collected with Fastify's onRoute hook, which
 * sees every route Nest and any plugin registers).
 */
export async function startInProcessApp(env: Record<string, string> = {}): Promise<InProcessApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'lead-ledger-reliability-'));
  // Some settings may be read from process.env directly rather than through loadConfig.
  process.env.RATE_LIMIT_PER_MINUTE = '0';
  const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', RATE_LIMIT_PER_MINUTE: '0', ...env });
  const app = await createApp(config);
  const fastify = app.getHttpAdapter().getInstance();
  const routes: RouteEntry[] = [];
  fastify.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routes.push({ method: String(method).toUpperCase(), url: route.url });
  });
  await app.init();
  await fastify.ready();
  const adminKey = readFileSync(join(dataDir, 'admin-api-key'), 'utf8').trim();
  const ledger = new LedgerFile(join(dataDir, 'ledger.db'));
  return {
    app,
    routes: dedupe(routes),
    dataDir,
    adminKey,
    ledger,
    close: async () => {
      ledger.close();
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function dedupe(routes: RouteEntry[]): RouteEntry[] {
  const seen = new Map<string, RouteEntry>();
  for (const route of routes) if (route.method !== 'HEAD' && route.method !== 'OPTIONS') seen.set(`${route.method} ${route.url}`, route);
  return [...seen.values()];
}
