import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { SqliteLedger } from '@lead-ledger/ledger/sqlite/sqlite-ledger';
import { AliasedReadStore, Projector, ReadDocument } from '@lead-ledger/read-models';
import { MongoReadStore } from '@lead-ledger/read-models/mongo/mongo-read-store';
import { ALL_PROJECTIONS } from '@lead-ledger/projections';
import { generateLedger } from '../../bench/verify/generate-ledger';
import { MongoStandin, startMongoStandin } from '../support/mongo-wire-standin';

jest.setTimeout(5 * 60_000);

const ROOT = resolve(__dirname, '../..');
// Asynchronous on purpose: the stand-in answers from this process's event loop.
const run = promisify(execFile);

/** `lead-ledger projections rebuild` as a user runs it, against read models in the MongoDB stand-in. */
describe('lead-ledger projections rebuild', () => {
  let standin: MongoStandin;
  let dir: string;
  let ledgerPath: string;
  let url: string;
  let store: MongoReadStore;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rebuild-cli-'));
    ledgerPath = join(dir, 'ledger.db');
    generateLedger(ledgerPath, 2000);
    standin = await startMongoStandin();
    url = standin.url.replace('/?', '/rebuild_cli?');
    store = await MongoReadStore.connect(url);
    const ledger = SqliteLedger.open(ledgerPath);
    await new Projector(ledger, store, ALL_PROJECTIONS).catchUpOnce();
    await ledger.close();
  });
  afterAll(async () => {
    await store?.close();
    await standin?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('given projected read models, when leads_v1 is rebuilt, then readers are switched to an equal new collection and the old one is dropped', async () => {
    const before = await everything('leads_v1');

    const { stdout } = await cli('projections', 'rebuild', '--projection', 'leads_v1', '--ledger-url', `sqlite:${ledgerPath}`, '--mongodb-url', url, '--grace-ms', '100', '--json');

    const [result] = JSON.parse(stdout);
    expect(result).toMatchObject({ projection: 'leads_v1', from: 'leads_v1', to: 'leads_v1__rebuild_1', generation: 1, documents: before.length });
    expect(before.length).toBeGreaterThan(100);
    const reader = new AliasedReadStore(store);
    expect(await reader.resolve('leads_v1')).toBe('leads_v1__rebuild_1');
    expect(await everything('leads_v1', reader)).toEqual(before);
    expect(await store.collectionNames()).not.toContain('leads_v1');
    expect(await store.checkpoint('leads_v1__rebuild_1')).toBe(BigInt(result.checkpoint));
  });

  it('refuses to run without MONGODB_URL, or for a projection it does not know, with exit code 2', async () => {
    const noUrl = await cli('projections', 'rebuild', '--ledger-url', `sqlite:${ledgerPath}`).catch((error) => error);
    const unknown = await cli('projections', 'rebuild', '--projection', 'leads_v0', '--mongodb-url', url).catch((error) => error);

    expect(noUrl).toMatchObject({ code: 2 });
    expect(noUrl.stderr).toContain('needs MONGODB_URL');
    expect(unknown).toMatchObject({ code: 2 });
    expect(unknown.stderr).toContain('no projection named "leads_v0"');
  });

  // ---- helpers ----

  function cli(...args: string[]) {
    const env: NodeJS.ProcessEnv = { ...process.env, LEAD_LEDGER_FROM_SOURCE: '1' };
    delete env.MONGODB_URL;
    return run(process.execPath, [join(ROOT, 'bin/lead-ledger.js'), ...args], { cwd: ROOT, env });
  }

  async function everything(collection: string, reader: { collection: MongoReadStore['collection'] } = store) {
    return (await reader.collection<ReadDocument>(collection).find({})).sort((a, b) => (a._id < b._id ? -1 : 1));
  }
});
