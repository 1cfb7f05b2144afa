/**
 * One measurement in its own process, so its peak RSS is its own:
 *
 * Runs compiled (see compile.ts), on plain node:
 *
 *   measure-child.js export-scan <ledger.db> <resultFile> <format> <include> <redact> <sinkFile|null>
 *     exportLeads() as `lead-ledger export` runs it (ledger scan, no read models) into a file
 *   measure-child.js export-http <dataDir> <resultFile> <format> <include> <redact>
 *     the real app on that data dir (it first rebuilds its read models from the whole ledger), then
 *     GET /v1/exports/leads over real HTTP, the body read and dropped by an undici client
 *   measure-child.js rebuild <ledger.db> <resultFile>
 *     rebuildReadModels() with every projection into a MemoryReadStore, as `lead-ledger replay`
 *
 * Peak RSS is the kernel's high-water mark (getrusage maxrss); RSS is also sampled every 25 ms
 * and at every tenth of the work, to show its shape over the run.
 */
import Database from 'better-sqlite3';
import { createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { parseExportRequest, exportLeads } from '@lead-ledger/audit/export';
import { SqliteLedger } from '@lead-ledger/ledger/sqlite/sqlite-ledger';
import { ChainedLedger } from '@lead-ledger/ledger/chain/chained-ledger';
import { MemoryReadStore } from '@lead-ledger/read-models';
import { rebuildReadModels } from '@lead-ledger/read-models/replay';
import { ALL_PROJECTIONS } from '@lead-ledger/projections';

const MiB = 2 ** 20;

export interface ExportMeasurement {
  kind: 'export-scan' | 'export-http';
  format: string;
  include: string;
  redact: boolean;
  leads: number;
  rows: number;
  bytes: number;
  seconds: number;
  rowsPerSecond: number;
  mibPerSecond: number;
  /** RSS when the export started (for HTTP: after the app started and rebuilt its read models). */
  rssBeforeMiB: number;
  /** Highest RSS sampled while exporting. */
  peakRssDuringMiB: number;
  /** Kernel high-water mark for the whole process (for HTTP this includes the app's start-up). */
  maxRssMiB: number;
  /** RSS at 10 %, 20 %, … 100 % of the rows. */
  rssByTenthMiB: number[];
  startupSeconds?: number;
  /** Node flags the measuring process ran with (set by run-exports.ts). */
  nodeFlags?: string[];
}

export interface RebuildMeasurement {
  kind: 'rebuild';
  events: number;
  seconds: number;
  eventsPerSecond: number;
  documents: Record<string, number>;
  rssBeforeMiB: number;
  maxRssMiB: number;
  rssByTenthMiB: number[];
  heapUsedAfterMiB: number;
  nodeFlags?: string[];
}

const rss = () => process.memoryUsage.rss() / MiB;
const maxRss = () => process.resourceUsage().maxRSS / 1024;

class RssSampler {
  peak = 0;
  private readonly timer: NodeJS.Timeout;
  constructor() {
    this.peak = rss();
    this.timer = setInterval(() => (this.peak = Math.max(this.peak, rss())), 25);
  }
  stop() {
    clearInterval(this.timer);
    this.peak = Math.max(this.peak, rss());
    return this.peak;
  }
}

/** RSS at each tenth of `total`, recorded as `done` passes it. */
function tenths(total: number) {
  const marks: number[] = [];
  return {
    marks,
    at(done: number) {
      while (marks.length < 10 && done >= ((marks.length + 1) * total) / 10) marks.push(Math.round(rss()));
    },
  };
}

async function exportScan(ledgerPath: string, format: string, include: string, redact: string, sink: string): Promise<ExportMeasurement> {
  const ledger = new ChainedLedger(SqliteLedger.open(ledgerPath));
  const totalRows = countRows(ledgerPath, include);
  const request = parseExportRequest({ format, include, redact });
  const output: Writable = sink === 'null' ? nullSink() : createWriteStream(sink);
  global.gc?.();
  const rssBefore = rss();
  const sampler = new RssSampler();
  const marks = tenths(totalRows);
  const started = performance.now();
  const result = await exportLeads({ ...request, ledger, actor: 'bench', via: 'cli', output, onProgress: ({ rows }) => marks.at(rows) });
  const seconds = (performance.now() - started) / 1000;
  const peak = sampler.stop();
  await ledger.close();
  return {
    kind: 'export-scan',
    format,
    include,
    redact: request.redact,
    leads: result.leads,
    rows: result.rows,
    bytes: result.bytes,
    seconds,
    rowsPerSecond: result.rows / seconds,
    mibPerSecond: result.bytes / MiB / seconds,
    rssBeforeMiB: rssBefore,
    peakRssDuringMiB: peak,
    maxRssMiB: maxRss(),
    rssByTenthMiB: marks.marks,
  };
}

async function exportHttp(dataDir: string, format: string, include: string, redact: string): Promise<ExportMeasurement> {
  // Loaded here only: the scan and rebuild measurements should not carry the app's modules.
  const { createApp } = await import('../../apps/api/src/app.factory');
  const { loadConfig } = await import('../../apps/api/src/config/config');
  const { Client } = await import('undici');
  const startedApp = performance.now();
  const app = await createApp(loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'error', DIGEST_EVERY_EVENTS: '1000000000' }));
  await app.listen(0, '127.0.0.1');
  const startupSeconds = (performance.now() - startedApp) / 1000;
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const adminKey = readFileSync(join(dataDir, 'admin-api-key'), 'utf8').trim();
  const totalRows = countRows(join(dataDir, 'ledger.db'), include);
  const client = new Client(`http://127.0.0.1:${port}`);
  global.gc?.();
  const rssBefore = rss();
  const sampler = new RssSampler();
  const started = performance.now();
  const response = await client.request({ method: 'GET', path: `/v1/exports/leads?format=${format}&include=${include}&redact=${redact}`, headers: { authorization: `Bearer ${adminKey}` } });
  if (response.statusCode !== 200) throw new Error(`export answered ${response.statusCode}: ${await response.body.text()}`);
  const exportId = String(response.headers['x-export-id']);
  let bytes = 0;
  let newlines = 0;
  const marks = tenths(totalRows);
  for await (const chunk of response.body as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) newlines += 1;
    marks.at(newlines);
  }
  const seconds = (performance.now() - started) / 1000;
  const peak = sampler.stop();
  const record = (await (await client.request({ method: 'GET', path: `/v1/exports/${exportId}`, headers: { authorization: `Bearer ${adminKey}` } })).body.json()) as {
    leads: number;
    rows: number;
    bytes: number;
    status: string;
  };
  await client.close();
  await app.close();
  if (record.status !== 'completed' || record.bytes !== bytes) throw new Error(`export ${exportId} is ${record.status}, ${record.bytes} bytes recorded, ${bytes} received`);
  return {
    kind: 'export-http',
    format,
    include,
    redact: redact === 'true',
    leads: record.leads,
    rows: record.rows,
    bytes,
    seconds,
    rowsPerSecond: record.rows / seconds,
    mibPerSecond: bytes / MiB / seconds,
    rssBeforeMiB: rssBefore,
    peakRssDuringMiB: peak,
    maxRssMiB: maxRss(),
    rssByTenthMiB: marks.marks,
    startupSeconds,
  };
}

async function rebuild(ledgerPath: string): Promise<RebuildMeasurement> {
  const ledger = SqliteLedger.open(ledgerPath);
  const store = new MemoryReadStore();
  global.gc?.();
  const rssBefore = rss();
  const marks: number[] = [];
  const result = await rebuildReadModels({
    ledger,
    store,
    projections: ALL_PROJECTIONS,
    onProgress: ({ ratio }) => {
      while (marks.length < 10 && ratio >= (marks.length + 1) / 10) marks.push(Math.round(rss()));
    },
  });
  await ledger.close();
  return {
    kind: 'rebuild',
    events: result.events,
    seconds: result.ms / 1000,
    eventsPerSecond: result.events / (result.ms / 1000),
    documents: Object.fromEntries(result.projections.map((p) => [p.collection, p.documents])),
    rssBeforeMiB: rssBefore,
    maxRssMiB: maxRss(),
    rssByTenthMiB: marks,
    heapUsedAfterMiB: process.memoryUsage().heapUsed / MiB,
  };
}

/** The rows a full export will have: lead events, or leads. */
function countRows(ledgerPath: string, include: string): number {
  const db = new Database(ledgerPath, { readonly: true, fileMustExist: true });
  try {
    const sql = include === 'summary' ? `SELECT COUNT(*) AS n FROM events WHERE type = 'LeadCreated'` : `SELECT COUNT(*) AS n FROM events WHERE stream LIKE 'lead-%'`;
    return (db.prepare(sql).get() as { n: number }).n;
  } finally {
    db.close();
  }
}

function nullSink(): Writable {
  return new Writable({ write: (_chunk, _encoding, done) => done() });
}

async function main() {
  const [mode, target, resultFile, ...rest] = process.argv.slice(2);
  let result: ExportMeasurement | RebuildMeasurement;
  if (mode === 'export-scan') result = await exportScan(target, rest[0], rest[1], rest[2], rest[3]);
  else if (mode === 'export-http') result = await exportHttp(target, rest[0], rest[1], rest[2]);
  else if (mode === 'rebuild') result = await rebuild(target);
  else throw new Error(`unknown mode ${mode}`);
  writeFileSync(resultFile, JSON.stringify(result));
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
