import { createSecretKey, randomBytes, randomUUID } from 'node:crypto';
import { mintToken } from '../../src/common/auth/dev-token';
import { ObservabilityLifecycle } from '../../src/observability/observability.module';
import { DATABASES } from '../support/databases';
import { ThrowawayRedis, describeWithRedis } from '../support/redis';
import { VALID_BODY, startTestApp, type TestApp } from '../support/test-app';

/** One scrape, as `name{labels}` → value (labels in the order prom-client writes them). */
async function scrape(url: string): Promise<{ text: string; samples: Map<string, number> }> {
  const res = await fetch(`${url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    samples.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return { text, samples };
}

/** Every series of one metric, `{labels}` → value. */
const family = (samples: Map<string, number>, name: string) =>
  Object.fromEntries(
    [...samples].filter(([key]) => key.startsWith(`${name}{`)).map(([k, v]) => [k.slice(name.length), v]),
  );

/** Every label value in a scrape. */
const labelValues = (text: string) => [...text.matchAll(/\w+="((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]);

describe.each(DATABASES)('Prometheus metrics on their own listener (%s)', (kind) => {
  let t: TestApp;
  let metricsUrl: string;

  beforeAll(async () => {
    t = await startTestApp(kind, { METRICS_PORT: '0', THROTTLE_LIMIT: '5' });
    metricsUrl = t.app.get(ObservabilityLifecycle).metricsUrl!;
  });
  afterAll(async () => {
    await t?.close();
  });

  it('listens on METRICS_HOST (127.0.0.1 by default), apart from the API', async () => {
    expect(metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(metricsUrl).not.toBe(await t.listen());
    const other = await fetch(`${metricsUrl}/`);
    expect(other.status).toBe(404);
  });

  it('counts a known mix of requests exactly, by route template, method, status and reason', async () => {
    const as = (clientId: string, options = {}) => t.bearer({ clientId, ...options });
    const tokens: string[] = [];
    const bearer = (clientId: string, options = {}) => {
      const value = as(clientId, options);
      tokens.push(value.slice('Bearer '.length));
      return value;
    };
    const writer = bearer('writer');
    const ids: string[] = [];
    for (const name of ['metrics one', 'metrics two']) {
      const res = await t
        .http()
        .post('/v3/password-sync-groups')
        .set('Authorization', writer)
        .send({ ...VALID_BODY, name, sourceIds: [randomUUID()] });
      expect(res.status).toBe(200);
      ids.push(res.body.id);
    }
    const reader = bearer('reader');
    for (const id of ids) {
      expect((await t.http().get(`/v3/password-sync-groups/${id}`).set('Authorization', reader)).status).toBe(200);
    }
    const missing = randomUUID();
    expect((await t.http().get(`/password-sync-groups/${missing}`).set('Authorization', reader)).status).toBe(404);
    expect(
      (await t.http().put(`/v3/password-sync-groups/${ids[0]}`).set('Authorization', writer).send({ name: '' })).status,
    ).toBe(400);
    expect((await t.http().delete(`/v3/password-sync-groups/${ids[1]}`).set('Authorization', writer)).status).toBe(204);

    // 401s (counted against the caller's IP, on the bare path's budget)
    const expired = bearer('late', { expiresInSeconds: -60 });
    const forged = `Bearer ${mintToken(createSecretKey(randomBytes(32)), { tenant: 'acme', clientId: 'forger' })}`;
    tokens.push(forged.slice('Bearer '.length));
    for (const authorization of [expired, forged, undefined]) {
      const req = t.http().get('/password-sync-groups');
      expect((await (authorization ? req.set('Authorization', authorization) : req)).status).toBe(401);
    }
    // 403s: a token without the scope; an application token where a user token is required
    const scopeless = bearer('scopeless', { scopes: ['sp:other'] });
    expect((await t.http().get('/v3/password-sync-groups').set('Authorization', scopeless)).status).toBe(403);
    const app = bearer('app', { identityId: undefined });
    expect((await t.http().delete(`/v3/password-sync-groups/${ids[0]}`).set('Authorization', app)).status).toBe(403);
    // 429: six requests of one client within a budget of five
    const flood = bearer('flood');
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++)
      statuses.push((await t.http().get('/v2024/password-sync-groups').set('Authorization', flood)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    // No route: the raw path (with an id in it) never becomes a label. Metrics are not on the API port.
    expect((await t.http().get(`/v3/nope/${missing}`).set('Authorization', reader)).status).toBe(404);
    expect((await t.http().get('/metrics')).status).toBe(404);
    expect((await t.http().get('/health/live')).status).toBe(200);

    const { text, samples } = await scrape(metricsUrl);
    expect(family(samples, 'psg_http_requests_total')).toEqual({
      '{route="/v3/password-sync-groups",method="POST",status="200"}': 2,
      '{route="/v3/password-sync-groups/:id",method="GET",status="200"}': 2,
      '{route="/password-sync-groups/:id",method="GET",status="404"}': 1,
      '{route="/v3/password-sync-groups/:id",method="PUT",status="400"}': 1,
      '{route="/v3/password-sync-groups/:id",method="DELETE",status="204"}': 1,
      '{route="/password-sync-groups",method="GET",status="401"}': 3,
      '{route="/v3/password-sync-groups",method="GET",status="403"}': 1,
      '{route="/v3/password-sync-groups/:id",method="DELETE",status="403"}': 1,
      '{route="/v2024/password-sync-groups",method="GET",status="200"}': 5,
      '{route="/v2024/password-sync-groups",method="GET",status="429"}': 1,
      '{route="unmatched",method="GET",status="404"}': 2,
      '{route="/health/live",method="GET",status="200"}': 1,
    });
    expect(
      samples.get(
        'psg_http_request_duration_seconds_count{route="/v2024/password-sync-groups",method="GET",status="200"}',
      ),
    ).toBe(5);
    expect(
      samples.get(
        'psg_http_request_duration_seconds_bucket{le="+Inf",route="/v3/password-sync-groups",method="POST",status="200"}',
      ),
    ).toBe(2);
    expect(family(samples, 'psg_http_rate_limited_total')).toEqual({ '{reason="api_budget"}': 1 });
    expect(family(samples, 'psg_http_auth_failures_total')).toEqual({
      '{status="401",reason="expired"}': 1,
      '{status="401",reason="bad_signature"}': 1,
      '{status="401",reason="missing"}': 1,
      '{status="403",reason="missing_scope"}': 1,
      '{status="403",reason="user_token_required"}': 1,
    });

    // Database: every statement timed; the rate-limit store enforcing; Node's process metrics.
    expect(
      samples.get('psg_db_statement_duration_seconds_count{operation="INSERT",outcome="ok"}'),
    ).toBeGreaterThanOrEqual(4);
    expect(
      samples.get('psg_db_statement_duration_seconds_count{operation="SELECT",outcome="ok"}'),
    ).toBeGreaterThanOrEqual(4);
    if (kind === 'sqlite') {
      expect(samples.get('psg_db_sqlite_lock_wait_seconds_count')).toBeGreaterThanOrEqual(8);
    } else {
      expect(samples.get('psg_db_pool_connections{state="total"}')).toBeGreaterThanOrEqual(1);
      expect(samples.get('psg_db_pool_connections{state="waiting"}')).toBe(0);
    }
    expect(samples.get('psg_rate_limit_store_up{store="memory"}')).toBe(1);
    expect(samples.get('psg_rate_limit_unthrottled_requests_total')).toBe(0);
    expect(samples.get('process_cpu_seconds_total')).toBeGreaterThan(0);
    expect(samples.has('nodejs_eventloop_lag_seconds')).toBe(true);
    // prom-client's defaults, one family of each of its modules, but the GC observer (its cost:
    // docs/performance.md).
    const families = new Set(text.split('\n').flatMap((l) => /^# TYPE (\S+)/.exec(l)?.[1] ?? []));
    expect(
      [
        'process_cpu_seconds_total',
        'process_start_time_seconds',
        'process_resident_memory_bytes',
        'process_open_fds',
        'process_max_fds',
        'nodejs_eventloop_lag_p99_seconds',
        'nodejs_active_resources_total',
        'nodejs_active_handles_total',
        'nodejs_active_requests_total',
        'nodejs_heap_size_used_bytes',
        'nodejs_heap_space_size_used_bytes',
        'nodejs_version_info',
      ].filter((name) => !families.has(name)),
    ).toEqual([]);
    expect(families.has('nodejs_gc_duration_seconds')).toBe(false);

    // No label holds an id, a token, the signing secret or a tenant.
    const secrets = [...ids, missing, ...tokens, (t.config.jwt.key as { secret: string }).secret, 'acme'].filter(
      Boolean,
    );
    for (const value of labelValues(text)) {
      for (const secret of secrets)
        expect({ value, contains: value.includes(secret) }).toEqual({ value, contains: false });
    }
    const fromRequests = labelValues(
      text
        .split('\n')
        .filter((l) => l.startsWith('psg_'))
        .join('\n'),
    );
    expect(fromRequests.filter((v) => !/^([A-Za-z0-9_.+]*|\/[\w/:.-]*)$/.test(v))).toEqual([]);
  });
});

describe('metrics off (METRICS_PORT unset)', () => {
  it('opens no listener', async () => {
    const t = await startTestApp('sqlite');
    try {
      expect(t.app.get(ObservabilityLifecycle).metricsUrl).toBeUndefined();
    } finally {
      await t.close();
    }
  });
});

describeWithRedis('metrics of the rate-limit store (Redis up, then gone)', () => {
  it('show the store up, then down with the requests let through unthrottled counted', async () => {
    const redis = await new ThrowawayRedis().start();
    const t = await startTestApp('sqlite', { METRICS_PORT: '0', REDIS_URL: redis.url });
    try {
      const url = t.app.get(ObservabilityLifecycle).metricsUrl!;
      const get = () => t.http().get('/password-sync-groups').set('Authorization', t.bearer());
      expect((await get()).status).toBe(200);
      let { samples } = await scrape(url);
      expect(samples.get('psg_rate_limit_store_up{store="redis"}')).toBe(1);
      expect(samples.get('psg_rate_limit_unthrottled_requests_total')).toBe(0);

      await redis.stop();
      for (let i = 0; i < 3; i++) expect((await get()).status).toBe(200);
      ({ samples } = await scrape(url));
      expect(samples.get('psg_rate_limit_store_up{store="redis"}')).toBe(0);
      expect(samples.get('psg_rate_limit_unthrottled_requests_total')).toBe(3);
    } finally {
      await t.close();
      await redis.stop();
    }
  });
});
