import { Inject, Injectable, Logger, OnApplicationShutdown, Provider } from '@nestjs/common';
import { DataKeyStore, loadMasterKeyring, MongoDataKeyStore, PiiVault, SqliteDataKeyStore } from '@lead-ledger/pii';
import { join } from 'node:path';
import { Clock } from '../clock/clock';
import { AppConfig } from '../config/config';
import { APP_CONFIG } from '../ledger/ledger.tokens';

/**
 * The PII vault: the master key (PII_MASTER_KEY / PII_MASTER_KEY_FILE, else generated once in
 * `${DATA_DIR}/pii-master-key`) and the data-key store: MongoDB (`pii_data_keys`) when the read
 * models are there (MONGODB_URL, so every instance shares it), else `${DATA_DIR}/pii-keys.db`.
 */
export const PII_VAULT_PROVIDER: Provider = {
  provide: PiiVault,
  inject: [APP_CONFIG, Clock],
  useFactory: async (config: AppConfig, clock: Clock) => {
    const logger = new Logger('PII');
    const ring = loadMasterKeyring({ ...config.piiMasterKey }, config.dataDir, { log: (message) => logger.log(message) });
    let store: DataKeyStore;
    if (config.mongodbUrl) {
      store = await MongoDataKeyStore.connect(config.mongodbUrl);
      logger.log(`data keys in MongoDB (pii_data_keys); master key ${ring.primary.id}`);
    } else {
      const path = join(config.dataDir, 'pii-keys.db');
      store = new SqliteDataKeyStore(path);
      logger.log(`data keys in ${path}; master key ${ring.primary.id}`);
    }
    return new PiiVault(store, ring, () => clock.nowIso());
  },
};

@Injectable()
export class PiiVaultLifecycle implements OnApplicationShutdown {
  constructor(@Inject(PiiVault) private readonly vault: PiiVault) {}
  async onApplicationShutdown() {
    await this.vault.store.close();
  }
}
