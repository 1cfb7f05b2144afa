import { randomUUID } from 'node:crypto';
import { Ledger, NewEvent, RecordedEvent, WrongExpectedRevisionError } from '@lead-ledger/ledger/ledger.port';

/**
 * The one contract every ledger adapter must pass. Each adapter's spec file calls this with a
 * factory; tests use fresh stream names, so the suite also runs against a shared real server.
 */
export function describeLedgerContract(
  adapterName: string,
  open: () => Promise<{ ledger: Ledger; dispose: () => Promise<void> }>,
  /** A ledger that computes chain links itself (ChainedLedger) replaces any link it is given. */
  options: { chainsItself?: boolean } = {},
) {
  describe(`Ledger contract: ${adapterName}`, () => {
    let ledger: Ledger;
    let dispose: () => Promise<void>;

    beforeAll(async () => {
      ({ ledger, dispose } = await open());
    });
    afterAll(async () => {
      await dispose?.();
    });

    describe('append', () => {
      it('creates a stream at revision 0 and returns a global position', async () => {
        const stream = aStream();
        const result = await ledger.append(stream, [anEvent('Created')], { expectedRevision: 'no_stream' });
        expect(result.nextRevision).toBe(0n);
        expect(typeof result.position).toBe('bigint');
        expect(result.events).toHaveLength(1);
        expect(result.events[0].position).toBe(result.position);
        expect(await ledger.streamRevision(stream)).toBe(0n);
      });

      it('refuses no_stream when the stream exists', async () => {
        const stream = aStream();
        await ledger.append(stream, [anEvent('Created')], { expectedRevision: 'no_stream' });
        await expect(ledger.append(stream, [anEvent('Again')], { expectedRevision: 'no_stream' })).rejects.toBeInstanceOf(
          WrongExpectedRevisionError,
        );
        expect(await ledger.readStream(stream)).toHaveLength(1);
      });

      it('appends at the exact expected revision and refuses a stale one', async () => {
        const stream = aStream();
        await ledger.append(stream, [anEvent('A')], { expectedRevision: 'no_stream' });
        const second = await ledger.append(stream, [anEvent('B')], { expectedRevision: 0n });
        expect(second.nextRevision).toBe(1n);
        const stale = ledger.append(stream, [anEvent('C')], { expectedRevision: 0n });
        await expect(stale).rejects.toBeInstanceOf(WrongExpectedRevisionError);
        await expect(stale).rejects.toMatchObject({ stream, actual: 1n });
        expect((await ledger.readStream(stream)).map((e) => e.type)).toEqual(['A', 'B']);
      });

      it('refuses an exact revision on a stream that does not exist', async () => {
        const stream = aStream();
        await expect(ledger.append(stream, [anEvent('A')], { expectedRevision: 0n })).rejects.toMatchObject({
          stream,
          actual: null,
        });
        expect(await ledger.streamRevision(stream)).toBeNull();
      });

      it('appends with any, on a new and on an existing stream', async () => {
        const stream = aStream();
        await ledger.append(stream, [anEvent('A')], { expectedRevision: 'any' });
        const result = await ledger.append(stream, [anEvent('B')], { expectedRevision: 'any' });
        expect(result.nextRevision).toBe(1n);
      });

      it('stream_exists requires at least one event', async () => {
        const stream = aStream();
        await expect(ledger.append(stream, [anEvent('A')], { expectedRevision: 'stream_exists' })).rejects.toBeInstanceOf(
          WrongExpectedRevisionError,
        );
        await ledger.append(stream, [anEvent('A')], { expectedRevision: 'no_stream' });
        await expect(ledger.append(stream, [anEvent('B')], { expectedRevision: 'stream_exists' })).resolves.toMatchObject({
          nextRevision: 1n,
        });
      });

      it('appends several events atomically, with consecutive revisions and rising positions', async () => {
        const stream = aStream();
        const result = await ledger.append(stream, [anEvent('A'), anEvent('B'), anEvent('C')], { expectedRevision: 'no_stream' });
        expect(result.nextRevision).toBe(2n);
        expect(result.events.map((e) => e.revision)).toEqual([0n, 1n, 2n]);
        const positions = result.events.map((e) => e.position);
        expect(positions[0] < positions[1] && positions[1] < positions[2]).toBe(true);
        expect(result.position).toBe(positions[2]);
      });

      it('keeps every field of an event exactly', async () => {
        const stream = aStream();
        const id = randomUUID();
        const event: NewEvent = {
          id,
          type: 'LeadScored',
          schemaVersion: 2,
          data: { score: 87, reasons: ['income verified', 'ünïcødé ✓'], nested: { amount: 350000.5, flag: false, none: null } },
          recordedAt: '2026-11-22T15:04:05.123Z',
          metadata: {
            correlationId: randomUUID(),
            causationId: randomUUID(),
            commandId: 'idem-key-1',
            requestHash: 'abc123',
            actor: 'api-key:ops',
          },
        };
        const { events } = await ledger.append(stream, [event], { expectedRevision: 'no_stream' });
        const [read] = await ledger.readStream(stream);
        expect(read).toEqual(events[0]);
        expect(read).toMatchObject({
          id,
          type: 'LeadScored',
          schemaVersion: 2,
          data: event.data,
          recordedAt: event.recordedAt,
          metadata: event.metadata,
          stream,
          revision: 0n,
        });
      });

      it('keeps chain links: exactly as given, or as the ledger computes them', async () => {
        const stream = aStream();
        const chain = { hash: 'a'.repeat(64), prevHash: '0'.repeat(64) };
        await ledger.append(stream, [{ ...anEvent('Chained'), chain }, anEvent('Unchained')], { expectedRevision: 'no_stream' });
        const [chained, unchained] = await ledger.readStream(stream);
        expect(chained.metadata).not.toHaveProperty('$hash');
        if (options.chainsItself) {
          expect(chained.chain?.hash).toMatch(/^[0-9a-f]{64}$/);
          expect(chained.chain?.hash).not.toBe(chain.hash);
          expect(unchained.chain?.prevHash).toBe(chained.chain?.hash);
        } else {
          expect(chained.chain).toEqual(chain);
          expect(unchained.chain).toBeNull();
        }
      });

      it('generates a unique id when none is given', async () => {
        const stream = aStream();
        const { events } = await ledger.append(stream, [anEvent('A'), anEvent('B')], { expectedRevision: 'no_stream' });
        expect(events[0].id).toMatch(/^[0-9a-f-]{36}$/);
        expect(events[0].id).not.toBe(events[1].id);
      });

      it('lets exactly one of many concurrent writers at the same revision win', async () => {
        const stream = aStream();
        await ledger.append(stream, [anEvent('A')], { expectedRevision: 'no_stream' });
        const outcomes = await Promise.allSettled(
          Array.from({ length: 20 }, (_, i) => ledger.append(stream, [anEvent(`Writer${i}`)], { expectedRevision: 0n })),
        );
        const won = outcomes.filter((o) => o.status === 'fulfilled');
        const lost = outcomes.filter((o) => o.status === 'rejected') as PromiseRejectedResult[];
        expect(won).toHaveLength(1);
        expect(lost).toHaveLength(19);
        for (const o of lost) expect(o.reason).toBeInstanceOf(WrongExpectedRevisionError);
        expect(await ledger.readStream(stream)).toHaveLength(2);
      });

      it('keeps concurrent appends to different streams all', async () => {
        const streams = Array.from({ length: 25 }, () => aStream());
        const results = await Promise.all(streams.map((s) => ledger.append(s, [anEvent('A')], { expectedRevision: 'no_stream' })));
        expect(new Set(results.map((r) => r.position)).size).toBe(25);
      });
    });

    describe('readStream', () => {
      it('reads an unknown stream as empty', async () => {
        expect(await ledger.readStream(aStream())).toEqual([]);
        expect(await ledger.readStream(aStream(), { direction: 'backwards' })).toEqual([]);
      });

      it('reads forwards and backwards, from a revision, with a max count', async () => {
        const stream = aStream();
        await ledger.append(stream, ['A', 'B', 'C', 'D', 'E'].map(anEvent), { expectedRevision: 'no_stream' });
        expect((await ledger.readStream(stream)).map((e) => e.type)).toEqual(['A', 'B', 'C', 'D', 'E']);
        expect((await ledger.readStream(stream, { direction: 'backwards' })).map((e) => e.type)).toEqual(['E', 'D', 'C', 'B', 'A']);
        expect((await ledger.readStream(stream, { fromRevision: 2n })).map((e) => e.type)).toEqual(['C', 'D', 'E']);
        expect((await ledger.readStream(stream, { fromRevision: 2n, maxCount: 2 })).map((e) => e.type)).toEqual(['C', 'D']);
        expect((await ledger.readStream(stream, { direction: 'backwards', fromRevision: 2n })).map((e) => e.type)).toEqual([
          'C',
          'B',
          'A',
        ]);
        expect((await ledger.readStream(stream, { direction: 'backwards', maxCount: 1 })).map((e) => e.revision)).toEqual([4n]);
      });

      it('reads only its own stream', async () => {
        const a = aStream();
        const b = aStream();
        await ledger.append(a, [anEvent('A1')], { expectedRevision: 'no_stream' });
        await ledger.append(b, [anEvent('B1')], { expectedRevision: 'no_stream' });
        await ledger.append(a, [anEvent('A2')], { expectedRevision: 0n });
        expect((await ledger.readStream(a)).map((e) => e.type)).toEqual(['A1', 'A2']);
      });
    });

    describe('readAll', () => {
      it('reads the global log in position order, after a position', async () => {
        const head = (await ledger.headPosition()) ?? undefined;
        const a = aStream();
        const b = aStream();
        const r1 = await ledger.append(a, [anEvent('One')], { expectedRevision: 'no_stream' });
        const r2 = await ledger.append(b, [anEvent('Two'), anEvent('Three')], { expectedRevision: 'no_stream' });
        const r3 = await ledger.append(a, [anEvent('Four')], { expectedRevision: 0n });
        const mine = (await readAllAfter(head)).filter((e) => e.stream === a || e.stream === b);
        expect(mine.map((e) => e.type)).toEqual(['One', 'Two', 'Three', 'Four']);
        expect(mine.map((e) => e.position)).toEqual([r1.position, r2.events[0].position, r2.position, r3.position]);
        expect(await ledger.headPosition()).toBe(r3.position);

        const afterFirst = (await ledger.readAll({ after: r1.position, maxCount: 2 })).filter((e) => e.stream === a || e.stream === b);
        expect(afterFirst.map((e) => e.type)).toEqual(['Two', 'Three']);
      });

      it('returns nothing after the head', async () => {
        await ledger.append(aStream(), [anEvent('A')], { expectedRevision: 'no_stream' });
        const head = await ledger.headPosition();
        expect(await ledger.readAll({ after: head! })).toEqual([]);
      });
    });

    describe('subscribeToAll', () => {
      it('catches up from a checkpoint, then delivers live events in order', async () => {
        const stream = aStream();
        const before = await ledger.append(stream, [anEvent('Before')], { expectedRevision: 'no_stream' });
        const historic = await ledger.append(stream, [anEvent('Historic1'), anEvent('Historic2')], { expectedRevision: 0n });
        const subscription = ledger.subscribeToAll({ after: before.position });
        const seen: RecordedEvent[] = [];
        const done = (async () => {
          for await (const event of subscription) {
            if (event.stream !== stream) continue;
            seen.push(event);
            if (event.type === 'Live2') break;
          }
        })();
        await delay(50);
        await ledger.append(stream, [anEvent('Live1')], { expectedRevision: 2n });
        await ledger.append(stream, [anEvent('Live2')], { expectedRevision: 3n });
        await withTimeout(done, 5000);
        await subscription.close();
        expect(seen.map((e) => e.type)).toEqual(['Historic1', 'Historic2', 'Live1', 'Live2']);
        expect(seen[0].position).toBe(historic.events[0].position);
        const positions = seen.map((e) => e.position);
        expect([...positions].sort((x, y) => (x < y ? -1 : 1))).toEqual(positions);
      });

      it('ends iteration when closed', async () => {
        const subscription = ledger.subscribeToAll({ after: (await ledger.headPosition()) ?? undefined });
        const iteration = (async () => {
          let count = 0;
          for await (const _ of subscription) count++;
          return count;
        })();
        await delay(50);
        await subscription.close();
        await expect(withTimeout(iteration, 5000)).resolves.toBe(0);
      });
    });

    async function readAllAfter(after: bigint | undefined): Promise<RecordedEvent[]> {
      const out: RecordedEvent[] = [];
      let cursor = after;
      for (;;) {
        const page = await ledger.readAll({ after: cursor, maxCount: 500 });
        if (page.length === 0) return out;
        out.push(...page);
        cursor = page[page.length - 1].position;
      }
    }
  });
}

function aStream(): string {
  return `contract-${randomUUID().replace(/-/g, '')}`;
}

function anEvent(type: string): NewEvent {
  return {
    type,
    schemaVersion: 1,
    data: { type },
    recordedAt: '2026-11-22T12:00:00.000Z',
    metadata: { correlationId: randomUUID(), causationId: randomUUID(), commandId: randomUUID(), actor: 'contract-test' },
  };
}

function delay(ms: number) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
