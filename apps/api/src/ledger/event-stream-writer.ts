import { Inject, Injectable } from '@nestjs/common';
import { conflict, ruleViolated } from '@lead-ledger/domain';
import { Ledger, NewEvent, RecordedEvent, WrongExpectedRevisionError } from '@lead-ledger/ledger/ledger.port';
import { randomUUID } from 'node:crypto';
import { RequestContext } from '../http/request-context';
import { IdempotencyIndex, scopedIdempotencyKey } from './idempotency-index';
import { KeyedLocks } from './keyed-locks';
import { LEDGER } from './ledger.tokens';

/** A domain event as a decider returns it: no ids, positions or metadata yet. */
export interface DecidedEvent {
  type: string;
  schemaVersion: number;
  data: object;
}

export interface StreamWriteResult {
  stream: string;
  /** The stream's revision after the command (its last event's revision). */
  revision: bigint;
  /** The global position of the stream's last event after the command. */
  position: bigint;
  /** The events this command produced (on a replay: the ones it produced the first time). */
  events: RecordedEvent[];
  replayed: boolean;
}

type Decide = (history: RecordedEvent[]) => DecidedEvent[] | Promise<DecidedEvent[]>;

/** Retries of a command that lost a race on its stream; the decider sees the winner's events. */
const MAX_ATTEMPTS = 5;

/**
 * The write path every command shares: read the stream, replay if this Idempotency-Key was already
 * applied, check If-Match, decide on the history, append with the expected revision.
 */
@Injectable()
export class EventStreamWriter {
  /** Requests carrying the same Idempotency-Key from the same caller run one after another, whatever stream they target. */
  private readonly keyLocks = new KeyedLocks();

  constructor(
    @Inject(LEDGER) private readonly ledger: Ledger,
    private readonly idempotency: IdempotencyIndex,
  ) {}

  async execute(stream: string, at: string, context: RequestContext, decide: Decide): Promise<StreamWriteResult> {
    const key = context.idempotencyKey;
    return key === undefined
      ? this.executeOnce(stream, at, context, decide)
      : this.keyLocks.run(scopedIdempotencyKey(context.actor, key), () => this.executeOnce(stream, at, context, decide));
  }

  private async executeOnce(stream: string, at: string, context: RequestContext, decide: Decide): Promise<StreamWriteResult> {
    const { idempotencyKey } = context;
    if (idempotencyKey !== undefined) {
      const seen = this.idempotency.requestHashOf(context.actor, idempotencyKey);
      if (seen !== undefined && seen !== context.requestHash) throw keyReused();
    }
    for (let attempt = 1; ; attempt++) {
      const history = await this.ledger.readStream(stream);
      // Only the same caller's key replays: another API key's identical Idempotency-Key is another request.
      const earlier =
        idempotencyKey === undefined ? [] : history.filter((e) => e.metadata.idempotencyKey === idempotencyKey && e.metadata.actor === context.actor);
      if (earlier.length > 0) {
        if (earlier[0].metadata.requestHash !== context.requestHash) throw keyReused();
        return { ...resultOf(stream, earlier), replayed: true };
      }
      const revision = history.length > 0 ? history[history.length - 1].revision : null;
      if (context.ifMatch !== undefined && context.ifMatch !== revision) {
        throw conflict('REVISION_MISMATCH', `If-Match ${context.ifMatch} does not match the current revision ${revision ?? 'none'}`);
      }
      const decided = await decide(history);
      if (decided.length === 0) return { ...resultOf(stream, history), replayed: false };
      const commandId = idempotencyKey ?? randomUUID();
      try {
        const appended = await this.ledger.append(stream, decided.map((event) => this.toNewEvent(event, at, context, commandId)), {
          expectedRevision: revision ?? 'no_stream',
        });
        for (const event of appended.events) this.idempotency.observe(event);
        return { ...resultOf(stream, appended.events), replayed: false };
      } catch (error) {
        // With If-Match the caller asked to fail rather than decide on a state it has not seen.
        if (!(error instanceof WrongExpectedRevisionError) || context.ifMatch !== undefined || attempt >= MAX_ATTEMPTS) throw error;
      }
    }
  }

  private toNewEvent(event: DecidedEvent, at: string, context: RequestContext, commandId: string): NewEvent {
    return {
      type: event.type,
      schemaVersion: event.schemaVersion,
      data: event.data as Record<string, unknown>,
      recordedAt: at,
      metadata: {
        correlationId: context.correlationId,
        causationId: commandId,
        commandId,
        requestHash: context.requestHash,
        actor: context.actor,
        ...(context.idempotencyKey !== undefined && { idempotencyKey: context.idempotencyKey }),
      },
    };
  }
}

function resultOf(stream: string, events: RecordedEvent[]): Omit<StreamWriteResult, 'replayed'> {
  const last = events[events.length - 1];
  return { stream, revision: last?.revision ?? -1n, position: last?.position ?? 0n, events };
}

const keyReused = () =>
  ruleViolated('IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was already used for a different request', [
    { field: 'Idempotency-Key', message: 'reuse a key only to retry the exact same request' },
  ]);
