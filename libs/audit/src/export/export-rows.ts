import { LeadCreatedV1, LeadEvent, LeadScoredV1 } from '@lead-ledger/domain';
import { RecordedEvent } from '@lead-ledger/ledger/ledger.port';
import { evolveLeadDoc, LeadDocFields } from '@lead-ledger/projections/leads/leads.projection';
import { LeadExportFilters } from './export-request';
import { redactPii } from './redaction';

/**
 * `include=events`: one row per ledger event, as the per-lead history shows it, plus the lead id
 * and the event's hash chain link (so every row can be matched to the ledger's own record).
 * NDJSON carries `data` and `metadata` as objects; CSV as JSON text, with the metadata's ids and
 * actor also in their own columns.
 */
export interface EventRow {
  leadId: string;
  /** Global log position, as a decimal string. */
  position: string;
  revision: number;
  eventId: string;
  type: string;
  schemaVersion: number;
  recordedAt: string;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
  hash: string | null;
  prevHash: string | null;
}

export const EVENT_CSV_COLUMNS = [
  'leadId',
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
  'hash',
  'prevHash',
  'data',
  'metadata',
] as const;

/**
 * `include=summary`: one row per lead, flat, the same keys in both formats. NDJSON keeps types
 * (numbers, booleans, null, the array); CSV writes null as an empty field, booleans as
 * true/false and failedOfficerIds joined with ";".
 */
export interface SummaryRow {
  leadId: string;
  status: LeadDocFields['status'];
  marketId: string | null;
  officerId: string | null;
  createdAt: string;
  routedAt: string | null;
  deliveredAt: string | null;
  creditedAt: string | null;
  score: number | null;
  grade: string | null;
  campaign: string;
  vendor: string | null;
  firstName: string;
  lastName: string;
  phone: string;
  email: string;
  state: string;
  zip: string;
  loanType: string;
  loanProgram: string | null;
  loanAmount: number;
  creditTier: string;
  consentTcpa: boolean;
  consentCapturedAt: string | null;
  consentIp: string | null;
  failedOfficerIds: string[];
  /** The lead stream's revision and global position as of the export. */
  revision: number;
  lastPosition: string;
}

export const SUMMARY_CSV_COLUMNS: ReadonlyArray<keyof SummaryRow> = [
  'leadId',
  'status',
  'marketId',
  'officerId',
  'createdAt',
  'routedAt',
  'deliveredAt',
  'creditedAt',
  'score',
  'grade',
  'campaign',
  'vendor',
  'firstName',
  'lastName',
  'phone',
  'email',
  'state',
  'zip',
  'loanType',
  'loanProgram',
  'loanAmount',
  'creditTier',
  'consentTcpa',
  'consentCapturedAt',
  'consentIp',
  'failedOfficerIds',
  'revision',
  'lastPosition',
];

export function eventRow(leadId: string, event: RecordedEvent, redact: boolean): EventRow {
  return {
    leadId,
    position: event.position.toString(),
    revision: Number(event.revision),
    eventId: event.id,
    type: event.type,
    schemaVersion: event.schemaVersion,
    recordedAt: event.recordedAt,
    data: redact ? redactPii(event.data) : event.data,
    metadata: event.metadata as Record<string, unknown>,
    hash: event.chain?.hash ?? null,
    prevHash: event.chain?.prevHash ?? null,
  };
}

/** A CSV record, as an array in EVENT_CSV_COLUMNS order (csv-stringify does less work per field than with objects). */
export function eventCsvRecord(row: EventRow): unknown[] {
  const metadata = row.metadata;
  return [
    row.leadId,
    row.position,
    row.revision,
    row.eventId,
    row.type,
    row.schemaVersion,
    row.recordedAt,
    metadata.correlationId,
    metadata.causationId,
    metadata.commandId,
    metadata.actor,
    row.hash,
    row.prevHash,
    JSON.stringify(row.data),
    JSON.stringify(metadata),
  ];
}

/** A CSV record, as an array in SUMMARY_CSV_COLUMNS order. */
export function summaryCsvRecord(row: SummaryRow): unknown[] {
  return SUMMARY_CSV_COLUMNS.map((column) => (column === 'failedOfficerIds' ? row.failedOfficerIds.join(';') : row[column]));
}

/** The lead's read-model document, folded from its stream exactly as the leads_v1 projection does. */
export function leadDocOf(events: RecordedEvent[]): LeadDocFields | null {
  let doc: LeadDocFields | null = null;
  for (const event of events) doc = evolveLeadDoc(doc, event as unknown as LeadEvent & { revision: bigint; position: bigint });
  return doc;
}

export function matchesFilters(doc: LeadDocFields, filters: LeadExportFilters): boolean {
  return (
    (filters.from === null || doc.createdAt >= filters.from) &&
    (filters.to === null || doc.createdAt < filters.to) &&
    (filters.officerId === null || doc.officerId === filters.officerId) &&
    (filters.marketId === null || doc.marketId === filters.marketId) &&
    (filters.status === null || doc.status === filters.status)
  );
}

/** createdAt is fixed at creation: a lead outside the date range never enters it. */
export function createdInRange(createdAt: string, filters: LeadExportFilters): boolean {
  return (filters.from === null || createdAt >= filters.from) && (filters.to === null || createdAt < filters.to);
}

export function summaryRow(doc: LeadDocFields, events: RecordedEvent[], redact: boolean): SummaryRow {
  const created = events[0].data as unknown as LeadCreatedV1;
  let scored: LeadScoredV1 | null = null;
  const failedOfficerIds: string[] = [];
  for (const event of events) {
    if (event.type === 'LeadScored') scored = event.data as unknown as LeadScoredV1;
    if (event.type === 'LeadDeliveryFailed') failedOfficerIds.push(String(event.data.officerId));
  }
  const borrower = redact ? redactPii(created.borrower) : created.borrower;
  const consentIp = created.consent.ip === undefined ? null : redact ? redactPii({ ip: created.consent.ip }).ip : created.consent.ip;
  return {
    leadId: doc.leadId,
    status: doc.status,
    marketId: doc.marketId,
    officerId: doc.officerId,
    createdAt: doc.createdAt,
    routedAt: doc.routedAt,
    deliveredAt: doc.deliveredAt,
    creditedAt: doc.creditedAt,
    score: scored?.score ?? null,
    grade: scored?.grade ?? null,
    campaign: created.source.campaign,
    vendor: created.source.vendor ?? null,
    firstName: borrower.firstName,
    lastName: borrower.lastName,
    phone: borrower.phone,
    email: borrower.email,
    state: created.property.state,
    zip: created.property.zip,
    loanType: created.loan.type,
    loanProgram: created.loan.program ?? null,
    loanAmount: created.loan.amount,
    creditTier: created.creditTier,
    consentTcpa: created.consent.tcpa,
    consentCapturedAt: created.consent.capturedAt ?? null,
    consentIp,
    failedOfficerIds,
    revision: doc.revision,
    lastPosition: events[events.length - 1].position.toString(),
  };
}
