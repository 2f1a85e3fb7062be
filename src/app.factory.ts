import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { LogController } from 'fastify';
import { randomUUID } from 'node:crypto';
import { AppModule } from './app.module';
import type { AuthenticatedRequest } from './common/auth/request-context';
import { rewriteVersionedUrl } from './common/http/api-versions';
import { clientErrorHandler, frameworkErrorHandler } from './common/http/client-error-handler';
import { setupSwagger } from './common/swagger/swagger-setup';
import { loadConfig, type AppConfig } from './config/app-config';

export const BODY_LIMIT_BYTES = 1024 * 1024;
export const TRACKING_ID_HEADER = 'X-Tracking-Id';

/** 32 lowercase hex characters, new for every request. */
const newTrackingId = () => randomUUID().replace(/-/g, '');

/**
 * Builds the application exactly as production runs it; `main.ts`, the e2e tests and the
 * OpenAPI script all call this, so tests exercise what ships.
 */
export async function createApp(config: AppConfig = loadConfig()): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    genReqId: newTrackingId,
    requestIdHeader: false,
    // Fastify's own per-request lines are off: the onResponse hook below writes one line per request.
    logController: new LogController({ requestIdLogLabel: 'trackingId', disableRequestLogging: true }),
    rewriteUrl: rewriteVersionedUrl,
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: false,
    clientErrorHandler: clientErrorHandler(newTrackingId, TRACKING_ID_HEADER),
    frameworkErrors: frameworkErrorHandler(TRACKING_ID_HEADER),
    logger: config.logLevel === 'silent' ? false : { level: config.logLevel },
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, {
    logger: config.logLevel === 'silent' ? false : ['fatal', 'error', 'warn', 'log'],
    abortOnError: false,
  });
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', async (request, reply) => {
    void reply.header(TRACKING_ID_HEADER, request.id);
  });
  fastify.addHook('onResponse', async (request, reply) => {
    const principal = (request as AuthenticatedRequest).user;
    const line = {
      trackingId: request.id,
      method: request.method,
      route: request.routeOptions.url ?? request.url.split('?')[0],
      status: reply.statusCode,
      latencyMs: Math.round(reply.elapsedTime * 100) / 100,
      tenant: principal?.tenantId,
      client: principal?.clientId,
    };
    if (reply.statusCode >= 500) request.log.error(line, 'request failed');
    else request.log.info(line, 'request completed');
  });
  app.enableShutdownHooks();
  setupSwagger(app);
  await app.init();
  // The API takes JSON only. Fastify parses text/plain by default and Nest's init() adds
  // application/x-www-form-urlencoded; without those parsers any other body is a 415.
  fastify.removeContentTypeParser(['text/plain', 'application/x-www-form-urlencoded']);
  return app;
}
