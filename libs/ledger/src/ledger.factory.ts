import { join, resolve } from 'node:path';
import { Ledger } from './ledger.port';
import { SqliteLedger } from './sqlite/sqlite-ledger';
import { EsdbLedger } from './esdb/esdb-ledger';
import { ChainedLedger } from './chain/chained-ledger';

export type LedgerLocation = { kind: 'sqlite'; path: string } | { kind: 'esdb'; connectionString: string };

/**
 * Reads LEDGER_URL: unset or `sqlite:<path>` → embedded SQLite file (default `${DATA_DIR}/ledger.db`);
 * `esdb://…`, `esdb+discover://…`, `kurrentdb://…` → EventStoreDB.
 */
export function parseLedgerUrl(url: string | undefined, dataDir: string): LedgerLocation {
  if (!url || url.trim() === '') return { kind: 'sqlite', path: resolve(join(dataDir, 'ledger.db')) };
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (path === '') throw new Error('LEDGER_URL sqlite: needs a file path, e.g. sqlite:./data/ledger.db');
    return { kind: 'sqlite', path: resolve(path) };
  }
  if (/^(esdb|esdb\+discover|kurrentdb|kurrentdb\+discover|kurrent|kdb):\/\//.test(url)) {
    // The client speaks the esdb scheme; kurrentdb:// is the same protocol under the new name.
    return { kind: 'esdb', connectionString: url.replace(/^(kurrentdb|kurrent|kdb)/, 'esdb') };
  }
  throw new Error(`LEDGER_URL must be sqlite:<path>, esdb://… or kurrentdb://…; got "${url.split(':')[0]}:…"`);
}

/** Opens the ledger the location names, hash-chained (every event the application appends is chained). */
export function openLedger(location: LedgerLocation): Ledger {
  return new ChainedLedger(location.kind === 'sqlite' ? SqliteLedger.open(location.path) : EsdbLedger.connect(location.connectionString));
}
