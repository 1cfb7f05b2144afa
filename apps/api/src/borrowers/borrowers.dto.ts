import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length } from 'class-validator';

export class EraseBorrowerDto {
  @ApiProperty({ description: 'Why the data is erased (e.g. the borrower\'s deletion request). Recorded in the ledger: write no personal data here.', example: 'borrower asked to be forgotten (CCPA request)', minLength: 1, maxLength: 1000 })
  @IsString()
  @Length(1, 1000)
  reason: string;

  @ApiPropertyOptional({ description: 'Your reference for the request (ticket, DSR number), recorded with the erasure.', example: 'DSR-2026-0042', minLength: 1, maxLength: 200 })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  requestReference?: string;
}

export class BorrowerErasedResponse {
  @ApiProperty({ example: '9f2c4e0d7a1b3c5e8f6a2d4b1c3e5f70', description: 'The pseudonymous borrower id.' })
  borrowerRef: string;
  @ApiProperty({ example: '2026-11-22T15:04:05.000Z', description: 'When the data keys were destroyed.' })
  erasedAt: string;
  @ApiProperty({ type: [String], description: 'The data keys destroyed.', example: ['dk_5f1c0a9e3b7d2c4e6f8a0b1c'] })
  keyIds: string[];
  @ApiProperty({ description: 'Revision of the borrower-<ref> stream after the BorrowerErased event.', example: 0 })
  revision: number;
  @ApiProperty({ description: 'Global log position of the BorrowerErased event, as a decimal string.', example: '1042' })
  position: string;
}
