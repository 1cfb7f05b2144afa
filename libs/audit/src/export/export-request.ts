import { plainToInstance } from 'class-transformer';
import {
  IsIn,
  IsOptional,
  Matches,
  registerDecorator,
  ValidationArguments,
  ValidationError,
  ValidationOptions,
  validateSync,
} from 'class-validator';

/** What a bulk export writes: NDJSON (one JSON object a line) or CSV (RFC 4180, with a header row). */
export const EXPORT_FORMATS = ['ndjson', 'csv'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** `events`: one row per ledger event of each lead. `summary`: one row per lead. */
export const EXPORT_INCLUDES = ['events', 'summary'] as const;
export type ExportInclude = (typeof EXPORT_INCLUDES)[number];

export const EXPORT_STATUSES = ['new', 'scored', 'routed', 'delivered', 'credited'] as const;
export type ExportStatus = (typeof EXPORT_STATUSES)[number];

/**
 * Which leads an export covers. Every filter is optional; all given ones must hold. `from` is
 * inclusive and `to` exclusive, on the lead's `createdAt` (`from=2026-11-01&to=2026-12-01` is
 * November, UTC). officerId, marketId and status are the lead's state as of the export (see
 * exportLeads): its current officer, its market, its status.
 */
export interface LeadExportFilters {
  from: string | null;
  to: string | null;
  officerId: string | null;
  marketId: string | null;
  status: ExportStatus | null;
}

export interface ExportRequest {
  filters: LeadExportFilters;
  format: ExportFormat;
  include: ExportInclude;
  /** Mask borrower PII (see redaction.ts). */
  redact: boolean;
}

export const EXPORT_DEFAULTS = { format: 'ndjson', include: 'events', redact: false } as const;

/** The contract's id rule for market and officer slugs. */
const SLUG = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const SLUG_MESSAGE = 'must be a slug: lowercase letters, digits, "_" or "-", 1 to 64 characters';
/** An ISO-8601 time with its zone (Z or an offset), or a bare date meaning UTC midnight. */
const ZONED_TIME_OR_DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2}))?$/;
const TIME_MESSAGE = 'must be an ISO-8601 time with a zone (2026-11-01T00:00:00Z) or a date (2026-11-01, UTC)';

/**
 * The query of `GET /v1/exports/leads` (and the options of `lead-ledger export`). Query values
 * are strings; nothing is coerced, so `redact=yes` is refused rather than read as false.
 */
export class LeadsExportQuery {
  @IsOptional() @Matches(ZONED_TIME_OR_DATE, { message: `from ${TIME_MESSAGE}` }) @IsRealTime() from?: string;
  @IsOptional() @Matches(ZONED_TIME_OR_DATE, { message: `to ${TIME_MESSAGE}` }) @IsRealTime() @IsAfter('from') to?: string;
  @IsOptional() @Matches(SLUG, { message: `officerId ${SLUG_MESSAGE}` }) officerId?: string;
  @IsOptional() @Matches(SLUG, { message: `marketId ${SLUG_MESSAGE}` }) marketId?: string;
  @IsOptional() @IsIn(EXPORT_STATUSES, { message: `status must be one of ${EXPORT_STATUSES.join(', ')}` }) status?: ExportStatus;
  @IsOptional() @IsIn(EXPORT_FORMATS, { message: `format must be one of ${EXPORT_FORMATS.join(', ')}` }) format?: ExportFormat;
  @IsOptional() @IsIn(EXPORT_INCLUDES, { message: `include must be one of ${EXPORT_INCLUDES.join(', ')}` }) include?: ExportInclude;
  @IsOptional() @IsIn(['true', 'false'], { message: 'redact must be true or false' }) redact?: 'true' | 'false';
}

/** The validated query as an export request: defaults applied, times normalised to UTC ISO strings. */
export function toExportRequest(query: LeadsExportQuery): ExportRequest {
  return {
    filters: {
      from: query.from === undefined ? null : normaliseTime(query.from),
      to: query.to === undefined ? null : normaliseTime(query.to),
      officerId: query.officerId ?? null,
      marketId: query.marketId ?? null,
      status: query.status ?? null,
    },
    format: query.format ?? EXPORT_DEFAULTS.format,
    include: query.include ?? EXPORT_DEFAULTS.include,
    redact: (query.redact ?? String(EXPORT_DEFAULTS.redact)) === 'true',
  };
}

export interface ExportRequestProblem {
  field: string;
  message: string;
}

export class ExportRequestError extends Error {
  constructor(readonly details: ExportRequestProblem[]) {
    super(`invalid export request: ${details.map((d) => `${d.field}: ${d.message}`).join('; ')}`);
    this.name = 'ExportRequestError';
  }
}

/**
 * For callers without Nest's validation pipe (the CLI): the same rules as the endpoint. Unknown
 * keys are refused. Throws ExportRequestError listing every problem.
 */
export function parseExportRequest(raw: Record<string, unknown>): ExportRequest {
  const query = plainToInstance(LeadsExportQuery, raw, { enableImplicitConversion: false });
  const errors = validateSync(query, { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true });
  if (errors.length > 0) throw new ExportRequestError(problemsOf(errors));
  return toExportRequest(query);
}

function problemsOf(errors: ValidationError[]): ExportRequestProblem[] {
  return errors.flatMap((error) =>
    Object.entries(error.constraints ?? {}).map(([constraint, message]) => ({
      field: error.property,
      message: constraint === 'whitelistValidation' ? `${error.property} is not a known option` : message,
    })),
  );
}

/** `2026-11-01` → `2026-11-01T00:00:00.000Z`; a zoned time → the same instant in UTC. */
export function normaliseTime(value: string): string {
  return new Date(asInstant(value)).toISOString();
}

/** A bare date is UTC midnight. */
function asInstant(value: string): string {
  return value.includes('T') ? value : `${value}T00:00:00Z`;
}

/** Parses (no hour 25) and names a day that exists (no 2026-02-30, no month 13). */
function isRealTime(value: unknown): boolean {
  if (typeof value !== 'string' || !ZONED_TIME_OR_DATE.test(value)) return true; // reported by @Matches
  if (Number.isNaN(Date.parse(asInstant(value)))) return false;
  const [y, m, d] = value.slice(0, 10).split('-').map(Number);
  const day = new Date(Date.UTC(y, m - 1, d));
  return day.getUTCFullYear() === y && day.getUTCMonth() === m - 1 && day.getUTCDate() === d;
}

function IsRealTime(options?: ValidationOptions) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isRealTime',
      target: target.constructor,
      propertyName,
      options: { message: `${propertyName} is not a real date or time`, ...options },
      validator: { validate: (value: unknown) => isRealTime(value) },
    });
}

/** `to` must be later than `from` when both are given (an empty range is a mistake, not a query). */
function IsAfter(other: string, options?: ValidationOptions) {
  return (target: object, propertyName: string) =>
    registerDecorator({
      name: 'isAfter',
      target: target.constructor,
      propertyName,
      constraints: [other],
      options: { message: `${propertyName} must be later than ${other}`, ...options },
      validator: {
        validate(value: unknown, args: ValidationArguments) {
          const start = (args.object as Record<string, unknown>)[other];
          if (typeof value !== 'string' || typeof start !== 'string') return true;
          if (!ZONED_TIME_OR_DATE.test(value) || !ZONED_TIME_OR_DATE.test(start)) return true;
          const a = Date.parse(asInstant(start));
          const b = Date.parse(asInstant(value));
          return Number.isNaN(a) || Number.isNaN(b) || b > a;
        },
      },
    });
}
