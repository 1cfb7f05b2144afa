import { US_STATES } from '@lead-ledger/domain';
import type { UsState } from '@lead-ledger/domain';
import { ApiProperty } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayUnique, IsArray, IsBoolean, IsIn, IsString, Length, Matches } from 'class-validator';

/** The whole of an officer's profile: a PUT replaces it. */
export class OfficerProfileDto {
  @ApiProperty({ minLength: 1, maxLength: 200, example: 'Ana Ruiz' })
  @IsString() @Length(1, 200) name: string;
  @ApiProperty({ pattern: '^\\d{1,12}$', example: '123456', description: 'NMLS id, digits as a string' })
  @IsString() @Matches(/^\d{1,12}$/, { message: 'nmlsId must be the NMLS id: 1 to 12 digits, as a string' }) nmlsId: string;
  @ApiProperty({ enum: US_STATES, isArray: true, maxItems: US_STATES.length, uniqueItems: true, example: ['TX'] })
  @IsArray()
  @ArrayMaxSize(US_STATES.length)
  @ArrayUnique({ message: 'licensedStates must not repeat a state' })
  @IsIn(US_STATES, { each: true, message: 'each of licensedStates must be a two-letter US state or territory code' })
  licensedStates: UsState[];
  @ApiProperty({ example: true })
  @IsBoolean() active: boolean;
}
