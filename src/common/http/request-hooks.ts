import type { FastifyInstance } from 'fastify';
import type { AuthenticatedRequest } from '../auth/request-context';
import { routeAsCalled } from './api-versions';
import { NO_STORE, REQUEST_ID_HEADER, TRACKING_ID_HEADER } from './client-errors';
import { registerFormBodyParsers } from './form-bodies';
import { securityHeaders } from './security-headers';

/** Routes whose successful calls are logged at debug, not info (probes call them every few seconds). */
const QUIET_ROUTES = /^\/health\//;

/**
 * The Fastify hooks every request passes, first and last on the request path (before the
 * guards, after the filter): security and tracking headers, `Connection: close` while shutting
 * down, and the one log line per request. Callback-style: an async hook costs a promise and a
 * microtask per request.
 */
export function addRequestHooks(fastify: FastifyInstance): void {
  // Security headers on every response (helmet's, worked out once). The API serves JSON; Swagger
  // UI at /docs loads its scripts from this origin, which helmet's default policy allows. No
  // upgrade-insecure-requests: TLS is terminated in front of the service, which may itself be
  // reached over plain HTTP.
  // With them, SailPoint's Cache-Control on every response (the Swagger UI files under /docs/
  // replace it with @fastify/static's own, see docs/deploying.md).
  const security = Object.freeze({
    ...securityHeaders({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } }),
    'Cache-Control': NO_STORE,
  });
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.headers(security).header(TRACKING_ID_HEADER, request.id).header(REQUEST_ID_HEADER, request.id);
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
    const route = routeAsCalled(request);
    const line = {
      method: request.method,
      route,
      status: reply.statusCode,
      latencyMs: Math.round(reply.elapsedTime * 100) / 100,
      tenant: principal?.tenantId,
      client: principal?.clientId,
    };
    if (reply.statusCode >= 500) request.log.error(line, 'request failed');
    else if (reply.statusCode < 400 && QUIET_ROUTES.test(route)) request.log.debug(line, 'request completed');
    else request.log.info(line, 'request completed');
    done();
  });
}

/**
 * The API takes JSON (and JSON Patch) only, forms only where a route says so. Fastify parses text/plain by default and Nest's init() adds
 * application/x-www-form-urlencoded; without those parsers any other body is a 415.
 * An empty JSON body counts as no body (clients such as HTTP libraries send
 * `Content-Type: application/json` on a DELETE without one); where a body is required,
 * validation then answers "The request body must be a JSON object." Call after `app.init()`.
 */
export function useJsonOnlyBodies(fastify: FastifyInstance): void {
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
  // Form and multipart bodies, on the routes marked @AcceptsFormBodies() only (POST /oauth/token).
  registerFormBodyParsers(fastify);
}
