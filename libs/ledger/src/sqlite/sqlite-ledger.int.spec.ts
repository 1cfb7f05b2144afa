import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeLedgerContract } from '../../../../test/ledger-contract/ledger.contract';
import { SqliteLedger } from './sqlite-ledger';

describeLedgerContract('embedded SQLite adapter (real file)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-contract-'));
  const ledger = SqliteLedger.open(join(dir, 'ledger.db'));
  return {
    ledger,
    dispose: async () => {
      await ledger.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('embedded SQLite ledger file', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'ledger-file-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses a direct SQL UPDATE or DELETE on the events table', async () => {
    const path = join(dir, 'ledger.db');
    const ledger = SqliteLedger.open(path);
    await ledger.append('lead-1', [anEvent()], { expectedRevision: 'no_stream' });
    await ledger.close();

    const db = new Database(path);
    expect(() => db.prepare(`UPDATE events SET data = '{"tampered":true}'`).run()).toThrow(/append-only/);
    expect(() => db.prepare(`DELETE FROM events`).run()).toThrow(/append-only/);
    expect(db.prepare(`SELECT data FROM events`).all()).toEqual([{ data: '{"n":1}' }]);
    db.close();
  });

  it('keeps acknowledged events across a reopen, in WAL mode', async () => {
    const path = join(dir, 'ledger.db');
    const first = SqliteLedger.open(path);
    const written = await first.append('lead-2', [anEvent(), anEvent()], { expectedRevision: 'no_stream' });
    await first.close();

    const reopened = SqliteLedger.open(path);
    expect(await reopened.readStream('lead-2')).toEqual(written.events);
    await reopened.close();
    const db = new Database(path, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('commits appends that arrive together in one group, each judged on its own', async () => {
    const ledger = SqliteLedger.open(join(dir, 'ledger.db'));
    await ledger.append('s-1', [anEvent()], { expectedRevision: 'no_stream' });
    const outcomes = await Promise.allSettled([
      ledger.append('s-1', [anEvent()], { expectedRevision: 0n }),
      ledger.append('s-1', [anEvent()], { expectedRevision: 0n }),
      ledger.append('s-2', [anEvent()], { expectedRevision: 'no_stream' }),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(await ledger.streamRevision('s-1')).toBe(1n);
    expect(await ledger.streamRevision('s-2')).toBe(0n);
    await ledger.close();
  });

  it('sees events appended by another process on the same file in a live subscription', async () => {
    const path = join(dir, 'ledger.db');
    const reader = SqliteLedger.open(path);
    const writer = SqliteLedger.open(path);
    const subscription = reader.subscribeToAll();
    const iterator = subscription[Symbol.asyncIterator]();
    const next = iterator.next();
    await writer.append('other-process', [anEvent()], { expectedRevision: 'no_stream' });
    const { value } = await next;
    expect(value.stream).toBe('other-process');
    await subscription.close();
    await writer.close();
    await reader.close();
  });
});

function anEvent() {
  return {
    type: 'Happened',
    schemaVersion: 1,
    data: { n: 1 },
    recordedAt: '2026-11-22T00:00:00.000Z',
    metadata: { correlationId: 'c', causationId: 'c', commandId: 'k', actor: 'test' },
  };
}
