/**
 * A command refused by a business rule. `kind` says what sort of refusal it is; the HTTP edge maps
 * kinds to status codes in one place (not_found → 404, conflict → 409, rule → 422).
 */
export type DomainErrorKind = 'not_found' | 'conflict' | 'rule';

export interface DomainErrorDetail {
  field?: string;
  message: string;
  [extra: string]: unknown;
}

export class DomainError extends Error {
  constructor(
    readonly kind: DomainErrorKind,
    readonly code: string,
    message: string,
    readonly details: DomainErrorDetail[] = [],
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const notFound = (code: string, message: string) => new DomainError('not_found', code, message);
export const conflict = (code: string, message: string, details?: DomainErrorDetail[]) =>
  new DomainError('conflict', code, message, details);
export const ruleViolated = (code: string, message: string, details?: DomainErrorDetail[]) =>
  new DomainError('rule', code, message, details);
