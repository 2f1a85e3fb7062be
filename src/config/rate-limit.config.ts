import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Matches, Min } from 'class-validator';
import { toInt } from './env-variables';

/** The per-client request budget, kept in memory or shared in Redis. */
export class RateLimitVariables {
  @Transform(toInt)
  @Min(1)
  @IsInt()
  THROTTLE_LIMIT = 100;

  @Transform(toInt)
  @Min(1)
  @IsInt()
  THROTTLE_TTL_SECONDS = 10;

  // SailPoint's rate-limit page has said both during 2026: one budget per API version, or one per
  // client across the whole gateway.
  @IsIn(['version', 'client'], { message: 'must be version (one budget per API version) or client (one in all)' })
  THROTTLE_SCOPE: 'version' | 'client' = 'version';

  @IsOptional()
  @Matches(/^rediss?:\/\/\S+$/, { message: 'must be a redis:// or rediss:// URL' })
  REDIS_URL?: string;

  @Matches(/^[\w:.{}|-]{1,64}$/, { message: 'must be 1-64 characters of letters, digits and _ : . - | { }' })
  REDIS_KEY_PREFIX = 'psg:throttle:';
}

export interface RateLimitSettings {
  /** scope: one budget per client per API version (`version`), or per client across all versions. */
  throttle: { limit: number; ttlSeconds: number; scope: 'version' | 'client' };
  redis?: { url: string; keyPrefix: string };
}

export function rateLimitSettings(vars: RateLimitVariables): RateLimitSettings {
  return {
    throttle: { limit: vars.THROTTLE_LIMIT, ttlSeconds: vars.THROTTLE_TTL_SECONDS, scope: vars.THROTTLE_SCOPE },
    redis: vars.REDIS_URL ? { url: vars.REDIS_URL, keyPrefix: vars.REDIS_KEY_PREFIX } : undefined,
  };
}
