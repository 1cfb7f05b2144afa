import { ArgumentsHost, Catch, Controller, ExceptionFilter, Get, ServiceUnavailableException, UseFilters } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ModuleRef } from '@nestjs/core';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { Ledger } from '@lead-ledger/ledger/ledger.port';
import { ReadStore } from '@lead-ledger/read-models';
import type { FastifyReply } from 'fastify';
import { AppConfig } from '../config/config';
import { LEDGER } from '../ledger/ledger.tokens';
import { ProjectionStatus } from '../read-models/projection-status';
import { READ_STORE } from '../read-models/read-store.token';

/** A dependency that does not answer within this is as good as down, for a probe. */
const PING_TIMEOUT_MS = 2000;

/**
 * Terminus answers "not ready" by throwing a 503 with its own body; the app-wide error filter would
 * turn that into the API's error shape, but probes and operators expect terminus's body here.
 */
@Catch(ServiceUnavailableException)
class TerminusBodyFilter implements ExceptionFilter {
  catch(error: ServiceUnavailableException, host: ArgumentsHost): void {
    void host.switchToHttp().getResponse<FastifyReply>().status(503).send(error.getResponse());
  }
}

/**
 * Liveness: the process answers. Readiness: the ledger and the read store answer, and (read models
 * written by the external projector) the read models are at most PROJECTION_LAG_READY_MAX events
 * behind the ledger. In process, the projector is part of this process and catches up before the
 * app serves, so its lag is reported but does not fail readiness.
 */
@ApiTags('operations')
@Controller('health')
@UseFilters(TerminusBodyFilter)
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicator: HealthIndicatorService,
    // The app module's providers, found wherever they are registered (this controller lives in the observability module).
    private readonly modules: ModuleRef,
    private readonly config: ConfigService<AppConfig, true>,
  ) {}

  @Get('live')
  @HealthCheck({ noCache: true })
  @ApiOperation({ summary: 'Liveness: the process is up and serving HTTP' })
  live() {
    return this.health.check([async () => this.indicator.check('process').up({ pid: process.pid, uptimeSeconds: Math.round(process.uptime()) })]);
  }

  @Get('ready')
  @HealthCheck({ noCache: true })
  @ApiOperation({ summary: 'Readiness: ledger ping, read store ping, projection lag (external read models: at most PROJECTION_LAG_READY_MAX events)' })
  @ApiOkResponse({ description: 'Ready: every check is up' })
  @ApiServiceUnavailableResponse({ description: 'Not ready: the terminus body says which check is down and why' })
  ready() {
    return this.health.check([
      () => this.ping('ledger', () => this.modules.get<Ledger>(LEDGER, { strict: false }).ping()),
      () => this.ping('readStore', () => this.modules.get<ReadStore>(READ_STORE, { strict: false }).ping()),
      () => this.projectionLag(),
    ]);
  }

  private async ping(key: string, ping: () => Promise<void>): Promise<HealthIndicatorResult> {
    const check = this.indicator.check(key);
    try {
      await withTimeout(ping(), PING_TIMEOUT_MS);
      return check.up();
    } catch (error) {
      return check.down({ message: (error as Error).message });
    }
  }

  private async projectionLag(): Promise<HealthIndicatorResult> {
    const check = this.indicator.check('projection');
    const status = this.modules.get(ProjectionStatus, { strict: false });
    const max = this.config.get('projectionLagReadyMax', { infer: true });
    try {
      const lag = await withTimeout(status.lag(), PING_TIMEOUT_MS);
      const mode = status.inProcess ? 'in-process' : 'external';
      const report = { mode, lagEvents: lag.events, lagSeconds: lag.seconds, checkpoint: lag.checkpoint, head: lag.head, maxLagEvents: max };
      return status.inProcess || lag.events <= max ? check.up(report) : check.down({ ...report, message: `the read models are ${lag.events} events behind the ledger` });
    } catch (error) {
      return check.down({ message: (error as Error).message });
    }
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
