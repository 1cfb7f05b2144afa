import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, Matches } from 'class-validator';
import { SLUG } from '../leads/leads.dto';

export class AllocationSeriesQueryDto {
  @ApiProperty({ description: 'The market whose allocations to chart', example: 'dfw', pattern: SLUG.source })
  @Matches(SLUG, { message: 'marketId is required and must be a slug: lowercase letters, digits, "_" or "-", 1 to 64 characters' })
  marketId: string;

  @ApiPropertyOptional({ enum: ['day', 'hour'], default: 'day', description: 'A point at every local midnight, or every hour, of the month (plus one at asOf)' })
  @IsOptional()
  @IsIn(['day', 'hour'])
  resolution?: 'day' | 'hour';
}

export class SeriesPointView {
  @ApiProperty({ example: '2026-11-03T05:00:00.000Z' }) at: string;
  @ApiProperty({ description: 'Days since the month began in the market\'s zone (the chart\'s x)', example: 2 }) day: number;
  @ApiProperty({ nullable: true, type: Number, description: 'Cumulative net (routed − failed − credited) at `at`; null after asOf' }) net: number | null;
  @ApiProperty({ nullable: true, type: Number, description: 'Cumulative deliveries at `at`; null after asOf' }) delivered: number | null;
  @ApiProperty({ description: 'expected(at) of the pace rule, with the pauses known at that time' }) expected: number;
  @ApiProperty({ description: 'After asOf: the expected line if no further pause happens (an open pause ends now)' }) projected: boolean;
}

export class SeriesCreditView {
  @ApiProperty() leadId: string;
  @ApiProperty() at: string;
  @ApiProperty() day: number;
  @ApiProperty() reason: string;
  @ApiProperty({ description: 'Net just after the credit (to the hour)' }) net: number;
}

export class RecentLeadView {
  @ApiProperty() leadId: string;
  @ApiProperty() routedAt: string;
}

export class OfficerSummaryView {
  @ApiProperty() assigned: number;
  @ApiProperty() delivered: number;
  @ApiProperty() credited: number;
  @ApiProperty() failed: number;
  @ApiProperty({ description: 'assigned − credited, as the pace table' }) net: number;
  @ApiProperty({ description: 'expected(asOf)' }) expected: number;
  @ApiProperty() deficit: number;
  @ApiProperty() shortfall: number;
  @ApiProperty({ nullable: true, type: Number }) paceRatio: number | null;
  @ApiProperty({ description: 'Whole leads behind pace at asOf' }) behindBy: number;
  @ApiProperty({ description: 'net ÷ allocation' }) fulfilment: number;
}

export class OfficerSeriesView {
  @ApiProperty() officerId: string;
  @ApiProperty({ nullable: true, type: String }) name: string | null;
  @ApiProperty() allocation: number;
  @ApiProperty({ nullable: true, type: String }) startsOn: string | null;
  @ApiProperty() activeFrom: string;
  @ApiProperty() paused: boolean;
  @ApiProperty() cancelled: boolean;
  @ApiProperty({ type: OfficerSummaryView }) summary: OfficerSummaryView;
  @ApiProperty({ type: [SeriesPointView] }) points: SeriesPointView[];
  @ApiProperty({ type: [SeriesCreditView] }) credits: SeriesCreditView[];
  @ApiProperty({ description: 'Credits beyond the listed ones (the summary counts all)' }) creditsNotListed: number;
  @ApiProperty({ type: [RecentLeadView], description: 'The newest leads routed under the allocation' }) recentLeads: RecentLeadView[];
}

export class AllocationSeriesView {
  @ApiProperty({ example: '2026-11' }) month: string;
  @ApiProperty({ example: 'dfw' }) marketId: string;
  @ApiProperty({ example: 'America/Chicago' }) timeZone: string;
  @ApiProperty({ description: 'The service clock when the series was computed' }) asOf: string;
  @ApiProperty({ enum: ['day', 'hour'] }) resolution: 'day' | 'hour';
  @ApiProperty({ example: 30 }) daysInMonth: number;
  @ApiProperty({ description: 'The month in the market\'s zone, [from, to), ISO UTC', example: { from: '2026-11-01T05:00:00.000Z', to: '2026-12-01T06:00:00.000Z' } })
  monthWindow: { from: string; to: string };
  @ApiProperty({ type: [OfficerSeriesView] }) officers: OfficerSeriesView[];
}

export class MarketListItemView {
  @ApiProperty({ example: 'dfw' }) marketId: string;
  @ApiProperty({ example: 'Dallas-Fort Worth' }) name: string;
  @ApiProperty({ type: [String], example: ['TX'] }) states: string[];
  @ApiProperty({ example: 'America/Chicago' }) timeZone: string;
  @ApiProperty() seatCap: number;
  @ApiProperty({ type: [String], description: 'Months with at least one allocation in the market, ascending', example: ['2026-11'] }) months: string[];
}

export class MarketListView {
  @ApiProperty({ description: 'The service clock' }) asOf: string;
  @ApiProperty({ type: [MarketListItemView] }) markets: MarketListItemView[];
}
