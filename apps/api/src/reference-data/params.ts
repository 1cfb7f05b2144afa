import { PipeTransform } from '@nestjs/common';
import { MONTH_PATTERN } from '@lead-ledger/domain';
import { ApiError } from '../http/api-error';
import { SLUG } from '../leads/leads.dto';

/** Market and officer ids in paths: the contract's slug rule, refused as 400 naming the parameter. */
export class SlugParam implements PipeTransform<string, string> {
  constructor(private readonly field: string) {}
  transform(value: string): string {
    if (!SLUG.test(value)) {
      throw ApiError.validation([{ field: this.field, message: `${this.field} must be a slug: lowercase letters, digits, "_" or "-", 1 to 64 characters` }]);
    }
    return value;
  }
}

export class MonthParam implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!MONTH_PATTERN.test(value)) throw ApiError.validation([{ field: 'month', message: 'month must be YYYY-MM' }]);
    return value;
  }
}

/**
 * A body that takes no fields (`{}`): anything in it is refused, as the DTOs refuse unknown fields.
 * (A DTO class without properties cannot say this: class-validator treats it as an unknown value.)
 */
export class NoFields implements PipeTransform<unknown, Record<string, never>> {
  transform(body: unknown): Record<string, never> {
    const fields = body !== null && typeof body === 'object' ? Object.keys(body) : [];
    if (fields.length > 0) throw ApiError.validation(fields.map((field) => ({ field, message: `${field} is not a known field` })));
    return {};
  }
}
