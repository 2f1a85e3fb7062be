import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify';
import { ENVELOPES, errorEnvelope } from '../errors/error-envelope';

export const TRACKING_ID_HEADER = 'X-Tracking-Id';
/** SailPoint's gateway sends the request id under this name too (same value as X-Tracking-Id). */
export const REQUEST_ID_HEADER = 'SLPT-Request-ID';
/** As SailPoint's gateway: tenant data must never sit in a browser's or a shared cache. */
export const NO_STORE = 'no-cache, no-store, must-revalidate';

/** 32 lowercase hex characters, new for every request. */
export const newTrackingId = () => randomUUID().replace(/-/g, '');

/**
 * Errors Node's HTTP parser raises before a request exists: a client too slow to send its
 * request (HTTP_REQUEST_TIMEOUT_SECONDS), headers over the limit, or bytes that are not HTTP.
 * They get SailPoint's envelope like every other error, then the connection is closed.
 */
export function clientErrorHandler(this: { log: FastifyBaseLogger }, err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const kind =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? 'REQUEST_TIMEOUT'
      : err.code === 'HPE_HEADER_OVERFLOW'
        ? 'HEADERS_TOO_LARGE'
        : 'BAD_SYNTAX';
  const trackingId = newTrackingId();
  const cause =
    kind === 'REQUEST_TIMEOUT'
      ? 'The request was not received in full in time.'
      : kind === 'HEADERS_TOO_LARGE'
        ? 'The request header fields exceed the limit of 16 KiB.'
        : 'The request is not valid HTTP.';
  const body = JSON.stringify(errorEnvelope(kind, trackingId, [cause]));
  const status = ENVELOPES[kind].status;
  this.log.debug({ trackingId, status, code: err.code }, 'client error before a request');
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
        `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `${TRACKING_ID_HEADER}: ${trackingId}\r\n${REQUEST_ID_HEADER}: ${trackingId}\r\n` +
        `Cache-Control: ${NO_STORE}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(err);
}

/**
 * Fastify's router answers two URL problems itself, before any hook, filter or guard: a path
 * segment longer than its `maxParamLength` (100) and a malformed percent-encoding (`/%zz`).
 * Its default answer has its own body and no tracking id (and echoes the whole path); this one
 * is SailPoint's 400 envelope like every other error.
 */
export function frameworkErrorHandler(
  error: Error & { code?: string },
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  const cause =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? 'A path parameter is longer than 100 characters; no resource has such an id.'
      : error.code === 'FST_ERR_BAD_URL'
        ? 'The request URL is not valid: it contains a malformed percent-encoding.'
        : undefined;
  const trackingId = String(request.id);
  void reply
    .header(TRACKING_ID_HEADER, trackingId)
    .header(REQUEST_ID_HEADER, trackingId)
    .header('Cache-Control', NO_STORE);
  if (cause === undefined) {
    request.log.error({ err: error }, 'router error');
    void reply.status(500).send(errorEnvelope('INTERNAL', trackingId));
    return;
  }
  request.log.info({ status: 400, code: error.code }, 'request refused by the router');
  void reply.status(400).send(errorEnvelope('BAD_REQUEST', trackingId, [cause]));
}
