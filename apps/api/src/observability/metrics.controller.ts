import { Controller, Get, Headers, Res } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { timingSafeEqual } from 'node:crypto';
import { AppConfig } from '../config/config';
import { ApiError } from '../http/api-error';
import { Metrics } from './metrics';
import { ErrorResponse } from './openapi';

/** Prometheus scrape endpoint. Open unless METRICS_TOKEN is set, then `Authorization: Bearer <METRICS_TOKEN>`. */
@ApiTags('operations')
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: Metrics,
    private readonly config: ConfigService<AppConfig, true>,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Prometheus metrics (text exposition format); needs Bearer METRICS_TOKEN only when that is set' })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'Process metrics and lead_ledger_* metrics', schema: { type: 'string' } })
  @ApiUnauthorizedResponse({ description: 'METRICS_TOKEN is set and the request did not send it', type: ErrorResponse })
  async scrape(@Headers('authorization') authorization: string | undefined, @Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    const token = this.config.get('metricsToken', { infer: true });
    if (token !== null && !sameSecret(authorization ?? '', `Bearer ${token}`)) {
      throw new ApiError(401, 'UNAUTHENTICATED', 'this endpoint needs Authorization: Bearer <METRICS_TOKEN>');
    }
    void reply.header('content-type', this.metrics.registry.contentType);
    return this.metrics.registry.metrics();
  }
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

