/**
 * The real API (the built `dist/apps/api/src/main.js`) in a child process, on a fresh data dir with
 * the embedded, durable SQLite ledger, driven by full lead lifecycles: first at max throughput
 * (closed loop), then at a fixed rate of half that (open loop) for the latency target.
 */
import Database from 'better-sqlite3';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { request } from 'undici';
import { OFFICER_ID, OFFICER_PROFILE } from './fixtures';
import { LoadResult, runLoad } from './load';
import { makeTempDir, REPO_ROOT, removeTempDir, startServer } from './support';

export const API_ENTRY = join(REPO_ROOT, 'dist/apps/api/src/main.js');

export interface HttpLoadSettings {
  concurrency: number;
  warmupMs: number;
  durationMs: number;
}

export interface LeadLedgerResults {
  max: LoadResult;
  half: LoadResult;
  halfRate: number;
  /** Events on lead streams (`lead-*`) in the ledger file after the app stopped, read with SQLite directly. */
  eventsInLedger: number | null;
  /** 4 × lifecycles that completed (both runs, warm-ups included). */
  eventsExpected: number;
  startupMs: number;
}

export async function runLeadLedgerHttpBench(settings: HttpLoadSettings, log: (line: string) => void = () => undefined): Promise<LeadLedgerResults> {
  if (!existsSync(API_ENTRY)) throw new Error(`${API_ENTRY} is missing: run \`npm run build\` first (npm run bench does)`);
  const dataDir = makeTempDir('api');
  try {
    const started = Date.now();
    const server = await startServer('lead-ledger api', [API_ENTRY], { DATA_DIR: dataDir, LOG_LEVEL: 'silent', CLOCK: 'system' });
    const startupMs = Date.now() - started;
    let max: LoadResult;
    let half: LoadResult;
    let halfRate: number;
    try {
      const adminKey = readFileSync(join(dataDir, 'admin-api-key'), 'utf8').trim();
      const headers = { authorization: `Bearer ${adminKey}` };
      // Reference data the lifecycle needs (route names this officer), written once before the load.
      const onboarded = await request(`${server.origin}/v1/officers/${OFFICER_ID}`, {
        method: 'PUT',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify(OFFICER_PROFILE),
      });
      const onboardedBody = await onboarded.body.text();
      if (onboarded.statusCode !== 200 && onboarded.statusCode !== 201) {
        throw new Error(`PUT /v1/officers/${OFFICER_ID} answered ${onboarded.statusCode}: ${onboardedBody.slice(0, 300)}`);
      }
      max = await runLoad({ origin: server.origin, headers, ...settings, serverPid: server.pid });
      log(
        `  max load (${settings.concurrency} workers): ${max.lifecyclesPerSecond.toFixed(0)} lifecycles/s, ` +
          `${max.requestsPerSecond.toFixed(0)} req/s, p99 ${max.request.p99.toFixed(2)} ms/request, non-2xx ${max.non2xx}, errors ${max.errors}`,
      );
      if (max.firstFailure) log(`    first failure: ${max.firstFailure}`);
      if (max.lifecycles === 0) throw new Error(`no lifecycle completed at max load; first failure: ${max.firstFailure ?? 'none recorded'}`);
      halfRate = Math.max(1, Math.round(max.lifecyclesPerSecond / 2));
      half = await runLoad({ origin: server.origin, headers, ...settings, rate: halfRate, serverPid: server.pid });
      log(
        `  half load (${halfRate} lifecycles/s offered): ${half.lifecyclesPerSecond.toFixed(0)} lifecycles/s, ` +
          `p99 ${half.request.p99.toFixed(2)} ms/request, p99 ${half.lifecycle.p99.toFixed(2)} ms/lifecycle, non-2xx ${half.non2xx}, errors ${half.errors}`,
      );
      if (half.firstFailure) log(`    first failure: ${half.firstFailure}`);
    } finally {
      await server.stop(10_000);
    }
    const ledgerPath = join(dataDir, 'ledger.db');
    let eventsInLedger: number | null = null;
    if (existsSync(ledgerPath)) {
      const db = new Database(ledgerPath, { readonly: true, fileMustExist: true });
      try {
        eventsInLedger = (db.prepare(`SELECT COUNT(*) AS n FROM events WHERE stream LIKE 'lead-%'`).get() as { n: number }).n;
      } finally {
        db.close();
      }
    }
    return { max, half, halfRate, eventsInLedger, eventsExpected: 4 * (max.totalLifecycles + half.totalLifecycles), startupMs };
  } finally {
    removeTempDir(dataDir);
  }
}
