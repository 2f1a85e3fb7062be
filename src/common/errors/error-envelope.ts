import type { DomainErrorCode } from './domain-error';

/** SailPoint's `ErrorMessageDto`. */
export interface ErrorMessage {
  locale: 'en-US';
  localeOrigin: 'DEFAULT';
  text: string;
}

/** SailPoint's `ErrorResponseDto`. */
export interface ErrorResponse {
  detailCode: string;
  trackingId: string;
  messages: ErrorMessage[];
  causes: ErrorMessage[];
}

interface EnvelopeKind {
  status: number;
  detailCode: string;
  text: string;
}

/**
 * The statuses, detail codes and message texts of every envelope the service sends.
 * Those of 400/403/404/500 are SailPoint's own words; the rest follow the same pattern.
 */
export const ENVELOPES: Record<DomainErrorCode | 'INTERNAL', EnvelopeKind> = {
  BAD_REQUEST: {
    status: 400,
    detailCode: '400.1 Bad Request Content',
    text: 'The request was syntactically correct but its content is semantically invalid.',
  },
  BAD_SYNTAX: {
    status: 400,
    detailCode: '400.0 Bad Request Syntax',
    text: 'The request body could not be parsed.',
  },
  UNAUTHORIZED: { status: 401, detailCode: '401 Unauthorized', text: 'JWT validation failed.' },
  FORBIDDEN: {
    status: 403,
    detailCode: '403 Forbidden',
    text: 'The server understood the request but refuses to authorize it.',
  },
  NOT_FOUND: {
    status: 404,
    detailCode: '404 Not found',
    text: 'The server did not find a current representation for the target resource.',
  },
  METHOD_NOT_ALLOWED: {
    status: 405,
    detailCode: '405 Method Not Allowed',
    text: 'The method received in the request-line is not supported by the target resource.',
  },
  REQUEST_TIMEOUT: {
    status: 408,
    detailCode: '408 Request Timeout',
    text: 'The server did not receive a complete request message within the time that it was prepared to wait.',
  },
  PRECONDITION_FAILED: {
    status: 412,
    detailCode: '412 Precondition Failed',
    text: 'One or more conditions given in the request header fields evaluated to false.',
  },
  PAYLOAD_TOO_LARGE: {
    status: 413,
    detailCode: '413 Payload Too Large',
    text: 'The request body is larger than the server is willing to process.',
  },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    detailCode: '415 Unsupported Media Type',
    text: 'The request body is in a format not supported by the target resource.',
  },
  HEADERS_TOO_LARGE: {
    status: 431,
    detailCode: '431 Request Header Fields Too Large',
    text: 'The server is unwilling to process the request because its header fields are too large.',
  },
  SERVICE_UNAVAILABLE: {
    status: 503,
    detailCode: '503 Service Unavailable',
    text: 'The server is currently unable to handle the request; retry after the time given in Retry-After.',
  },
  INTERNAL: { status: 500, detailCode: '500.0 Internal Fault', text: 'An internal fault occurred.' },
};

export function message(text: string): ErrorMessage {
  return { locale: 'en-US', localeOrigin: 'DEFAULT', text };
}

export function errorEnvelope(
  kind: DomainErrorCode | 'INTERNAL',
  trackingId: string,
  causes: readonly string[] = [],
): ErrorResponse {
  const { detailCode, text } = ENVELOPES[kind];
  return { detailCode, trackingId, messages: [message(text)], causes: causes.map(message) };
}

/** The 401 body, exactly as SailPoint sends it. */
export function unauthorizedBody(reason: string): { error: string } {
  return { error: `JWT validation failed: ${reason}` };
}

/** The 429 body, exactly as SailPoint sends it (the spaces are SailPoint's). */
export const RATE_LIMIT_BODY = Object.freeze({ message: ' Rate Limit Exceeded ' });
