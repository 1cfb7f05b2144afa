import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DataKeyRecord, DataKeyStore, ErasureNote } from './key-store.port';

interface Row {
  key_id: string;
  borrower_ref: string;
  wrapped_key: string | null;
  wrapped_by: string;
  created_at: string;
  destroyed_at: string | null;
  erasure: string | null;
  recorded_at: string | null;
}

/**
 * The embedded key store: `${DATA_DIR}/pii-keys.db`. `secure_delete` overwrites freed and
 * rewritten content with zeros, and after a destroy the WAL is checkpointed and truncated, so the
 * wrapped key's bytes do not linger in the file or its WAL (what the filesystem or a backup keeps
 * is out of our hands: see SECURITY.md).
 */
export class SqliteDataKeyStore implements DataKeyStore {
  private readonly db: Database.Database;

  constructor(path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('secure_delete = ON');
    this.db.exec(`CREATE TABLE IF NOT EXISTS pii_data_keys (
      key_id TEXT PRIMARY KEY,
      borrower_ref TEXT NOT NULL,
      wrapped_key TEXT,
      wrapped_by TEXT NOT NULL,
      created_at TEXT NOT NULL,
      destroyed_at TEXT,
      erasure TEXT,
      recorded_at TEXT
    );
    CREATE INDEX IF NOT EXISTS pii_data_keys_by_borrower ON pii_data_keys (borrower_ref, created_at);`);
  }

  async insert(record: Omit<DataKeyRecord, 'destroyedAt' | 'erasure' | 'recordedAt'>): Promise<boolean> {
    const result = this.db
      .prepare('INSERT OR IGNORE INTO pii_data_keys (key_id, borrower_ref, wrapped_key, wrapped_by, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(record.keyId, record.borrowerRef, record.wrappedKey, record.wrappedBy, record.createdAt);
    return result.changes === 1;
  }

  async get(keyId: string): Promise<DataKeyRecord | null> {
    const row = this.db.prepare('SELECT * FROM pii_data_keys WHERE key_id = ?').get(keyId) as Row | undefined;
    return row ? recordOf(row) : null;
  }

  async keysOf(borrowerRef: string): Promise<DataKeyRecord[]> {
    return (this.db.prepare('SELECT * FROM pii_data_keys WHERE borrower_ref = ? ORDER BY created_at, key_id').all(borrowerRef) as Row[]).map(recordOf);
  }

  async destroy(borrowerRef: string, erasure: ErasureNote, at: string, onlyKeyIds?: string[]): Promise<string[]> {
    const destroyed = this.db.transaction(() => {
      const ids = (this.db.prepare('SELECT key_id FROM pii_data_keys WHERE borrower_ref = ? AND destroyed_at IS NULL').all(borrowerRef) as Array<{ key_id: string }>)
        .map((row) => row.key_id)
        .filter((id) => onlyKeyIds === undefined || onlyKeyIds.includes(id));
      const update = this.db.prepare('UPDATE pii_data_keys SET wrapped_key = NULL, destroyed_at = ?, erasure = ? WHERE key_id = ?');
      for (const id of ids) update.run(at, JSON.stringify(erasure), id);
      return ids;
    })();
    if (destroyed.length > 0) this.db.pragma('wal_checkpoint(TRUNCATE)');
    return destroyed;
  }

  async markRecorded(keyIds: string[], at: string): Promise<void> {
    const update = this.db.prepare('UPDATE pii_data_keys SET recorded_at = ? WHERE key_id = ? AND recorded_at IS NULL');
    this.db.transaction(() => keyIds.forEach((id) => update.run(at, id)))();
  }

  async unrecorded(): Promise<DataKeyRecord[]> {
    return (this.db.prepare('SELECT * FROM pii_data_keys WHERE destroyed_at IS NOT NULL AND recorded_at IS NULL ORDER BY destroyed_at, key_id').all() as Row[]).map(recordOf);
  }

  async *liveKeys(): AsyncIterable<DataKeyRecord> {
    for (const row of this.db.prepare('SELECT * FROM pii_data_keys WHERE destroyed_at IS NULL ORDER BY key_id').iterate() as Iterable<Row>) yield recordOf(row);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

function recordOf(row: Row): DataKeyRecord {
  return {
    keyId: row.key_id,
    borrowerRef: row.borrower_ref,
    wrappedKey: row.wrapped_key,
    wrappedBy: row.wrapped_by,
    createdAt: row.created_at,
    destroyedAt: row.destroyed_at,
    erasure: row.erasure === null ? null : (JSON.parse(row.erasure) as ErasureNote),
    recordedAt: row.recorded_at,
  };
}
