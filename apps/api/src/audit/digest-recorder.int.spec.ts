import { Logger } from '@nestjs/common';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkDigest, digestOf, digestRecorded, ledgerDigestStream, verifyEventInclusion } from '@lead-ledger/audit/digests';
import { ChainedLedger } from '@lead-ledger/ledger/chain/chained-ledger';
import { EsdbLedger } from '@lead-ledger/ledger/esdb/esdb-ledger';
import { Ledger, NewEvent, RecordedEvent } from '@lead-ledger/ledger/ledger.port';
import { SqliteLedger } from '@lead-ledger/ledger/sqlite/sqlite-ledger';
import { startEsdbStandIn } from '../../../../test/support/esdb-grpc-standin';
import { DigestRecorder, LedgerUnverifiableError } from './digest-recorder';
import { ProofService } from './proof.service';

/** A ledger for one test: the chained ledger the app uses, and the raw adapter under it. */
interface Store {
  ledger: Ledger;
  raw: Ledger;
  /** Another connection to the same store, as a second API instance would have. */
  connect(): Ledger;
  dispose(): Promise<void>;
}

const ADAPTERS: Array<{ name: string; open(): Promise<Store> }> = [
  {
    name: 'embedded SQLite',
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'digests-'));
      const raw = SqliteLedger.open(join(dir, 'ledger.db'));
      const ledger = new ChainedLedger(raw);
      return {
        ledger,
        raw,
        // One process holds the SQLite file; a second recorder shares the same adapter.
        connect: () => new ChainedLedger(raw),
        dispose: async () => (await ledger.close(), rmSync(dir, { recursive: true, force: true })),
      };
    },
  },
  {
    name: 'EventStoreDB adapter via the gRPC stand-in (not a real server)',
    async open() {
      const standIn = await startEsdbStandIn();
      const raw = EsdbLedger.connect(standIn.connectionString);
      const others: Ledger[] = [];
      return {
        ledger: new ChainedLedger(raw),
        raw,
        connect: () => {
          const other = new ChainedLedger(EsdbLedger.connect(standIn.connectionString));
          others.push(other);
          return other;
        },
        dispose: async () => {
          for (const other of others) await other.close();
          await raw.close();
          await standIn.stop();
        },
      };
    },
  },
];

const clock = { nowIso: () => new Date().toISOString() };

describe.each(ADAPTERS)('DigestRecorder and ProofService ($name)', (adapter) => {
  let store: Store;
  const recorders: DigestRecorder[] = [];

  beforeAll(() => Logger.overrideLogger(false));
  beforeEach(async () => {
    store = await adapter.open();
  });
  afterEach(async () => {
    for (const recorder of recorders.splice(0)) await recorder.stop();
    await store.dispose();
  });

  async function startRecorder(everyEvents: number, ledger = store.ledger): Promise<DigestRecorder> {
    const recorder = new DigestRecorder(ledger, { everyEvents }, clock);
    recorders.push(recorder);
    await recorder.start();
    return recorder;
  }

  it('catches up from the first event at start, digests what is due, then digests every N events live', async () => {
    // given: 12 events before the recorder starts
    for (let i = 0; i < 6; i++) await appendTo(`lead-${i}`, 2);

    // when
    const recorder = await startRecorder(5);

    // then: one digest of the 12 events at start
    let digests = await digestsInLog();
    expect(digests.map((d) => d.treeSize)).toEqual([12]);
    expect(recorder.latest()).toEqual(digests[0]);

    // when: 11 more events, live
    for (let i = 0; i < 11; i++) await appendTo(`officer-${i}`, 1);
    await eventually(async () => trailing(await store.ledger.readAll()) < 5);

    // then: each later digest is taken as soon as 5 non-digest events follow the previous digest event
    const log = await store.ledger.readAll();
    digests = await digestsInLog();
    expect(digests.length).toBeGreaterThanOrEqual(2);
    let previous = log.findIndex((e) => e.id === digests[0].eventId);
    for (const digest of digests.slice(1)) {
      expect(log.slice(previous + 1, digest.treeSize).filter((e) => e.stream !== ledgerDigestStream())).toHaveLength(5);
      previous = log.findIndex((e) => e.id === digest.eventId);
    }
    for (const digest of digests) expect(checkDigest(digest, log)).toEqual([]);
    expect(digests.map((d) => d.revision)).toEqual(digests.map((_, i) => BigInt(i)));
    await recorder.waitFor(log[log.length - 1].position);
    expect(recorder.all()).toEqual(digests);
  });

  it('proves a stream’s events against the first digest covering them, recording one on demand when none does', async () => {
    // given
    const recorder = await startRecorder(1000);
    const proofs = new ProofService(recorder);
    await appendTo('lead-a', 3);
    await appendTo('lead-b', 2);
    await appendTo('lead-a', 2);
    const events = await store.ledger.readStream('lead-a');

    // when
    const first = await proofs.prove(events, { correlationId: 'c-1', actor: 'key:auditor' });
    await appendTo('lead-c', 4);
    const again = await proofs.prove(events);

    // then
    expect(first.digest.treeSize).toBe(7);
    expect(again).toEqual(first);
    const log = await store.ledger.readAll();
    expect(checkDigest(first.digest, log)).toEqual([]);
    const [digestEvent] = await store.ledger.readStream(ledgerDigestStream());
    expect(digestEvent.metadata).toMatchObject({ correlationId: 'c-1', actor: 'key:auditor' });
    first.inclusions.forEach((inclusion, i) => {
      expect(inclusion.leafIndex).toBe(log.findIndex((e) => e.id === events[i].id));
      expect(
        verifyEventInclusion(
          { hash: events[i].chain!.hash, leafIndex: inclusion.leafIndex, auditPath: inclusion.auditPath.map((b) => b.toString('hex')) },
          first.digest,
        ),
      ).toBe(true);
    });
    // a later lead is proven against a later digest
    const later = await proofs.prove(await store.ledger.readStream('lead-c'));
    expect(later.digest.treeSize).toBe(12);
    expect(checkDigest(later.digest, await store.ledger.readAll())).toEqual([]);
  });

  it('with two recorders on one ledger (two API instances), digests stay in treeSize order and all match the log', async () => {
    // given
    const one = await startRecorder(3);
    const two = await startRecorder(3, store.connect());
    await appendTo('lead-first', 1);

    // when: writes and on-demand digests from both, concurrently
    await Promise.all([
      (async () => {
        for (let i = 0; i < 10; i++) await appendTo(`lead-x${i}`, 1);
      })(),
      (async () => {
        for (let i = 0; i < 10; i++) await appendTo(`lead-y${i}`, 1);
      })(),
      one.recordNow(),
      two.recordNow(),
    ]);
    await one.recordNow();
    await two.catchUp();
    // both at the same head, both asking at once: one loses the digest stream, reads the winner, and digests after it
    const [a, b] = await Promise.all([one.recordNow(), two.recordNow()]);
    expect(a.digest.treeSize).not.toBe(b.digest.treeSize);
    await one.catchUp();
    await two.catchUp();

    // then
    const log = await store.ledger.readAll();
    const digests = await digestsInLog();
    expect(digests.length).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < digests.length; i++) {
      expect(digests[i].treeSize).toBeGreaterThan(digests[i - 1].treeSize);
      // every digest event is a leaf of every later digest
      expect(digests[i].treeSize).toBeGreaterThan(log.findIndex((e) => e.id === digests[i - 1].eventId));
    }
    for (const digest of digests) expect(checkDigest(digest, log)).toEqual([]);
    expect(one.all()).toEqual(digests);
    expect(two.all()).toEqual(digests);
  });

  it('knows the digests already in the ledger after a restart, and keeps counting from the latest', async () => {
    // given: 4 events, their digest (leaf 4), then 2 more events
    const first = await startRecorder(4);
    for (let i = 0; i < 4; i++) await appendTo(`lead-${i}`, 1);
    await eventually(async () => (await digestsInLog()).length === 1);
    await appendTo('lead-y', 2);
    await first.stop();

    // when: a restart and one more event: 3 non-digest events follow the digest, not yet due
    const second = await startRecorder(4);
    await appendTo('lead-z', 1);
    await second.waitFor((await store.ledger.headPosition())!);

    // then
    expect(second.all()).toEqual(await digestsInLog());
    expect(second.all()).toHaveLength(1);

    // and the 4th is
    await appendTo('lead-z', 1, 0n);
    await eventually(async () => (await digestsInLog()).length === 2);
    expect((await digestsInLog()).map((d) => d.treeSize)).toEqual([4, 4 + 1 + 4]);
  });

  it('ignores a digest event that does not match the log', async () => {
    // given
    const recorder = await startRecorder(1000);
    await appendTo('lead-a', 3);
    const forged = digestRecorded({ treeSize: 3, root: Buffer.alloc(32, 7), last: { position: 1n, id: 'x' }, digestedAt: clock.nowIso() });
    const appended = await store.ledger.append(ledgerDigestStream(), [anEvent(forged)], { expectedRevision: 'no_stream' });

    // when
    await recorder.waitFor(appended.position);
    const proof = await new ProofService(recorder).prove(await store.ledger.readStream('lead-a'));

    // then: never used; a genuine digest is recorded after it
    expect(proof.digest.eventId).not.toBe(appended.events[0].id);
    expect(proof.digest.revision).toBe(1n);
    expect(checkDigest(proof.digest, await store.ledger.readAll())).toEqual([]);
  });

  it('treats an event without a hash as unverifiable: no digest covers it, earlier proofs still hold', async () => {
    // given: a digest over lead-a, then an event appended past the chain
    const recorder = await startRecorder(1000);
    const proofs = new ProofService(recorder);
    await appendTo('lead-a', 2);
    const before = await proofs.prove(await store.ledger.readStream('lead-a'));
    const unchained = await store.raw.append('lead-raw', [anEvent({ type: 'Raw', schemaVersion: 1, data: {} })], { expectedRevision: 'no_stream' });
    await appendTo('lead-b', 1);
    await recorder.waitFor((await store.ledger.headPosition())!);

    // then
    expect(unchained.events[0].chain).toBeNull();
    expect(recorder.unverifiableAt).toMatchObject({ position: unchained.position });
    await expect(recorder.recordNow()).rejects.toBeInstanceOf(LedgerUnverifiableError);
    await expect(proofs.prove(await store.ledger.readStream('lead-b'))).rejects.toBeInstanceOf(LedgerUnverifiableError);
    await expect(proofs.prove(await store.ledger.readStream('lead-raw'))).rejects.toBeInstanceOf(LedgerUnverifiableError);
    expect(await proofs.prove(await store.ledger.readStream('lead-a'))).toEqual(before);
  });

  // ---- helpers ----

  async function appendTo(stream: string, count: number, expectedRevision: bigint | 'any' = 'any'): Promise<RecordedEvent[]> {
    const events = Array.from({ length: count }, (_, i) => anEvent({ type: 'Happened', schemaVersion: 1, data: { stream, i } }));
    return (await store.ledger.append(stream, events, { expectedRevision: expectedRevision === 'any' ? 'any' : expectedRevision })).events;
  }

  /** Non-digest events after the last digest event. */
  function trailing(log: RecordedEvent[]): number {
    let count = 0;
    for (let i = log.length - 1; i >= 0 && log[i].stream !== ledgerDigestStream(); i--) count++;
    return count;
  }

  async function digestsInLog() {
    return (await store.ledger.readStream(ledgerDigestStream())).map(digestOf);
  }
});

function anEvent(event: { type: string; schemaVersion: number; data: Record<string, unknown> }): NewEvent {
  return { ...event, recordedAt: clock.nowIso(), metadata: { correlationId: 'c', causationId: 'c', commandId: 'c', actor: 'test' } };
}

async function eventually(condition: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
