import { ThrottlerStorageService } from '@nestjs/throttler';
import { SlidingWindowThrottlerStorage, SWEEP_INTERVAL_MS } from './sliding-window.storage';

/** mulberry32: a deterministic sequence, so a failure can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('SlidingWindowThrottlerStorage', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_800_000_000_000 }));
  afterEach(() => jest.useRealTimers());

  it.each([
    { name: 'blocking (blockDuration = ttl, as the guard uses it)', blockDuration: (ttl: number) => ttl },
    { name: 'a block longer than the window', blockDuration: (ttl: number) => ttl * 3 },
    { name: 'no blocking (blockDuration 0)', blockDuration: () => 0 },
  ])('returns exactly what @nestjs/throttler\u2019s own storage returns: $name', async ({ blockDuration }) => {
    for (const seed of [1, 2, 3, 4]) {
      const random = prng(seed);
      const stock = new ThrottlerStorageService();
      const ours = new SlidingWindowThrottlerStorage();
      const keys = ['a', 'b', 'c'];
      const throttlers = [
        { name: 'default', ttl: 1000, limit: 3 },
        { name: 'long', ttl: 5000, limit: 7 },
      ];
      for (let i = 0; i < 3000; i++) {
        // Bursts and pauses: sometimes many hits in one millisecond, sometimes seconds apart.
        const r = random();
        jest.advanceTimersByTime(
          r < 0.5
            ? 0
            : r < 0.8
              ? Math.floor(random() * 50)
              : r < 0.97
                ? Math.floor(random() * 1500)
                : SWEEP_INTERVAL_MS,
        );
        const key = keys[Math.floor(random() * keys.length)];
        const t = throttlers[Math.floor(random() * throttlers.length)];
        const args = [key, t.ttl, t.limit, blockDuration(t.ttl), t.name] as const;
        const expected = await stock.increment(...args);
        const actual = await ours.increment(...args);
        expect({ i, seed, ...actual }).toEqual({ i, seed, ...expected });
      }
      expect(ours.size).toBe(stock.storage.size);
      stock.onApplicationShutdown();
      ours.onApplicationShutdown();
    }
  });

  it('keeps one budget per key: many hits in one window, then a fresh window once they expire', async () => {
    const storage = new SlidingWindowThrottlerStorage();
    for (let i = 1; i <= 50_000; i++) {
      const record = await storage.increment('k', 10_000, 100_000, 10_000, 'default');
      expect(record.totalHits).toBe(i);
    }
    jest.advanceTimersByTime(10_000);
    expect(await storage.increment('k', 10_000, 100_000, 10_000, 'default')).toEqual({
      totalHits: 1,
      timeToExpire: 10,
      isBlocked: false,
      timeToBlockExpire: expect.any(Number),
    });
    storage.onApplicationShutdown();
  });

  it('sweeps idle keys every minute and keeps live ones', async () => {
    const storage = new SlidingWindowThrottlerStorage();
    await storage.increment('idle', 1000, 5, 1000, 'default');
    jest.advanceTimersByTime(SWEEP_INTERVAL_MS - 500);
    await storage.increment('live', 10_000, 5, 10_000, 'default');
    jest.advanceTimersByTime(500);
    expect(storage.size).toBe(1);
    storage.onApplicationShutdown();
    expect(storage.size).toBe(0);
  });
});
