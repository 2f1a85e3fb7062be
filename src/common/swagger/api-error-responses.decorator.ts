import { applyDecorators } from '@nestjs/common';
import { ApiExtraModels, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import { DATABASE_RETRY_AFTER_SECONDS } from '../database/database-unavailable';
import { RATE_LIMIT_BODY, errorEnvelope, unauthorizedBody } from '../errors/error-envelope';
import { ErrorMessageDto, ErrorResponseDto, RateLimitErrorDto, UnauthorizedErrorDto } from './error-schemas';

const EXAMPLE_TRACKING_ID = 'b21b1f7ce4da4d639f2c62a57171b427';

type DocumentedStatus = 400 | 401 | 403 | 404 | 412 | 429 | 500 | 503;

const DOCS: Record<DocumentedStatus, () => ReturnType<typeof ApiResponse>> = {
  400: () =>
    ApiResponse({
      status: 400,
      description: 'Client Error - Returned if the request body is invalid.',
      content: envelope(errorEnvelope('BAD_REQUEST', EXAMPLE_TRACKING_ID, ["name must be a string of 1 to 255 characters (got 42)."])),
    }),
  401: () =>
    ApiResponse({
      status: 401,
      description: 'Unauthorized - Returned if there is no authorization header, or if the JWT token is expired.',
      headers: { 'WWW-Authenticate': { description: 'Always `Bearer`.', schema: { type: 'string' } } },
      content: {
        'application/json': { schema: { $ref: getSchemaPath(UnauthorizedErrorDto) }, example: unauthorizedBody('JWT is expired') },
      },
    }),
  403: () =>
    ApiResponse({
      status: 403,
      description: "Forbidden - Returned if the user you are running as, doesn't have access to this end-point.",
      content: envelope(
        errorEnvelope('FORBIDDEN', EXAMPLE_TRACKING_ID, [
          'The token lacks a required scope: one of idn:password-sync-group:manage, sp:scopes:all.',
        ]),
      ),
    }),
  404: () =>
    ApiResponse({
      status: 404,
      description: 'Not Found - returned if the request URL refers to a resource or object that does not exist',
      content: envelope(
        errorEnvelope('NOT_FOUND', EXAMPLE_TRACKING_ID, [
          "Password sync group '6881f631-3bd5-4213-9c75-8e05cc3e35dd' was not found.",
        ]),
      ),
    }),
  412: () =>
    ApiResponse({
      status: 412,
      description:
        'Precondition Failed - Returned if the If-Match header matches no current ETag of the resource; nothing was changed. The cause and the ETag header name the current ETag.',
      headers: { ETag: { description: 'The current ETag of the resource.', schema: { type: 'string' } } },
      content: envelope(
        errorEnvelope('PRECONDITION_FAILED', EXAMPLE_TRACKING_ID, [
          "If-Match does not match the current ETag of password sync group '6881f631-3bd5-4213-9c75-8e05cc3e35dd', which is \"3\"; read the group again and retry.",
        ]),
      ),
    }),
  429: () =>
    ApiResponse({
      status: 429,
      description:
        'Too Many Requests - Returned in response to too many requests in a given period of time - rate limited. The Retry-After header in the response includes how long to wait before trying again.',
      headers: { 'Retry-After': { description: 'Whole seconds to wait before retrying.', schema: { type: 'integer' } } },
      content: { 'application/json': { schema: { $ref: getSchemaPath(RateLimitErrorDto) }, example: RATE_LIMIT_BODY } },
    }),
  500: () =>
    ApiResponse({
      status: 500,
      description: 'Internal Server Error - Returned if there is an unexpected error.',
      content: envelope(errorEnvelope('INTERNAL', EXAMPLE_TRACKING_ID)),
    }),
  503: () =>
    ApiResponse({
      status: 503,
      description:
        'Service Unavailable - Returned while the database cannot be reached; nothing was changed. Retry after the Retry-After header\'s number of seconds.',
      headers: {
        'Retry-After': { description: `Whole seconds to wait before retrying (${DATABASE_RETRY_AFTER_SECONDS}).`, schema: { type: 'integer' } },
      },
      content: envelope(errorEnvelope('SERVICE_UNAVAILABLE', EXAMPLE_TRACKING_ID, ['The database is unavailable.'])),
    }),
};

function envelope(example: object) {
  return { 'application/json': { schema: { $ref: getSchemaPath(ErrorResponseDto) }, example } };
}

/** Documents the listed error responses with their real schemas and a real body as example. */
export function ApiErrorResponses(...statuses: DocumentedStatus[]) {
  return applyDecorators(
    ApiExtraModels(ErrorResponseDto, ErrorMessageDto, UnauthorizedErrorDto, RateLimitErrorDto),
    ...statuses.map((status) => DOCS[status]()),
  );
}

