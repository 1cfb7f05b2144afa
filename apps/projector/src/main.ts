/**
 * The projector app: follows the ledger and writes the read models into MongoDB, so API instances
 * (MONGODB_URL set) only read them. One projector per MongoDB database: two would both write
 * every batch (harmless for correctness, thanks to the checkpoints and position guards, but wasted).
 *
 *   LEDGER_URL / DATA_DIR   the ledger to follow (as the API)
 *   MONGODB_URL             where the read models live (required)
 *   PROJECTOR_PORT          /health/live, /health/ready, /metrics (default 3001; 0 picks a free port)
 *   PROJECTOR_BATCH_SIZE    events per commit while catching up (default 1000)
 *
 * SIGTERM/SIGINT: the batch under way is finished and committed, then the process exits 0. A kill
 * at any other moment loses nothing either: the next start resumes from the committed checkpoints.
 */
import pino from 'pino';
import { openLedger } from '@lead-ledger/ledger/ledger.factory';
import { Ledger } from '@lead-ledger/ledger/ledger.port';
import { Projector, ReadStore } from '@lead-ledger/read-models';
import { MongoReadStore } from '@lead-ledger/read-models/mongo/mongo-read-store';
import { ALL_PROJECTIONS } from '@lead-ledger/projections';
import { loadProjectorConfig, ProjectorConfig, ProjectorConfigError } from './projector-config';
import { ProjectorMetrics, serveProjectorHttp } from './projector-http';

const CONNECT_RETRY_MAX_MS = 10_000;

async function main(): Promise<void> {
  let config: ProjectorConfig;
  try {
    config = loadProjectorConfig(process.env);
  } catch (error) {
    if (!(error instanceof ProjectorConfigError)) throw error;
    process.stderr.write(`projector: ${error.message}\n`);
    process.exit(2);
  }
  const log = pino({ level: config.logLevel, base: { app: 'projector' } });
  let stopping = false;
  let projector: Projector | null = null;
  const metrics = new ProjectorMetrics(() => projector);
  const http = await serveProjectorHttp({ host: config.host, port: config.port, projector: () => projector, metrics, lagReadyMax: config.lagReadyMax });
  log.info({ port: http.port, host: config.host }, 'projector listening');

  const ledger: Ledger = openLedger(config.ledger);
  let store: ReadStore | null = null;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping: finishing the batch under way');
    await projector?.stop();
    log.info({ checkpoint: projector?.position()?.toString() ?? null }, 'stopped');
    http.server.close();
    await store?.close().catch(() => {});
    await ledger.close().catch(() => {});
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  store = await connectWithRetry(config.mongodbUrl, log, () => stopping);
  if (stopping || store === null) return;
  projector = new Projector(ledger, store, ALL_PROJECTIONS, {
    batchSize: config.batchSize,
    logger: { log: (message) => log.info(message), warn: (message) => log.warn(message) },
    onBatch: metrics.observeBatch,
  });
  log.info({ batchSize: config.batchSize }, 'projecting');
  await projector.start({ retryUntilCaughtUp: true });
  if (!stopping) log.info({ checkpoint: projector.position()?.toString() ?? null }, 'caught up; following the ledger live');
}

/** The database may come up after the projector (compose, k8s): keep trying, with backoff. */
async function connectWithRetry(url: string, log: pino.Logger, stopping: () => boolean): Promise<ReadStore | null> {
  for (let attempt = 1; !stopping(); attempt++) {
    try {
      return await MongoReadStore.connect(url);
    } catch (error) {
      const delay = Math.min(CONNECT_RETRY_MAX_MS, 200 * 2 ** Math.min(attempt - 1, 10));
      log.warn({ attempt, err: (error as Error).message }, `cannot reach MongoDB; retrying in ${delay} ms`);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
  return null;
}

main().catch((error: unknown) => {
  process.stderr.write(`projector: ${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(1);
});
