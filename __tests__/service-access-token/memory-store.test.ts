import { MemoryServiceAccessTokenStore } from '../../src/service-access-token/memory-store';
import { describeStoreContract } from './store-contract';

describeStoreContract('MemoryServiceAccessTokenStore', () => new MemoryServiceAccessTokenStore());
