// Filled in by the reference-data slice: markets, officers, allocations and the pace table.
export const REFERENCE_DATA_CONTROLLERS: Array<new (...args: never[]) => unknown> = [];
export const REFERENCE_DATA_HANDLERS: Array<new (...args: never[]) => unknown> = [];
