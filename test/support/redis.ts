import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import Redis from 'ioredis';
import { freePort } from './processes';

/**
 * The Redis the Redis suites use: TEST_REDIS_URL (.ci/run sets it; then an unreachable server
 * FAILS those suites), else the local default 127.0.0.1:6379 if one answers there. With
 * neither, the suites are skipped, and Jest reports them as skipped.
 */
export const TEST_REDIS_URL: string | undefined =
  process.env.TEST_REDIS_URL || (answersOn(6379) ? 'redis://127.0.0.1:6379' : undefined);

export const describeWithRedis = TEST_REDIS_URL ? describe : describe.skip;

function answersOn(port: number): boolean {
  const probe = `require('net').connect(${port}, '127.0.0.1').on('connect', () => process.exit(0)).on('error', () => process.exit(1)); setTimeout(() => process.exit(1), 1000);`;
  return spawnSync(process.execPath, ['-e', probe]).status === 0;
}

/** Fails with a clear message when the Redis the suite needs does not answer (CI must not skip). */
export async function assertRedisReachable(url: string): Promise<void> {
  const redis = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: 3000,
    retryStrategy: () => null,
  });
  let cause = '';
  redis.on('error', (err: Error) => (cause = err.message));
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    throw new Error(`Redis at ${url} (TEST_REDIS_URL) is unreachable: ${cause || (err as Error).message}`, {
      cause: err,
    });
  } finally {
    redis.disconnect();
  }
}

/** A key prefix no other run uses; pass it as REDIS_KEY_PREFIX and clean it with deleteKeys(). */
export const uniqueKeyPrefix = () => `psg-test:${randomBytes(6).toString('hex')}:`;

/** Keys under a prefix (SCAN, never KEYS). */
export async function keysUnder(url: string, prefix: string): Promise<string[]> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  await redis.connect();
  try {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      keys.push(...batch);
      cursor = next;
    } while (cursor !== '0');
    return keys.sort();
  } finally {
    redis.disconnect();
  }
}

export async function deleteKeys(url: string, prefix: string): Promise<void> {
  const keys = await keysUnder(url, prefix);
  if (keys.length === 0) return;
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  await redis.connect();
  try {
    await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
}

/** A redis-server of the test's own on a free port, nothing kept on disk; never the machine's. */
export class ThrowawayRedis {
  private child?: ChildProcess;
  port = 0;

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(port?: number): Promise<this> {
    this.port = port ?? (await freePort());
    const child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.child = child;
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`redis-server did not start:\n${output}`)), 20_000);
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Ready to accept connections')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited with ${code}:\n${output}`));
      });
    });
    child.removeAllListeners('exit');
    return this;
  }

  /** Freezes the server (SIGSTOP): connections stay open, nothing answers. */
  pause(): void {
    this.child?.kill('SIGSTOP');
  }

  resume(): void {
    this.child?.kill('SIGCONT');
  }

  /** Stops it (SIGTERM) and waits until the process is gone. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGCONT');
    child.kill('SIGTERM');
    await exited;
  }
}
