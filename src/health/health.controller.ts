import { Controller, Get, Inject, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorService,
  TypeOrmHealthIndicator,
  type HealthCheckResult,
  type HealthIndicatorResult,
} from '@nestjs/terminus';
import type { FastifyReply } from 'fastify';
import { Public } from '../common/auth/access.decorator';
import { RATE_LIMIT_STORE } from '../common/throttling/rate-limit-store.module';
import type { RedisRateLimitStore } from '../common/throttling/redis-rate-limit-store';

/** Dependencies the instance can serve without: their outage degrades it, it does not stop it. */
const OPTIONAL = new Set(['redis']);

/**
 * Probes for orchestrators and load balancers. Public (no token), never rate limited, and
 * logged at debug level when they succeed. Not part of SailPoint's API, so not in the OpenAPI
 * document.
 */
@ApiExcludeController()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    @Inject(RATE_LIMIT_STORE) private readonly store: RedisRateLimitStore | null,
  ) {}

  /** The process is up and its event loop answers. Restart it when this fails. */
  @Get('live')
  @Public()
  @HealthCheck()
  live(): Promise<HealthCheckResult> {
    return this.health.check([]);
  }

  /**
   * Whether this instance can serve: 200 `ok` when the database (and Redis, when configured)
   * answer; 503 `error` when the database does not. Redis down alone is 200 `degraded`, with
   * Redis reported under `error`: requests are still served, without the shared rate limit.
   */
  @Get('ready')
  @Public()
  @HealthCheck()
  async ready(
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<HealthCheckResult | (Omit<HealthCheckResult, 'status'> & { status: 'degraded' })> {
    const checks = [() => this.database.pingCheck('database', { timeout: 2000 })];
    if (this.store) checks.push(() => this.redis(this.store!));
    try {
      return await this.health.check(checks);
    } catch (err) {
      if (!(err instanceof ServiceUnavailableException)) throw err;
      const result = err.getResponse() as HealthCheckResult;
      const failing = Object.keys(result.error ?? {});
      if (result.status === 'error' && failing.length > 0 && failing.every((key) => OPTIONAL.has(key))) {
        return { ...result, status: 'degraded' };
      }
      void reply.status(503);
      return result;
    }
  }

  private async redis(store: RedisRateLimitStore): Promise<HealthIndicatorResult> {
    const indicator = this.indicators.check('redis');
    const { up, message } = await store.health();
    return up ? indicator.up({ role: 'rate limit store' }) : indicator.down({ role: 'rate limit store', message });
  }
}
