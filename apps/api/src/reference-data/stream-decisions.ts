import { Inject, Injectable } from '@nestjs/common';
import { Decider, fold } from '@lead-ledger/domain';
import { Ledger, RecordedEvent } from '@lead-ledger/ledger/ledger.port';
import type { FastifyReply } from 'fastify';
import { RequestContext } from '../http/request-context';
import { EventStreamWriter, StreamWriteResult } from '../ledger/event-stream-writer';
import { LEDGER } from '../ledger/ledger.tokens';
import { ReadModels } from '../read-models/read-models';

/** A command's write, with the stream's state after it (what the response shows). */
export interface DecidedWrite<State> extends StreamWriteResult {
  state: State;
  /** What this command appended (on a replay, what it appended the first time); empty for a no-op. */
  appended: RecordedEvent[];
}

/**
 * The write path of every reference-data command: decide on the stream through EventStreamWriter
 * (Idempotency-Key, If-Match, expected revision), then wait until the read models hold the result,
 * so the next contract or route, which decides on the read models, sees this write.
 */
@Injectable()
export class StreamDecisions {
  constructor(
    private readonly writer: EventStreamWriter,
    private readonly readModels: ReadModels,
    @Inject(LEDGER) private readonly ledger: Ledger,
  ) {}

  async decide<C extends { at: string }, E extends { type: string; schemaVersion: number; data: object }, S>(
    decider: Decider<C, E, S>,
    stream: string,
    command: C,
    context: RequestContext,
  ): Promise<DecidedWrite<S>> {
    let decidedOn: RecordedEvent[] = [];
    let decided: E[] = [];
    const result = await this.writer.execute(stream, command.at, context, (history) => {
      decidedOn = history;
      decided = decider.decide(command, foldStream(decider, history));
      return decided;
    });
    if (result.events.length > 0) await this.readModels.waitFor(result.position);
    if (!result.replayed) {
      return { ...result, state: foldStream(decider, [...decidedOn, ...decided]), appended: decided.length > 0 ? result.events : [] };
    }
    // A replay answers as the first time did: the state right after the events that command appended.
    const history = (await this.ledger.readStream(stream)).filter((event) => event.revision <= result.revision);
    return { ...result, state: foldStream(decider, history), appended: result.events };
  }
}

function foldStream<E, S>(decider: Pick<Decider<unknown, E, S>, 'initialState' | 'evolve'>, events: Array<{ type: string; data: object }>): S {
  return fold(decider, events as unknown as E[]);
}

/** Every write answers with the stream's revision (also as ETag) and the global position. */
export function writeReceipt(reply: FastifyReply, result: StreamWriteResult) {
  void reply.header('etag', `"${result.revision}"`);
  if (result.replayed) void reply.header('idempotent-replayed', 'true');
  return { revision: Number(result.revision), position: result.position.toString() };
}
