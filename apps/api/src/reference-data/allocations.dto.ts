import { CREDIT_TIERS, DATE_PATTERN, LOAN_TYPES, US_STATES } from '@lead-ledger/domain';
import type { CreditTier, LoanType, UsState } from '@lead-ledger/domain';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsIn,
  IsInt,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { MaxDecimalPlaces } from '../http/validation';
import { SLUG, SLUG_PATTERN } from '../leads/leads.dto';

const AMOUNT = { allowNaN: false, allowInfinity: false } as const;

/** Every filter is optional; a list given must name at least one value (an empty list would match no lead). */
export class AllocationFiltersDto {
  @ApiPropertyOptional({ enum: LOAN_TYPES, isArray: true, minItems: 1, uniqueItems: true, example: ['purchase', 'refinance'] })
  @IsOptional() @IsArray() @ArrayMinSize(1) @ArrayUnique() @IsIn(LOAN_TYPES, { each: true }) loanTypes?: LoanType[];
  @ApiPropertyOptional({ minimum: 0, maximum: 100_000_000, multipleOf: 0.01, example: 100000 })
  @IsOptional() @IsNumber(AMOUNT) @MaxDecimalPlaces(2) @Min(0) @Max(100_000_000) minLoanAmount?: number;
  @ApiPropertyOptional({ minimum: 0, maximum: 100_000_000, multipleOf: 0.01, example: 800000 })
  @IsOptional() @IsNumber(AMOUNT) @MaxDecimalPlaces(2) @Min(0) @Max(100_000_000) maxLoanAmount?: number;
  @ApiPropertyOptional({ enum: CREDIT_TIERS, isArray: true, minItems: 1, uniqueItems: true, example: ['excellent', 'good'] })
  @IsOptional() @IsArray() @ArrayMinSize(1) @ArrayUnique() @IsIn(CREDIT_TIERS, { each: true }) creditTiers?: CreditTier[];
  @ApiPropertyOptional({ minimum: 0, maximum: 100, example: 60, description: 'Leads scored below this (or not scored) do not match' })
  @IsOptional() @IsNumber({ allowNaN: false, allowInfinity: false }) @Min(0) @Max(100) minScore?: number;
  @ApiPropertyOptional({ enum: US_STATES, isArray: true, minItems: 1, maxItems: US_STATES.length, uniqueItems: true, example: ['TX'] })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(US_STATES.length)
  @ArrayUnique()
  @IsIn(US_STATES, { each: true, message: 'each of states must be a two-letter US state or territory code' })
  states?: UsState[];
}

/** The whole of an allocation's terms: a PUT replaces them. */
export class ContractAllocationDto {
  @ApiProperty({ pattern: SLUG_PATTERN, example: 'dfw' })
  @Matches(SLUG, { message: 'marketId must be a slug: lowercase letters, digits, "_" or "-", 1 to 64 characters' }) marketId: string;
  @ApiProperty({ type: 'integer', minimum: 1, maximum: 100_000, example: 40, description: 'Leads the officer bought for the month' })
  @IsInt() @Min(1) @Max(100_000) leads: number;
  /** Format only here; whether it is a real day of the month is the contract rule's to say (422). */
  @ApiPropertyOptional({ type: 'string', format: 'date', nullable: true, example: '2026-11-10', description: 'First day of delivery (local to the market); default: the month start' })
  @IsOptional() @IsString() @Matches(DATE_PATTERN, { message: 'startsOn must be a date, YYYY-MM-DD' }) startsOn?: string | null;
  @ApiPropertyOptional({ type: () => AllocationFiltersDto, nullable: true })
  @IsOptional() @IsObject() @ValidateNested() @Type(() => AllocationFiltersDto) filters?: AllocationFiltersDto | null;
}

export class AllocationReasonDto {
  @ApiProperty({ minLength: 1, maxLength: 1000, example: 'officer on vacation' })
  @IsString() @Length(1, 1000) @Matches(/\S/, { message: 'reason must not be blank' }) reason: string;
}


export class PaceTableQueryDto {
  @ApiProperty({ pattern: SLUG_PATTERN, example: 'dfw' })
  @Matches(SLUG, { message: 'marketId is required and must be a slug: lowercase letters, digits, "_" or "-", 1 to 64 characters' }) marketId: string;
}
