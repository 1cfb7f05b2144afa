export * from './ledger.port';
export * from './sqlite/sqlite-ledger';
export * from './esdb/esdb-ledger';
export * from './ledger.factory';
export * from './chain/event-hash';
export * from './chain/chained-ledger';
