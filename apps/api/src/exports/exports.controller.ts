import { Controller, Get, Inject, Logger, Param, PipeTransform, Query, Req, Res } from '@nestjs/common';
import { BorrowerDisclosure } from '../borrowers/borrower-disclosure';
import { ApiOkResponse, ApiOperation, ApiParam, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import { notFound } from '@lead-ledger/domain';
import { Ledger } from '@lead-ledger/ledger/ledger.port';
import { ReadStore } from '@lead-ledger/read-models';
import { beginLeadsExport, LeadsExportQuery, LeadsExportRecord, readLeadsExport, toExportRequest } from '@lead-ledger/audit/export';
import { isUUID } from 'class-validator';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PassThrough } from 'node:stream';
import { Clock } from '../clock/clock';
import { ApiError } from '../http/api-error';
import { Ctx, RequestContext } from '../http/request-context';
import { LEDGER } from '../ledger/ledger.tokens';
import { READ_STORE, ReadModels } from '../read-models/read-models';
import { ApiCorrelationHeader, ApiErrorResponses } from '../observability/openapi';
import { EXPORT_FORMATS, EXPORT_INCLUDES, EXPORT_STATUSES } from '@lead-ledger/audit/export';
import { LeadsExportRecordView } from './exports.responses';
import { RequireScope } from '../auth/require-scope.decorator';

class ExportIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!isUUID(value, 'all')) throw ApiError.validation([{ field: 'exportId', message: 'exportId must be a UUID' }]);
    return value.toLowerCase();
  }
}

/**
 * Bulk exports. `GET /v1/exports/leads` streams the matching leads' events (or one summary row per
 * lead) as NDJSON or CSV with backpressure, never holding the rows in memory. Each export is first
 * recorded in the ledger (stream `export-<exportId>`, see libs/audit/src/export/export-events.ts),
 * and its id is in the `x-export-id` header; `GET /v1/exports/{exportId}` reads that record back.
 */
@ApiTags('exports')
@Controller('v1/exports')
export class ExportsController {
  private readonly logger = new Logger('Exports');

  constructor(
    @Inject(LEDGER) private readonly ledger: Ledger,
    @Inject(READ_STORE) private readonly store: ReadStore,
    private readonly readModels: ReadModels,
    private readonly clock: Clock,
    private readonly disclosure: BorrowerDisclosure,
  ) {}

  @RequireScope('audit:export')
  @Get('leads')
  @ApiOperation({ summary: "Stream the matching leads' events (or one summary row per lead) as NDJSON or CSV; the export is recorded in the ledger", description: 'The export id is in the x-export-id header and its snapshot position in x-export-position. A body cut short means the export aborted (recorded as such).' })
  // LeadsExportQuery (libs/audit) is shared with the CLI, so its OpenAPI description is written here.
  @ApiQuery({ name: 'from', required: false, description: 'Events recorded at or after: a date (YYYY-MM-DD, UTC midnight) or a zoned time', example: '2026-11-01' })
  @ApiQuery({ name: 'to', required: false, description: 'Events recorded before: a date or a zoned time; after from', example: '2026-12-01' })
  @ApiQuery({ name: 'officerId', required: false, schema: { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]{0,63}$' } })
  @ApiQuery({ name: 'marketId', required: false, schema: { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]{0,63}$' } })
  @ApiQuery({ name: 'status', required: false, enum: EXPORT_STATUSES })
  @ApiQuery({ name: 'format', required: false, enum: EXPORT_FORMATS, description: 'Default ndjson' })
  @ApiQuery({ name: 'include', required: false, enum: EXPORT_INCLUDES, description: 'events (every event of each lead) or summary (one row per lead)' })
  @ApiQuery({ name: 'redact', required: false, enum: ['true', 'false'], description: "Leave out the borrower's contact details" })
  @ApiCorrelationHeader()
  @ApiProduces('application/x-ndjson', 'text/csv')
  @ApiOkResponse({ description: 'The rows, streamed', schema: { type: 'string' } })
  @ApiErrorResponses(400, 503)
  async leads(@Query() query: LeadsExportQuery, @Ctx() context: RequestContext, @Req() httpRequest: FastifyRequest, @Res() reply: FastifyReply) {
    const request = toExportRequest(query);
    const exported = await beginLeadsExport({
      ...request,
      ledger: this.ledger,
      // The export waits for the read models below, before answering; by then this is a no-op.
      readModel: { store: this.store, waitFor: (position) => this.readModels.waitFor(position) },
      actor: context.actor,
      // Contact details only for a key with pii:read; an erased borrower shows as erased.
      pii: this.disclosure.accessFor(httpRequest),
      via: 'http',
      correlationId: context.correlationId,
      now: () => this.clock.nowIso(),
    });
    try {
      // Leads are selected in the read models as of the export's own position: wait for them here,
      // while a 503 can still be answered.
      await this.readModels.waitFor(exported.position);
    } catch (error) {
      await exported
        .abort('the read models did not catch up with the ledger in time')
        .catch((abortError: unknown) => this.logger.warn(`export ${exported.exportId} could not be recorded as aborted: ${(abortError as Error).message}`));
      throw error;
    }
    const body = new PassThrough();
    // The body ends only once LeadsExportCompleted is in the ledger: a client that has the whole
    // body can rely on the ledger recording it. If anything fails, the client already has a 200
    // and part of the body; destroying the stream makes fastify drop the connection without the
    // final chunk, so the truncation is visible (and the ledger records the export as aborted).
    exported.writeTo(body, { end: false }).then(
      () => body.end(),
      (error: unknown) => {
        this.logger.warn(`export ${exported.exportId} aborted: ${(error as Error).message}`);
        body.destroy(error as Error);
      },
    );
    return reply
      .status(200)
      .header('content-type', exported.contentType)
      .header('content-disposition', `attachment; filename="${exported.fileName}"`)
      .header('cache-control', 'no-store')
      .header('x-export-id', exported.exportId)
      .header('x-export-position', exported.position.toString())
      .send(body);
  }

  @RequireScope('audit:read')
  @Get(':exportId')
  @ApiOperation({ summary: "An export's record from the ledger: filters, who, when, rows, bytes and the body's sha256" })
  @ApiParam({ name: 'exportId', format: 'uuid' })
  @ApiOkResponse({ type: LeadsExportRecordView })
  @ApiErrorResponses(400, 404)
  async record(@Param('exportId', ExportIdPipe) exportId: string): Promise<LeadsExportRecord> {
    const record = await readLeadsExport(this.ledger, exportId);
    if (!record) throw notFound('EXPORT_NOT_FOUND', `export ${exportId} does not exist`);
    return record;
  }
}
