export * from './read-store.port';
export * from './projection';
export * from './projector';
export * from './memory/memory-read-store';
export * from './mongo/mongo-read-store';
export * from './aliases';
export * from './blue-green';
