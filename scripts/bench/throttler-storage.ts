/**
 * What a raised rate limit costs the in-memory throttler storage: time per counted request
 * and memory per remembered hit, for @nestjs/throttler's own storage and the service's
 * SlidingWindowThrottlerStorage, with one client holding N hits in its window.
 *
 *   npm run bench:throttler
 */
import { ThrottlerStorageService } from '@nestjs/throttler';
import type { ThrottlerStorage } from '@nestjs/throttler';
import { SlidingWindowThrottlerStorage } from '../../src/common/throttling/sliding-window.storage';

const TTL_MS = 10_000;
const LIMIT = 100_000_000;

async function timePerHit(storage: ThrottlerStorage, held: number): Promise<number> {
  for (let i = 0; i < held; i++) await storage.increment('client', TTL_MS, LIMIT, TTL_MS, 'default');
  const n = held >= 50_000 ? 500 : 5_000;
  const started = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await storage.increment('client', TTL_MS, LIMIT, TTL_MS, 'default');
  return Number(process.hrtime.bigint() - started) / n / 1000;
}

function heapUsed(): number {
  (global as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed;
}

async function bytesPerHit(
  make: () => ThrottlerStorage & { onApplicationShutdown(): void },
  hits: number,
): Promise<number> {
  const before = heapUsed();
  const storage = make();
  for (let i = 0; i < hits; i++) await storage.increment('client', TTL_MS, LIMIT, TTL_MS, 'default');
  const after = heapUsed();
  storage.onApplicationShutdown();
  return (after - before) / hits;
}

async function main(): Promise<void> {
  const kinds = [
    { name: '@nestjs/throttler ThrottlerStorageService', make: () => new ThrottlerStorageService() },
    { name: 'SlidingWindowThrottlerStorage (this service)', make: () => new SlidingWindowThrottlerStorage() },
  ];
  const sizes = [100, 1_000, 10_000, 50_000];
  process.stdout.write(
    `One client, THROTTLE_LIMIT=${LIMIT}, ${TTL_MS / 1000} s window; time to count one more request with N hits already in the window:\n\n`,
  );
  process.stdout.write(`  ${'storage'.padEnd(46)}${sizes.map((s) => `N=${s}`.padStart(12)).join('')}\n`);
  for (const k of kinds) {
    const cells: string[] = [];
    for (const size of sizes) {
      const storage = k.make();
      cells.push(`${(await timePerHit(storage, size)).toFixed(2)} µs`.padStart(12));
      storage.onApplicationShutdown();
    }
    process.stdout.write(`  ${k.name.padEnd(46)}${cells.join('')}\n`);
  }
  if ((global as { gc?: () => void }).gc) {
    process.stdout.write('\nHeap per hit held in the window (200,000 hits):\n');
    for (const k of kinds)
      process.stdout.write(`  ${k.name.padEnd(46)}${(await bytesPerHit(k.make, 200_000)).toFixed(1)} bytes\n`);
  } else {
    process.stdout.write('\n(run node with --expose-gc to also measure heap per hit)\n');
  }
}

void main();
