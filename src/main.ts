// First: V8 settings that must be in place before the rest of the service loads.
import './apply-v8-flags';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger } from 'pino';
import { createApp } from './app.factory';
import { isDatabaseUnavailable } from './common/database/database-unavailable';
import { ROOT_LOGGER } from './common/logging/logger';
import { DOCS_PATH } from './common/swagger/swagger-setup';
import { STARTUP_CONNECT_ATTEMPTS, STARTUP_CONNECT_DELAY_MS } from './database/run-migrations';
import { ConfigError, loadConfig, type AppConfig } from './config/app-config';
import { ensureDevPat } from './personal-access-tokens/dev-pat';
import { baseUrlOf, startupBanner } from './startup-banner';

async function bootstrap(): Promise<void> {
  let config: AppConfig;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\nSee .env.example for every variable and its meaning.\n`);
      process.exit(1);
    }
    throw err;
  }
  const app = await createApp(config);
  const logger = app.get<Logger>(ROOT_LOGGER);
  handleShutdownSignals(app, config, logger);
  await app.listen({ port: config.port, host: config.host });
  // The address actually bound (PORT=0 picks a free port).
  const base = baseUrlOf(app.getHttpServer().address(), config);
  logger.info(
    {
      url: base,
      database: config.database.type,
      rateLimitStore: config.redis ? 'redis' : 'memory',
      docs: `${base}/${DOCS_PATH}`,
    },
    'Password Sync Groups API listening',
  );
  // In development, for the person at the terminal: where things are and a token to paste into
  // Swagger UI. Elsewhere stdout carries JSON log lines only.
  if (config.env === 'development') {
    const signIn = config.personalAccessTokens.devPat ? await ensureDevPat(app, config) : undefined;
    process.stdout.write(startupBanner(config, base, new Date(), signIn));
  }
}

/**
 * SIGTERM/SIGINT: stop accepting connections, let requests in flight finish with their normal
 * responses, then close the database and Redis (Nest's shutdown hooks run after the HTTP
 * server has drained). If that takes longer than SHUTDOWN_TIMEOUT_SECONDS the process exits
 * with status 1 anyway; a second signal exits at once.
 */
function handleShutdownSignals(app: NestFastifyApplication, config: AppConfig, logger: Logger): void {
  let closing = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (closing) {
      logger.warn({ signal }, 'second signal during shutdown: exiting now');
      process.exit(1);
    }
    closing = true;
    const timeoutSeconds = config.shutdownTimeoutSeconds;
    logger.info({ signal, timeoutSeconds }, 'shutting down: refusing new connections, finishing requests in flight');
    const deadline = setTimeout(() => {
      logger.error({ timeoutSeconds }, 'shutdown timed out: exiting with requests still in flight');
      process.exit(1);
    }, timeoutSeconds * 1000);
    app.close().then(
      () => {
        clearTimeout(deadline);
        logger.info('shutdown complete: HTTP server, database and Redis closed');
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

bootstrap().catch((err: unknown) => {
  // The database still unreachable after the startup attempts (a database starting alongside
  // the service is waited for): say what to fix, not a stack.
  if (isDatabaseUnavailable(err)) {
    const reason = err instanceof Error ? err.message : String(err);
    process.stderr.write(
      `Startup failed: the database is unreachable (${reason}) after ${STARTUP_CONNECT_ATTEMPTS} attempts ` +
        `${STARTUP_CONNECT_DELAY_MS / 1000} s apart. ` +
        'Check that PostgreSQL is running and accepting connections, and that DATABASE_URL points at it.\n',
    );
  } else {
    process.stderr.write(`Startup failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  }
  process.exit(1);
});
