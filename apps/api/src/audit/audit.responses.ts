import { ApiProperty } from '@nestjs/swagger';

/** OpenAPI schemas of audit answers: digests (views.ts digestView) and inclusion proofs (inclusionView). */

export class LedgerDigestView {
  @ApiProperty({ type: 'integer', description: 'Events covered by the Merkle tree' }) treeSize: number;
  @ApiProperty({ description: 'Merkle root, hex' }) rootHash: string;
  @ApiProperty({ description: 'Position of the last event covered' }) lastPosition: string;
  @ApiProperty() lastEventId: string;
  @ApiProperty({ format: 'date-time' }) digestedAt: string;
  @ApiProperty({ description: 'Position of the LedgerDigest event itself' }) position: string;
  @ApiProperty() eventId: string;
  @ApiProperty({ type: 'integer' }) revision: number;
  @ApiProperty({ type: 'string', nullable: true }) hash: string | null;
}

export class EventInclusionView {
  @ApiProperty() position: string;
  @ApiProperty({ type: 'integer' }) leafIndex: number;
  @ApiProperty({ description: 'hex' }) leafHash: string;
  @ApiProperty({ type: [String], description: 'Sibling hashes from the leaf up to the root, hex' }) auditPath: string[];
}
