/**
 * Errors that services and guards throw. They carry a stable code and human causes, never an
 * HTTP status: the one exception filter (`AllExceptionsFilter`) maps codes to statuses and
 * SailPoint's envelopes, so a feature module never writes an error body itself.
 */
export type DomainErrorCode =
  | 'BAD_REQUEST'
  | 'BAD_SYNTAX'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'REQUEST_TIMEOUT'
  | 'PRECONDITION_FAILED'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'HEADERS_TOO_LARGE'
  | 'SERVICE_UNAVAILABLE';

export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    readonly causes: readonly string[] = [],
    /** Extra response headers (e.g. `Allow`, `ETag`). */
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(causes.join('; ') || code);
    this.name = 'DomainError';
  }
}

/** 400 "400.1 Bad Request Content": one cause per problem. */
export class BadRequestError extends DomainError {
  constructor(causes: string | readonly string[]) {
    super('BAD_REQUEST', typeof causes === 'string' ? [causes] : causes);
  }
}

/** 404: also used for another tenant's resource, which must look exactly like a missing one. */
export class NotFoundError extends DomainError {
  constructor(cause?: string) {
    super('NOT_FOUND', cause ? [cause] : []);
  }
}

/** 403: the token is valid but lacks an authority, a scope or a user identity. */
export class ForbiddenError extends DomainError {
  constructor(causes: readonly string[]) {
    super('FORBIDDEN', causes);
  }
}

/** 412: a precondition (`If-Match`) evaluated to false; the causes name the current ETag. */
export class PreconditionFailedError extends DomainError {
  constructor(causes: readonly string[], headers: Readonly<Record<string, string>> = {}) {
    super('PRECONDITION_FAILED', causes, headers);
  }
}

/** 401: the body is exactly `{"error":"JWT validation failed: <reason>"}`. */
export class UnauthorizedError extends DomainError {
  constructor(readonly reason: string) {
    super('UNAUTHORIZED', [reason]);
  }
}
