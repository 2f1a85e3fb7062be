import fastifyCompress from '@fastify/compress';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { LogController, type FastifyServerOptions, type RawServerBase } from 'fastify';
import type { Logger } from 'pino';
import type { AppConfig } from '../../config/app-config';
import { rewriteVersionedUrl } from './api-versions';
import { clientErrorHandler, frameworkErrorHandler, newTrackingId } from './client-errors';

export const BODY_LIMIT_BYTES = 1024 * 1024;
/** Responses at least this large are compressed when the client asks (Accept-Encoding). */
export const COMPRESSION_THRESHOLD_BYTES = 1024;

/**
 * Fastify as the service runs it: tracking ids as request ids, the version prefixes rewritten
 * to the bare routes, SailPoint's envelopes for errors Fastify answers itself, and time limits
 * for slow clients.
 */
export function createFastifyAdapter(http: AppConfig['http'], logger: Logger) {
  const requestTimeoutMs = http.requestTimeoutSeconds * 1000;
  return new FastifyAdapter({
    genReqId: newTrackingId,
    requestIdHeader: false,
    // Fastify's own per-request lines are off: the onResponse hook (request-hooks.ts) writes one line per request.
    logController: new LogController({ requestIdLogLabel: 'trackingId', disableRequestLogging: true }),
    loggerInstance: logger,
    rewriteUrl: rewriteVersionedUrl,
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: http.trustProxy,
    // Slow clients: the whole request (headers and body) must arrive within the request timeout,
    // checked every second; an idle keep-alive connection is closed after its own timeout.
    requestTimeout: requestTimeoutMs,
    keepAliveTimeout: http.keepAliveTimeoutSeconds * 1000,
    http: {
      requestTimeout: requestTimeoutMs,
      headersTimeout: requestTimeoutMs,
      connectionsCheckingInterval: Math.min(1000, requestTimeoutMs),
    },
    clientErrorHandler,
    // Fastify's types leave room for an HTTP/2 server's request and reply here (since 5.12); this
    // service runs HTTP/1.1, which the handler is typed for.
    frameworkErrors: frameworkErrorHandler as NonNullable<FastifyServerOptions<RawServerBase>['frameworkErrors']>,
    // While shutting down, a request that still arrives on an open keep-alive connection is
    // served normally (with Connection: close) rather than answered by Fastify's bare 503.
    return503OnClosing: false,
  });
}

/**
 * Response compression: br, gzip or deflate, as the client's Accept-Encoding prefers (zstd left
 * out: Node 20 lacks it). Request bodies are not decompressed (the API takes plain JSON).
 * Register before any route exists: the plugin attaches itself to each route as it is added.
 */
export async function registerCompression(app: NestFastifyApplication): Promise<void> {
  await app.register(fastifyCompress, {
    encodings: ['br', 'gzip', 'deflate'],
    threshold: COMPRESSION_THRESHOLD_BYTES,
    globalDecompression: false,
  });
}
