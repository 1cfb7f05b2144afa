import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiBearerAuth, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { DateTime } from 'luxon';
import { notFound } from '@lead-ledger/domain';
import { ReadStore } from '@lead-ledger/read-models';
import { AllocationPaceDoc, allocationPaceProjection, marketsProjection, MarketDoc, monthCalendar, officerSeries, OfficerDoc, officersProjection, PaceSeriesDoc, paceSeriesProjection } from '@lead-ledger/projections';
import { RequireScope } from '../auth/require-scope.decorator';
import { Clock } from '../clock/clock';
import { ReadModels } from '../read-models/read-models';
import { READ_STORE } from '../read-models/read-store.token';
import { AllocationSeriesQueryDto, AllocationSeriesView, MarketListView } from './allocation-series.dto';
import { MonthParam } from './params';

/**
 * The pacing dashboard's data: per officer, cumulative net by day (or hour) against the expected
 * pace line, with credits and recent leads. Served from the pace_series_v1 read model, so the
 * cost does not grow with the month's leads.
 */
@ApiTags('allocations')
@ApiBearerAuth()
@Controller('v1/allocations')
export class AllocationSeriesController {
  constructor(
    private readonly readModels: ReadModels,
    private readonly clock: Clock,
    @Inject(READ_STORE) private readonly store: ReadStore,
  ) {}

  @RequireScope('allocations:read')
  @Get(':month/series')
  @ApiOperation({ summary: 'Pace series of a market\'s allocations in a month', description: 'Cumulative net and deliveries at each local midnight (or hour) up to now, the expected pace line for the whole month, credits and recent leads, per officer.' })
  @ApiParam({ name: 'month', example: '2026-11', description: 'YYYY-MM' })
  @ApiOkResponse({ type: AllocationSeriesView })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED: month, marketId or resolution' })
  @ApiNotFoundResponse({ description: 'MARKET_NOT_FOUND' })
  @ApiUnauthorizedResponse({ description: 'UNAUTHENTICATED' })
  async series(@Param('month', new MonthParam()) month: string, @Query() query: AllocationSeriesQueryDto): Promise<AllocationSeriesView> {
    await this.readModels.catchUpWithLedger();
    const market = await this.readModels.market(query.marketId);
    if (market === null) throw notFound('MARKET_NOT_FOUND', `market ${query.marketId} does not exist`);
    const asOf = this.clock.nowIso();
    const resolution = query.resolution ?? 'day';
    const docs = await this.store.collection<PaceSeriesDoc>(paceSeriesProjection.collection).find({ month, marketId: query.marketId }, { sort: { officerId: 1 } });
    const officers = docs.length === 0 ? [] : await this.store.collection<OfficerDoc>(officersProjection.collection).find({ _id: { $in: docs.map((doc) => doc.officerId) } });
    const names = new Map(officers.map((officer) => [officer.officerId, officer.name]));
    const start = DateTime.fromISO(`${month}-01`, { zone: market.timeZone });
    // Allocations of one market and month share their window (fixed at contract), so one calendar serves them all.
    const calendar = docs.length === 0 ? undefined : monthCalendar(docs[0].monthWindow, market.timeZone);
    return {
      month,
      marketId: market.marketId,
      timeZone: market.timeZone,
      asOf,
      resolution,
      daysInMonth: start.daysInMonth!,
      // The window each allocation fixed when contracted; the market's current zone when none exists.
      monthWindow: docs[0]?.monthWindow ?? { from: start.toUTC().toISO()!, to: start.plus({ months: 1 }).toUTC().toISO()! },
      officers: docs.map((doc) => ({ name: names.get(doc.officerId) ?? null, ...officerSeries(doc, { asOf, timeZone: market.timeZone, resolution, calendar }) })),
    };
  }
}

/** The markets, for pickers: settings and the months that have allocations. */
@ApiTags('markets')
@ApiBearerAuth()
@Controller('v1/markets')
export class MarketListController {
  constructor(
    private readonly readModels: ReadModels,
    private readonly clock: Clock,
    @Inject(READ_STORE) private readonly store: ReadStore,
  ) {}

  @RequireScope('allocations:read')
  @Get()
  @ApiOperation({ summary: 'List markets', description: 'Every market, by id, with the months that have allocations in it.' })
  @ApiOkResponse({ type: MarketListView })
  @ApiUnauthorizedResponse({ description: 'UNAUTHENTICATED' })
  async list(): Promise<MarketListView> {
    await this.readModels.catchUpWithLedger();
    const markets = await this.store.collection<MarketDoc>(marketsProjection.collection).find({}, { sort: { _id: 1 } });
    // Allocations are few (officers × months), so one scan of them is cheap.
    const allocations = await this.store.collection<AllocationPaceDoc>(allocationPaceProjection.collection).find({});
    const months = new Map<string, Set<string>>();
    for (const allocation of allocations) {
      if (!months.has(allocation.marketId)) months.set(allocation.marketId, new Set());
      months.get(allocation.marketId)!.add(allocation.month);
    }
    return {
      asOf: this.clock.nowIso(),
      markets: markets.map((market) => ({
        marketId: market.marketId,
        name: market.name,
        states: market.states,
        timeZone: market.timeZone,
        seatCap: market.seatCap,
        months: [...(months.get(market.marketId) ?? [])].sort(),
      })),
    };
  }
}
