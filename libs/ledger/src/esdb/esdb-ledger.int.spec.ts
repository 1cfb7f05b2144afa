import { createServer } from 'node:net';
import { describeLedgerContract } from '../../../../test/ledger-contract/ledger.contract';
import { startEsdbStandIn } from '../../../../test/support/esdb-grpc-standin';
import { LedgerUnavailableError, NewEvent } from '../ledger.port';
import { EsdbLedger } from './esdb-ledger';

/**
 * With EVENTSTORE_TEST_URL (e.g. esdb://localhost:2113?tls=false) the contract runs against that real
 * server. Without it, it runs against the in-process gRPC stand-in, once per append path the client
 * can take; that checks the adapter against the client's protocol, not against a real server.
 */
const realServer = process.env.EVENTSTORE_TEST_URL;

if (realServer) {
  describeLedgerContract(`EventStoreDB adapter on a real server (${redact(realServer)})`, async () => {
    const ledger = EsdbLedger.connect(realServer);
    return { ledger, dispose: () => ledger.close() };
  });
} else {
  for (const batchAppend of [true, false]) {
    const path = batchAppend ? 'BatchAppend' : 'Append';
    describeLedgerContract(`EventStoreDB adapter via gRPC stand-in, ${path} (not a real server)`, async () => {
      const standIn = await startEsdbStandIn({ batchAppend });
      const ledger = EsdbLedger.connect(standIn.connectionString);
      return {
        ledger,
        dispose: async () => {
          await ledger.close();
          await standIn.stop();
        },
      };
    });
  }
}

describe(`EventStoreDB adapter specifics (${realServer ? 'real server' : 'gRPC stand-in, not a real server'})`, () => {
  let ledger: EsdbLedger;
  let dispose: () => Promise<void>;

  beforeAll(async () => {
    if (realServer) {
      ledger = EsdbLedger.connect(realServer);
      dispose = () => ledger.close();
    } else {
      const standIn = await startEsdbStandIn();
      ledger = EsdbLedger.connect(standIn.connectionString);
      dispose = async () => {
        await ledger.close();
        await standIn.stop();
      };
    }
  });
  afterAll(() => dispose());

  it('answers ping when the server is up', async () => {
    await expect(ledger.ping()).resolves.toBeUndefined();
  });

  it('leaves the store’s own events out of the global log', async () => {
    const events = await ledger.readAll({ maxCount: 1000 });
    expect(events.filter((e) => e.stream.startsWith('$') || e.type.startsWith('$'))).toEqual([]);
  });

  it('pages through long stretches of the global log without gaps or repeats', async () => {
    const head = (await ledger.headPosition()) ?? undefined;
    const stream = `esdb-paging-${Date.now()}`;
    const written: bigint[] = [];
    for (let batch = 0; batch < 3; batch++) {
      const events = Array.from({ length: 400 }, (_, i) => anEvent(`E${batch * 400 + i}`));
      const result = await ledger.append(stream, events, { expectedRevision: batch === 0 ? 'no_stream' : BigInt(batch * 400 - 1) });
      written.push(...result.events.map((e) => e.position));
    }
    const read = (await ledger.readAll({ after: head })).filter((e) => e.stream === stream);
    expect(read.map((e) => e.position)).toEqual(written);
    expect(read.map((e) => e.revision)).toEqual(written.map((_, i) => BigInt(i)));
  });

  it('reports an unreachable server as LedgerUnavailableError', async () => {
    const unreachable = EsdbLedger.connect(`esdb://127.0.0.1:${await aClosedPort()}?tls=false`);
    try {
      await expect(unreachable.ping()).rejects.toBeInstanceOf(LedgerUnavailableError);
      await expect(unreachable.readStream('any-stream')).rejects.toBeInstanceOf(LedgerUnavailableError);
      await expect(unreachable.append('any-stream', [anEvent('A')], { expectedRevision: 'any' })).rejects.toBeInstanceOf(
        LedgerUnavailableError,
      );
      const subscription = unreachable.subscribeToAll();
      await expect(subscription[Symbol.asyncIterator]().next()).rejects.toBeInstanceOf(LedgerUnavailableError);
      await subscription.close();
    } finally {
      await unreachable.close();
    }
  });
});

if (!realServer) {
  describe('EventStoreDB adapter on a fresh gRPC stand-in (not a real server)', () => {
    it('reads a log holding only the store’s own events as empty', async () => {
      const standIn = await startEsdbStandIn();
      const ledger = EsdbLedger.connect(standIn.connectionString);
      try {
        expect(await ledger.headPosition()).toBeNull();
        expect(await ledger.readAll()).toEqual([]);
      } finally {
        await ledger.close();
        await standIn.stop();
      }
    });
  });
}

function anEvent(type: string): NewEvent {
  return {
    type,
    schemaVersion: 1,
    data: { type },
    recordedAt: '2026-11-22T12:00:00.000Z',
    metadata: { correlationId: 'c', causationId: 'c', commandId: type, actor: 'esdb-spec' },
  };
}

function redact(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}

async function aClosedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
