import { DomainErrorDetail } from '@lead-ledger/domain';

/** An error the API answers with as-is: `{code, message, details}` and an HTTP status. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: DomainErrorDetail[] = [],
    /** Extra top-level fields for the error body (e.g. a routing decision). */
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }

  static validation(details: DomainErrorDetail[], message = 'the request is not valid') {
    return new ApiError(400, 'VALIDATION_FAILED', message, details);
  }
}

export interface ErrorBody {
  code: string;
  message: string;
  details: DomainErrorDetail[];
}
