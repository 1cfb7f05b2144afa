import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from './app.factory';
import { AppConfig, ConfigError, loadConfig } from './config/config';
import { InFlightRequests } from './observability/in-flight-requests';

/** If closing the ledger and read store hangs past the grace period by this much, exit anyway (non-zero). */
const CLOSE_MARGIN_MS = 15_000;

async function main() {
  const config = loadConfig();
  const app = await createApp(config);
  await app.listen({ port: config.port, host: config.host });
  stopGracefullyOn(['SIGTERM', 'SIGINT'], app, config);
  new Logger('Main').log(`Lead Ledger listening on http://${config.host}:${config.port} (clock: ${config.clock})`);
}

/**
 * Graceful shutdown, in this order:
 * 1. stop accepting connections (the listening socket closes at once);
 * 2. let the requests in flight finish, up to SHUTDOWN_GRACE_MS, then drop what is left;
 * 3. close the app: the projector and followers stop, the read store closes, the ledger closes
 *    (the embedded writer thread commits what it was handed before it ends);
 * 4. exit 0.
 * Nest's own shutdown hooks are not enabled: they would stop the projector and the ledger while
 * requests are still being answered.
 */
function stopGracefullyOn(signals: NodeJS.Signals[], app: NestFastifyApplication, config: AppConfig) {
  const logger = new Logger('Shutdown');
  const inFlight = InFlightRequests.of(app.getHttpAdapter().getInstance());
  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    const deadline = setTimeout(() => {
      logger.error('closing the ledger and read store did not finish in time; exiting');
      process.exit(1);
    }, config.shutdownGraceMs + CLOSE_MARGIN_MS);
    deadline.unref();
    logger.log(`${signal}: not accepting new connections; waiting for ${inFlight.inFlight} request(s) in flight`);
    const server = app.getHttpServer();
    server.close();
    server.closeIdleConnections();
    const drained = await inFlight.drain(config.shutdownGraceMs);
    if (!drained) logger.warn(`${inFlight.inFlight} request(s) still in flight after SHUTDOWN_GRACE_MS=${config.shutdownGraceMs}; closing their connections`);
    server.closeAllConnections();
    try {
      await app.close();
    } catch (error) {
      logger.error(`closing failed: ${(error as Error).stack ?? error}`);
      process.exit(1);
    }
    logger.log('stopped: ledger flushed and closed');
    process.exit(0);
  };
  for (const signal of signals) process.on(signal, (received) => void stop(received));
}

main().catch((error) => {
  // A bad configuration is the operator's to fix: say what is wrong, without a stack trace.
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
