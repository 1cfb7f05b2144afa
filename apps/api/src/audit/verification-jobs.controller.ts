import { Body, Controller, Get, HttpCode, Param, PipeTransform, Post, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBadRequestResponse, ApiBearerAuth, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { isUUID } from 'class-validator';
import type { FastifyReply } from 'fastify';
import { RequireScope } from '../auth/require-scope.decorator';
import { ApiError } from '../http/api-error';
import { Ctx, RequestContext } from '../http/request-context';
import { NoFields } from '../reference-data/params';
import { VerificationJobView } from './verification-jobs.dto';
import { VerificationJobs } from './verification-jobs.service';

class VerificationIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!isUUID(value, 'all')) throw ApiError.validation([{ field: 'verificationId', message: 'verificationId must be a UUID' }]);
    return value.toLowerCase();
  }
}

/** Runs the ledger verifier in the background and reports its progress, then its summary. */
@ApiTags('audit')
@ApiBearerAuth()
@Controller('v1/ledger/verifications')
export class VerificationJobsController {
  constructor(private readonly jobs: VerificationJobs) {}

  @RequireScope('audit:read')
  @Post()
  @HttpCode(202)
  @ApiOperation({
    summary: 'Start a verification of the whole ledger',
    description:
      'Runs the verifier (chain, digests, exclusivity, pace rule, allocation; as `lead-ledger verify`) off the request thread. 202 with the run; poll its Location. While a run is in progress, the answer is that run. Body: `{}`.',
  })
  @ApiAcceptedResponse({ type: VerificationJobView, headers: { location: { description: '/v1/ledger/verifications/{id}', schema: { type: 'string' } } } })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED: the body takes no fields' })
  @ApiUnauthorizedResponse({ description: 'UNAUTHENTICATED' })
  start(@Body(new NoFields()) _body: Record<string, never>, @Ctx() context: RequestContext, @Res({ passthrough: true }) reply: FastifyReply): VerificationJobView {
    const { job } = this.jobs.start(context.actor, context.idempotencyKey);
    void reply.header('location', `/v1/ledger/verifications/${job.id}`);
    return job;
  }

  @RequireScope('audit:read')
  @Get(':verificationId')
  @ApiOperation({ summary: 'Read a verification run', description: 'Progress while running; the verifier summary once finished. Runs are kept in memory (the last 20).' })
  @ApiParam({ name: 'verificationId', format: 'uuid' })
  @ApiOkResponse({ type: VerificationJobView })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED: the id is not a UUID' })
  @ApiNotFoundResponse({ description: 'VERIFICATION_NOT_FOUND' })
  get(@Param('verificationId', VerificationIdPipe) id: string): VerificationJobView {
    const job = this.jobs.get(id);
    if (job === null) throw new ApiError(404, 'VERIFICATION_NOT_FOUND', `no verification run ${id} (runs are kept in memory; the last 20 since the service started)`);
    return job;
  }
}

