import { isValidTimeZone, US_STATES } from '@lead-ledger/domain';
import type { UsState } from '@lead-ledger/domain';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsIn, IsInt, IsNumber, IsOptional, IsString, Length, Matches, Max, Min, ValidateBy } from 'class-validator';

const IsIanaTimeZone = () =>
  ValidateBy({
    name: 'isIanaTimeZone',
    validator: {
      validate: (value) => typeof value === 'string' && isValidTimeZone(value),
      defaultMessage: () => 'timeZone must be an IANA time zone, e.g. America/Chicago',
    },
  });

/** The whole of a market's settings: a PUT replaces them, and omitted optionals take their defaults. */
export class MarketSettingsDto {
  @ApiProperty({ minLength: 1, maxLength: 200, example: 'Dallas-Fort Worth' })
  @IsString() @Length(1, 200) name: string;
  @ApiProperty({ enum: US_STATES, isArray: true, minItems: 1, maxItems: US_STATES.length, uniqueItems: true, example: ['TX'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(US_STATES.length)
  @ArrayUnique({ message: 'states must not repeat a state' })
  @IsIn(US_STATES, { each: true, message: 'each of states must be a two-letter US state or territory code' })
  states: UsState[];
  @ApiPropertyOptional({ type: [String], nullable: true, maxItems: 1000, uniqueItems: true, items: { type: 'string', pattern: '^\\d{1,5}$' }, example: ['750', '751'], description: 'ZIP prefixes that resolve to this market; default none' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(1000)
  @ArrayUnique({ message: 'zipPrefixes must not repeat a prefix' })
  @Matches(/^\d{1,5}$/, { each: true, message: 'each of zipPrefixes must be 1 to 5 digits' })
  zipPrefixes?: string[] | null;
  @ApiProperty({ type: 'integer', minimum: 1, maximum: 10_000, example: 5 })
  @IsInt() @Min(1) @Max(10_000) seatCap: number;
  @ApiProperty({ example: 'America/Chicago', description: 'IANA time zone; month boundaries are local midnights in it' })
  @IsIanaTimeZone() timeZone: string;
  /** Omitted or null: the default tolerance, max(1, 5% of the allocation). */
  @ApiPropertyOptional({ type: 'number', nullable: true, minimum: 0, maximum: 100_000, example: 2, description: 'Leads an officer may run ahead of pace; default max(1, 5% of the allocation)' })
  @IsOptional() @IsNumber({ allowNaN: false, allowInfinity: false }) @Min(0) @Max(100_000) paceTolerance?: number | null;
  @ApiPropertyOptional({ type: 'integer', nullable: true, minimum: 0, maximum: 365, default: 30, description: 'Days a routed borrower stays with their officer' })
  @IsOptional() @IsInt() @Min(0) @Max(365) dedupeWindowDays?: number | null;
}

export const DEFAULT_DEDUPE_WINDOW_DAYS = 30;
