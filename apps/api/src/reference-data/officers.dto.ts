import { US_STATES } from '@lead-ledger/domain';
import type { UsState } from '@lead-ledger/domain';
import { ArrayMaxSize, ArrayUnique, IsArray, IsBoolean, IsIn, IsString, Length, Matches } from 'class-validator';

/** The whole of an officer's profile: a PUT replaces it. */
export class OfficerProfileDto {
  @IsString() @Length(1, 200) name: string;
  @IsString() @Matches(/^\d{1,12}$/, { message: 'nmlsId must be the NMLS id: 1 to 12 digits, as a string' }) nmlsId: string;
  @IsArray()
  @ArrayMaxSize(US_STATES.length)
  @ArrayUnique({ message: 'licensedStates must not repeat a state' })
  @IsIn(US_STATES, { each: true, message: 'each of licensedStates must be a two-letter US state or territory code' })
  licensedStates: UsState[];
  @IsBoolean() active: boolean;
}
