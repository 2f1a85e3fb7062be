import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyRequest } from 'fastify';

/** Headers a browser script may read on a cross-origin response. */
export const CORS_EXPOSED_HEADERS = ['X-Total-Count', 'X-Tracking-Id', 'SLPT-Request-ID', 'Retry-After', 'ETag'];

/**
 * CORS for the configured origins (CORS_ORIGINS; off when unset). A browser preflight (OPTIONS
 * with Origin and Access-Control-Request-Method) is answered 204 before authentication. Any
 * other OPTIONS is an ordinary request (405 envelope), not the plugin's plain-text 400.
 */
export function enableCors(app: NestFastifyApplication, origins: string[] | true): void {
  const cors = {
    origin: origins,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE'],
    allowedHeaders: ['Authorization', 'Content-Type', 'If-Match'],
    exposedHeaders: CORS_EXPOSED_HEADERS,
    maxAge: 600,
    credentials: false, // bearer tokens, no cookies
  };
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
