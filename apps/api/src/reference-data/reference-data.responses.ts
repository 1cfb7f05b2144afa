import { ApiProperty } from '@nestjs/swagger';
import { US_STATES } from '@lead-ledger/domain';

/** OpenAPI schemas of what the market, officer and allocation endpoints answer. */

class StreamReceipt {
  @ApiProperty({ type: 'integer', description: "The stream's revision (also the ETag)", example: 0 }) revision: number;
  @ApiProperty({ description: 'Global log position, a decimal string', example: '17' }) position: string;
}

export class MarketView extends StreamReceipt {
  @ApiProperty({ example: 'dfw' }) marketId: string;
  @ApiProperty({ example: 'Dallas-Fort Worth' }) name: string;
  @ApiProperty({ enum: US_STATES, isArray: true, example: ['TX'] }) states: string[];
  @ApiProperty({ type: [String], example: [] }) zipPrefixes: string[];
  @ApiProperty({ type: 'integer', example: 5 }) seatCap: number;
  @ApiProperty({ example: 'America/Chicago' }) timeZone: string;
  @ApiProperty({ type: 'number', nullable: true }) paceTolerance: number | null;
  @ApiProperty({ type: 'integer', example: 30 }) dedupeWindowDays: number;
}

export class OfficerView extends StreamReceipt {
  @ApiProperty({ example: 'lo-ana' }) officerId: string;
  @ApiProperty({ example: 'Ana Ruiz' }) name: string;
  @ApiProperty({ example: '123456' }) nmlsId: string;
  @ApiProperty({ enum: US_STATES, isArray: true, example: ['TX'] }) licensedStates: string[];
  @ApiProperty() active: boolean;
}

class MonthWindow {
  @ApiProperty({ format: 'date-time' }) from: string;
  @ApiProperty({ format: 'date-time' }) to: string;
}

export class AllocationView extends StreamReceipt {
  @ApiProperty({ example: 'lo-ana' }) officerId: string;
  @ApiProperty({ example: '2026-11' }) month: string;
  @ApiProperty({ example: 'dfw' }) marketId: string;
  @ApiProperty({ type: 'integer', example: 40 }) leads: number;
  @ApiProperty({ type: 'string', format: 'date', nullable: true }) startsOn: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true, example: { loanTypes: ['purchase'] } }) filters: Record<string, unknown>;
  @ApiProperty({ type: MonthWindow, description: "The month in the market's zone, fixed when contracted" }) monthWindow: MonthWindow;
  @ApiProperty({ format: 'date-time' }) activeFrom: string;
  @ApiProperty() paused: boolean;
  @ApiProperty() cancelled: boolean;
}

export class PaceRow {
  @ApiProperty() officerId: string;
  @ApiProperty() marketId: string;
  @ApiProperty({ type: 'integer', description: 'Leads contracted' }) allocation: number;
  @ApiProperty({ type: 'string', format: 'date', nullable: true }) startsOn: string | null;
  @ApiProperty({ format: 'date-time' }) activeFrom: string;
  @ApiProperty() paused: boolean;
  @ApiProperty() cancelled: boolean;
  @ApiProperty({ type: 'integer' }) assigned: number;
  @ApiProperty({ type: 'integer' }) delivered: number;
  @ApiProperty({ type: 'integer' }) credited: number;
  @ApiProperty({ type: 'integer', description: 'assigned − credited' }) net: number;
  @ApiProperty({ description: 'Leads due by now at an even pace' }) expected: number;
  @ApiProperty({ description: 'expected − net' }) deficit: number;
  @ApiProperty({ description: 'deficit ÷ allocation: the routing rule favours the largest' }) shortfall: number;
  @ApiProperty({ type: 'number', nullable: true, description: 'net ÷ expected; null before anything is expected' }) paceRatio: number | null;
  @ApiProperty({ type: 'integer', description: 'Whole leads behind pace' }) behindBy: number;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true }) lastDeliveredAt: string | null;
}

export class PaceTable {
  @ApiProperty({ example: '2026-11' }) month: string;
  @ApiProperty({ example: 'dfw' }) marketId: string;
  @ApiProperty({ format: 'date-time', description: "The service clock's time the table is computed at" }) asOf: string;
  @ApiProperty({ type: [PaceRow] }) officers: PaceRow[];
}
