import { Injectable } from '@nestjs/common';
import { DomainError } from '@lead-ledger/domain';
import { Ledger, LedgerUnavailableError, WrongExpectedRevisionError } from '@lead-ledger/ledger/ledger.port';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { ApiError } from '../http/api-error';
import { InstrumentedLedger } from './instrumented-ledger';

/** What the lag gauges read at scrape time (ProjectionStatus in the app). */
export interface ProjectionLagSource {
  lag(): Promise<{ events: number; seconds: number }>;
}

const SECONDS_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The service's Prometheus metrics. Each app has its own registry (tests boot several apps in one
 * process; prom-client's global registry would refuse the second). Recording is a counter
 * increment or a histogram observation: nothing on the hot path waits on I/O.
 */
@Injectable()
export class Metrics {
  readonly registry = new Registry();
  readonly commands = new Counter({
    name: 'lead_ledger_commands_total',
    help: 'Commands handled, by command and outcome (ok, replayed, or the error code answered)',
    labelNames: ['command', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly commandDuration = new Histogram({
    name: 'lead_ledger_command_duration_seconds',
    help: 'Time from dispatching a command to its result, refusals included',
    labelNames: ['command'] as const,
    buckets: SECONDS_BUCKETS,
    registers: [this.registry],
  });
  readonly routingDecisions = new Counter({
    name: 'lead_ledger_routing_decisions_total',
    help: 'Routing decisions made (replays excluded), by outcome: routed, repeat_borrower, override, or the refusal',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly ledgerAppendDuration = new Histogram({
    name: 'lead_ledger_ledger_append_duration_seconds',
    help: 'Latency of one atomic append to the ledger (the embedded ledger: until its writer thread committed)',
    buckets: SECONDS_BUCKETS,
    registers: [this.registry],
  });
  private lagSource: ProjectionLagSource | null = null;

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    // Read at scrape time, so a scrape sees the lag as it is now and nothing polls in between.
    const lag = async () => (this.lagSource ? await this.lagSource.lag() : null);
    new Gauge({
      name: 'lead_ledger_projection_lag_events',
      help: 'Events in the ledger the read models have not applied yet',
      registers: [this.registry],
      async collect() {
        const now = await lag().catch(() => null);
        if (now) this.set(now.events);
      },
    });
    new Gauge({
      name: 'lead_ledger_projection_lag_seconds',
      help: 'Age of the oldest event in the ledger the read models have not applied yet',
      registers: [this.registry],
      async collect() {
        const now = await lag().catch(() => null);
        if (now) this.set(now.seconds);
      },
    });
  }

  readProjectionLagFrom(source: ProjectionLagSource): void {
    this.lagSource = source;
  }

  instrumentLedger(ledger: Ledger): Ledger {
    return new InstrumentedLedger(ledger, this.ledgerAppendDuration);
  }

  /** Times one command and counts its outcome; the command's own result or error passes through untouched. */
  async recordCommand<T>(command: string, run: () => Promise<T>, outcomeOf: (result: T) => string): Promise<T> {
    const stop = this.commandDuration.startTimer({ command });
    try {
      const result = await run();
      this.commands.inc({ command, outcome: outcomeOf(result) });
      return result;
    } catch (error) {
      this.commands.inc({ command, outcome: errorCodeOf(error) });
      throw error;
    } finally {
      stop();
    }
  }
}

/** The `code` the API answers an error with (http/error-response.ts), without its logging. */
export function errorCodeOf(error: unknown): string {
  if (error instanceof ApiError || error instanceof DomainError) return error.code;
  if (error instanceof WrongExpectedRevisionError) return 'CONCURRENT_WRITE';
  if (error instanceof LedgerUnavailableError) return 'LEDGER_UNAVAILABLE';
  return 'INTERNAL';
}
