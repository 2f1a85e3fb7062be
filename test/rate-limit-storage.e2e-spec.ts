import { randomBytes } from 'node:crypto';
import { sleep } from './support/processes';
import {
  TEST_REDIS_URL,
  ThrowawayRedis,
  assertRedisReachable,
  deleteKeys,
  describeWithRedis,
  keysUnder,
  uniqueKeyPrefix,
} from './support/redis';
import { startTestApp, type TestApp, useTestApp } from './support/test-app';

const RATE_LIMITED = { message: ' Rate Limit Exceeded ' };
const LIST = '/v3/password-sync-groups';

/** Whole seconds within one window: what Retry-After must look like. */
function expectRetryAfter(value: string | undefined, windowSeconds: number) {
  expect(value).toMatch(/^\d+$/);
  expect(Number(value)).toBeGreaterThanOrEqual(1);
  expect(Number(value)).toBeLessThanOrEqual(windowSeconds);
}

describe('rate limit without REDIS_URL: in memory, per instance', () => {
  const t = useTestApp('sqlite', { THROTTLE_LIMIT: '3', THROTTLE_TTL_SECONDS: '60' });

  it('the 4th request of a client within the window is a 429; health probes are never counted', async () => {
    for (let i = 0; i < 3; i++) {
      expect(
        (
          await t
            .http()
            .get(LIST)
            .set('Authorization', t.bearer({ clientId: 'mem' }))
        ).status,
      ).toBe(200);
      const probe = await t.http().get('/health/live');
      expect(probe.status).toBe(200);
      expect(probe.headers['x-ratelimit-limit']).toBeUndefined();
    }
    const res = await t
      .http()
      .get(LIST)
      .set('Authorization', t.bearer({ clientId: 'mem' }));
    expect(res.status).toBe(429);
    expect(res.body).toEqual(RATE_LIMITED);
    expectRetryAfter(res.headers['retry-after'], 60);
    // Another version prefix is another budget.
    expect(
      (
        await t
          .http()
          .get('/beta/password-sync-groups')
          .set('Authorization', t.bearer({ clientId: 'mem' }))
      ).status,
    ).toBe(200);
  });
});

describeWithRedis('rate limit with REDIS_URL: counted in Redis', () => {
  const prefix = uniqueKeyPrefix();
  // Two instances of one deployment: same secret, same Redis, same prefix. (Both in this process,
  // so they also share passport's strategy registry; test/two-instances runs separate processes.)
  const env = {
    JWT_SECRET: randomBytes(32).toString('hex'),
    REDIS_URL: TEST_REDIS_URL!,
    REDIS_KEY_PREFIX: prefix,
    THROTTLE_LIMIT: '3',
    THROTTLE_TTL_SECONDS: '60',
  };
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    await assertRedisReachable(TEST_REDIS_URL!);
    a = await startTestApp('sqlite', env);
    b = await startTestApp('sqlite', env);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await deleteKeys(TEST_REDIS_URL!, prefix);
    expect(await keysUnder(TEST_REDIS_URL!, prefix)).toEqual([]);
  });

  it('keeps one budget per client per version in Redis, which a second app instance shares', async () => {
    const bearer = a.bearer({ clientId: 'redis-client' });
    expect((await a.http().get(LIST).set('Authorization', bearer)).status).toBe(200);
    expect((await b.http().get(LIST).set('Authorization', bearer)).status).toBe(200);
    expect((await a.http().get(LIST).set('Authorization', bearer)).status).toBe(200);
    const blocked = await b.http().get(LIST).set('Authorization', bearer);
    expect(blocked.status).toBe(429);
    expect(blocked.body).toEqual(RATE_LIMITED);
    expectRetryAfter(blocked.headers['retry-after'], 60);
    const alsoBlocked = await a.http().get(LIST).set('Authorization', bearer);
    expect(alsoBlocked.status).toBe(429);

    expect(await keysUnder(TEST_REDIS_URL!, prefix)).toEqual([
      `${prefix}{default|v3|client|acme|redis-client:default}:blocked`,
      `${prefix}{default|v3|client|acme|redis-client:default}:hits`,
    ]);
    // Another client, and another version prefix, have budgets of their own.
    expect(
      (
        await b
          .http()
          .get(LIST)
          .set('Authorization', a.bearer({ clientId: 'other' }))
      ).status,
    ).toBe(200);
    expect((await b.http().get('/v2025/password-sync-groups').set('Authorization', bearer)).status).toBe(200);
  });
});

describeWithRedis('rate limit when Redis goes away: fails open, says so, recovers by itself', () => {
  let redis: ThrowawayRedis;
  beforeAll(async () => {
    redis = await new ThrowawayRedis().start();
  });
  const t = useTestApp('sqlite', () => ({ REDIS_URL: redis.url, THROTTLE_LIMIT: '3', THROTTLE_TTL_SECONDS: '60' }), {
    captureLogs: true,
  });
  afterAll(async () => {
    await redis?.stop();
  });

  const get = (client: string) =>
    t
      .http()
      .get(LIST)
      .set('Authorization', t.bearer({ clientId: client }));
  const ready = () => t.http().get('/health/ready');
  const rateLimitLogs = () => t.logs().filter((l) => l.context === 'RateLimit');

  it('enforces the limit while Redis is up, and readiness says ok', async () => {
    const res = await ready();
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      status: 'ok',
      info: { database: { status: 'up' }, redis: { status: 'up', role: 'rate limit store' } },
      error: {},
      details: { database: { status: 'up' }, redis: { status: 'up', role: 'rate limit store' } },
    });
    for (let i = 0; i < 3; i++) expect((await get('x')).status).toBe(200);
    expect((await get('x')).status).toBe(429);
  });

  it('with Redis gone the API keeps serving without the limit, readiness reports it, the log says it once', async () => {
    await redis.stop();
    // Client x was blocked; now its requests are served (fail open), promptly.
    for (let i = 0; i < 6; i++) {
      const res = await get('x');
      expect(res.status).toBe(200);
      expect(res.body).toEqual([]);
    }
    const res = await ready();
    expect(res.status).toBe(200); // the instance still serves: degraded, not out of rotation
    expect(res.body).toEqual({
      status: 'degraded',
      info: { database: { status: 'up' } },
      error: {
        redis: {
          status: 'down',
          role: 'rate limit store',
          message: expect.stringMatching(/^Redis is unreachable \(.+\); the rate limit is not enforced$/),
        },
      },
      details: {
        database: { status: 'up' },
        redis: { status: 'down', role: 'rate limit store', message: expect.any(String) },
      },
    });
    const outage = rateLimitLogs().filter((l) => String(l.msg).startsWith('RATE LIMIT NOT ENFORCED'));
    expect(outage).toHaveLength(1); // once per outage, not once per request
    expect(outage[0].level).toBe('error');
  });

  it('when Redis returns, the limit is enforced again without a restart, and the recovery is logged', async () => {
    await redis.start(redis.port); // same address, empty data
    const deadline = Date.now() + 30_000;
    while ((await ready()).body.status !== 'ok' && Date.now() < deadline) await sleep(200);
    expect((await ready()).body.status).toBe('ok');
    for (let i = 0; i < 3; i++) expect((await get('y')).status).toBe(200);
    const res = await get('y');
    expect(res.status).toBe(429);
    expect(res.body).toEqual(RATE_LIMITED);
    const recovered = rateLimitLogs().filter((l) => l.msg === 'rate limit enforced again: Redis is reachable');
    expect(recovered).toHaveLength(1);
    expect(recovered[0]).toMatchObject({ level: 'warn', unthrottledRequests: 6 });
  });

  it('a Redis that stops answering (frozen, connection open) cannot hang requests either', async () => {
    redis.pause();
    try {
      // Each count gives up after ioredis' 500 ms command timeout; the requests are served.
      for (let i = 0; i < 3; i++) {
        const asked = Date.now();
        expect((await get('z')).status).toBe(200);
        expect(Date.now() - asked).toBeLessThan(5_000); // 500 ms, with room for a loaded machine
      }
      const res = await ready();
      expect(res.status).toBe(200);
      expect(res.body.status).toBe('degraded');
      expect(res.body.error.redis.message).toMatch(/timed out/);
    } finally {
      redis.resume();
    }
    const deadline = Date.now() + 30_000;
    while ((await ready()).body.status !== 'ok' && Date.now() < deadline) await sleep(200);
    expect((await ready()).body.status).toBe('ok');
  });
});
