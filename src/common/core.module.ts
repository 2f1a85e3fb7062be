import { DynamicModule, Global, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { ThrottlerModule } from '@nestjs/throttler';
import { TypeOrmModule } from '@nestjs/typeorm';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { buildDataSourceOptions } from '../database/typeorm-options';
import { AuthenticationGuard } from './auth/authentication.guard';
import { AuthorizationGuard } from './auth/authorization.guard';
import { JwtStrategy } from './auth/jwt.strategy';
import { UnitOfWork } from './database/unit-of-work';
import { AllExceptionsFilter } from './errors/all-exceptions.filter';
import { ApiThrottlerGuard } from './throttling/api-throttler.guard';
import { SlidingWindowThrottlerStorage } from './throttling/sliding-window.storage';
import { ApiValidationPipe } from './validation/api-validation.pipe';

/**
 * The cross-cutting building blocks, registered once for the whole application:
 * configuration, database, the three global guards (authentication → rate limit →
 * authorization, in that order), the validation pipe and the one exception filter.
 * Feature modules import nothing from here but decorators and types.
 */
@Global()
@Module({})
export class CoreModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: CoreModule,
      imports: [
        TypeOrmModule.forRoot(buildDataSourceOptions(config)),
        PassportModule,
        ThrottlerModule.forRoot({
          throttlers: [{ name: 'default', limit: config.throttle.limit, ttl: config.throttle.ttlSeconds * 1000 }],
          storage: new SlidingWindowThrottlerStorage(),
        }),
      ],
      providers: [
        { provide: APP_CONFIG, useValue: config },
        JwtStrategy,
        UnitOfWork,
        { provide: APP_GUARD, useClass: AuthenticationGuard },
        { provide: APP_GUARD, useClass: ApiThrottlerGuard },
        { provide: APP_GUARD, useClass: AuthorizationGuard },
        { provide: APP_PIPE, useClass: ApiValidationPipe },
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
      ],
      exports: [APP_CONFIG, UnitOfWork],
    };
  }
}
