import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify';
import { ENVELOPES, errorEnvelope } from '../errors/error-envelope';
import type { DomainErrorCode } from '../errors/domain-error';

/**
 * Node's HTTP parser rejects some requests before Fastify or Nest see them: header fields over
 * Node's limit (16 KiB by default — an absurdly large token, say), a request line or headers
 * that are not HTTP, a client too slow to send its headers. Fastify's default answer has its
 * own body; this one writes SailPoint's envelope like every other error, with a tracking id,
 * then closes the connection (its state is unknown).
 */
export function clientErrorHandler(newTrackingId: () => string, trackingHeader: string) {
  return function handle(this: { log: FastifyBaseLogger }, error: NodeJS.ErrnoException, socket: Socket): void {
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    const [kind, cause]: [DomainErrorCode, string] =
      error.code === 'HPE_HEADER_OVERFLOW'
        ? ['HEADERS_TOO_LARGE', 'The request header fields exceed the limit of 16 KiB.']
        : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? ['REQUEST_TIMEOUT', 'The request was not received in time.']
          : ['BAD_SYNTAX', 'The request is not valid HTTP/1.1.'];
    const trackingId = newTrackingId();
    const status = ENVELOPES[kind].status;
    this.log.info({ trackingId, status, code: error.code }, 'client error');
    if (socket.writable) {
      const body = JSON.stringify(errorEnvelope(kind, trackingId, [cause]));
      socket.write(
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
          `Content-Type: application/json; charset=utf-8\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\n` +
          `${trackingHeader}: ${trackingId}\r\n` +
          `Connection: close\r\n\r\n${body}`,
      );
    }
    socket.destroy();
  };
}

/**
 * Fastify's router answers two URL problems itself, before any hook, filter or guard: a path
 * segment longer than its `maxParamLength` (100) and a malformed percent-encoding (`/%zz`).
 * Its default answer has its own body and no tracking id (and echoes the whole path); this one
 * is SailPoint's 400 envelope like every other error.
 */
export function frameworkErrorHandler(trackingHeader: string) {
  return (error: Error & { code?: string }, request: FastifyRequest, reply: FastifyReply): void => {
    const cause =
      error.code === 'FST_ERR_MAX_PARAM_LENGTH'
        ? 'A path parameter is longer than 100 characters; no resource has such an id.'
        : error.code === 'FST_ERR_BAD_URL'
          ? 'The request URL is not valid: it contains a malformed percent-encoding.'
          : undefined;
    const trackingId = String(request.id);
    void reply.header(trackingHeader, trackingId);
    if (cause === undefined) {
      request.log.error({ err: error, trackingId }, 'router error');
      void reply.status(500).send(errorEnvelope('INTERNAL', trackingId));
      return;
    }
    request.log.info({ trackingId, status: 400, code: error.code }, 'request refused by the router');
    void reply.status(400).send(errorEnvelope('BAD_REQUEST', trackingId, [cause]));
  };
}
