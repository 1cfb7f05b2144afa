export * from './read-store.port';
export * from './projection';
export * from './projector';
export * from './memory/memory-read-store';
