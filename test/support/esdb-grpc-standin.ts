/**
 * EventStoreDB gRPC stand-in — FOR TESTS ONLY.
 *
 * An in-memory gRPC server that answers the calls `@eventstore/db-client` makes for the ledger
 * adapter, built on the client's own generated service definitions and protobuf messages:
 * - ServerFeatures.GetSupportedMethods (advertises Read, Append and, unless disabled, BatchAppend,
 *   which the client then prefers, as it does against current servers);
 * - Streams.Append and Streams.BatchAppend, with the expected-revision checks;
 * - Streams.Read: stream and $all reads in either direction from a revision/position with a count,
 *   stream-not-found, and catch-up subscriptions to a stream or $all (confirmation, history,
 *   caught-up, then live events), honouring the client's stream-name/event-type filter.
 *
 * It was written from the client's code and the protocol messages, not from the server's code.
 * It proves the adapter speaks the protocol the client library expects; it does NOT prove
 * compatibility with a real EventStoreDB (set EVENTSTORE_TEST_URL to run the contract against one).
 * Not modelled: authentication, deadlines, idempotent re-appends, delete/tombstone, links,
 * filter checkpoints, explicit transactions (commit and prepare positions are always equal).
 */
import { randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { Any } from 'google-protobuf/google/protobuf/any_pb';
import { Empty as PbEmpty } from 'google-protobuf/google/protobuf/empty_pb';
import { Code } from '@eventstore/db-client/generated/code_pb';
import { ServerFeaturesService } from '@eventstore/db-client/generated/serverfeatures_grpc_pb';
import { SupportedMethod, SupportedMethods } from '@eventstore/db-client/generated/serverfeatures_pb';
import {
  AllStreamPosition,
  Empty,
  StreamIdentifier,
  UUID,
  WrongExpectedVersion as BatchWrongExpectedVersion,
} from '@eventstore/db-client/generated/shared_pb';
import { Status } from '@eventstore/db-client/generated/status_pb';
import { StreamsService } from '@eventstore/db-client/generated/streams_grpc_pb';
import { AppendReq, AppendResp, BatchAppendReq, BatchAppendResp, ReadReq, ReadResp } from '@eventstore/db-client/generated/streams_pb';

export interface EsdbStandIn {
  /** e.g. `esdb://127.0.0.1:41234?tls=false` */
  connectionString: string;
  stop(): Promise<void>;
}

export interface EsdbStandInOptions {
  /** Advertise and serve Streams.BatchAppend (default true); when false the client falls back to Streams.Append. */
  batchAppend?: boolean;
}

type Expected = 'any' | 'no_stream' | 'stream_exists' | bigint;
type Proposed = AppendReq.ProposedMessage | BatchAppendReq.ProposedMessage;
type AppendOutcome = { ok: true; revision: bigint; position: bigint } | { ok: false; current: bigint | null };

interface Stored {
  stream: string;
  revision: bigint;
  position: bigint;
  id: string;
  type: string;
  contentType: string;
  /** .NET ticks (100 ns) since the Unix epoch, as the server sends `created`. */
  created: bigint;
  data: Uint8Array;
  customMetadata: Uint8Array;
}

class InMemoryLog {
  readonly all: Stored[] = [];
  private readonly streams = new Map<string, Stored[]>();
  private readonly listeners = new Set<(event: Stored) => void>();
  /** Positions are byte-offset-like and not consecutive, as on a real server. */
  private end = 0n;

  constructor() {
    // A real log is never empty: seed system events so readers must skip them (one has a
    // `$`-type, one lives in a `$` stream with a plain type).
    this.write('$stats-127.0.0.1:2113', '$statsCollected', new Uint8Array());
    this.write('$settings', 'update-default-acl', new Uint8Array());
  }

  stream(name: string): Stored[] {
    return this.streams.get(name) ?? [];
  }

  append(stream: string, expected: Expected, proposed: Proposed[]): AppendOutcome {
    const existing = this.stream(stream);
    const current = existing.length === 0 ? null : BigInt(existing.length - 1);
    const ok =
      expected === 'any' ||
      (expected === 'no_stream' ? current === null : expected === 'stream_exists' ? current !== null : current === expected);
    if (!ok) return { ok: false, current };
    const written = proposed.map((message) => {
      const metadata = message.getMetadataMap();
      return this.write(stream, metadata.get('type') ?? '', message.getData_asU8(), {
        id: message.getId()?.getString() || randomUUID(),
        contentType: metadata.get('content-type') ?? 'application/octet-stream',
        customMetadata: message.getCustomMetadata_asU8(),
      });
    });
    for (const event of written) for (const listener of this.listeners) listener(event);
    const last = written[written.length - 1];
    return { ok: true, revision: last.revision, position: last.position };
  }

  /** Registers a live listener; returns its removal. */
  onAppend(listener: (event: Stored) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private write(stream: string, type: string, data: Uint8Array, extra: Partial<Pick<Stored, 'id' | 'contentType' | 'customMetadata'>> = {}): Stored {
    const events = this.stream(stream);
    const event: Stored = {
      stream,
      revision: BigInt(events.length),
      position: this.end,
      id: randomUUID(),
      type,
      contentType: 'application/json',
      created: BigInt(Date.now()) * 10_000n,
      data,
      customMetadata: new Uint8Array(),
      ...extra,
    };
    this.streams.set(stream, [...events, event]);
    this.all.push(event);
    this.end += BigInt(100 + stream.length + type.length + data.length + event.customMetadata.length);
    return event;
  }
}

export async function startEsdbStandIn({ batchAppend = true }: EsdbStandInOptions = {}): Promise<EsdbStandIn> {
  const log = new InMemoryLog();
  const server = new grpc.Server();

  const streamsImpl: grpc.UntypedServiceImplementation = {
    read: (call: grpc.ServerWritableStream<ReadReq, ReadResp>) => read(log, call),
    append: (call: grpc.ServerReadableStream<AppendReq, AppendResp>, callback: grpc.sendUnaryData<AppendResp>) => {
      let options: AppendReq.Options | undefined;
      const proposed: AppendReq.ProposedMessage[] = [];
      call.on('data', (req: AppendReq) => {
        if (req.hasOptions()) options = req.getOptions();
        else if (req.hasProposedMessage()) proposed.push(req.getProposedMessage()!);
      });
      call.on('end', () => {
        if (!options || proposed.length === 0) {
          return callback({ code: grpc.status.INVALID_ARGUMENT, details: 'stand-in: options then at least one event expected' });
        }
        const expected = expectedOf(options, () => BigInt(options!.getRevision()));
        const outcome = log.append(streamName(options.getStreamIdentifier()), expected, proposed);
        callback(null, appendResponse(expected, outcome));
      });
    },
  };
  if (batchAppend) {
    streamsImpl.batchAppend = (call: grpc.ServerDuplexStream<BatchAppendReq, BatchAppendResp>) => {
      const pending = new Map<string, { options: BatchAppendReq.Options; messages: Proposed[] }>();
      call.on('data', (req: BatchAppendReq) => {
        const correlationId = req.getCorrelationId()!;
        const key = correlationId.getString();
        const batch = pending.get(key) ?? { options: req.getOptions()!, messages: [] };
        batch.messages.push(...req.getProposedMessagesList());
        if (!req.getIsFinal()) return void pending.set(key, batch);
        pending.delete(key);
        const expected = expectedOf(batch.options, () => BigInt(batch.options.getStreamPosition()));
        const outcome = log.append(streamName(batch.options.getStreamIdentifier()), expected, batch.messages);
        call.write(batchAppendResponse(correlationId, batch.options.getStreamIdentifier()!, expected, outcome));
      });
      call.on('end', () => call.end());
    };
  }
  server.addService(StreamsService, streamsImpl);

  server.addService(ServerFeaturesService, {
    getSupportedMethods: (_call: grpc.ServerUnaryCall<Empty, SupportedMethods>, callback: grpc.sendUnaryData<SupportedMethods>) => {
      const served = [StreamsService.read, StreamsService.append, ...(batchAppend ? [StreamsService.batchAppend] : [])];
      const methods = served.map(({ path }) => {
        const [, service, method] = path.split('/');
        return new SupportedMethod().setServiceName(service).setMethodName(method);
      });
      callback(null, new SupportedMethods().setMethodsList(methods).setEventStoreServerVersion('0.0.0-test-stand-in'));
    },
  });

  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  return {
    connectionString: `esdb://127.0.0.1:${port}?tls=false`,
    // Live subscriptions never end on their own, so a graceful shutdown would wait forever.
    stop: async () => server.forceShutdown(),
  };
}

function read(log: InMemoryLog, call: grpc.ServerWritableStream<ReadReq, ReadResp>): void {
  const options = call.request.getOptions();
  if (!options || options.getResolveLinks()) {
    call.emit('error', { code: grpc.status.UNIMPLEMENTED, details: 'stand-in: unsupported read options' });
    return;
  }
  const passesFilter = filterOf(options);
  const forwards = options.getReadDirection() === ReadReq.Options.ReadDirection.FORWARDS;
  let matches: (event: Stored) => boolean;
  let history: Stored[]; // for a subscription: the events strictly after its starting point

  if (options.hasStream()) {
    const streamOptions = options.getStream()!;
    const name = streamName(streamOptions.getStreamIdentifier());
    const events = log.stream(name);
    matches = (event) => event.stream === name;
    if (options.hasSubscription()) {
      const after = streamOptions.hasRevision() ? BigInt(streamOptions.getRevision()) : -1n;
      history = streamOptions.hasEnd() ? [] : events.filter((event) => event.revision > after);
    } else if (events.length === 0) {
      const notFound = new ReadResp.StreamNotFound().setStreamIdentifier(streamOptions.getStreamIdentifier());
      call.write(new ReadResp().setStreamNotFound(notFound));
      call.end();
      return;
    } else {
      const from = streamOptions.hasRevision() ? BigInt(streamOptions.getRevision()) : forwards ? 0n : BigInt(events.length - 1);
      history = forwards ? events.filter((event) => event.revision >= from) : events.filter((event) => event.revision <= from).reverse();
    }
  } else {
    const allOptions = options.getAll()!;
    const at = allOptions.hasPosition() ? BigInt(allOptions.getPosition()!.getCommitPosition()) : undefined;
    matches = passesFilter;
    if (options.hasSubscription()) {
      history = allOptions.hasEnd() ? [] : log.all.filter((event) => at === undefined || event.position > at);
    } else if (forwards) {
      history = log.all.filter((event) => (at === undefined ? allOptions.hasStart() : event.position >= at));
    } else {
      history = log.all.filter((event) => (at === undefined ? allOptions.hasEnd() : event.position < at)).reverse();
    }
  }

  if (!options.hasSubscription()) {
    for (const event of history.filter(matches).slice(0, Number(options.getCount()))) call.write(eventResponse(event));
    call.end();
    return;
  }
  // History is replayed and the live listener registered in one synchronous step, so no
  // append can fall between the two.
  call.write(new ReadResp().setConfirmation(new ReadResp.SubscriptionConfirmation().setSubscriptionId(randomUUID())));
  for (const event of history.filter(matches)) call.write(eventResponse(event));
  call.write(new ReadResp().setCaughtUp(new ReadResp.CaughtUp()));
  const stop = log.onAppend((event) => {
    if (call.cancelled) stop();
    else if (matches(event)) call.write(eventResponse(event));
  });
  call.on('cancelled', stop);
  call.on('close', stop);
}

function filterOf(options: ReadReq.Options): (event: Stored) => boolean {
  const filter = options.getFilter();
  if (!options.hasFilter() || !filter) return () => true;
  const onType = filter.hasEventType();
  const expression = (onType ? filter.getEventType() : filter.getStreamIdentifier())!;
  const regex = expression.getRegex() ? new RegExp(expression.getRegex()) : undefined;
  const prefixes = expression.getPrefixList();
  return (event) => {
    const subject = onType ? event.type : event.stream;
    return (regex?.test(subject) ?? true) && (prefixes.length === 0 || prefixes.some((prefix) => subject.startsWith(prefix)));
  };
}

function expectedOf(options: { hasAny(): boolean; hasNoStream(): boolean; hasStreamExists(): boolean }, exact: () => bigint): Expected {
  if (options.hasAny()) return 'any';
  if (options.hasNoStream()) return 'no_stream';
  if (options.hasStreamExists()) return 'stream_exists';
  return exact();
}

function appendResponse(expected: Expected, outcome: AppendOutcome): AppendResp {
  if (outcome.ok) {
    const position = new AppendResp.Position().setCommitPosition(String(outcome.position)).setPreparePosition(String(outcome.position));
    return new AppendResp().setSuccess(new AppendResp.Success().setCurrentRevision(String(outcome.revision)).setPosition(position));
  }
  const wrong = new AppendResp.WrongExpectedVersion();
  if (outcome.current === null) wrong.setCurrentNoStream(new Empty());
  else wrong.setCurrentRevision(String(outcome.current));
  if (expected === 'any') wrong.setExpectedAny(new Empty());
  else if (expected === 'no_stream') wrong.setExpectedNoStream(new Empty());
  else if (expected === 'stream_exists') wrong.setExpectedStreamExists(new Empty());
  else wrong.setExpectedRevision(String(expected));
  return new AppendResp().setWrongExpectedVersion(wrong);
}

function batchAppendResponse(correlationId: UUID, stream: StreamIdentifier, expected: Expected, outcome: AppendOutcome): BatchAppendResp {
  const response = new BatchAppendResp().setCorrelationId(correlationId).setStreamIdentifier(stream);
  if (outcome.ok) {
    const position = new AllStreamPosition().setCommitPosition(String(outcome.position)).setPreparePosition(String(outcome.position));
    return response.setSuccess(new BatchAppendResp.Success().setCurrentRevision(String(outcome.revision)).setPosition(position));
  }
  // Batch appends report a wrong expected version as a google.rpc.Status carrying the details.
  const wrong = new BatchWrongExpectedVersion();
  if (outcome.current === null) wrong.setCurrentNoStream(new PbEmpty());
  else wrong.setCurrentStreamRevision(String(outcome.current));
  if (expected === 'any') wrong.setExpectedAny(new PbEmpty());
  else if (expected === 'no_stream') wrong.setExpectedNoStream(new PbEmpty());
  else if (expected === 'stream_exists') wrong.setExpectedStreamExists(new PbEmpty());
  else wrong.setExpectedStreamPosition(String(expected));
  const details = new Any();
  details.pack(wrong.serializeBinary(), 'event_store.client.WrongExpectedVersion');
  return response.setError(new Status().setCode(Code.FAILED_PRECONDITION).setMessage('WrongExpectedVersion').setDetails(details));
}

function eventResponse(event: Stored): ReadResp {
  const record = new ReadResp.ReadEvent.RecordedEvent()
    .setId(new UUID().setString(event.id))
    .setStreamIdentifier(new StreamIdentifier().setStreamName(Buffer.from(event.stream, 'utf8')))
    .setStreamRevision(String(event.revision))
    .setCommitPosition(String(event.position))
    .setPreparePosition(String(event.position))
    .setData(event.data)
    .setCustomMetadata(event.customMetadata);
  record.getMetadataMap().set('type', event.type).set('content-type', event.contentType).set('created', String(event.created));
  return new ReadResp().setEvent(new ReadResp.ReadEvent().setEvent(record).setCommitPosition(String(event.position)));
}

function streamName(identifier: StreamIdentifier | undefined): string {
  return Buffer.from(identifier?.getStreamName_asU8() ?? new Uint8Array()).toString('utf8');
}
