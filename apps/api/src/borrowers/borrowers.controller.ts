import { Body, Controller, HttpCode, Param, PipeTransform, Post, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { BorrowerErasedV1 } from '@lead-ledger/domain';
import { BORROWER_REF } from '@lead-ledger/pii';
import type { FastifyReply } from 'fastify';
import { RequireScope } from '../auth/require-scope.decorator';
import { ApiError } from '../http/api-error';
import { Ctx, RequestContext } from '../http/request-context';
import { ApiErrorResponses, ApiWriteHeaders } from '../observability/openapi';
import { BorrowerErasure } from './borrower-erasure';
import { BorrowerErasedResponse, EraseBorrowerDto } from './borrowers.dto';

class BorrowerRefPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!BORROWER_REF.test(value)) throw ApiError.validation([{ field: 'borrowerRef', message: 'borrowerRef must be 32 lowercase hex characters, as returned when the lead was created' }]);
    return value;
  }
}

@ApiTags('borrowers')
@Controller('v1/borrowers')
export class BorrowersController {
  constructor(private readonly erasure: BorrowerErasure) {}

  @RequireScope('pii:erase')
  @Post(':borrowerRef/erase')
  @HttpCode(200)
  @ApiOperation({
    summary: "Erase a borrower's personal data (crypto-shredding; BorrowerErased)",
    description:
      "Destroys the borrower's data keys, so every sealed copy of their contact details in the ledger becomes unreadable for good, then records BorrowerErased in stream borrower-<borrowerRef> (who, when, why, which keys; no personal data). " +
      'Routing facts, allocations and credits stay, the hash chain still verifies, and the repeat-borrower rule still recognises the borrower (its keys are HMACs, kept). ' +
      'A repeat without an Idempotency-Key answers 409 ALREADY_ERASED; a retry with the same Idempotency-Key replays the 200. An unknown borrowerRef is 404 BORROWER_NOT_FOUND.',
  })
  @ApiParam({ name: 'borrowerRef', description: 'The pseudonymous borrower id (32 hex characters) from the lead create response or summary', example: '9f2c4e0d7a1b3c5e8f6a2d4b1c3e5f70' })
  @ApiWriteHeaders()
  @ApiOkResponse({ type: BorrowerErasedResponse, description: 'Erased (or, with the same Idempotency-Key, the earlier answer replayed)' })
  @ApiErrorResponses(400, 404, 409, 422, 503)
  async erase(
    @Param('borrowerRef', BorrowerRefPipe) borrowerRef: string,
    @Body() body: EraseBorrowerDto,
    @Ctx() context: RequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<BorrowerErasedResponse> {
    const result = await this.erasure.erase(borrowerRef, body, context);
    const erased = result.events[result.events.length - 1].data as unknown as BorrowerErasedV1;
    void reply.header('etag', `"${result.revision}"`);
    if (result.replayed) void reply.header('idempotent-replayed', 'true');
    return { borrowerRef, erasedAt: erased.erasedAt, keyIds: erased.keyIds, revision: Number(result.revision), position: result.position.toString() };
  }
}
