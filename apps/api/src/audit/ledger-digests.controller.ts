import { Controller, Get, HttpCode, Post, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { ApiError } from '../http/api-error';
import { Ctx, RequestContext } from '../http/request-context';
import { IdempotencyIndex } from '../ledger/idempotency-index';
import { asApiError } from './audit-errors';
import { DigestKeyReusedError, DigestRecorder } from './digest-recorder';
import { digestView } from './views';
import { ApiErrorResponses, ApiWriteHeaders } from '../observability/openapi';
import { LedgerDigestView } from './audit.responses';
import { RequireScope } from '../auth/require-scope.decorator';

/** Merkle digests of the global log, for third parties to fetch and pin (docs/ledger-format.md). */
@ApiTags('audit')
@Controller('v1/ledger/digests')
export class LedgerDigestsController {
  constructor(
    private readonly recorder: DigestRecorder,
    private readonly idempotency: IdempotencyIndex,
  ) {}

  @RequireScope('audit:read')
  @Get('latest')
  @ApiOperation({ summary: 'The latest Merkle digest of the global log, for third parties to pin' })
  @ApiOkResponse({ type: LedgerDigestView })
  @ApiErrorResponses(404)
  latest() {
    const digest = this.recorder.latest();
    if (!digest) throw new ApiError(404, 'DIGEST_NOT_FOUND', 'no digest has been recorded yet; POST /v1/ledger/digests records one');
    return digestView(digest);
  }

  /** Records a digest of the whole log now (201), whatever DIGEST_EVERY_EVENTS says. */
  @RequireScope('audit:read')
  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Record a Merkle digest of the whole log now (LedgerDigestRecorded)' })
  @ApiWriteHeaders({ ifMatch: false })
  @ApiCreatedResponse({ type: LedgerDigestView })
  @ApiErrorResponses(422, 503)
  async record(@Ctx() context: RequestContext, @Res({ passthrough: true }) reply: FastifyReply) {
    const key = context.idempotencyKey;
    try {
      if (key !== undefined) {
        const seen = this.idempotency.requestHashOf(context.actor, key);
        if (seen !== undefined && seen !== context.requestHash) throw new DigestKeyReusedError(key);
      }
      const { digest, replayed, event } = await this.recorder.recordNow({
        correlationId: context.correlationId,
        actor: context.actor,
        requestHash: context.requestHash,
        ...(key !== undefined && { idempotencyKey: key }),
      });
      if (event) this.idempotency.observe(event);
      if (replayed) void reply.header('idempotent-replayed', 'true');
      return digestView(digest);
    } catch (error) {
      throw asApiError(error);
    }
  }
}
