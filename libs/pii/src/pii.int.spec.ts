import Database from 'better-sqlite3';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dataKeyStoreContract } from './testing/key-store.contract';
import { startMongoStandin } from '../../../test/support/mongo-wire-standin';
import { open, seal, newDataKey, SealedEnvelope } from './envelope';
import { loadMasterKeyring, MasterKeyError } from './master-key';
import { MongoDataKeyStore } from './mongo-key-store';
import { PiiVault } from './pii-vault';
import { SqliteDataKeyStore } from './sqlite-key-store';

describe('libs/pii', () => {
  const contact = { firstName: 'Sarah', lastName: 'Lee', phone: '+12145550123', email: 'sarah@example.com', consentIp: '203.0.113.7' };
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lead-ledger-pii-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  describe('envelope', () => {
    it('given a sealed value, when opened with its key, then it round-trips, and the ciphertext holds no plaintext', () => {
      const key = newDataKey();
      const envelope = seal(contact, key, { keyId: 'dk_1', borrowerRef: 'a'.repeat(32) });
      expect(open(envelope, key)).toEqual(contact);
      const text = JSON.stringify(envelope);
      for (const value of Object.values(contact)) expect(text).not.toContain(value);
    });

    it('given a sealed value, when opened with another key or with any field changed, then it fails', () => {
      const key = newDataKey();
      const envelope = seal(contact, key, { keyId: 'dk_1', borrowerRef: 'a'.repeat(32) });
      expect(() => open(envelope, newDataKey())).toThrow();
      const tampered: SealedEnvelope[] = [
        { ...envelope, borrowerRef: 'b'.repeat(32) },
        { ...envelope, keyId: 'dk_2' },
        { ...envelope, ciphertext: flipFirstByte(envelope.ciphertext) },
        { ...envelope, tag: flipFirstByte(envelope.tag) },
      ];
      for (const copy of tampered) expect(() => open(copy, key)).toThrow();
    });
  });

  describe('master key', () => {
    it('given no configured key, when loaded twice, then one key is generated in the data dir with mode 0600 and the log names the path, never the key', () => {
      const logs: string[] = [];
      const first = loadMasterKeyring({}, dir, { log: (m) => logs.push(m) });
      const second = loadMasterKeyring({}, dir, { log: (m) => logs.push(m) });
      const path = join(dir, 'pii-master-key');
      expect(statSync(path).mode & 0o777).toBe(0o600);
      expect(second.primary).toEqual(first.primary);
      const stored = readFileSync(path, 'utf8').trim();
      expect(Buffer.from(stored, 'base64')).toEqual(first.primary.key);
      expect(logs.join('\n')).toContain(path);
      expect(logs.join('\n')).not.toContain(stored);
    });

    it('given PII_MASTER_KEY or PII_MASTER_KEY_FILE, then that key is used and nothing is written to the data dir; a bad key is refused by name', () => {
      const key = newDataKey().toString('base64');
      expect(loadMasterKeyring({ PII_MASTER_KEY: key }, dir).primary.key.toString('base64')).toBe(key);
      const file = join(dir, 'elsewhere.key');
      require('node:fs').writeFileSync(file, `${key}\n`);
      expect(loadMasterKeyring({ PII_MASTER_KEY_FILE: file }, dir).primary.key.toString('base64')).toBe(key);
      expect(existsSync(join(dir, 'pii-master-key'))).toBe(false);
      expect(() => loadMasterKeyring({ PII_MASTER_KEY: 'c2hvcnQ=' }, dir)).toThrow(/PII_MASTER_KEY must be/);
      expect(() => loadMasterKeyring({}, dir, { create: false })).toThrow(MasterKeyError);
    });
  });

  describe('vault', () => {
    const vaultOn = (masterKey = newDataKey().toString('base64')) =>
      new PiiVault(new SqliteDataKeyStore(join(dir, 'pii-keys.db')), loadMasterKeyring({ PII_MASTER_KEY: masterKey }, dir), () => '2026-11-20T10:00:00.000Z');

    it('given a sealed borrower, then borrower keys are HMACs (not plain sha256) stable for one master key, and the ref is stable per phone', async () => {
      const master = newDataKey().toString('base64');
      const vault = vaultOn(master);
      const a = await vault.seal(contact);
      const b = await vault.seal({ ...contact, email: 'other@example.com' });
      expect(a.borrowerRef).toMatch(/^[0-9a-f]{32}$/);
      expect(b.borrowerRef).toBe(a.borrowerRef);
      expect(b.sealed.keyId).toBe(a.sealed.keyId);
      const sha = require('node:crypto').createHash('sha256').update(contact.phone).digest('hex');
      expect(a.borrowerKeys[0]).toMatch(/^phone:[0-9a-f]{64}$/);
      expect(a.borrowerKeys[0]).not.toBe(`phone:${sha}`);
      const otherMaster = vaultOn();
      expect((await otherMaster.seal(contact)).borrowerKeys).not.toEqual(a.borrowerKeys);
      expect(await vault.reveal(a.sealed)).toEqual({ status: 'revealed', value: contact });
      await vault.store.close();
      await otherMaster.store.close();
    });

    it('given a vault with another master key, when it reveals, then unwrapping fails', async () => {
      const vault = vaultOn();
      const { sealed } = await vault.seal(contact);
      await vault.store.close();
      const stranger = vaultOn();
      await expect(stranger.reveal(sealed)).rejects.toThrow(/not configured/);
      await stranger.store.close();
    });

    it('given a borrower whose keys are destroyed, then their envelopes read as erased, the key-store file holds no wrapped key, and a new lead gets a new key', async () => {
      const master = newDataKey().toString('base64');
      const vault = vaultOn(master);
      const first = await vault.seal(contact);
      const destroyed = await vault.destroyKeysOf(first.borrowerRef, { actor: 'key:admin', reason: 'asked', correlationId: 'c' });
      expect(destroyed).toEqual([first.sealed.keyId]);
      expect(await vault.reveal(first.sealed)).toEqual({ status: 'erased', erasedAt: '2026-11-20T10:00:00.000Z' });
      await vault.store.close();
      const db = new Database(join(dir, 'pii-keys.db'), { readonly: true });
      expect(db.prepare('SELECT wrapped_key FROM pii_data_keys WHERE key_id = ?').get(first.sealed.keyId)).toEqual({ wrapped_key: null });
      db.close();
      const again = vaultOn(master);
      const later = await again.seal(contact);
      expect(later.borrowerRef).toBe(first.borrowerRef);
      expect(later.sealed.keyId).not.toBe(first.sealed.keyId);
      expect(await again.reveal(later.sealed)).toEqual({ status: 'revealed', value: contact });
      expect(await again.reveal(first.sealed)).toEqual({ status: 'erased', erasedAt: '2026-11-20T10:00:00.000Z' });
      await again.store.close();
    });
  });

  dataKeyStoreContract('SQLite', async () => {
    const storeDir = mkdtempSync(join(tmpdir(), 'lead-ledger-pii-store-'));
    const store = new SqliteDataKeyStore(join(storeDir, 'pii-keys.db'));
    return {
      store,
      cleanup: async () => {
        await store.close();
        rmSync(storeDir, { recursive: true, force: true });
      },
    };
  });

  describe('on the MongoDB wire stand-in', () => {
    let standin: { url: string; close(): Promise<void> };
    beforeAll(async () => {
      standin = await startMongoStandin();
    }, 60_000);
    afterAll(async () => standin?.close());
    let db = 0;
    dataKeyStoreContract('MongoDB (stand-in)', async () => {
      const store = await MongoDataKeyStore.connect(standin.url, `pii_contract_${db++}`);
      return { store, cleanup: () => store.close() };
    });
  });
});

function flipFirstByte(base64: string): string {
  const bytes = Buffer.from(base64, 'base64');
  bytes[0] ^= 1;
  return bytes.toString('base64');
}
