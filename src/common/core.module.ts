import { DynamicModule, Global, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE, Reflector } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { ThrottlerModule } from '@nestjs/throttler';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { Logger } from 'pino';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { buildDataSourceOptions } from '../database/typeorm-options';
import { AuthenticationGuard } from './auth/authentication.guard';
import { AuthorizationGuard } from './auth/authorization.guard';
import { JwtStrategy } from './auth/jwt.strategy';
import { TokenChecks } from './auth/token-checks';
import { VerificationKeys } from './auth/verification-keys';
import { UnitOfWork } from './database/unit-of-work';
import { AllExceptionsFilter } from './errors/all-exceptions.filter';
import { ROOT_LOGGER } from './logging/logger';
import { CachedReflector } from './metadata/cached-reflector';
import { ApiThrottlerGuard } from './throttling/api-throttler.guard';
import { RATE_LIMIT_STORE, RateLimitStoreModule } from './throttling/rate-limit-store.module';
import type { RedisRateLimitStore } from './throttling/redis-rate-limit-store';
import { SlidingWindowThrottlerStorage } from './throttling/sliding-window.storage';
import { ApiValidationPipe } from './validation/api-validation.pipe';

/**
 * The cross-cutting building blocks, registered once for the whole application:
 * configuration, the root logger, database, token verification keys, the rate-limit store,
 * the three global guards (authentication → rate limit → authorization, in that order), the
 * validation pipe and the one exception filter.
 * Feature modules import nothing from here but decorators and types.
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
        // autoLoadEntities: a feature module's TypeOrmModule.forFeature([...]) entities join the
        // DataSource (ENTITIES still lists every entity, for the migration CLI).
        TypeOrmModule.forRoot({ ...buildDataSourceOptions(config), autoLoadEntities: true }),
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
        // The global guards read route metadata on every request; this one remembers it.
        { provide: Reflector, useClass: CachedReflector },
        { provide: APP_GUARD, useClass: AuthenticationGuard },
        { provide: APP_GUARD, useClass: ApiThrottlerGuard },
        { provide: APP_GUARD, useClass: AuthorizationGuard },
        { provide: APP_PIPE, useClass: ApiValidationPipe },
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
      ],
      exports: [APP_CONFIG, ROOT_LOGGER, UnitOfWork, TokenChecks, rateLimitStore],
    };
  }
}
