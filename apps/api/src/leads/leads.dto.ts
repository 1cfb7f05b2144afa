import { CREDIT_REASONS, CREDIT_TIERS, DELIVERY_CHANNELS, LOAN_PROGRAMS, LOAN_TYPES, SCORE_GRADES, US_STATES } from '@lead-ledger/domain';
import type { CreditReason, CreditTier, DeliveryChannel, LoanProgram, LoanType, ScoreGrade, UsState } from '@lead-ledger/domain';
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

/** Market and officer ids are caller-chosen slugs (the contract's id rule). */
export const SLUG = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const SLUG_MESSAGE = 'must be a slug: lowercase letters, digits, "_" or "-", 1 to 64 characters';
const ISO_TIME = { strict: true, strictSeparator: true } as const;
/** Times must carry a zone: a bare local time would be read in whatever zone the server runs in. */
const ZONED = /(Z|[+-]\d{2}:?\d{2})$/;

export class LeadSourceDto {
  @IsString() @Length(1, 128) campaign: string;
  @IsOptional() @IsString() @Length(1, 128) vendor?: string;
}

export class BorrowerDto {
  @IsString() @Length(1, 100) firstName: string;
  @IsString() @Length(1, 100) lastName: string;
  /** Any format a person would type; stored normalised to E.164 (US numbers by default). */
  @IsString() @Length(7, 32) phone: string;
  @IsEmail({}, { message: 'email must be an email address' }) @MaxLength(254) email: string;
}

export class PropertyDto {
  @IsIn(US_STATES, { message: 'state must be a two-letter US state or territory code' }) state: UsState;
  @Matches(/^\d{5}(-\d{4})?$/, { message: 'zip must be a 5-digit ZIP or ZIP+4' }) zip: string;
}

export class LoanDto {
  @IsIn(LOAN_TYPES) type: LoanType;
  @IsOptional() @IsIn(LOAN_PROGRAMS) program?: LoanProgram;
  @IsNumber({ allowNaN: false, allowInfinity: false, maxDecimalPlaces: 2 }) @Min(1) @Max(100_000_000) amount: number;
}

export class ConsentDto {
  @IsBoolean() tcpa: boolean;
  /** Optional here so a missing time is answered by the consent rule (422), not as malformed input. */
  @IsOptional()
  @IsISO8601(ISO_TIME)
  @Matches(ZONED, { message: 'consent.capturedAt must name its zone: end with Z or an offset such as -05:00' })
  capturedAt?: string;
  @IsOptional() @IsString() @Length(1, 5000) text?: string;
  @IsOptional() @IsUrl({ protocols: ['https', 'http'], require_protocol: true }) @MaxLength(2048) certificateUrl?: string;
  @IsOptional() @IsIP() ip?: string;
}

export class CreateLeadDto {
  @IsOptional() @IsUUID('all', { message: 'leadId must be a UUID' }) leadId?: string;
  @IsOptional() @Matches(SLUG, { message: `marketId ${SLUG_MESSAGE}` }) marketId?: string;
  @IsObject() @ValidateNested() @Type(() => LeadSourceDto) source: LeadSourceDto;
  @IsObject() @ValidateNested() @Type(() => BorrowerDto) borrower: BorrowerDto;
  @IsObject() @ValidateNested() @Type(() => PropertyDto) property: PropertyDto;
  @IsObject() @ValidateNested() @Type(() => LoanDto) loan: LoanDto;
  @IsIn(CREDIT_TIERS) creditTier: CreditTier;
  @IsObject() @IsNotEmptyObject() @ValidateNested() @Type(() => ConsentDto) consent: ConsentDto;
}

export class ScoreLeadDto {
  @IsNumber({ allowNaN: false, allowInfinity: false, maxDecimalPlaces: 4 }) @Min(0) @Max(100) score: number;
  @IsOptional() @IsIn(SCORE_GRADES) grade?: ScoreGrade;
  @IsOptional() @IsArray() @ArrayMaxSize(50) @IsString({ each: true }) @MaxLength(500, { each: true }) reasons?: string[];
  @IsOptional() @IsString() @Length(1, 200) model?: string;
}

/** `{}` asks for the automatic rule; `{officerId, reason}` is an operator's override. */
export class RouteLeadDto {
  @ValidateIf((dto: RouteLeadDto) => dto.officerId !== undefined || dto.reason !== undefined)
  @IsString({ message: 'officerId is required with reason: an override names the officer' })
  @Matches(SLUG, { message: `officerId ${SLUG_MESSAGE}` })
  officerId?: string;
  @ValidateIf((dto: RouteLeadDto) => dto.officerId !== undefined || dto.reason !== undefined)
  @IsString({ message: 'reason is required with officerId: say why the rule is overridden' })
  @Length(1, 1000)
  reason?: string;
}

export class DeliveryFailureDto {
  @Matches(SLUG, { message: `officerId ${SLUG_MESSAGE}` }) officerId: string;
  @IsString() @Length(1, 1000) reason: string;
}

export class DeliverLeadDto {
  @Matches(SLUG, { message: `officerId ${SLUG_MESSAGE}` }) officerId: string;
  @IsIn(DELIVERY_CHANNELS) channel: DeliveryChannel;
  @IsOptional() @IsString() @Length(1, 2000) receipt?: string;
}

export class CreditLeadDto {
  @IsIn(CREDIT_REASONS) reason: CreditReason;
  @IsOptional() @IsString() @Length(1, 2000) note?: string;
}

export class HistoryQueryDto {
  @IsOptional() @IsIn(['json', 'csv', 'ndjson']) format?: 'json' | 'csv' | 'ndjson';
}

