import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import type { OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import Redis from 'ioredis';
import type { Logger } from 'pino';

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/** While Redis is unreachable, the outage is logged again at this interval. */
const REMINDER_MS = 30_000;
/** How long startup waits for the first connection before serving (failing open) anyway. */
const STARTUP_WAIT_MS = 3_000;

export interface StoreHealth {
  up: boolean;
  /** Why not, when down. */
  message?: string;
}

/**
 * The rate limit counted in Redis, shared by every instance (the counting itself is
 * @nest-lab/throttler-storage-redis: one atomic Lua script per request).
 *
 * Redis going away must not take the API with it: the client never queues commands while
 * disconnected and gives a command at most 500 ms, so a request never waits on an outage; an
 * increment that fails lets the request through (fails open). The outage is logged at error
 * level when it starts and every 30 s while it lasts (with how many requests went
 * unthrottled), readiness reports it, and the client reconnects by itself; the first successful
 * increment or reconnection logs the recovery.
 */
export class RedisRateLimitStore implements ThrottlerStorage, OnApplicationBootstrap, OnApplicationShutdown {
  readonly redis: Redis;
  private readonly counter: ThrottlerStorageRedisService;
  private failingSince?: number;
  private unthrottled = 0;
  private lastReminder = 0;
  private lastError = 'not connected yet';
  /** Requests let through unthrottled since the process started (metrics). */
  unthrottledTotal = 0;
  /** False until startup has waited for the first connection, and again while shutting down. */
  private startedUp = false;

  constructor(
    options: { url: string; keyPrefix: string },
    private readonly logger: Logger,
  ) {
    this.redis = new Redis(options.url, {
      keyPrefix: options.keyPrefix,
      // Fail fast: no offline queue (commands during an outage fail at once instead of piling up
      // and landing late in the wrong window), no retry or replay of a command cut off by a
      // disconnect (INCR is not idempotent), and a bound on a command a hung server never answers.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      commandTimeout: 500,
      connectTimeout: 2000,
      // Reconnect forever, at most every 2 s.
      retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
    });
    this.redis.on('error', (err: Error) => {
      this.lastError = err.message;
    });
    this.redis.on('ready', () => this.recovered('connection re-established'));
    this.redis.on('close', () => {
      if (this.failingSince === undefined && this.startedUp) this.failing('connection closed');
    });
    this.counter = new ThrottlerStorageRedisService(this.redis);
  }

  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    try {
      const record = await this.counter.increment(key, ttl, limit, blockDuration, throttlerName);
      this.recovered('a rate-limit count succeeded');
      return record;
    } catch (err) {
      this.failing((err as Error).message);
      this.unthrottled += 1;
      this.unthrottledTotal += 1;
      this.remind();
      return { totalHits: 0, timeToExpire: Math.ceil(ttl / 1000), isBlocked: false, timeToBlockExpire: 0 };
    }
  }

  /** True while Redis is unreachable and requests go through unthrottled (metrics). */
  get failingOpen(): boolean {
    return this.failingSince !== undefined;
  }

  /** For readiness: a PING within the command timeout. */
  async health(): Promise<StoreHealth> {
    try {
      await this.redis.ping();
      return { up: true };
    } catch (err) {
      return { up: false, message: `Redis is unreachable (${(err as Error).message}); the rate limit is not enforced` };
    }
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.redis.status !== 'ready') {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.redis.off('ready', done);
          resolve();
        };
        const timer = setTimeout(done, STARTUP_WAIT_MS);
        this.redis.once('ready', done);
      });
    }
    this.startedUp = true;
    if (this.redis.status === 'ready')
      this.logger.info({ context: 'RateLimit' }, 'rate limit counted in Redis, shared by all instances');
    else this.failing(`not reachable at startup (${this.lastError})`);
  }

  /** After the HTTP server has drained: close the connection (QUIT, or drop it if Redis is gone). */
  async onApplicationShutdown(): Promise<void> {
    this.startedUp = false;
    try {
      if (this.redis.status === 'ready') await this.redis.quit();
    } catch {
      // Redis went away meanwhile; disconnect() below is all that is left to do.
    }
    this.redis.disconnect(false);
  }

  private failing(reason: string): void {
    if (this.failingSince !== undefined) return;
    this.failingSince = Date.now();
    this.lastReminder = this.failingSince;
    this.unthrottled = 0;
    this.logger.error(
      { context: 'RateLimit', reason },
      'RATE LIMIT NOT ENFORCED: Redis is unreachable; requests are served without rate limiting (failing open) until it returns',
    );
  }

  private remind(): void {
    const now = Date.now();
    if (this.failingSince === undefined || now - this.lastReminder < REMINDER_MS) return;
    this.lastReminder = now;
    this.logger.error(
      {
        context: 'RateLimit',
        reason: this.lastError,
        outageSeconds: Math.round((now - this.failingSince) / 1000),
        unthrottledRequests: this.unthrottled,
      },
      'RATE LIMIT STILL NOT ENFORCED: Redis is unreachable',
    );
  }

  private recovered(how: string): void {
    if (this.failingSince === undefined) return;
    const outageSeconds = Math.round((Date.now() - this.failingSince) / 1000);
    this.failingSince = undefined;
    this.logger.warn(
      { context: 'RateLimit', how, outageSeconds, unthrottledRequests: this.unthrottled },
      'rate limit enforced again: Redis is reachable',
    );
  }
}
