import { ApiError } from '../http/api-error';
import { DigestKeyReusedError, DigestsLaggingError, LedgerUnverifiableError, NothingToDigestError } from './digest-recorder';

/** The audit errors as HTTP answers; anything else is rethrown as it is. */
export function asApiError(error: unknown): unknown {
  if (error instanceof NothingToDigestError) return new ApiError(409, 'LEDGER_EMPTY', error.message);
  if (error instanceof DigestsLaggingError) return new ApiError(503, 'DIGESTS_NOT_READY', 'the digest recorder is still reading the ledger; retry shortly');
  if (error instanceof DigestKeyReusedError) {
    return new ApiError(422, 'IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was already used for a different request', [
      { field: 'Idempotency-Key', message: 'reuse a key only to retry the exact same request' },
    ]);
  }
  if (error instanceof LedgerUnverifiableError) {
    return new ApiError(500, 'LEDGER_UNVERIFIABLE', `${error.message}; no digest can cover it (docs/ledger-format.md)`, [
      { message: 'UNCHAINED_EVENT', position: error.event.position.toString(), eventId: error.event.eventId },
    ]);
  }
  return error;
}
