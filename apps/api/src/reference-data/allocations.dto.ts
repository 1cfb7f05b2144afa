import { CREDIT_TIERS, DATE_PATTERN, LOAN_TYPES, US_STATES } from '@lead-ledger/domain';
import type { CreditTier, LoanType, UsState } from '@lead-ledger/domain';
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
import { SLUG } from '../leads/leads.dto';

const AMOUNT = { allowNaN: false, allowInfinity: false, maxDecimalPlaces: 2 } as const;

/** Every filter is optional; a list given must name at least one value (an empty list would match no lead). */
export class AllocationFiltersDto {
  @IsOptional() @IsArray() @ArrayMinSize(1) @ArrayUnique() @IsIn(LOAN_TYPES, { each: true }) loanTypes?: LoanType[];
  @IsOptional() @IsNumber(AMOUNT) @Min(0) @Max(100_000_000) minLoanAmount?: number;
  @IsOptional() @IsNumber(AMOUNT) @Min(0) @Max(100_000_000) maxLoanAmount?: number;
  @IsOptional() @IsArray() @ArrayMinSize(1) @ArrayUnique() @IsIn(CREDIT_TIERS, { each: true }) creditTiers?: CreditTier[];
  @IsOptional() @IsNumber({ allowNaN: false, allowInfinity: false }) @Min(0) @Max(100) minScore?: number;
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
  @Matches(SLUG, { message: 'marketId must be a slug: lowercase letters, digits, "_" or "-", 1 to 64 characters' }) marketId: string;
  @IsInt() @Min(1) @Max(100_000) leads: number;
  /** Format only here; whether it is a real day of the month is the contract rule's to say (422). */
  @IsOptional() @IsString() @Matches(DATE_PATTERN, { message: 'startsOn must be a date, YYYY-MM-DD' }) startsOn?: string | null;
  @IsOptional() @IsObject() @ValidateNested() @Type(() => AllocationFiltersDto) filters?: AllocationFiltersDto | null;
}

export class AllocationReasonDto {
  @IsString() @Length(1, 1000) @Matches(/\S/, { message: 'reason must not be blank' }) reason: string;
}


export class PaceTableQueryDto {
  @Matches(SLUG, { message: 'marketId is required and must be a slug: lowercase letters, digits, "_" or "-", 1 to 64 characters' }) marketId: string;
}
