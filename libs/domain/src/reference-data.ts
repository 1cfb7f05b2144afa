export * from './market/market.commands';
export * from './market/market.decider';
export * from './officer/officer.commands';
export * from './officer/officer.decider';
export * from './allocation/allocation.commands';
export * from './allocation/allocation.decider';
