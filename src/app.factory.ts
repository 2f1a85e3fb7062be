import type { DynamicModule, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { DestinationStream } from 'pino';
import { AppModule } from './app.module';
import { enableCors } from './common/http/cors';
import { createFastifyAdapter, registerCompression } from './common/http/fastify-adapter';
import { addRequestHooks, useJsonOnlyBodies } from './common/http/request-hooks';
import { PinoNestLogger, createRootLogger } from './common/logging/logger';
import { setupSwagger } from './common/swagger/swagger-setup';
import { loadConfig, type AppConfig } from './config/app-config';
import { installObservability } from './observability/install';

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
 * Builds the application exactly as production runs it; `main.ts`, the e2e tests and the
 * OpenAPI script all call this, so tests exercise what ships. The request path it assembles:
 * README.md, "The request path".
 */
export async function createApp(
  config: AppConfig = loadConfig(),
  options: CreateAppOptions = {},
): Promise<NestFastifyApplication> {
  const logger = createRootLogger(config, options.logDestination);
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config, logger, options.extraModules),
    createFastifyAdapter(config.http, logger),
    { logger: new PinoNestLogger(logger), abortOnError: false },
  );
  await registerCompression(app);
  if (config.corsOrigins) enableCors(app, config.corsOrigins);
  const fastify = app.getHttpAdapter().getInstance();
  addRequestHooks(fastify);
  installObservability(app);
  setupSwagger(app);
  await app.init();
  useJsonOnlyBodies(fastify);
  return app;
}
