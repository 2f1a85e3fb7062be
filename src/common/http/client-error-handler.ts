import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyBaseLogger } from 'fastify';
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
