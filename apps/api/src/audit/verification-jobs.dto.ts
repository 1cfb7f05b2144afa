import { ApiProperty } from '@nestjs/swagger';

export class VerificationProgressView {
  @ApiProperty({ description: 'Events checked so far' }) events: number;
  @ApiProperty({ description: 'Streams seen so far' }) streams: number;
  @ApiProperty({ description: 'Global position reached (decimal string)', example: '5120' }) position: string;
  @ApiProperty({ description: 'The ledger head the run verifies up to (decimal string); null before the run has read it', nullable: true, type: String }) head: string | null;
  @ApiProperty({ description: 'position ÷ head, 0..1' }) fraction: number;
  @ApiProperty({ description: 'Violations found so far' }) violations: number;
}

export class VerificationJobView {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: ['running', 'succeeded', 'failed'], description: '`succeeded` means the run finished; the summary says whether the ledger is ok' }) status: 'running' | 'succeeded' | 'failed';
  @ApiProperty() startedAt: string;
  @ApiProperty({ nullable: true, type: String }) finishedAt: string | null;
  @ApiProperty({ description: 'Who asked for the run (the API key)' }) requestedBy: string;
  @ApiProperty({ type: VerificationProgressView }) progress: VerificationProgressView;
  @ApiProperty({
    nullable: true,
    type: Object,
    description: 'The verifier report (as `lead-ledger verify --json`, lists cut to 100 entries each): ok, events, checks, violationCounts, violations, notices, merkle …; null while running',
  })
  summary: Record<string, unknown> | null;
  @ApiProperty({ nullable: true, type: String, description: 'Why the run could not finish (the ledger could not be read)' }) error: string | null;
}
