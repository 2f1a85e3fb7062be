import fastifyCompress from '@fastify/compress';
import type { DynamicModule, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import {
  LogController,
  type FastifyInstance,
  type FastifyRequest,
  type FastifyServerOptions,
  type RawServerBase,
} from 'fastify';
import type { DestinationStream } from 'pino';
import { AppModule } from './app.module';
import type { AuthenticatedRequest } from './common/auth/request-context';
import { apiVersionOf, rewriteVersionedUrl } from './common/http/api-versions';
import {
  TRACKING_ID_HEADER,
  clientErrorHandler,
  frameworkErrorHandler,
  newTrackingId,
} from './common/http/client-errors';
import { registerFormBodyParsers } from './common/http/form-bodies';
import { securityHeaders } from './common/http/security-headers';
import { PinoNestLogger, createRootLogger } from './common/logging/logger';
import { setupSwagger } from './common/swagger/swagger-setup';
import { loadConfig, type AppConfig } from './config/app-config';

export const BODY_LIMIT_BYTES = 1024 * 1024;
export { TRACKING_ID_HEADER };
/** Headers a browser script may read on a cross-origin response. */
export const CORS_EXPOSED_HEADERS = ['X-Total-Count', 'X-Tracking-Id', 'Retry-After', 'ETag'];
/** Routes whose successful calls are logged at debug, not info (probes call them every few seconds). */
const QUIET_ROUTES = /^\/health\//;
/** Responses at least this large are compressed when the client asks (Accept-Encoding). */
export const COMPRESSION_THRESHOLD_BYTES = 1024;

export interface CreateAppOptions {
  /** Where log lines go (stdout by default); tests pass a stream to read them. */
  logDestination?: DestinationStream;
  /**
   * Feature modules mounted beside the built-in ones, exactly as if AppModule imported them.
   * Production mounts none; tests use it to mount a module of their own (docs/extending.md).
   */
  extraModules?: ReadonlyArray<Type<unknown> | DynamicModule>;
}

/**
 * The API takes JSON only. Fastify parses text/plain by default and Nest's init() adds
 * application/x-www-form-urlencoded; without those parsers any other body is a 415.
 * An empty JSON body counts as no body (clients such as HTTP libraries send
 * `Content-Type: application/json` on a DELETE without one); where a body is required,
 * validation then answers "The request body must be a JSON object."
 */
function useJsonOnlyBodies(fastify: FastifyInstance): void {
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeContentTypeParser(['application/json', 'text/plain', 'application/x-www-form-urlencoded']);
  // JSON Patch bodies (RFC 6902, PATCH routes) are JSON too.
  fastify.addContentTypeParser(
    ['application/json', 'application/json-patch+json'],
    { parseAs: 'string' },
    (request, body, done) => {
      if (body === '') done(null, undefined);
      // The default parser answers through done(); its type also allows a promise, so mark it.
      else void parseJson(request, body as string, done);
    },
  );
}

/**
 * Builds the application exactly as production runs it; `main.ts`, the e2e tests and the
 * OpenAPI script all call this, so tests exercise what ships.
 */
export async function createApp(
  config: AppConfig = loadConfig(),
  options: CreateAppOptions = {},
): Promise<NestFastifyApplication> {
  const logger = createRootLogger(config, options.logDestination);
  const requestTimeoutMs = config.http.requestTimeoutSeconds * 1000;
  const adapter = new FastifyAdapter({
    genReqId: newTrackingId,
    requestIdHeader: false,
    // Fastify's own per-request lines are off: the onResponse hook below writes one line per request.
    logController: new LogController({ requestIdLogLabel: 'trackingId', disableRequestLogging: true }),
    loggerInstance: logger,
    rewriteUrl: rewriteVersionedUrl,
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: config.http.trustProxy,
    // Slow clients: the whole request (headers and body) must arrive within the request timeout,
    // checked every second; an idle keep-alive connection is closed after its own timeout.
    requestTimeout: requestTimeoutMs,
    keepAliveTimeout: config.http.keepAliveTimeoutSeconds * 1000,
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
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config, logger, options.extraModules),
    adapter,
    { logger: new PinoNestLogger(logger), abortOnError: false },
  );
  // Before any route exists: the plugin attaches itself to each route as it is added. br, gzip or
  // deflate, as the client's Accept-Encoding prefers (zstd left out: Node 20 lacks it). Request
  // bodies are not decompressed (the API takes plain JSON).
  await app.register(fastifyCompress, {
    encodings: ['br', 'gzip', 'deflate'],
    threshold: COMPRESSION_THRESHOLD_BYTES,
    globalDecompression: false,
  });
  const fastify = app.getHttpAdapter().getInstance();

  // Security headers on every response (helmet's, worked out once). The API serves JSON; Swagger
  // UI at /docs loads its scripts from this origin, which helmet's default policy allows. No
  // upgrade-insecure-requests: TLS is terminated in front of the service, which may itself be
  // reached over plain HTTP.
  const security = securityHeaders({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } });
  if (config.corsOrigins) {
    const cors = {
      origin: config.corsOrigins,
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE'],
      allowedHeaders: ['Authorization', 'Content-Type', 'If-Match'],
      exposedHeaders: CORS_EXPOSED_HEADERS,
      maxAge: 600,
      credentials: false, // bearer tokens, no cookies
    };
    // A browser preflight (OPTIONS with Origin and Access-Control-Request-Method) is answered
    // 204 before authentication. Any other OPTIONS is an ordinary request (405 envelope), not
    // the plugin's plain-text 400.
    app.enableCors({
      delegator: (
        request: FastifyRequest,
        callback: (error: Error | null, options?: typeof cors | { origin: false }) => void,
      ) => {
        const preflight = !!request.headers.origin && !!request.headers['access-control-request-method'];
        callback(null, request.method === 'OPTIONS' && !preflight ? { origin: false } : cors);
      },
    });
  }

  // Hooks on every request are callback-style: an async hook costs a promise and a microtask each.
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.headers(security).header(TRACKING_ID_HEADER, request.id);
    done();
  });
  // Graceful shutdown: once closing, every response (those in flight included) ends its
  // keep-alive connection, so the server can finish closing as soon as the last one is sent.
  let closing = false;
  fastify.addHook('preClose', async () => {
    closing = true;
  });
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) void reply.header('Connection', 'close');
    done(null, payload);
  });
  // The one line per request. The request's logger already carries `trackingId`; the body,
  // the token and the Authorization header are never part of it.
  fastify.addHook('onResponse', (request, reply, done) => {
    const principal = (request as AuthenticatedRequest).user;
    const version = apiVersionOf(request.raw);
    const path = request.routeOptions.url ?? request.url.split('?')[0];
    const line = {
      method: request.method,
      route: version === 'bare' ? path : `/${version}${path}`,
      status: reply.statusCode,
      latencyMs: Math.round(reply.elapsedTime * 100) / 100,
      tenant: principal?.tenantId,
      client: principal?.clientId,
    };
    if (reply.statusCode >= 500) request.log.error(line, 'request failed');
    else if (reply.statusCode < 400 && QUIET_ROUTES.test(path)) request.log.debug(line, 'request completed');
    else request.log.info(line, 'request completed');
    done();
  });
  setupSwagger(app);
  await app.init();
  useJsonOnlyBodies(fastify);
  registerFormBodyParsers(fastify);
  return app;
}
