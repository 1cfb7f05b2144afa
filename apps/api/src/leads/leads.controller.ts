import { Body, Controller, Get, HttpCode, Inject, Param, PipeTransform, Post, Query, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiParam, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import { LeadUnroutableV1, leadStream, notFound } from '@lead-ledger/domain';
import { Ledger, RecordedEvent } from '@lead-ledger/ledger/ledger.port';
import { stringify } from 'csv-stringify/sync';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { randomUUID } from 'node:crypto';
import { isUUID } from 'class-validator';
import { v5 as uuidV5 } from 'uuid';
import { APP_CONFIG, LEDGER } from '../ledger/ledger.tokens';
import { AppConfig } from '../config/config';
import { Clock } from '../clock/clock';
import { ApiError } from '../http/api-error';
import { Ctx, RequestContext } from '../http/request-context';
import { StreamWriteResult } from '../ledger/event-stream-writer';
import { scopedIdempotencyKey } from '../ledger/idempotency-index';
import {
  CreateLeadCommand,
  CreditLeadCommand,
  DeliverLeadCommand,
  RecordDeliveryFailureCommand,
  ScoreLeadCommand,
} from './lead-commands';
import { RouteLeadCommand } from './route-lead.handler';
import { ledgerDigestStream } from '@lead-ledger/audit/digests';
import { asApiError } from '../audit/audit-errors';
import { LedgerProof, ProofService } from '../audit/proof.service';
import { borrowerOfLead, borrowerRefOf, digestView, inclusionView, withBorrowerPii } from '../audit/views';
import { BorrowerDisclosure } from '../borrowers/borrower-disclosure';
import { foldLead } from './fold-lead';
import { ApiErrorResponses, ApiWriteHeaders } from '../observability/openapi';
import { LeadHistory, LeadSummary, LeadWriteReceipt, NoEligibleOfficerResponse, RouteReceipt } from './leads.responses';
import { CreateLeadDto, CreditLeadDto, DeliverLeadDto, DeliveryFailureDto, HistoryQueryDto, RouteLeadDto, ScoreLeadDto } from './leads.dto';
import { RequireScope, whenBodyHas } from '../auth/require-scope.decorator';

/** Namespace for lead ids derived from an Idempotency-Key, so a retried create lands on the same stream. */
const LEAD_ID_NAMESPACE = '0b1f6f0e-7a51-4c1e-9b7c-3f1f2a6c4d10';

class LeadIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!isUUID(value, 'all')) throw ApiError.validation([{ field: 'leadId', message: 'leadId must be a UUID' }]);
    return value.toLowerCase();
  }
}

@ApiTags('leads')
@Controller('v1/leads')
export class LeadsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly clock: Clock,
    @Inject(LEDGER) private readonly ledger: Ledger,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly proofs: ProofService,
    private readonly disclosure: BorrowerDisclosure,
  ) {}

  @RequireScope('leads:write')
  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Create a lead (LeadCreated)', description: 'With an Idempotency-Key and no leadId, the lead id is derived from the key, so a retry lands on the same lead.' })
  @ApiWriteHeaders({ ifMatch: false })
  @ApiCreatedResponse({ type: LeadWriteReceipt, description: 'Created; a replay of the same Idempotency-Key answers the same, with idempotent-replayed: true' })
  @ApiErrorResponses(400, 404, 409, 422, 503)
  async create(@Body() body: CreateLeadDto, @Ctx() context: RequestContext, @Res({ passthrough: true }) reply: FastifyReply) {
    // Per caller, like Idempotency-Keys: two API keys sending the same key create two leads.
    const derived = context.idempotencyKey ? uuidV5(scopedIdempotencyKey(context.actor, context.idempotencyKey), LEAD_ID_NAMESPACE) : randomUUID();
    const leadId = (body.leadId ?? derived).toLowerCase();
    const data = {
      leadId,
      marketId: body.marketId ?? null,
      source: { ...body.source },
      borrower: { ...body.borrower, phone: normalisedPhone(body.borrower.phone), email: body.borrower.email.trim().toLowerCase() },
      property: { ...body.property },
      loan: { ...body.loan },
      creditTier: body.creditTier,
      consent: { ...body.consent } as CreateLeadCommand['data']['consent'],
    };
    const result = await this.commands.execute(new CreateLeadCommand(data, this.clock.nowIso(), context));
    return { ...written(reply, leadId, result), ...borrowerRefOf(result) };
  }

  @RequireScope('leads:write')
  @Post(':leadId/score')
  @HttpCode(200)
  @ApiOperation({ summary: 'Record a lead score (LeadScored)' })
  @ApiParam({ name: 'leadId', format: 'uuid' })
  @ApiWriteHeaders()
  @ApiOkResponse({ type: LeadWriteReceipt })
  @ApiErrorResponses(400, 404, 409, 422, 503)
  async score(
    @Param('leadId', LeadIdPipe) leadId: string,
    @Body() body: ScoreLeadDto,
    @Ctx() context: RequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const result = await this.commands.execute(new ScoreLeadCommand({ type: 'ScoreLead', data: { leadId, ...body }, at: this.clock.nowIso() }, context));
    return written(reply, leadId, result);
  }

  @RequireScope('routing:write', whenBodyHas('officerId', 'routing:override'))
  @Post(':leadId/route')
  @HttpCode(200)
  @ApiOperation({ summary: 'Route a lead: by rule furthest-behind-pace v1 (empty body), or to a named officer (override)', description: 'The decision, with every candidate and exclusion, is recorded in LeadRouted. With no eligible officer: 422 NO_ELIGIBLE_OFFICER, and LeadUnroutable is recorded.' })
  @ApiParam({ name: 'leadId', format: 'uuid' })
  @ApiWriteHeaders()
  @ApiOkResponse({ type: RouteReceipt })
  @ApiResponse({ status: 422, type: NoEligibleOfficerResponse, description: 'NO_ELIGIBLE_OFFICER (refusal NO_ELIGIBLE_OFFICER, NO_ALLOCATIONS or DUPLICATE_BORROWER, with the decision), or another rule: NO_MARKET, CONSENT_INVALID, IDEMPOTENCY_KEY_REUSED' })
  @ApiErrorResponses(400, 404, 409, 503)
  async route(
    @Param('leadId', LeadIdPipe) leadId: string,
    @Body() body: RouteLeadDto,
    @Ctx() context: RequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const override = body.officerId === undefined ? null : { officerId: body.officerId, reason: body.reason! };
    const result = await this.commands.execute(new RouteLeadCommand(leadId, override, context));
    // The outcome is the command's last event; on an idempotent replay, the one recorded then.
    const outcome = result.events[result.events.length - 1];
    if (outcome.type === 'LeadUnroutable') throw noEligibleOfficer(outcome.data as unknown as LeadUnroutableV1);
    return { ...written(reply, leadId, result), officerId: outcome.data.officerId, decision: outcome.data.decision };
  }

  @RequireScope('leads:write')
  @Post(':leadId/delivery-failures')
  @HttpCode(200)
  @ApiOperation({ summary: 'Record that delivery to the officer failed (LeadDeliveryFailed); the lead can be routed again, never to that officer' })
  @ApiParam({ name: 'leadId', format: 'uuid' })
  @ApiWriteHeaders()
  @ApiOkResponse({ type: LeadWriteReceipt })
  @ApiErrorResponses(400, 404, 409, 422, 503)
  async deliveryFailed(
    @Param('leadId', LeadIdPipe) leadId: string,
    @Body() body: DeliveryFailureDto,
    @Ctx() context: RequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const command = { type: 'RecordDeliveryFailure' as const, data: { leadId, ...body }, at: this.clock.nowIso() };
    return written(reply, leadId, await this.commands.execute(new RecordDeliveryFailureCommand(command, context)));
  }

  @RequireScope('leads:write')
  @Post(':leadId/deliver')
  @HttpCode(200)
  @ApiOperation({ summary: 'Record delivery of a routed lead to its officer (LeadDelivered)' })
  @ApiParam({ name: 'leadId', format: 'uuid' })
  @ApiWriteHeaders()
  @ApiOkResponse({ type: LeadWriteReceipt })
  @ApiErrorResponses(400, 404, 409, 422, 503)
  async deliver(
    @Param('leadId', LeadIdPipe) leadId: string,
    @Body() body: DeliverLeadDto,
    @Ctx() context: RequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const command = { type: 'DeliverLead' as const, data: { leadId, ...body }, at: this.clock.nowIso() };
    return written(reply, leadId, await this.commands.execute(new DeliverLeadCommand(command, context)));
  }

  @RequireScope('credits:write')
  @Post(':leadId/credit')
  @HttpCode(200)
  @ApiOperation({ summary: 'Credit a delivered lead within CREDIT_WINDOW_DAYS (LeadCredited); the allocation owes a lead in its place' })
  @ApiParam({ name: 'leadId', format: 'uuid' })
  @ApiWriteHeaders()
  @ApiOkResponse({ type: LeadWriteReceipt })
  @ApiErrorResponses(400, 404, 409, 422, 503)
  async credit(
    @Param('leadId', LeadIdPipe) leadId: string,
    @Body() body: CreditLeadDto,
    @Ctx() context: RequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const command = {
      type: 'CreditLead' as const,
      data: { leadId, ...body },
      creditWindowDays: this.config.creditWindowDays,
      at: this.clock.nowIso(),
    };
    return written(reply, leadId, await this.commands.execute(new CreditLeadCommand(command, context)));
  }

  @RequireScope('leads:read')
  @Get(':leadId')
  @ApiOperation({ summary: "A lead's current state, folded from its stream (ETag: its revision)" })
  @ApiParam({ name: 'leadId', format: 'uuid' })
  @ApiOkResponse({ type: LeadSummary })
  @ApiErrorResponses(400, 404, 503)
  async summary(@Param('leadId', LeadIdPipe) leadId: string, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const history = await this.history(leadId);
    const state = foldLead(history);
    const last = history[history.length - 1];
    const lead = state.lead!;
    void reply.header('etag', `"${last.revision}"`);
    return {
      leadId,
      status: state.status,
      marketId: lead.marketId,
      property: lead.property,
      loan: lead.loan,
      creditTier: lead.creditTier,
      source: lead.source,
      score: state.score,
      officerId: state.officerId,
      failedOfficerIds: state.failedOfficerIds,
      createdAt: lead.createdAt,
      deliveredAt: state.deliveredAt,
      // Contact details only with pii:read; an erased borrower shows {erased, erasedAt} to everyone.
      ...(await borrowerOfLead(history[0], this.disclosure.accessFor(request))),
      revision: Number(last.revision),
      position: last.position.toString(),
    };
  }

  @RequireScope('audit:read')
  @Get(':leadId/history')
  @ApiOperation({ summary: "Every event of the lead from the ledger, with hashes and inclusion proofs against a Merkle digest (json, csv or ndjson)" })
  @ApiParam({ name: 'leadId', format: 'uuid' })
  @ApiProduces('application/json', 'text/csv', 'application/x-ndjson')
  @ApiOkResponse({ type: LeadHistory, description: 'format=json (default); csv and ndjson carry the same rows, the digest last' })
  @ApiErrorResponses(400, 404, 503)
  async historyOf(
    @Param('leadId', LeadIdPipe) leadId: string,
    @Query() query: HistoryQueryDto,
    @Ctx() context: RequestContext,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const history = await this.history(leadId);
    // The proof is against the first digest covering every event of the lead (recorded now if none does yet).
    let proof: LedgerProof;
    try {
      proof = await this.proofs.prove(history, { correlationId: context.correlationId, actor: context.actor });
    } catch (error) {
      throw asApiError(error);
    }
    const events = await withBorrowerPii(history.map(eventView), this.disclosure.accessFor(request));
    const inclusions = proof.inclusions.map(inclusionView);
    const digest = digestView(proof.digest);
    switch (query.format ?? 'json') {
      case 'ndjson':
        void reply.header('content-type', 'application/x-ndjson; charset=utf-8');
        return (
          [
            ...events.map((event, i) => ({ ...event, leafIndex: inclusions[i].leafIndex, leafHash: inclusions[i].leafHash, auditPath: inclusions[i].auditPath })),
            { type: 'proof', digest },
          ]
            .map((line) => JSON.stringify(line))
            .join('\n') + '\n'
        );
      case 'csv':
        void reply.header('content-type', 'text/csv; charset=utf-8');
        void reply.header('content-disposition', `attachment; filename="lead-${leadId}-history.csv"`);
        return stringify([...events.map((event, i) => csvRow(event, inclusions[i])), csvDigestRow(digest)], { header: true, columns: CSV_COLUMNS });
      default:
        return { leadId, events, proof: { digest, inclusions } };
    }
  }

  private async history(leadId: string): Promise<RecordedEvent[]> {
    const history = await this.ledger.readStream(leadStream(leadId));
    if (history.length === 0) throw notFound('LEAD_NOT_FOUND', `lead ${leadId} does not exist`);
    return history;
  }
}

function written(reply: FastifyReply, leadId: string, result: StreamWriteResult) {
  void reply.header('etag', `"${result.revision}"`);
  if (result.replayed) void reply.header('idempotent-replayed', 'true');
  return { leadId, revision: Number(result.revision), position: result.position.toString() };
}

/** 422 with every officer considered and why each was passed over; the decision is in the lead's history. */
function noEligibleOfficer({ decision }: LeadUnroutableV1): ApiError {
  const message =
    decision.refusal === 'DUPLICATE_BORROWER'
      ? `this borrower is with officer ${decision.repeatBorrower?.officerId}, who cannot take this lead now; a repeat borrower never goes to a second officer`
      : decision.refusal === 'NO_ALLOCATIONS'
        ? `no officer has an allocation in market ${decision.marketId} for ${decision.month}`
        : `no officer in market ${decision.marketId} is eligible for this lead now; it can be routed again later`;
  const details = [
    ...(decision.refusal === 'DUPLICATE_BORROWER' ? [{ message: 'DUPLICATE_BORROWER', reasons: ['DUPLICATE_BORROWER'], officerId: decision.repeatBorrower?.officerId }] : []),
    ...decision.excluded.map((exclusion) => ({ message: exclusion.reasons.join(', '), officerId: exclusion.officerId, reasons: exclusion.reasons })),
  ];
  return new ApiError(422, 'NO_ELIGIBLE_OFFICER', message, details, { decision });
}

function normalisedPhone(raw: string): string {
  const phone = parsePhoneNumberFromString(raw, 'US');
  if (!phone?.isValid()) throw ApiError.validation([{ field: 'borrower.phone', message: 'borrower.phone must be a valid phone number' }]);
  return phone.number;
}

/** The public shape of one ledger event in a history: its covered fields, hash and prevHash (docs/ledger-format.md). */
function eventView(event: RecordedEvent) {
  return {
    position: event.position.toString(),
    revision: Number(event.revision),
    eventId: event.id,
    stream: event.stream,
    type: event.type,
    schemaVersion: event.schemaVersion,
    recordedAt: event.recordedAt,
    data: event.data,
    metadata: event.metadata,
    hash: event.chain?.hash ?? null,
    prevHash: event.chain?.prevHash ?? null,
  };
}

/** The CSV export's columns, in order; new columns only ever go at the end (docs/ledger-format.md, "Inclusion proofs"). */
const CSV_COLUMNS = [
  'position',
  'revision',
  'eventId',
  'type',
  'schemaVersion',
  'recordedAt',
  'correlationId',
  'causationId',
  'commandId',
  'actor',
  'data',
  'metadata',
  'stream',
  'hash',
  'prevHash',
  'leafIndex',
  'leafHash',
  'auditPath',
  'treeSize',
  'rootHash',
  'pii',
];

function csvRow(event: ReturnType<typeof eventView> & { pii?: object }, inclusion: ReturnType<typeof inclusionView>) {
  return {
    ...event,
    pii: event.pii === undefined ? undefined : JSON.stringify(event.pii),
    correlationId: event.metadata.correlationId,
    causationId: event.metadata.causationId,
    commandId: event.metadata.commandId,
    actor: event.metadata.actor,
    data: JSON.stringify(event.data),
    metadata: JSON.stringify(event.metadata),
    leafIndex: inclusion.leafIndex,
    leafHash: inclusion.leafHash,
    auditPath: inclusion.auditPath.join('|'),
  };
}

/** The last CSV row: the digest the proofs are against, as type `LedgerDigest`. */
function csvDigestRow(digest: ReturnType<typeof digestView>) {
  return {
    position: digest.position,
    revision: digest.revision,
    eventId: digest.eventId,
    type: 'LedgerDigest',
    recordedAt: digest.digestedAt,
    data: JSON.stringify({
      treeSize: digest.treeSize,
      rootHash: digest.rootHash,
      lastPosition: digest.lastPosition,
      lastEventId: digest.lastEventId,
      digestedAt: digest.digestedAt,
    }),
    stream: ledgerDigestStream(),
    hash: digest.hash,
    treeSize: digest.treeSize,
    rootHash: digest.rootHash,
  };
}
