import { Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { APP_CONFIG, type AppConfig } from '../../config/app-config';
import { RATE_LIMIT_STORE } from '../../common/throttling/rate-limit-store.module';
import type { RedisRateLimitStore } from '../../common/throttling/redis-rate-limit-store';

/** Memory entries kept at most before expired ones are swept. */
const SWEEP_AT = 50_000;

interface Counter {
  count: number;
  resetAt: number;
}

/**
 * Failed `/oauth/token` attempts, counted per client id and per client IP in fixed windows.
 * Once either count reaches its limit, further attempts for it are refused (429) until the
 * window ends, before any secret is checked, so guessing a secret is slowed whatever the guess.
 * Kept in the rate-limit store's Redis when REDIS_URL is set (shared by all instances; if Redis
 * is unreachable the limit fails open, as the API's rate limit does), else in memory.
 */
@Injectable()
export class FailedAttempts {
  private readonly memory = new Map<string, Counter>();
  private readonly windowMs: number;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(RATE_LIMIT_STORE) private readonly store: RedisRateLimitStore | null,
  ) {
    this.windowMs = config.personalAccessTokens.failedAttemptsWindowSeconds * 1000;
  }

  /** Seconds until the caller may try again (0: not blocked). */
  async retryAfter(clientId: string, ip: string): Promise<number> {
    const keys = this.keysOf(clientId, ip);
    const counts = await this.read(keys.map((k) => k.key));
    let waitMs = 0;
    keys.forEach(({ limit }, i) => {
      const { count, remainingMs } = counts[i];
      if (count >= limit) waitMs = Math.max(waitMs, remainingMs);
    });
    return waitMs > 0 ? Math.max(1, Math.ceil(waitMs / 1000)) : 0;
  }

  async recordFailure(clientId: string, ip: string): Promise<void> {
    const keys = this.keysOf(clientId, ip).map((k) => k.key);
    const redis = this.store?.redis;
    if (!redis) {
      const now = Date.now();
      if (this.memory.size > SWEEP_AT) for (const [k, c] of this.memory) if (c.resetAt <= now) this.memory.delete(k);
      for (const key of keys) {
        const counter = this.memory.get(key);
        if (!counter || counter.resetAt <= now) this.memory.set(key, { count: 1, resetAt: now + this.windowMs });
        else counter.count += 1;
      }
      return;
    }
    try {
      const multi = redis.multi();
      // SET NX starts the window once; INCR keeps the expiry it set.
      for (const key of keys) multi.set(key, 0, 'PX', this.windowMs, 'NX').incr(key);
      await multi.exec();
    } catch {
      // Redis unreachable: the store logs the outage; the limit fails open meanwhile.
    }
  }

  private keysOf(clientId: string, ip: string): Array<{ key: string; limit: number }> {
    const { failedAttemptsPerClient, failedAttemptsPerIp } = this.config.personalAccessTokens;
    // Hashed: client ids come from anyone, so keys stay short whatever is sent.
    const client = createHash('sha256').update(clientId).digest('hex').slice(0, 32);
    return [
      { key: `oauth-failures:client:${client}`, limit: failedAttemptsPerClient },
      { key: `oauth-failures:ip:${ip}`, limit: failedAttemptsPerIp },
    ];
  }

  private async read(keys: string[]): Promise<Array<{ count: number; remainingMs: number }>> {
    const redis = this.store?.redis;
    if (!redis) {
      const now = Date.now();
      return keys.map((key) => {
        const c = this.memory.get(key);
        return c && c.resetAt > now ? { count: c.count, remainingMs: c.resetAt - now } : { count: 0, remainingMs: 0 };
      });
    }
    try {
      const multi = redis.multi();
      for (const key of keys) multi.get(key).pttl(key);
      const results = (await multi.exec()) ?? [];
      return keys.map((_, i) => ({
        count: Number(results[2 * i]?.[1] ?? 0) || 0,
        remainingMs: Math.max(0, Number(results[2 * i + 1]?.[1] ?? 0) || 0),
      }));
    } catch {
      return keys.map(() => ({ count: 0, remainingMs: 0 }));
    }
  }
}
