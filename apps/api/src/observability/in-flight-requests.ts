import type { FastifyInstance, FastifyRequest } from 'fastify';

/**
 * Counts requests between arrival and the end of their response, so a shutdown can wait for the
 * ones in flight (main.ts). While draining, responses say `connection: close`, so keep-alive
 * clients reconnect elsewhere instead of sending more requests down a closing connection.
 */
export class InFlightRequests {
  private static readonly byServer = new WeakMap<FastifyInstance, InFlightRequests>();

  /** The tracker installed on this Fastify instance (app.factory.ts installs one per app). */
  static of(fastify: FastifyInstance): InFlightRequests {
    const tracker = InFlightRequests.byServer.get(fastify);
    if (!tracker) throw new Error('no InFlightRequests installed on this server');
    return tracker;
  }

  static install(fastify: FastifyInstance): InFlightRequests {
    const tracker = new InFlightRequests(fastify);
    InFlightRequests.byServer.set(fastify, tracker);
    return tracker;
  }

  // A set, not a counter: a request that ends twice (aborted, then answered) must not count twice.
  private readonly requests = new Set<FastifyRequest>();
  private draining = false;
  private waiters: Array<() => void> = [];

  private constructor(fastify: FastifyInstance) {
    fastify.addHook('onRequest', async (request) => {
      this.requests.add(request);
    });
    fastify.addHook('onSend', async (_request, reply) => {
      if (this.draining) void reply.header('connection', 'close');
    });
    // onResponse: the response is written. onRequestAbort: the client went away, nobody waits for an answer.
    fastify.addHook('onResponse', async (request) => this.finished(request));
    fastify.addHook('onRequestAbort', async (request) => this.finished(request));
  }

  get inFlight(): number {
    return this.requests.size;
  }

  /** Resolves true once no request is in flight, or false when `graceMs` ran out first. */
  drain(graceMs: number): Promise<boolean> {
    this.draining = true;
    if (this.requests.size === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), graceMs);
      this.waiters.push(() => (clearTimeout(timer), resolve(true)));
    });
  }

  private finished(request: FastifyRequest): void {
    this.requests.delete(request);
    if (this.requests.size === 0) for (const wake of this.waiters.splice(0)) wake();
  }
}
