import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { CREDIT_TIERS } from '@lead-ledger/domain';
import { EventInclusionView, LedgerDigestView } from '../audit/audit.responses';
import { ErrorResponse } from '../observability/openapi';

/** OpenAPI schemas of what the lead endpoints answer (leads.controller.ts builds the bodies). */

export class LeadWriteReceipt {
  @ApiProperty({ format: 'uuid' }) leadId: string;
  @ApiProperty({ type: 'integer', description: "The lead stream's revision after the command (also the ETag)", example: 2 })
  revision: number;
  @ApiProperty({ description: 'Global log position of the stream\'s last event, a decimal string', example: '1042' })
  position: string;
  @ApiPropertyOptional({ description: 'On create: the borrower\'s pseudonymous id (erasure is asked for by it: POST /v1/borrowers/{borrowerRef}/erase)', example: '9f2c4e0d7a1b3c5e8f6a2d4b1c3e5f70' })
  borrowerRef?: string;
}

// Borrower contact details as a view shows them (PII section of the README): the details for a key with pii:read,
// {"redacted": true} without it, {"erased": true, "erasedAt"} once the borrower was erased.
const BORROWER_PII = {
  type: 'object',
  additionalProperties: true,
  description: 'With pii:read: {firstName, lastName, phone, email, consentIp?}; without it: {redacted: true}; after erasure, for every key: {erased: true, erasedAt}',
  example: { erased: true, erasedAt: '2026-11-22T15:04:05.000Z' },
} as const;

const DECISION = {
  type: 'object',
  additionalProperties: true,
  description: 'The whole routing decision as recorded in LeadRouted: rule and version, time, candidates, exclusions with reasons, winner (or an override with its reason and who made it)',
} as const;

export class RouteReceipt extends LeadWriteReceipt {
  @ApiProperty({ example: 'lo-ana', description: 'The officer the lead is routed to' }) officerId: string;
  @ApiProperty(DECISION) decision: Record<string, unknown>;
}

/** 422 NO_ELIGIBLE_OFFICER: the error body plus the decision recorded as LeadUnroutable. */
export class NoEligibleOfficerResponse extends ErrorResponse {
  @ApiProperty(DECISION) decision: Record<string, unknown>;
}

export class LeadScoreView {
  @ApiProperty() score: number;
  @ApiPropertyOptional() grade?: string;
  @ApiProperty({ type: [String] }) reasons: string[];
  @ApiPropertyOptional() model?: string;
  @ApiProperty({ format: 'date-time' }) scoredAt: string;
}

export class LeadSummary {
  @ApiProperty({ format: 'uuid' }) leadId: string;
  @ApiProperty({ enum: ['new', 'scored', 'routed', 'delivered', 'credited'], example: 'routed' }) status: string;
  @ApiProperty({ type: 'string', nullable: true, example: 'dfw' }) marketId: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true, example: { state: 'TX', zip: '75201' } }) property: Record<string, unknown>;
  @ApiProperty({ type: 'object', additionalProperties: true, example: { type: 'purchase', program: 'fha', amount: 350000 } }) loan: Record<string, unknown>;
  @ApiProperty({ enum: CREDIT_TIERS }) creditTier: string;
  @ApiProperty({ type: 'object', additionalProperties: true, example: { campaign: 'fb-nov' } }) source: Record<string, unknown>;
  @ApiProperty({ type: LeadScoreView, nullable: true }) score: LeadScoreView | null;
  @ApiProperty({ type: 'string', nullable: true, example: 'lo-ana' }) officerId: string | null;
  @ApiProperty({ type: [String], description: 'Officers whose delivery failed; the lead never goes back to them' }) failedOfficerIds: string[];
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true }) deliveredAt: string | null;
  @ApiProperty({ type: 'string', nullable: true, description: "The borrower's pseudonymous id; null for a lead recorded before borrower data was sealed", example: '9f2c4e0d7a1b3c5e8f6a2d4b1c3e5f70' })
  borrowerRef: string | null;
  @ApiProperty(BORROWER_PII) borrower: Record<string, unknown>;
  @ApiProperty({ type: 'integer', description: 'Also the ETag' }) revision: number;
  @ApiProperty({ example: '1042' }) position: string;
}

export class LedgerEventView {
  @ApiProperty({ example: '1042' }) position: string;
  @ApiProperty({ type: 'integer' }) revision: number;
  @ApiProperty({ format: 'uuid' }) eventId: string;
  @ApiProperty({ example: 'lead-0b6c…' }) stream: string;
  @ApiProperty({ example: 'LeadRouted' }) type: string;
  @ApiProperty({ type: 'integer', example: 1 }) schemaVersion: number;
  @ApiProperty({ format: 'date-time' }) recordedAt: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) data: Record<string, unknown>;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'correlationId, causationId, commandId, actor, idempotencyKey' }) metadata: Record<string, unknown>;
  @ApiProperty({ type: 'string', nullable: true, description: 'sha256 of the event in the hash chain (docs/ledger-format.md)' }) hash: string | null;
  @ApiProperty({ type: 'string', nullable: true }) prevHash: string | null;
  @ApiPropertyOptional({ ...BORROWER_PII, description: `On LeadCreated only, outside the hashed fields. ${BORROWER_PII.description}` }) pii?: Record<string, unknown>;
}

export class LeadProofView {
  @ApiProperty({ type: LedgerDigestView }) digest: LedgerDigestView;
  @ApiProperty({ type: [EventInclusionView] }) inclusions: EventInclusionView[];
}

export class LeadHistory {
  @ApiProperty({ format: 'uuid' }) leadId: string;
  @ApiProperty({ type: [LedgerEventView] }) events: LedgerEventView[];
  @ApiProperty({ type: LeadProofView, description: 'Inclusion of every event in a recorded Merkle digest of the log' }) proof: LeadProofView;
}
