import { ApiProperty } from '@nestjs/swagger';
import { EXPORT_FORMATS, EXPORT_INCLUDES } from '@lead-ledger/audit/export';

/** OpenAPI schema of an export's record in the ledger (libs/audit LeadsExportRecord). */
export class LeadsExportRecordView {
  @ApiProperty({ format: 'uuid' }) exportId: string;
  @ApiProperty({ enum: ['started', 'completed', 'aborted'] }) status: string;
  @ApiProperty({ description: 'Who ran it (API key id or CLI user)' }) actor: string;
  @ApiProperty({ enum: ['http', 'cli'], example: 'http' }) via: string;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'from, to, officerId, marketId, status (null when not filtered)' }) filters: Record<string, unknown>;
  @ApiProperty({ enum: EXPORT_FORMATS }) format: string;
  @ApiProperty({ enum: EXPORT_INCLUDES }) include: string;
  @ApiProperty() redacted: boolean;
  @ApiProperty({ format: 'date-time' }) startedAt: string;
  @ApiProperty({ description: 'The snapshot: global position of LeadsExportStarted' }) position: string;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true }) completedAt: string | null;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true }) abortedAt: string | null;
  @ApiProperty({ type: 'string', nullable: true }) reason: string | null;
  @ApiProperty({ type: 'integer', nullable: true }) leads: number | null;
  @ApiProperty({ type: 'integer', nullable: true }) rows: number | null;
  @ApiProperty({ type: 'integer', nullable: true }) bytes: number | null;
  @ApiProperty({ type: 'string', nullable: true, description: 'sha256 of the body, hex' }) sha256: string | null;
}
