import { LeadCreatedV1, LeadEvent, LeadScoredV1 } from '@lead-ledger/domain';
import { RecordedEvent } from '@lead-ledger/ledger/ledger.port';
import { evolveLeadDoc, LeadDocFields } from '@lead-ledger/projections/leads/leads.projection';
import { LeadExportFilters } from './export-request';
import { BorrowerPiiView } from './pii-disclosure';
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
  /** On a LeadCreated: the borrower's contact details as this export may show them (docs/ledger-format.md, "Sealed borrower data"). */
  pii?: BorrowerPiiView;
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
  'pii',
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
  /** Null when the export may not show contact details, or the borrower was erased (see piiStatus). */
  firstName: string | null;
  lastName: string | null;
  phone: string | null;
  email: string | null;
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
  /** The pseudonymous borrower id (null for a lead recorded before borrower data was sealed). */
  borrowerRef: string | null;
  /** `revealed`, `erased` (the data key was destroyed) or `redacted` (this export may not show contact details). */
  piiStatus: 'revealed' | 'erased' | 'redacted';
  erasedAt: string | null;
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
  'borrowerRef',
  'piiStatus',
  'erasedAt',
];

/**
 * `disclosed`: for a LeadCreated, its data and contact details as discloseLeadCreated gave them
 * (which already applied the redaction); for any other event, redaction masks PII by field name.
 */
export function eventRow(leadId: string, event: RecordedEvent, redact: boolean, disclosed?: { data: Record<string, unknown>; pii: BorrowerPiiView } | null): EventRow {
  return {
    leadId,
    position: event.position.toString(),
    revision: Number(event.revision),
    eventId: event.id,
    type: event.type,
    schemaVersion: event.schemaVersion,
    recordedAt: event.recordedAt,
    data: disclosed ? disclosed.data : redact ? redactPii(event.data) : event.data,
    metadata: event.metadata as Record<string, unknown>,
    hash: event.chain?.hash ?? null,
    prevHash: event.chain?.prevHash ?? null,
    ...(disclosed && { pii: disclosed.pii }),
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
    row.pii === undefined ? '' : JSON.stringify(row.pii),
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

/** `pii`: the LeadCreated's contact details as discloseLeadCreated gave them (already redacted as asked). */
export function summaryRow(doc: LeadDocFields, events: RecordedEvent[], pii: BorrowerPiiView): SummaryRow {
  const created = events[0].data as unknown as Omit<LeadCreatedV1, 'borrower'> & { borrowerRef?: string };
  let scored: LeadScoredV1 | null = null;
  const failedOfficerIds: string[] = [];
  for (const event of events) {
    if (event.type === 'LeadScored') scored = event.data as unknown as LeadScoredV1;
    if (event.type === 'LeadDeliveryFailed') failedOfficerIds.push(String(event.data.officerId));
  }
  const contact = 'firstName' in pii ? pii : null;
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
    firstName: contact?.firstName ?? null,
    lastName: contact?.lastName ?? null,
    phone: contact?.phone ?? null,
    email: contact?.email ?? null,
    state: created.property.state,
    zip: created.property.zip,
    loanType: created.loan.type,
    loanProgram: created.loan.program ?? null,
    loanAmount: created.loan.amount,
    creditTier: created.creditTier,
    consentTcpa: created.consent.tcpa,
    consentCapturedAt: created.consent.capturedAt ?? null,
    consentIp: contact?.consentIp ?? null,
    failedOfficerIds,
    revision: doc.revision,
    lastPosition: events[events.length - 1].position.toString(),
    borrowerRef: created.borrowerRef ?? null,
    piiStatus: contact ? 'revealed' : 'erased' in pii ? 'erased' : 'redacted',
    erasedAt: 'erased' in pii ? pii.erasedAt : null,
  };
}
