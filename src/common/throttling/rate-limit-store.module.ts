import { DynamicModule, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import type { AppConfig } from '../../config/app-config';
import { RedisRateLimitStore } from './redis-rate-limit-store';

/** The shared rate-limit store: a RedisRateLimitStore with REDIS_URL, else null (in memory). */
export const RATE_LIMIT_STORE = Symbol('RATE_LIMIT_STORE');

@Module({})
export class RateLimitStoreModule {
  static forRoot(config: AppConfig, logger: Logger): DynamicModule {
    return {
      module: RateLimitStoreModule,
      providers: [
        {
          provide: RATE_LIMIT_STORE,
          useFactory: () => (config.redis ? new RedisRateLimitStore(config.redis, logger) : null),
        },
      ],
      exports: [RATE_LIMIT_STORE],
    };
  }
}
