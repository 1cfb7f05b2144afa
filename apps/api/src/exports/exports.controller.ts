import { Controller, Get, Inject, Logger, Param, PipeTransform, Query, Res } from '@nestjs/common';
import { notFound } from '@lead-ledger/domain';
import { Ledger } from '@lead-ledger/ledger/ledger.port';
import { ReadStore } from '@lead-ledger/read-models';
import { beginLeadsExport, LeadsExportQuery, LeadsExportRecord, readLeadsExport, toExportRequest } from '@lead-ledger/audit/export';
import { isUUID } from 'class-validator';
import type { FastifyReply } from 'fastify';
import { PassThrough } from 'node:stream';
import { Clock } from '../clock/clock';
import { ApiError } from '../http/api-error';
import { Ctx, RequestContext } from '../http/request-context';
import { LEDGER } from '../ledger/ledger.tokens';
import { READ_STORE, ReadModels } from '../read-models/read-models';

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
@Controller('v1/exports')
export class ExportsController {
  private readonly logger = new Logger('Exports');

  constructor(
    @Inject(LEDGER) private readonly ledger: Ledger,
    @Inject(READ_STORE) private readonly store: ReadStore,
    private readonly readModels: ReadModels,
    private readonly clock: Clock,
  ) {}

  @Get('leads')
  async leads(@Query() query: LeadsExportQuery, @Ctx() context: RequestContext, @Res() reply: FastifyReply) {
    const request = toExportRequest(query);
    const exported = await beginLeadsExport({
      ...request,
      ledger: this.ledger,
      // The export waits for the read models below, before answering; by then this is a no-op.
      readModel: { store: this.store, waitFor: (position) => this.readModels.waitFor(position) },
      actor: context.actor,
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

  @Get(':exportId')
  async record(@Param('exportId', ExportIdPipe) exportId: string): Promise<LeadsExportRecord> {
    const record = await readLeadsExport(this.ledger, exportId);
    if (!record) throw notFound('EXPORT_NOT_FOUND', `export ${exportId} does not exist`);
    return record;
  }
}
