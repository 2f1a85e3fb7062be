import { DATABASES, withClient } from './support/databases';
import { TRACKING_ID, VALID_BODY, internalBody, useTestApp } from './support/test-app';

const OK_LIVE = { status: 'ok', info: {}, error: {}, details: {} };
const OK_READY = {
  status: 'ok',
  info: { database: { status: 'up' } },
  error: {},
  details: { database: { status: 'up' } },
};

describe.each(DATABASES)('health endpoints (%s)', (kind) => {
  const t = useTestApp(kind, { THROTTLE_LIMIT: '2' }, { captureLogs: true });

  it('GET /health/live and /health/ready answer without a token, every time (never rate limited)', async () => {
    for (let i = 0; i < 5; i++) {
      const live = await t.http().get('/health/live');
      expect(live.status).toBe(200);
      expect(live.body).toEqual(OK_LIVE);
      expect(live.headers['x-tracking-id']).toMatch(TRACKING_ID);
      expect(live.headers['x-ratelimit-limit']).toBeUndefined();
      const ready = await t.http().get('/health/ready');
      expect(ready.status).toBe(200);
      expect(ready.body).toEqual(OK_READY);
    }
  });

  it('successful probes are not logged at info; API requests are, one line each', async () => {
    const before = t.logs().length;
    await t.http().get('/health/live');
    await t.http().get('/health/ready');
    const api = await t.http().get('/password-sync-groups').set('Authorization', t.bearer());
    const lines = t
      .logs()
      .slice(before)
      .filter((l) => l.msg === 'request completed');
    expect(lines).toEqual([
      expect.objectContaining({
        level: 'info',
        trackingId: api.headers['x-tracking-id'],
        route: '/password-sync-groups',
        status: 200,
      }),
    ]);
  });

  it('are not in the OpenAPI document (they are not part of SailPoint\u2019s API)', async () => {
    const doc = await t.http().get('/docs-json');
    expect(Object.keys(doc.body.paths).filter((p) => p.startsWith('/health'))).toEqual([]);
  });
});

const describePostgres = DATABASES.includes('postgres') ? describe : describe.skip;

describePostgres('when PostgreSQL goes away (postgres)', () => {
  const t = useTestApp('postgres', { DB_CONNECTION_TIMEOUT_MS: '2000' }, { captureLogs: true });

  it('after its connections are killed (as a PostgreSQL restart does) it serves again, with no restart of its own', async () => {
    const name = new URL(t.db.url).pathname.slice(1);
    const list = () => t.http().get('/password-sync-groups').set('Authorization', t.bearer());
    await Promise.all([list(), list(), list()]); // a few pooled connections
    const killed = await withClient(process.env.TEST_DATABASE_URL!, (c) =>
      c.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND application_name = 'password-sync-groups'`,
        [name],
      ),
    );
    expect(killed.rowCount).toBeGreaterThan(0);
    const deadline = Date.now() + 10_000;
    while ((await list()).status !== 200 && Date.now() < deadline); // a request racing the kill may fail
    for (let i = 0; i < 5; i++) expect((await list()).status).toBe(200);
    expect((await t.http().get('/health/ready')).status).toBe(200);
  });

  it('readiness is 503 naming the database, API calls are prompt 500 envelopes, liveness stays 200', async () => {
    expect(
      (await t.http().post('/password-sync-groups').set('Authorization', t.bearer()).send(VALID_BODY)).status,
    ).toBe(200);
    // The database disappears under the running service (connections killed, database gone).
    const name = new URL(t.db.url).pathname.slice(1);
    await withClient(process.env.TEST_DATABASE_URL!, (c) => c.query(`DROP DATABASE ${name} WITH (FORCE)`));

    const ready = await t.http().get('/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.body).toEqual({
      status: 'error',
      info: {},
      error: { database: { status: 'down' } },
      details: { database: { status: 'down' } },
    });
    const live = await t.http().get('/health/live');
    expect(live.status).toBe(200);

    const list = await t.http().get('/password-sync-groups').set('Authorization', t.bearer());
    expect(list.status).toBe(500);
    expect(list.body).toEqual(internalBody(list.headers['x-tracking-id']));
    // The failure is logged with the request's trackingId, and the probe's 503 at error level.
    const logged = t.logs().filter((l) => l.trackingId === list.headers['x-tracking-id']);
    expect(logged.map((l) => [l.level, l.msg])).toEqual([
      ['error', 'unhandled error'],
      ['error', 'request failed'],
    ]);
    expect(t.logs().some((l) => l.msg === 'request failed' && l.route === '/health/ready' && l.status === 503)).toBe(
      true,
    );
  });
});
