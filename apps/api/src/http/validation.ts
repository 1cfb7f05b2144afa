import { ValidationError, ValidationPipe } from '@nestjs/common';
import { buildMessage, ValidateBy, ValidationOptions } from 'class-validator';
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

/**
 * At most `places` decimal places. class-validator's own `maxDecimalPlaces` throws on numbers that
 * print with an exponent (1e-7), which surfaced as a 500; this compares the number with itself
 * rounded instead.
 */
export function MaxDecimalPlaces(places: number, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'maxDecimalPlaces',
      constraints: [places],
      validator: {
        validate: (value: unknown) => typeof value === 'number' && Number.isFinite(value) && Number(value.toFixed(places)) === value,
        defaultMessage: buildMessage((prefix) => `${prefix}$property must have at most $constraint1 decimal places`, options),
      },
    },
    options,
  );
}
