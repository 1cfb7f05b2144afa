export * from './envelope';
export * from './master-key';
export * from './borrower-keys';
export * from './key-store.port';
export * from './sqlite-key-store';
export * from './mongo-key-store';
export * from './pii-vault';
