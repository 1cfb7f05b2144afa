import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { CommittedBatch, Projector } from '@lead-ledger/read-models';

const COMMIT_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The projector's Prometheus metrics. Lag is computed at scrape time, from the ledger's head and this process's checkpoint. */
export class ProjectorMetrics {
  readonly registry = new Registry();
  private readonly projected = new Counter({
    name: 'lead_ledger_projection_events_total',
    help: 'Events applied to every read model by this process',
    registers: [this.registry],
  });
  private readonly commitSeconds = new Histogram({
    name: 'lead_ledger_projection_batch_commit_seconds',
    help: 'Time to compute and commit one batch to every read model (catch-up pages and live events)',
    buckets: COMMIT_BUCKETS,
    registers: [this.registry],
  });

  constructor(projector: () => Projector | null) {
    collectDefaultMetrics({ register: this.registry });
    const lag = async () => (await projector()?.lag().catch(() => null)) ?? null;
    new Gauge({
      name: 'lead_ledger_projection_lag_events',
      help: 'Events in the ledger the read models have not applied yet (head position − checkpoint)',
      registers: [this.registry],
      async collect() {
        const now = await lag();
        if (now) this.set(now.events);
      },
    });
    new Gauge({
      name: 'lead_ledger_projection_lag_seconds',
      help: 'Age of the oldest event in the ledger the read models have not applied yet (0 when caught up)',
      registers: [this.registry],
      async collect() {
        const now = await lag();
        if (now) this.set(now.seconds);
      },
    });
    new Gauge({
      name: 'lead_ledger_projection_consecutive_failures',
      help: 'Failures since the last committed batch (the projector retries with backoff)',
      registers: [this.registry],
      collect() {
        this.set(projector()?.health().failures ?? 0);
      },
    });
  }

  readonly observeBatch = (batch: CommittedBatch) => {
    this.projected.inc(batch.events);
    this.commitSeconds.observe(batch.ms / 1000);
  };
}

/**
 * GET /health/live (the process answers), /health/ready (caught up at least once and within
 * `lagReadyMax` events of the head) and /metrics. Nothing else: the projector has no API.
 */
export async function serveProjectorHttp(options: {
  host: string;
  port: number;
  projector: () => Projector | null;
  metrics: ProjectorMetrics;
  lagReadyMax: number;
}): Promise<{ server: Server; port: number }> {
  const server = createServer((request, response) => {
    const send = (status: number, body: unknown, type = 'application/json') => {
      response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      response.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET') return send(405, { code: 'METHOD_NOT_ALLOWED', message: 'only GET' });
    void (async () => {
      if (path === '/health/live') return send(200, { status: 'ok' });
      if (path === '/health/ready') {
        const projector = options.projector();
        const health = projector?.health();
        const lag = await projector?.lag().catch((error: Error) => ({ error: error.message }));
        const ready = !!health?.caughtUpOnce && !!lag && !('error' in lag) && lag.events <= options.lagReadyMax;
        return send(ready ? 200 : 503, { status: ready ? 'ok' : 'not_ready', lagReadyMax: options.lagReadyMax, lag, projector: health ?? null });
      }
      if (path === '/metrics') return send(200, await options.metrics.registry.metrics(), options.metrics.registry.contentType);
      send(404, { code: 'NOT_FOUND', message: `no route ${path}` });
    })().catch((error: Error) => send(500, { code: 'INTERNAL', message: error.message }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return { server, port: (server.address() as AddressInfo).port };
}
