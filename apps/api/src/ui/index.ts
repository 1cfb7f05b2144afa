import { AllocationSeriesController, MarketListController } from '../reference-data/allocation-series.controller';
import { UiController } from './ui.controller';

/** The web UI and the read endpoints made for it; app.module registers this list as it is. */
export const UI_CONTROLLERS = [UiController, AllocationSeriesController, MarketListController];
