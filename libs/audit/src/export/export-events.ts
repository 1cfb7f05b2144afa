import { Ledger, RecordedEvent } from '@lead-ledger/ledger/ledger.port';
import { ExportFormat, ExportInclude, LeadExportFilters } from './export-request';

/**
 * Every bulk export is recorded in the ledger, on its own stream `export-<exportId>`:
 *
 * 1. `LeadsExportStarted` (revision 0), appended with expected revision `no_stream` *before* the
 *    first byte goes out. Its global position is the export's snapshot: the export contains
 *    exactly the lead events at or before that position, nothing after, so anyone can re-run
 *    the same export from the ledger and get the same rows.
 * 2. Then one of (revision 1):
 *    - `LeadsExportCompleted`: every row was written to the output; with the counts and the
 *      sha256 of the exact bytes written, so a file can later be shown to be (or not be) that export;
 *    - `LeadsExportAborted`: the output failed or was closed first (a client that disconnected,
 *      a full disk); with the counts written so far and the reason.
 *    A started export with neither was cut short by the process itself stopping.
 */
export const LEADS_EXPORT_STARTED = 'LeadsExportStarted';
export const LEADS_EXPORT_COMPLETED = 'LeadsExportCompleted';
export const LEADS_EXPORT_ABORTED = 'LeadsExportAborted';

export const exportStream = (exportId: string) => `export-${exportId}`;

export interface LeadsExportStartedV1 {
  exportId: string;
  /** Who asked: the API key (`key:<id>`) or the CLI user (`cli:<user>`). */
  actor: string;
  /** Every filter, null when not given. Times normalised to UTC. */
  filters: LeadExportFilters;
  format: ExportFormat;
  include: ExportInclude;
  redacted: boolean;
  /** `http` (GET /v1/exports/leads) or `cli` (lead-ledger export), or another caller's name. */
  via: string;
  startedAt: string;
}

export interface ExportCounts {
  /** Leads that matched the filters (aborted: those whose rows had started to go out). */
  leads: number;
  /** Rows written (events, or one per lead for a summary); the CSV header row is not counted. */
  rows: number;
  /** Bytes of output written, CSV header included. */
  bytes: number;
}

export interface LeadsExportCompletedV1 extends ExportCounts {
  exportId: string;
  /** sha256 (hex) of exactly the bytes written. */
  sha256: string;
  completedAt: string;
}

export interface LeadsExportAbortedV1 extends ExportCounts {
  exportId: string;
  reason: string;
  abortedAt: string;
}

export type LeadsExportEvent =
  | { type: typeof LEADS_EXPORT_STARTED; schemaVersion: 1; data: LeadsExportStartedV1 }
  | { type: typeof LEADS_EXPORT_COMPLETED; schemaVersion: 1; data: LeadsExportCompletedV1 }
  | { type: typeof LEADS_EXPORT_ABORTED; schemaVersion: 1; data: LeadsExportAbortedV1 };

/** An export as the ledger records it. */
export interface LeadsExportRecord {
  exportId: string;
  status: 'started' | 'completed' | 'aborted';
  actor: string;
  via: string;
  filters: LeadExportFilters;
  format: ExportFormat;
  include: ExportInclude;
  redacted: boolean;
  startedAt: string;
  /** The snapshot: the global position of LeadsExportStarted, as a decimal string. */
  position: string;
  completedAt: string | null;
  abortedAt: string | null;
  reason: string | null;
  leads: number | null;
  rows: number | null;
  bytes: number | null;
  sha256: string | null;
}

/** The export's record from its stream, or null when there is no such export. */
export async function readLeadsExport(ledger: Ledger, exportId: string): Promise<LeadsExportRecord | null> {
  const events = await ledger.readStream(exportStream(exportId));
  return exportRecordOf(events);
}

export function exportRecordOf(events: RecordedEvent[]): LeadsExportRecord | null {
  const started = events.find((e) => e.type === LEADS_EXPORT_STARTED);
  if (!started) return null;
  const s = started.data as unknown as LeadsExportStartedV1;
  const record: LeadsExportRecord = {
    exportId: s.exportId,
    status: 'started',
    actor: s.actor,
    via: s.via,
    filters: s.filters,
    format: s.format,
    include: s.include,
    redacted: s.redacted,
    startedAt: s.startedAt,
    position: started.position.toString(),
    completedAt: null,
    abortedAt: null,
    reason: null,
    leads: null,
    rows: null,
    bytes: null,
    sha256: null,
  };
  for (const event of events) {
    if (event.type === LEADS_EXPORT_COMPLETED) {
      const c = event.data as unknown as LeadsExportCompletedV1;
      Object.assign(record, { status: 'completed', completedAt: c.completedAt, leads: c.leads, rows: c.rows, bytes: c.bytes, sha256: c.sha256 });
    } else if (event.type === LEADS_EXPORT_ABORTED) {
      const a = event.data as unknown as LeadsExportAbortedV1;
      Object.assign(record, { status: 'aborted', abortedAt: a.abortedAt, reason: a.reason, leads: a.leads, rows: a.rows, bytes: a.bytes });
    }
  }
  return record;
}
