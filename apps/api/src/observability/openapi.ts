import { applyDecorators, INestApplication } from '@nestjs/common';
import { ApiHeader, ApiProperty, ApiPropertyOptional, ApiResponse, DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';

/** One problem with one field of the request (dotted path, or a header name). */
export class ErrorDetail {
  @ApiPropertyOptional({ description: 'Dotted path of the field, or the header, at fault', example: 'borrower.phone' })
  field?: string;
  @ApiProperty({ description: 'What is wrong with it', example: 'borrower.phone must be a valid phone number' })
  message: string;
}

/** The body of every error answer (api-contract.md, "Errors"). */
export class ErrorResponse {
  @ApiProperty({ description: 'Machine-readable error code', example: 'VALIDATION_FAILED' })
  code: string;
  @ApiProperty({ description: 'What went wrong, for a person', example: 'the request is not valid' })
  message: string;
  @ApiProperty({ type: [ErrorDetail], description: 'Per-field problems; empty when the error is not about a field' })
  details: ErrorDetail[];
}

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'VALIDATION_FAILED or MALFORMED_JSON: the request is malformed; details name each field',
  401: 'UNAUTHENTICATED: no API key, or an unknown one',
  403: 'FORBIDDEN: the API key lacks the scope this endpoint needs',
  404: 'Not found (e.g. LEAD_NOT_FOUND, MARKET_NOT_FOUND)',
  409: 'Conflict with the current state (e.g. REVISION_MISMATCH on If-Match, CONCURRENT_WRITE)',
  413: 'PAYLOAD_TOO_LARGE: the body is over BODY_LIMIT_BYTES',
  415: 'UNSUPPORTED_MEDIA_TYPE: send application/json',
  422: 'A business rule refused the command (e.g. IDEMPOTENCY_KEY_REUSED, CONSENT_INVALID, NO_ELIGIBLE_OFFICER); nothing was appended',
  429: 'RATE_LIMITED: too many requests for this API key',
  503: 'A dependency is not ready (LEDGER_UNAVAILABLE, READ_MODELS_LAGGING); retry later',
};

/** The error answers an endpoint can give, each with the shared ErrorResponse schema. */
export function ApiErrorResponses(...statuses: number[]) {
  return applyDecorators(...statuses.map((status) => ApiResponse({ status, description: ERROR_DESCRIPTIONS[status], type: ErrorResponse })));
}

/** Idempotency-Key, If-Match and X-Correlation-Id: what a write request may carry (api-contract.md). */
export function ApiWriteHeaders(options: { ifMatch?: boolean } = {}) {
  return applyDecorators(
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description: 'Makes a retry safe: the same key and body get the same answer (header idempotent-replayed: true) and append nothing; 1 to 255 visible ASCII characters',
      schema: { type: 'string', minLength: 1, maxLength: 255, example: 'fb-nov-000123' },
    }),
    ...(options.ifMatch === false
      ? []
      : [
          ApiHeader({
            name: 'If-Match',
            required: false,
            description: 'The stream revision the caller read (the ETag); 409 REVISION_MISMATCH unless it is still current',
            schema: { type: 'string', example: '"3"' },
          }),
        ]),
    ApiCorrelationHeader(),
  );
}

export function ApiCorrelationHeader() {
  return ApiHeader({
    name: 'X-Correlation-Id',
    required: false,
    description: "Recorded in the metadata of every event the request causes, and on its log lines; defaults to the request id",
    schema: { type: 'string', pattern: '^[\\w.:-]{1,128}$', example: 'crm-sync-2026-11-22' },
  });
}

/** The scheme's name is the default one of @ApiBearerAuth(), which auth/require-scope.decorator.ts uses. */
export const API_KEY_SCHEME = 'bearer';

/** The OpenAPI document of every controller registered in the app. */
export function openApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Lead Ledger API')
    .setVersion(process.env.npm_package_version ?? '0.1.0')
    .setDescription(
      [
        'Event-sourced, exclusive routing of mortgage leads to loan officers, by monthly allocation, provably: every accepted command is an event in a hash-chained, append-only ledger.',
        '',
        'Every `/v1` call needs `Authorization: Bearer <API key>`. Writes answer with the stream `revision` (also the `ETag`) and the global log `position`.',
        'Errors are `{code, message, details[{field, message}]}`. `/health/*`, `/metrics` and `/docs` need no key.',
      ].join('\n'),
    )
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'An API key; the admin key of a data dir is in <DATA_DIR>/admin-api-key' }, API_KEY_SCHEME)
    .build();
  const document = SwaggerModule.createDocument(app, config);
  // Every /v1 operation needs the key (the guard covers the whole prefix), so say so in one place.
  for (const [path, item] of Object.entries(document.paths)) {
    if (!path.startsWith('/v1/')) continue;
    for (const operation of Object.values(item)) {
      if (operation && typeof operation === 'object' && 'responses' in operation && !operation.security) operation.security = [{ [API_KEY_SCHEME]: [] }];
    }
  }
  return document;
}

/** Swagger UI at GET /docs, the document at GET /docs-json; open, like /health. */
export function serveOpenApi(app: INestApplication): void {
  SwaggerModule.setup('docs', app, () => openApiDocument(app), {
    jsonDocumentUrl: 'docs-json',
    yamlDocumentUrl: 'docs-yaml',
    customSiteTitle: 'Lead Ledger API',
  });
}
