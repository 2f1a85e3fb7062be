import fastifyCompress from '@fastify/compress';
import type { DynamicModule, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { LogController, type FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import { AppModule } from './app.module';
import type { AuthenticatedRequest } from './common/auth/request-context';
import { rewriteVersionedUrl } from './common/http/api-versions';
import { setupSwagger } from './common/swagger/swagger-setup';
import { loadConfig, type AppConfig } from './config/app-config';

export const BODY_LIMIT_BYTES = 1024 * 1024;
export const TRACKING_ID_HEADER = 'X-Tracking-Id';
/** Responses at least this large are compressed when the client asks (Accept-Encoding). */
export const COMPRESSION_THRESHOLD_BYTES = 1024;

/** 32 lowercase hex characters, new for every request. */
const newTrackingId = () => randomUUID().replace(/-/g, '');

export interface CreateAppOptions {
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
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '') done(null, undefined);
    // The default parser answers through done(); its type also allows a promise, so mark it.
    else void parseJson(request, body as string, done);
  });
}

/**
 * Builds the application exactly as production runs it; `main.ts`, the e2e tests and the
 * OpenAPI script all call this, so tests exercise what ships.
 */
export async function createApp(
  config: AppConfig = loadConfig(),
  options: CreateAppOptions = {},
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    genReqId: newTrackingId,
    requestIdHeader: false,
    // Fastify's own per-request lines are off: the onResponse hook below writes one line per request.
    logController: new LogController({ requestIdLogLabel: 'trackingId', disableRequestLogging: true }),
    rewriteUrl: rewriteVersionedUrl,
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: false,
    logger: config.logLevel === 'silent' ? false : { level: config.logLevel },
  });
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config, options.extraModules),
    adapter,
    {
      logger: config.logLevel === 'silent' ? false : ['fatal', 'error', 'warn', 'log'],
      abortOnError: false,
    },
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
  useJsonOnlyBodies(fastify);
  return app;
}
