import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { CommandBus, ICommand } from '@nestjs/cqrs';
import { DomainError } from '@lead-ledger/domain';
import { RecordedEvent } from '@lead-ledger/ledger/ledger.port';
import type { StreamWriteResult } from '../ledger/event-stream-writer';
import { ProjectionStatus } from '../read-models/projection-status';
import { Metrics } from './metrics';

/**
 * Connects the metrics to the app module's parts once everything is built: the projection lag
 * gauges read ProjectionStatus, and the command bus is timed.
 *
 * Every command goes through the CQRS command bus, so timing the bus's `execute` covers all of them
 * (leads, markets, officers, allocations) in one place, without touching the handlers. The command
 * label is the message class without its `Command` suffix: CreateLead, RouteLead, SetMarketSettings…
 */
@Injectable()
export class MetricsWiring implements OnApplicationBootstrap {
  constructor(
    private readonly bus: CommandBus,
    private readonly metrics: Metrics,
    private readonly modules: ModuleRef,
  ) {}

  onApplicationBootstrap(): void {
    this.metrics.readProjectionLagFrom(this.modules.get(ProjectionStatus, { strict: false }));
    const execute = this.bus.execute.bind(this.bus);
    this.bus.execute = ((command: ICommand, context?: unknown) => {
      const name = command.constructor.name.replace(/Command$/, '');
      const run = () => (execute as (c: ICommand, x?: unknown) => Promise<unknown>)(command, context);
      const recorded = this.metrics.recordCommand(name, run, (result) => commandOutcomeOf(name, result));
      return name === 'RouteLead' ? recorded.then(this.countDecision, this.countRefusal) : recorded;
    }) as CommandBus['execute'];
  }

  private readonly countDecision = (result: unknown) => {
    const write = result as Partial<StreamWriteResult>;
    if (write.replayed === false) this.metrics.routingDecisions.inc({ outcome: routingOutcomeOf(lastEvent(write)) });
    return result;
  };

  /** A rule that refused the route is a decision too (e.g. NO_MARKET); a missing lead or a lost race is not. */
  private readonly countRefusal = (error: unknown) => {
    if (error instanceof DomainError && error.kind === 'rule') this.metrics.routingDecisions.inc({ outcome: error.code.toLowerCase() });
    throw error;
  };
}

function lastEvent(write: Partial<StreamWriteResult>): RecordedEvent | undefined {
  return write.events?.[write.events.length - 1];
}

/** ok or replayed; a route that recorded LeadUnroutable is answered 422 with its refusal, so it counts as that. */
function commandOutcomeOf(command: string, result: unknown): string {
  const write = result as Partial<StreamWriteResult> | undefined;
  const last = write ? lastEvent(write) : undefined;
  if (command === 'RouteLead' && last?.type === 'LeadUnroutable') return 'NO_ELIGIBLE_OFFICER';
  return write?.replayed ? 'replayed' : 'ok';
}

function routingOutcomeOf(event: RecordedEvent | undefined): string {
  const decision = (event?.data as { decision?: { rule?: string; refusal?: string; repeatBorrower?: unknown } } | undefined)?.decision;
  if (event?.type === 'LeadUnroutable') return (decision?.refusal ?? 'unroutable').toLowerCase();
  if (decision?.rule === 'override') return 'override';
  return decision?.repeatBorrower ? 'repeat_borrower' : 'routed';
}

