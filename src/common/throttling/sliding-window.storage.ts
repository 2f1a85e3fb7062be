import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import { AsyncResource } from 'node:async_hooks';

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/** How often records without live hits are dropped (as @nestjs/throttler's own storage). */
export const SWEEP_INTERVAL_MS = 60_000;

/**
 * The expiry times of one key's hits for one throttler, oldest first. Expired hits are
 * dropped from the front by moving an index (compacting now and then), so counting a hit costs
 * O(1) amortized however many hits the window holds.
 */
class HitQueue {
  private times: number[] = [];
  private head = 0;

  get size(): number {
    return this.times.length - this.head;
  }

  /** The earliest live expiry (the queue must not be empty). */
  get first(): number {
    return this.times[this.head];
  }

  get last(): number | undefined {
    return this.size > 0 ? this.times[this.times.length - 1] : undefined;
  }

  push(expiresAt: number): void {
    let i = this.times.length;
    // Expiries arrive in order unless the TTL changed between hits: keep the queue sorted.
    while (i > this.head && this.times[i - 1] > expiresAt) i--;
    if (i === this.times.length) this.times.push(expiresAt);
    else this.times.splice(i, 0, expiresAt);
  }

  /** Drops hits that expired at or before `now`. */
  prune(now: number): void {
    const times = this.times;
    let head = this.head;
    while (head < times.length && times[head] <= now) head++;
    if (head === times.length) {
      this.times = [];
      this.head = 0;
    } else if (head > 1024 && head * 2 > times.length) {
      times.splice(0, head);
      this.head = 0;
    } else {
      this.head = head;
    }
  }

  clear(): void {
    this.times = [];
    this.head = 0;
  }
}

interface KeyRecord {
  expiresAt: number;
  blockExpiresAt: number;
  isBlocked: boolean;
  hits: Map<string, HitQueue>;
}

/**
 * In-memory rate-limit storage with exactly the semantics of @nestjs/throttler's
 * `ThrottlerStorageService` (sliding window of per-hit expiry times; once over the limit the
 * key is blocked for `blockDuration`, then starts afresh; idle keys swept every minute).
 *
 * Why not the stock one: on every request it copies the key's whole list of hits (`filter`)
 * and, without blocking, spreads it into `Math.min(...)`, so each request costs O(hits in the
 * window). With the default 100 per 10 s that is nothing; with a raised THROTTLE_LIMIT and a
 * busy client it dominated the CPU profile and churned hundreds of MB/s of arrays through the
 * garbage collector (see docs/performance.md). Here a hit costs O(1) amortized.
 */
@Injectable()
export class SlidingWindowThrottlerStorage implements ThrottlerStorage, OnApplicationShutdown {
  private readonly records = new Map<string, KeyRecord>();
  private sweepTimer?: NodeJS.Timeout;
  // Bound to the root context, so the interval does not keep a request's async context alive.
  private readonly startSweep = AsyncResource.bind(() => {
    this.sweepTimer = setInterval(() => this.evictIdle(Date.now()), SWEEP_INTERVAL_MS);
    this.sweepTimer.unref?.();
  });

  /** Number of keys held (for tests and diagnostics). */
  get size(): number {
    return this.records.size;
  }

  increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    if (!this.sweepTimer) this.startSweep();
    const now = Date.now();
    let record = this.records.get(key);
    if (!record) {
      record = { expiresAt: now + ttl, blockExpiresAt: 0, isBlocked: false, hits: new Map() };
      this.records.set(key, record);
    }
    let hits = record.hits.get(throttlerName);
    if (!hits) record.hits.set(throttlerName, (hits = new HitQueue()));
    hits.prune(now);

    let timeToExpire = Math.ceil((record.expiresAt - now) / 1000);
    if (timeToExpire <= 0) {
      record.expiresAt = now + ttl;
      timeToExpire = Math.ceil((record.expiresAt - now) / 1000);
    }

    if (blockDuration <= 0) {
      const isBlocked = hits.size >= limit;
      if (!isBlocked) hits.push(now + ttl);
      return Promise.resolve({
        totalHits: hits.size + (isBlocked ? 1 : 0),
        timeToExpire,
        isBlocked,
        timeToBlockExpire: isBlocked ? (hits.size > 0 ? Math.ceil((hits.first - now) / 1000) : timeToExpire) : 0,
      });
    }

    if (!record.isBlocked) hits.push(now + ttl);
    if (hits.size > limit && !record.isBlocked) {
      record.isBlocked = true;
      record.blockExpiresAt = now + blockDuration;
    }
    const timeToBlockExpire = Math.ceil((record.blockExpiresAt - now) / 1000);
    if (timeToBlockExpire <= 0 && record.isBlocked) {
      // The block is over: start afresh with this hit.
      record.isBlocked = false;
      hits.clear();
      hits.push(now + ttl);
    }
    return Promise.resolve({ totalHits: hits.size, timeToExpire, isBlocked: record.isBlocked, timeToBlockExpire });
  }

  /** Drops keys that are neither blocked, nor within their window, nor holding live hits. */
  evictIdle(now: number): void {
    for (const [key, record] of this.records) {
      if (record.isBlocked && record.blockExpiresAt > now) continue;
      if (record.expiresAt > now) continue;
      let live = false;
      for (const hits of record.hits.values()) {
        const last = hits.last;
        if (last !== undefined && last > now) {
          live = true;
          break;
        }
      }
      if (!live) this.records.delete(key);
    }
  }

  onApplicationShutdown(): void {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
    this.records.clear();
  }
}
