import { leadStream } from '@lead-ledger/domain';
import { EventMetadata, Ledger, RecordedEvent } from '@lead-ledger/ledger/ledger.port';
import { stringify } from 'csv-stringify';
import { createHash, randomUUID } from 'node:crypto';
import { Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  ExportCounts,
  exportStream,
  LEADS_EXPORT_ABORTED,
  LEADS_EXPORT_COMPLETED,
  LEADS_EXPORT_STARTED,
  LeadsExportAbortedV1,
  LeadsExportCompletedV1,
  LeadsExportStartedV1,
} from './export-events';
import { ExportRequest } from './export-request';
import {
  EVENT_CSV_COLUMNS,
  eventCsvRecord,
  eventRow,
  leadDocOf,
  matchesFilters,
  SUMMARY_CSV_COLUMNS,
  summaryCsvRecord,
  summaryRow,
} from './export-rows';
import { candidatesFromLedger, candidatesFromReadModel, LeadCandidate, LeadsReadModel } from './lead-candidates';
import { discloseLeadCreated, NO_PII_ACCESS, PiiAccess } from './pii-disclosure';

export interface BeginLeadsExportOptions extends ExportRequest {
  ledger: Ledger;
  /**
   * The leads read model to select leads with (the API passes its live store). Without it the
   * ledger's global log is scanned (the CLI): flat memory, one extra read of every event.
   */
  readModel?: LeadsReadModel;
  /** Recorded as who exported: `key:<id>` for an API key, `cli:<os user>` for the CLI. */
  actor: string;
  /** Recorded as how: `http`, `cli`. */
  via: string;
  /** Defaults to a random UUID. */
  exportId?: string;
  /** Ties the export's events to the request that caused them; defaults to the export id. */
  correlationId?: string;
  /** Extra metadata for the export's events (e.g. the request hash). */
  metadata?: Record<string, unknown>;
  /** The application's clock, ISO-8601 UTC. Defaults to the system clock. */
  now?: () => string;
  /** Called after each exported lead, with the running counts. */
  onProgress?: (progress: ExportCounts) => void;
  /**
   * Who may see borrower contact details, and the key store to open them with. Default: none
   * (contact details redacted). Without `canRead`, the export is recorded as redacted.
   */
  pii?: Omit<PiiAccess, 'mask'>;
}

export interface WriteExportOptions {
  /** End `output` when the export is done (default true). Pass false for process.stdout. */
  end?: boolean;
  /** Aborts the export; it is then recorded as aborted. */
  signal?: AbortSignal;
}

export interface LeadsExportResult extends ExportCounts {
  exportId: string;
  /** The snapshot: the global position of the LeadsExportStarted event. */
  position: bigint;
  sha256: string;
}

export const EXPORT_CONTENT_TYPES = { ndjson: 'application/x-ndjson; charset=utf-8', csv: 'text/csv; charset=utf-8' } as const;

/**
 * Records the export in the ledger (LeadsExportStarted, expected revision no_stream), and returns
 * the export ready to write. Nothing has been written anywhere yet, so a failure here (a ledger
 * that is down) can still be answered with a plain error.
 */
export async function beginLeadsExport(options: BeginLeadsExportOptions): Promise<LeadsExport> {
  const exportId = options.exportId ?? randomUUID();
  const now = options.now ?? (() => new Date().toISOString());
  const started: LeadsExportStartedV1 = {
    exportId,
    actor: options.actor,
    filters: { ...options.filters },
    format: options.format,
    include: options.include,
    redacted: options.redact || !(options.pii?.canRead ?? false),
    via: options.via,
    startedAt: now(),
  };
  const metadata: EventMetadata = {
    ...options.metadata,
    correlationId: options.correlationId ?? exportId,
    causationId: exportId,
    commandId: exportId,
    actor: options.actor,
  };
  const appended = await options.ledger.append(
    exportStream(exportId),
    [{ type: LEADS_EXPORT_STARTED, schemaVersion: 1, data: started as unknown as Record<string, unknown>, recordedAt: started.startedAt, metadata }],
    { expectedRevision: 'no_stream' },
  );
  return new LeadsExport(options, appended.events[0], now);
}

/**
 * One bulk export: every lead event (or one summary row per lead) of the leads matching the
 * filters, as of the export's snapshot (the LeadsExportStarted position), in ledger order of the
 * leads' creation, streamed with backpressure: one lead is read from the ledger only when the
 * output has room for more, so memory stays flat however many rows there are.
 */
export class LeadsExport {
  readonly exportId: string;
  /** The snapshot: the export holds exactly the lead events at or before this global position. */
  readonly position: bigint;
  readonly started: LeadsExportStartedV1;
  readonly contentType: string;
  readonly fileName: string;
  private used = false;

  constructor(
    private readonly options: BeginLeadsExportOptions,
    private readonly startedEvent: RecordedEvent,
    private readonly now: () => string,
  ) {
    this.started = startedEvent.data as unknown as LeadsExportStartedV1;
    this.exportId = this.started.exportId;
    this.position = startedEvent.position;
    this.contentType = EXPORT_CONTENT_TYPES[options.format];
    this.fileName = `leads-${options.include}-${this.exportId}.${options.format}`;
  }

  /**
   * Streams the export into `output` (a file, stdout, an HTTP response body) through a stream
   * pipeline, then records LeadsExportCompleted with the counts and the sha256 of the bytes
   * written. If the output fails or closes early, records LeadsExportAborted and rethrows.
   */
  async writeTo(output: Writable, { end = true, signal }: WriteExportOptions = {}): Promise<LeadsExportResult> {
    if (this.used) throw new Error(`export ${this.exportId} was already written`);
    this.used = true;
    const counts: ExportCounts = { leads: 0, rows: 0, bytes: 0 };
    const digest = createHash('sha256');
    const meter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        counts.bytes += chunk.length;
        digest.update(chunk);
        done(null, chunk);
      },
    });
    const source = Readable.from(this.records(counts), { objectMode: true, highWaterMark: 16 });
    try {
      await pipeline(source, this.formatter(), meter, output, { signal, end });
    } catch (error) {
      const abortedAt = this.now();
      const aborted: LeadsExportAbortedV1 = { exportId: this.exportId, ...counts, reason: abortReason(error), abortedAt };
      await this.record(LEADS_EXPORT_ABORTED, aborted, abortedAt).catch((recordError: unknown) => {
        throw new AggregateError([error, recordError], `export ${this.exportId} failed and could not be recorded as aborted`);
      });
      throw error;
    }
    const sha256 = digest.digest('hex');
    const completedAt = this.now();
    const completed: LeadsExportCompletedV1 = { exportId: this.exportId, ...counts, sha256, completedAt };
    await this.record(LEADS_EXPORT_COMPLETED, completed, completedAt);
    return { exportId: this.exportId, position: this.position, ...counts, sha256 };
  }

  /**
   * Records the export as aborted without writing anything (the caller could not go on, e.g. the
   * read models did not catch up in time). The export cannot be written afterwards.
   */
  async abort(reason: string): Promise<void> {
    if (this.used) throw new Error(`export ${this.exportId} was already written`);
    this.used = true;
    const abortedAt = this.now();
    const aborted: LeadsExportAbortedV1 = { exportId: this.exportId, leads: 0, rows: 0, bytes: 0, reason, abortedAt };
    await this.record(LEADS_EXPORT_ABORTED, aborted, abortedAt);
  }

  private formatter(): Transform {
    if (this.options.format === 'csv') {
      const columns = this.options.include === 'events' ? [...EVENT_CSV_COLUMNS] : [...SUMMARY_CSV_COLUMNS];
      return stringify({ header: true, columns, cast: { boolean: (value) => String(value) } });
    }
    return new Transform({
      writableObjectMode: true,
      transform(row: unknown, _encoding, done) {
        done(null, `${JSON.stringify(row)}\n`);
      },
    });
  }

  /** The rows, pulled one at a time by the pipeline. */
  private async *records(counts: ExportCounts): AsyncGenerator<object> {
    const { ledger, readModel, filters, include, format, redact, onProgress } = this.options;
    const access: PiiAccess = { ...(this.options.pii ?? NO_PII_ACCESS), mask: redact };
    const asOf = this.position;
    const candidates: AsyncIterable<LeadCandidate> = readModel ? candidatesFromReadModel(readModel, filters, asOf) : candidatesFromLedger(ledger, filters, asOf);
    for await (const { leadId } of candidates) {
      const events = cutAt(await ledger.readStream(leadStream(leadId)), asOf);
      const doc = leadDocOf(events);
      if (doc === null || !matchesFilters(doc, filters)) continue;
      counts.leads += 1;
      const disclosed = await discloseLeadCreated(events[0], access);
      if (include === 'summary') {
        const row = summaryRow(doc, events, disclosed?.pii ?? { redacted: true });
        counts.rows += 1;
        yield format === 'csv' ? summaryCsvRecord(row) : row;
      } else {
        // A v1 lead's events carry unsalted sha256 borrower keys, which a reader without pii:read must not get either.
        const mask = redact || (!access.canRead && events[0].schemaVersion < 2);
        for (const event of events) {
          const row = eventRow(leadId, event, mask, event === events[0] ? disclosed : null);
          counts.rows += 1;
          yield format === 'csv' ? eventCsvRecord(row) : row;
        }
      }
      onProgress?.({ ...counts });
    }
  }

  private record(type: string, data: object, at: string) {
    const metadata: EventMetadata = {
      ...this.options.metadata,
      correlationId: this.options.correlationId ?? this.exportId,
      causationId: this.startedEvent.id,
      commandId: this.exportId,
      actor: this.options.actor,
    };
    return this.options.ledger.append(
      exportStream(this.exportId),
      [{ type, schemaVersion: 1, data: data as Record<string, unknown>, recordedAt: at, metadata }],
      { expectedRevision: this.startedEvent.revision },
    );
  }
}

export interface ExportLeadsOptions extends BeginLeadsExportOptions, WriteExportOptions {
  output: Writable;
}

/**
 * The whole export in one call (what `lead-ledger export` runs): record it, stream it into
 * `output`, record its completion. Resolves with the counts and the sha256 of the bytes written.
 */
export async function exportLeads(options: ExportLeadsOptions): Promise<LeadsExportResult> {
  const { output, end, signal, ...begin } = options;
  const started = await beginLeadsExport(begin);
  return started.writeTo(output, { end, signal });
}

/** A lead's events as of the snapshot. Streams are in position order, so this is a prefix. */
function cutAt(events: RecordedEvent[], asOf: bigint): RecordedEvent[] {
  let n = events.length;
  while (n > 0 && events[n - 1].position > asOf) n -= 1;
  return n === events.length ? events : events.slice(0, n);
}

function abortReason(error: unknown): string {
  const code = (error as { code?: string } | null)?.code;
  if (code === 'ERR_STREAM_PREMATURE_CLOSE') return 'the output was closed before the export finished (e.g. the client disconnected)';
  if (code === 'ABORT_ERR' || (error as Error | null)?.name === 'AbortError') return 'aborted by the caller';
  return `the export failed: ${(error as Error | null)?.message ?? String(error)}`;
}
