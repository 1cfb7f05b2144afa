import { CREDIT_REASONS, CREDIT_TIERS, DELIVERY_CHANNELS, LOAN_PROGRAMS, LOAN_TYPES, SCORE_GRADES, US_STATES } from '@lead-ledger/domain';
import type { CreditReason, CreditTier, DeliveryChannel, LoanProgram, LoanType, ScoreGrade, UsState } from '@lead-ledger/domain';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsEmail,
  IsIn,
  IsISO8601,
  IsIP,
  IsNotEmptyObject,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  IsUrl,
  IsUUID,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import { MaxDecimalPlaces } from '../http/validation';

/** Market and officer ids are caller-chosen slugs (the contract's id rule). */
export const SLUG = /^[a-z0-9][a-z0-9_-]{0,63}$/;
/** SLUG as OpenAPI writes a pattern. */
export const SLUG_PATTERN = SLUG.source;
const SLUG_MESSAGE = 'must be a slug: lowercase letters, digits, "_" or "-", 1 to 64 characters';
const ISO_TIME = { strict: true, strictSeparator: true } as const;
/** Times must carry a zone: a bare local time would be read in whatever zone the server runs in. */
const ZONED = /(Z|[+-]\d{2}:?\d{2})$/;

export class LeadSourceDto {
  @ApiProperty({ minLength: 1, maxLength: 128, example: 'fb-nov' })
  @IsString() @Length(1, 128) campaign: string;
  @ApiPropertyOptional({ minLength: 1, maxLength: 128, example: 'acme-leads' })
  @IsOptional() @IsString() @Length(1, 128) vendor?: string;
}

export class BorrowerDto {
  @ApiProperty({ minLength: 1, maxLength: 100, example: 'Sarah' })
  @IsString() @Length(1, 100) firstName: string;
  @ApiProperty({ minLength: 1, maxLength: 100, example: 'Lee' })
  @IsString() @Length(1, 100) lastName: string;
  /** Any format a person would type; stored normalised to E.164 (US numbers by default). */
  @ApiProperty({ minLength: 7, maxLength: 32, example: '+12145550123', description: 'Any format a person would type; stored as E.164 (US by default)' })
  @IsString() @Length(7, 32) phone: string;
  @ApiProperty({ format: 'email', maxLength: 254, example: 'sarah@example.com' })
  @IsEmail({}, { message: 'email must be an email address' }) @MaxLength(254) email: string;
}

export class PropertyDto {
  @ApiProperty({ enum: US_STATES, example: 'TX', description: 'Two-letter US state or territory code' })
  @IsIn(US_STATES, { message: 'state must be a two-letter US state or territory code' }) state: UsState;
  @ApiProperty({ pattern: '^\\d{5}(-\\d{4})?$', example: '75201' })
  @Matches(/^\d{5}(-\d{4})?$/, { message: 'zip must be a 5-digit ZIP or ZIP+4' }) zip: string;
}

export class LoanDto {
  @ApiProperty({ enum: LOAN_TYPES, example: 'purchase' })
  @IsIn(LOAN_TYPES) type: LoanType;
  @ApiPropertyOptional({ enum: LOAN_PROGRAMS, example: 'fha' })
  @IsOptional() @IsIn(LOAN_PROGRAMS) program?: LoanProgram;
  @ApiProperty({ minimum: 1, maximum: 100_000_000, multipleOf: 0.01, example: 350000, description: 'US dollars, at most 2 decimals' })
  @IsNumber({ allowNaN: false, allowInfinity: false }) @MaxDecimalPlaces(2) @Min(1) @Max(100_000_000) amount: number;
}

export class ConsentDto {
  @ApiProperty({ example: true, description: 'The borrower agreed to be contacted (TCPA)' })
  @IsBoolean() tcpa: boolean;
  /** Optional here so a missing time is answered by the consent rule (422), not as malformed input. */
  @ApiPropertyOptional({ format: 'date-time', example: '2026-11-22T15:04:05Z', description: 'When consent was captured, with its zone; routing refuses consent older than CONSENT_MAX_AGE_DAYS (422 CONSENT_INVALID)' })
  @IsOptional()
  @IsISO8601(ISO_TIME)
  @Matches(ZONED, { message: 'consent.capturedAt must name its zone: end with Z or an offset such as -05:00' })
  capturedAt?: string;
  @ApiPropertyOptional({ minLength: 1, maxLength: 5000, example: 'I agree to be contacted.' })
  @IsOptional() @IsString() @Length(1, 5000) text?: string;
  @ApiPropertyOptional({ format: 'uri', maxLength: 2048, example: 'https://cert.trustedform.com/abc123' })
  @IsOptional() @IsUrl({ protocols: ['https', 'http'], require_protocol: true }) @MaxLength(2048) certificateUrl?: string;
  @ApiPropertyOptional({ description: 'IPv4 or IPv6 address the consent came from', example: '203.0.113.7' })
  @IsOptional() @IsIP() ip?: string;
}

export class CreateLeadDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'Defaults to one derived from the Idempotency-Key, else a random UUID' })
  @IsOptional() @IsUUID('all', { message: 'leadId must be a UUID' }) leadId?: string;
  @ApiPropertyOptional({ pattern: SLUG_PATTERN, example: 'dfw', description: 'Omitted: the market is resolved from the property state and ZIP' })
  @IsOptional() @Matches(SLUG, { message: `marketId ${SLUG_MESSAGE}` }) marketId?: string;
  @ApiProperty({ type: () => LeadSourceDto })
  @IsObject() @ValidateNested() @Type(() => LeadSourceDto) source: LeadSourceDto;
  @ApiProperty({ type: () => BorrowerDto })
  @IsObject() @ValidateNested() @Type(() => BorrowerDto) borrower: BorrowerDto;
  @ApiProperty({ type: () => PropertyDto })
  @IsObject() @ValidateNested() @Type(() => PropertyDto) property: PropertyDto;
  @ApiProperty({ type: () => LoanDto })
  @IsObject() @ValidateNested() @Type(() => LoanDto) loan: LoanDto;
  @ApiProperty({ enum: CREDIT_TIERS, example: 'good' })
  @IsIn(CREDIT_TIERS) creditTier: CreditTier;
  @ApiProperty({ type: () => ConsentDto })
  @IsObject() @IsNotEmptyObject() @ValidateNested() @Type(() => ConsentDto) consent: ConsentDto;
}

export class ScoreLeadDto {
  @ApiProperty({ minimum: 0, maximum: 100, multipleOf: 0.0001, example: 82 })
  @IsNumber({ allowNaN: false, allowInfinity: false }) @MaxDecimalPlaces(4) @Min(0) @Max(100) score: number;
  @ApiPropertyOptional({ enum: SCORE_GRADES, example: 'B' })
  @IsOptional() @IsIn(SCORE_GRADES) grade?: ScoreGrade;
  @ApiPropertyOptional({ type: [String], maxItems: 50, items: { type: 'string', maxLength: 500 }, example: ['verified phone'] })
  @IsOptional() @IsArray() @ArrayMaxSize(50) @IsString({ each: true }) @MaxLength(500, { each: true }) reasons?: string[];
  @ApiPropertyOptional({ minLength: 1, maxLength: 200, example: 'lead-score-v3' })
  @IsOptional() @IsString() @Length(1, 200) model?: string;
}

/** `{}` asks for the automatic rule; `{officerId, reason}` is an operator's override. */
export class RouteLeadDto {
  @ApiPropertyOptional({ pattern: SLUG_PATTERN, example: 'lo-ana', description: 'An override: the officer to route to; requires reason' })
  @ValidateIf((dto: RouteLeadDto) => dto.officerId !== undefined || dto.reason !== undefined)
  @IsString({ message: 'officerId is required with reason: an override names the officer' })
  @Matches(SLUG, { message: `officerId ${SLUG_MESSAGE}` })
  officerId?: string;
  @ApiPropertyOptional({ minLength: 1, maxLength: 1000, example: 'borrower asked for Ana', description: 'Why the rule is overridden; requires officerId' })
  @ValidateIf((dto: RouteLeadDto) => dto.officerId !== undefined || dto.reason !== undefined)
  @IsString({ message: 'reason is required with officerId: say why the rule is overridden' })
  @Length(1, 1000)
  reason?: string;
}

export class DeliveryFailureDto {
  @ApiProperty({ pattern: SLUG_PATTERN, example: 'lo-ana' })
  @Matches(SLUG, { message: `officerId ${SLUG_MESSAGE}` }) officerId: string;
  @ApiProperty({ minLength: 1, maxLength: 1000, example: 'CRM rejected the lead' })
  @IsString() @Length(1, 1000) reason: string;
}

export class DeliverLeadDto {
  @ApiProperty({ pattern: SLUG_PATTERN, example: 'lo-ana', description: 'The officer the lead is routed to' })
  @Matches(SLUG, { message: `officerId ${SLUG_MESSAGE}` }) officerId: string;
  @ApiProperty({ enum: DELIVERY_CHANNELS, example: 'crm' })
  @IsIn(DELIVERY_CHANNELS) channel: DeliveryChannel;
  @ApiPropertyOptional({ minLength: 1, maxLength: 2000, example: 'crm-889' })
  @IsOptional() @IsString() @Length(1, 2000) receipt?: string;
}

export class CreditLeadDto {
  @ApiProperty({ enum: CREDIT_REASONS, example: 'disconnected_number' })
  @IsIn(CREDIT_REASONS) reason: CreditReason;
  @ApiPropertyOptional({ minLength: 1, maxLength: 2000, example: 'number out of service' })
  @IsOptional() @IsString() @Length(1, 2000) note?: string;
}

export class HistoryQueryDto {
  @ApiPropertyOptional({ enum: ['json', 'csv', 'ndjson'], default: 'json' })
  @IsOptional() @IsIn(['json', 'csv', 'ndjson']) format?: 'json' | 'csv' | 'ndjson';
}

