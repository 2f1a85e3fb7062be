import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyBaseLogger } from 'fastify';
import { ENVELOPES, errorEnvelope } from '../errors/error-envelope';

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
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 'REQUEST_TIMEOUT' : err.code === 'HPE_HEADER_OVERFLOW' ? 'HEADERS_TOO_LARGE' : 'BAD_SYNTAX';
  const trackingId = newTrackingId();
  const cause =
    kind === 'REQUEST_TIMEOUT'
      ? 'The request was not received in full in time.'
      : kind === 'HEADERS_TOO_LARGE'
        ? 'The request headers exceed the limit.'
        : 'The request is not valid HTTP.';
  const body = JSON.stringify(errorEnvelope(kind, trackingId, [cause]));
  const status = ENVELOPES[kind].status;
  this.log.debug({ trackingId, status, code: err.code }, 'client error before a request');
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
        `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `X-Tracking-Id: ${trackingId}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(err);
}
