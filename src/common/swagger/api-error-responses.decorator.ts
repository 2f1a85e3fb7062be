import { applyDecorators, type Type } from '@nestjs/common';
import { ApiExtraModels, ApiResponse, type ApiResponseOptions } from '@nestjs/swagger';
import { DomainError, NotFoundError, UnauthorizedError } from '../errors/domain-error';
import { DATABASE_RETRY_AFTER_SECONDS, DatabaseUnavailableError } from '../database/database-unavailable';
import { ENVELOPES, RATE_LIMIT_BODY, errorEnvelope, unauthorizedBody } from '../errors/error-envelope';
import { ErrorMessageDto, ErrorResponseDto, RateLimitErrorDto, UnauthorizedErrorDto } from './error-schemas';

/** The trackingId shown in examples (SailPoint's own); a real response carries its request's. */
export const EXAMPLE_TRACKING_ID = 'b21b1f7ce4da4d639f2c62a57171b427';

export type DocumentedStatus = 400 | 401 | 403 | 404 | 412 | 413 | 415 | 429 | 500 | 503;

/** A documented error body: a DomainError as a service throws it, or one of the two fixed bodies. */
export type ErrorExample = DomainError | 'RATE_LIMIT' | 'INTERNAL';

type HeadersObject = NonNullable<ApiResponseOptions['headers']>;

const TRACKING_HEADER: HeadersObject = {
  'X-Tracking-Id': {
    description: 'The request\u2019s tracking id (32 hex characters); the same as `trackingId` in the body.',
    schema: { type: 'string', pattern: '^[0-9a-f]{32}$' },
  },
};

interface StatusDoc {
  description: string;
  type: Type<unknown>;
  headers?: HeadersObject;
  /** The example shown when a route lists the status without examples of its own. */
  example: [name: string, error: ErrorExample];
}

/** SailPoint's descriptions for its statuses; the same pattern for the statuses it does not document. */
const STATUS_DOCS: Record<DocumentedStatus, StatusDoc> = {
  400: {
    description: 'Client Error - Returned if the request body is invalid.',
    type: ErrorResponseDto,
    example: ['Body is not a JSON object', new DomainError('BAD_REQUEST', ['The request body must be a JSON object.'])],
  },
  401: {
    description: 'Unauthorized - Returned if there is no authorization header, or if the JWT token is expired.',
    type: UnauthorizedErrorDto,
    headers: { 'WWW-Authenticate': { description: 'Always `Bearer`.', schema: { type: 'string' } } },
    example: ['JWT is expired', new UnauthorizedError('JWT is expired')],
  },
  403: {
    description: "Forbidden - Returned if the user you are running as, doesn't have access to this end-point.",
    type: ErrorResponseDto,
    example: ['Forbidden', new DomainError('FORBIDDEN')],
  },
  404: {
    description: 'Not Found - returned if the request URL refers to a resource or object that does not exist',
    type: ErrorResponseDto,
    example: ['Not found', new NotFoundError()],
  },
  412: {
    description:
      'Precondition Failed - Returned if the If-Match header matches no current ETag of the resource; nothing was changed. The cause and the ETag header name the current ETag.',
    type: ErrorResponseDto,
    headers: { ETag: { description: 'The current ETag of the resource.', schema: { type: 'string' } } },
    example: ['Precondition failed', new DomainError('PRECONDITION_FAILED')],
  },
  413: {
    description: 'Payload Too Large - Returned if the request body is larger than 1 MiB.',
    type: ErrorResponseDto,
    example: [
      'Body over 1 MiB',
      new DomainError('PAYLOAD_TOO_LARGE', ['The request body exceeds the limit of 1 MiB (1048576 bytes).']),
    ],
  },
  415: {
    description: 'Unsupported Media Type - Returned if the request body is not sent as application/json.',
    type: ErrorResponseDto,
    example: [
      'Body sent as text/plain',
      new DomainError('UNSUPPORTED_MEDIA_TYPE', ['Content-Type text/plain is not supported; send application/json.']),
    ],
  },
  429: {
    description:
      'Too Many Requests - Returned in response to too many requests in a given period of time - rate limited. The Retry-After header in the response includes how long to wait before trying again.',
    type: RateLimitErrorDto,
    headers: { 'Retry-After': { description: 'Whole seconds to wait before retrying.', schema: { type: 'integer' } } },
    example: ['Rate limit exceeded', 'RATE_LIMIT'],
  },
  500: {
    description: 'Internal Server Error - Returned if there is an unexpected error.',
    type: ErrorResponseDto,
    example: ['Internal fault', 'INTERNAL'],
  },
  503: {
    description:
      "Service Unavailable - Returned while the database cannot be reached; nothing was changed. Retry after the Retry-After header's number of seconds.",
    type: ErrorResponseDto,
    headers: {
      'Retry-After': {
        description: `Whole seconds to wait before retrying (${DATABASE_RETRY_AFTER_SECONDS}).`,
        schema: { type: 'integer' },
      },
    },
    example: ['Database unavailable', new DatabaseUnavailableError()],
  },
};

/** The status the one exception filter answers for an example. */
export function statusOf(example: ErrorExample): DocumentedStatus {
  if (example === 'RATE_LIMIT') return 429;
  if (example === 'INTERNAL') return 500;
  return ENVELOPES[example.code].status as DocumentedStatus;
}

/** The body the one exception filter sends for an example (with the example trackingId). */
export function bodyOf(example: ErrorExample): object {
  if (example === 'RATE_LIMIT') return RATE_LIMIT_BODY;
  if (example === 'INTERNAL') return errorEnvelope('INTERNAL', EXAMPLE_TRACKING_ID);
  if (example instanceof UnauthorizedError) return unauthorizedBody(example.reason);
  return errorEnvelope(example.code, EXAMPLE_TRACKING_ID, example.causes);
}

function documentStatus(status: DocumentedStatus, examples: Array<[string, ErrorExample]>, note?: string) {
  const doc = STATUS_DOCS[status];
  return ApiResponse({
    status,
    description: note ? `${doc.description}\n\n${note}` : doc.description,
    type: doc.type,
    headers: { ...TRACKING_HEADER, ...doc.headers },
    examples: Object.fromEntries(examples.map(([summary, error]) => [summary, { summary, value: bodyOf(error) }])),
  });
}

/**
 * Documents the listed error responses with their real schema, headers and SailPoint's generic
 * example. Prefer `ApiErrorExamples` where a route can show the bodies it really sends.
 */
export function ApiErrorResponses(...statuses: DocumentedStatus[]) {
  return applyDecorators(
    ApiExtraModels(ErrorResponseDto, ErrorMessageDto, UnauthorizedErrorDto, RateLimitErrorDto),
    ...statuses.map((status) => documentStatus(status, [STATUS_DOCS[status].example])),
  );
}

/**
 * Documents error responses by example: each entry is a DomainError built exactly as the
 * service throws it, and becomes a named example (Swagger UI offers them in a drop-down) of the
 * response its code maps to, with that response's schema and headers. Errors of one status are
 * grouped into one response. Document each status of a route once: with this or with
 * `ApiErrorResponses`, not both (`@RequireAccess` already documents 401, 403, 429 and 500).
 *
 *   @ApiErrorExamples({ 'Name taken': new NameTakenError('Team A', EXAMPLE_ID) })
 */
export function ApiErrorExamples(
  examples: Record<string, ErrorExample>,
  notes: Partial<Record<DocumentedStatus, string>> = {},
) {
  const byStatus = new Map<DocumentedStatus, Array<[string, ErrorExample]>>();
  for (const [name, error] of Object.entries(examples)) {
    const status = statusOf(error);
    byStatus.set(status, [...(byStatus.get(status) ?? []), [name, error]]);
  }
  return applyDecorators(
    ApiExtraModels(ErrorResponseDto, ErrorMessageDto, UnauthorizedErrorDto, RateLimitErrorDto),
    ...[...byStatus].map(([status, named]) => documentStatus(status, named, notes[status])),
  );
}
