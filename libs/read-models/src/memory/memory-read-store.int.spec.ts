import { describeReadStoreContract } from '../../../../test/read-store-contract/read-store.contract';
import { MemoryReadStore } from './memory-read-store';

describeReadStoreContract('embedded in-memory store', async () => ({ store: new MemoryReadStore(), dispose: async () => {} }));
