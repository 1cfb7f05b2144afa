import { isValidTimeZone, US_STATES } from '@lead-ledger/domain';
import type { UsState } from '@lead-ledger/domain';
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
  @IsString() @Length(1, 200) name: string;
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(US_STATES.length)
  @ArrayUnique({ message: 'states must not repeat a state' })
  @IsIn(US_STATES, { each: true, message: 'each of states must be a two-letter US state or territory code' })
  states: UsState[];
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(1000)
  @ArrayUnique({ message: 'zipPrefixes must not repeat a prefix' })
  @Matches(/^\d{1,5}$/, { each: true, message: 'each of zipPrefixes must be 1 to 5 digits' })
  zipPrefixes?: string[] | null;
  @IsInt() @Min(1) @Max(10_000) seatCap: number;
  @IsIanaTimeZone() timeZone: string;
  /** Omitted or null: the default tolerance, max(1, 5% of the allocation). */
  @IsOptional() @IsNumber({ allowNaN: false, allowInfinity: false }) @Min(0) @Max(100_000) paceTolerance?: number | null;
  @IsOptional() @IsInt() @Min(0) @Max(365) dedupeWindowDays?: number | null;
}

export const DEFAULT_DEDUPE_WINDOW_DAYS = 30;
