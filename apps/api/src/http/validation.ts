import { ValidationError, ValidationPipe } from '@nestjs/common';
import { DomainErrorDetail } from '@lead-ledger/domain';
import { ApiError } from './api-error';

/**
 * The global pipe: unknown fields are refused (not silently dropped), nothing is coerced
 * ("350000" is not a number), and every problem is reported with its dotted field path.
 */
export function strictValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => ApiError.validation(flattenValidationErrors(errors)),
  });
}

export function flattenValidationErrors(errors: ValidationError[], parent = ''): DomainErrorDetail[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.entries(error.constraints ?? {}).map(([constraint, message]) => ({
      field,
      message:
        constraint === 'whitelistValidation'
          ? `${field} is not a known field`
          : message.startsWith(`${error.property} `)
            ? `${field}${message.slice(error.property.length)}`
            : message,
    }));
    return [...own, ...flattenValidationErrors(error.children ?? [], field)];
  });
}
