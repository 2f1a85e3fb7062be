import { DynamicModule, Global, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { ThrottlerModule } from '@nestjs/throttler';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { Logger } from 'pino';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { STARTUP_CONNECT_ATTEMPTS, STARTUP_CONNECT_DELAY_MS, initializeDataSource } from '../database/run-migrations';
import { buildDataSourceOptions } from '../database/typeorm-options';
import { JwtStrategy } from './auth/jwt.strategy';
import { TokenChecks } from './auth/token-checks';
import { VerificationKeys } from './auth/verification-keys';
import { UnitOfWork } from './database/unit-of-work';
import { AllExceptionsFilter } from './errors/all-exceptions.filter';
import { GLOBAL_GUARDS } from './global-guards';
import { ROOT_LOGGER } from './logging/logger';
import { RATE_LIMIT_STORE, RateLimitStoreModule } from './throttling/rate-limit-store.module';
import type { RedisRateLimitStore } from './throttling/redis-rate-limit-store';
import { SlidingWindowThrottlerStorage } from './throttling/sliding-window.storage';
import { ApiValidationPipe } from './validation/api-validation.pipe';

/**
 * The cross-cutting building blocks, registered once for the whole application:
 * configuration, the root logger, database, token verification keys, the rate-limit store,
 * the three global guards (GLOBAL_GUARDS, in their order), the
 * validation pipe and the one exception filter. Global: a feature injects what it exports
 * (UnitOfWork, APP_CONFIG, ROOT_LOGGER) without importing it, and CoreModule names no feature.
 */
@Global()
@Module({})
export class CoreModule {
  static forRoot(config: AppConfig, logger: Logger): DynamicModule {
    // One module object, imported twice: Nest 11 keys dynamic modules by reference, so the
    // throttler and the health check share one store (one Redis connection).
    const rateLimitStore = RateLimitStoreModule.forRoot(config, logger);
    return {
      module: CoreModule,
      imports: [
        // Each feature module registers its own entities (TypeOrmModule.forFeature) and they join
        // the DataSource (autoLoadEntities); the entity glob is for the migration CLI, and both at
        // once would describe each entity twice. Migrations run under a lock there (instances
        // starting together migrate in turn).
        TypeOrmModule.forRootAsync({
          useFactory: () => ({
            ...buildDataSourceOptions(config),
            entities: [],
            autoLoadEntities: true,
            retryAttempts: STARTUP_CONNECT_ATTEMPTS - 1,
            retryDelay: STARTUP_CONNECT_DELAY_MS,
          }),
          dataSourceFactory: (options) => initializeDataSource(options!, logger),
        }),
        PassportModule,
        rateLimitStore,
        ThrottlerModule.forRootAsync({
          imports: [rateLimitStore],
          inject: [RATE_LIMIT_STORE],
          useFactory: (store: RedisRateLimitStore | null) => ({
            throttlers: [{ name: 'default', limit: config.throttle.limit, ttl: config.throttle.ttlSeconds * 1000 }],
            // Without REDIS_URL: in memory, per instance (O(1) per hit; same semantics as the stock storage).
            storage: store ?? new SlidingWindowThrottlerStorage(),
          }),
        }),
      ],
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: ROOT_LOGGER, useValue: logger },
        VerificationKeys,
        TokenChecks,
        JwtStrategy,
        UnitOfWork,
        // Authentication → rate limit → authorization; why this order: global-guards.ts.
        ...GLOBAL_GUARDS.map((guard) => ({ provide: APP_GUARD, useClass: guard })),
        { provide: APP_PIPE, useClass: ApiValidationPipe },
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
      ],
      exports: [APP_CONFIG, ROOT_LOGGER, UnitOfWork, TokenChecks, rateLimitStore],
    };
  }
}
