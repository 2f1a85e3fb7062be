import type { Response } from 'supertest';
import { BARE_PATH, ON_EVERY_DATABASE, SERVICE_PATH } from './support/api-paths';
import { DATABASES } from './support/databases';
import { snapshot, startTestApp, TRACKING_ID, VALID_BODY, type TestApp, useTestApp } from './support/test-app';

const LIMIT = 5;
const TTL_SECONDS = 2;
const RATE_LIMIT_TEXT = '{"message":" Rate Limit Exceeded "}';

/** Resolves once Date.now() has reached `deadline` (never early, unlike a bare setTimeout). */
async function sleepUntil(deadline: number): Promise<void> {
  while (Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, Math.max(1, deadline - Date.now())));
  }
}

/** The exact 429: body, content type, and a Retry-After of whole seconds within the window. Returns the seconds. */
function expectRateLimited(res: Response): number {
  expect(res.status).toBe(429);
  expect(res.text).toBe(RATE_LIMIT_TEXT);
  expect(res.body).toEqual({ message: ' Rate Limit Exceeded ' });
  expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
  expect(res.headers['x-tracking-id']).toMatch(TRACKING_ID);
  const retryAfter = res.headers['retry-after'];
  expect(retryAfter).toMatch(/^\d+$/);
  const seconds = Number(retryAfter);
  expect(seconds).toBeGreaterThanOrEqual(1);
  expect(seconds).toBeLessThanOrEqual(TTL_SECONDS);
  return seconds;
}

describe.each(ON_EVERY_DATABASE)('rate limiting (%s, at %s)', (kind, API) => {
  const t = useTestApp(
    kind,
    { THROTTLE_LIMIT: String(LIMIT), THROTTLE_TTL_SECONDS: String(TTL_SECONDS) },
    { clearBeforeEach: true },
  );
  let groupId: string;

  beforeAll(() => {
    expect(t.config.throttle).toEqual({ limit: LIMIT, ttlSeconds: TTL_SECONDS, scope: 'version' });
  });
  beforeEach(async () => {
    // Seeded by a client of its own, so no test's budget is touched.
    const res = await t
      .http()
      .post('/password-sync-groups')
      .set('Authorization', t.bearer({ clientId: `seeder-${expect.getState().currentTestName}` }))
      .send(VALID_BODY);
    expect(res.status).toBe(200);
    groupId = res.body.id;
  });

  /** Each test uses its own client ids, so budgets never leak from one test into the next. */
  const client = (clientId: string, options: Parameters<TestApp['bearer']>[0] = {}) =>
    t.bearer({ clientId, ...options });
  /** `base` is the collection path in one of its URL shapes (test/support/api-paths.ts). */
  const list = (auth: string | undefined, base = BARE_PATH) => {
    const req = t.http().get(base);
    return auth === undefined ? req : req.set('Authorization', auth);
  };
  const getById = (auth: string, base = BARE_PATH) => t.http().get(`${base}/${groupId}`).set('Authorization', auth);

  /** Sends `n` list requests and asserts each is served. */
  async function spend(auth: string, n: number, base = BARE_PATH): Promise<void> {
    for (let i = 0; i < n; i++) {
      const res = await list(auth, base);
      expect({ i, base, status: res.status }).toEqual({ i, base, status: 200 });
    }
  }

  it('the 6th request within the window is 429 with the exact body and Retry-After; after waiting that long the client is served again, with a fresh budget', async () => {
    const auth = client('window-client');
    await spend(auth, LIMIT, API);

    const sixth = await list(auth, API);
    const receivedAt = Date.now();
    const seconds = expectRateLimited(sixth);

    // Still refused while the window lasts.
    expectRateLimited(await getById(auth, API));

    await sleepUntil(receivedAt + seconds * 1000);
    const again = await list(auth, API);
    expect(again.status).toBe(200);
    expect(again.body.map((g: { id: string }) => g.id)).toEqual([groupId]);

    // The served request opened a new window: four more, then refused again.
    await spend(auth, LIMIT - 1, API);
    expectRateLimited(await list(auth, API));
  });

  it('a throttled write never reaches the database', async () => {
    const auth = client('writer');
    await spend(auth, LIMIT, API);
    const before = await snapshot(t.dataSource);
    expectRateLimited(
      await t
        .http()
        .post(API)
        .set('Authorization', auth)
        .send({ ...VALID_BODY, name: 'New', sourceIds: ['n'] }),
    );
    expectRateLimited(
      await t
        .http()
        .put(`${API}/${groupId}`)
        .set('Authorization', auth)
        .send({ ...VALID_BODY, name: 'Changed' }),
    );
    expectRateLimited(await t.http().delete(`${API}/${groupId}`).set('Authorization', auth));
    expect(await snapshot(t.dataSource)).toEqual(before);
  });

  it('the budget is per client: another client_id, or the same client_id of another tenant, is still served', async () => {
    const a = client('client-a');
    await spend(a, LIMIT, API);
    expectRateLimited(await list(a, API));

    // Another client of the same tenant.
    const b = client('client-b');
    expect((await list(b, API)).status).toBe(200);
    // The same client_id in another tenant is another client.
    expect((await list(client('client-a', { tenant: 'globex' }), API)).status).toBe(200);
    // The same client with another identity is the same client: still refused.
    expectRateLimited(await list(client('client-a', { identityId: 'someone-else' }), API));
    // An application token of that client too.
    expectRateLimited(await list(client('client-a', { identityId: undefined }), API));
    expectRateLimited(await list(a, API));
    // b has its own 5: four left.
    await spend(b, LIMIT - 1, API);
    expectRateLimited(await list(b, API));
  });

  it('the budget is shared across routes: list and get-by-id draw on one budget', async () => {
    const auth = client('mixed');
    const served = [
      await list(auth, API),
      await getById(auth, API),
      await list(auth, API),
      await getById(auth, API),
      await list(auth, API),
    ];
    expect(served.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(served[1].body.id).toBe(groupId);
    expectRateLimited(await getById(auth, API));
    expectRateLimited(await list(auth, API));
  });

  it("requests refused with 403 still count against the client's budget", async () => {
    const reader = client('reader', { scopes: ['idn:password-sync-group:read'] });
    for (let i = 0; i < LIMIT; i++) {
      const res = await t.http().delete(`${API}/${groupId}`).set('Authorization', reader);
      expect(res.status).toBe(403);
    }
    expectRateLimited(await list(reader, API));
  });

  it('the budget is per API version: the bare path, /v3, /beta, /latest and /password-sync-groups/v1 each allow 5', async () => {
    const auth = client('prefixed');
    const versions = [
      BARE_PATH,
      '/v3/password-sync-groups',
      '/beta/password-sync-groups',
      '/latest/password-sync-groups',
      SERVICE_PATH,
    ];
    for (const base of versions) await spend(auth, LIMIT, base);
    for (const base of versions) expectRateLimited(await list(auth, base));
    // A version not used yet still has its whole budget.
    expect((await list(auth, '/v2024/password-sync-groups')).status).toBe(200);
    expectRateLimited(await getById(auth, '/v3/password-sync-groups'));
    expectRateLimited(await getById(auth, SERVICE_PATH));
  });

  it('requests that fail authentication are counted per IP: the 6th is 429 instead of 401', async () => {
    const prefix = '/v2025/password-sync-groups';
    const failures: Array<[string | undefined, string]> = [
      [undefined, 'JWT is missing'],
      ['Bearer not-a-jwt', 'JWT is malformed'],
      ['Basic abc', 'Authorization header must be "Bearer <JWT>"'],
      [t.bearer({ expiresInSeconds: -10 }), 'JWT is expired'],
      [`${t.bearer()}x`, 'JWT signature is invalid'],
    ];
    for (const [auth, reason] of failures) {
      const res = await list(auth, prefix);
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ error: `JWT validation failed: ${reason}` });
    }
    // Different bad tokens, one caller: the 6th is refused before authentication is reported.
    expectRateLimited(await list(undefined, prefix));
    expectRateLimited(await list('Bearer another-bad-token', prefix));
    const before = await snapshot(t.dataSource);
    expectRateLimited(await t.http().post(prefix).send(VALID_BODY));
    expect(await snapshot(t.dataSource)).toEqual(before);

    // A valid client from the same IP has its own budget.
    expect((await list(client('valid-after-ip-block'), prefix)).status).toBe(200);
    // The IP budget is per prefix too: elsewhere the failure is reported as usual.
    const elsewhere = await list(undefined, '/v2026/password-sync-groups');
    expect(elsewhere.status).toBe(401);
    expect(elsewhere.body).toEqual({ error: 'JWT validation failed: JWT is missing' });
  });

  it('/docs-json is public and not rate-limited, and does not draw on the IP budget', async () => {
    for (let i = 0; i < LIMIT * 3; i++) {
      const res = await t.http().get('/docs-json');
      expect({ i, status: res.status }).toEqual({ i, status: 200 });
      expect(res.body.openapi).toMatch(/^3\./);
      expect(res.body.paths['/password-sync-groups/v1']).toBeDefined();
      expect(res.headers['retry-after']).toBeUndefined();
    }
    // The bare-path IP budget is untouched: an anonymous API call is still answered 401, not 429.
    const res = await list(undefined);
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: 'JWT validation failed: JWT is missing' });
  });
});

/**
 * Its own top-level block, so its app runs alone: passport's strategy registry is process-wide,
 * so a second app open beside another would verify the first one's tokens with its own key.
 */
describe.each(DATABASES)('rate limiting, THROTTLE_SCOPE=client (%s)', (kind) => {
  it('THROTTLE_SCOPE=client: one budget per client across every version, still one per client', async () => {
    const wide = await startTestApp(kind, {
      THROTTLE_LIMIT: String(LIMIT),
      THROTTLE_TTL_SECONDS: String(TTL_SECONDS),
      THROTTLE_SCOPE: 'client',
    });
    try {
      expect(wide.config.throttle.scope).toBe('client');
      const auth = wide.bearer({ clientId: 'everywhere' });
      const spent = [BARE_PATH, SERVICE_PATH, '/v3/password-sync-groups', '/latest/password-sync-groups', SERVICE_PATH];
      for (const base of spent)
        expect({ base, status: (await wide.http().get(base).set('Authorization', auth)).status }).toEqual({
          base,
          status: 200,
        });
      for (const base of [BARE_PATH, SERVICE_PATH, '/v2024/password-sync-groups']) {
        expectRateLimited(await wide.http().get(base).set('Authorization', auth));
      }
      // Another client keeps its own budget.
      const other = await wide
        .http()
        .get(SERVICE_PATH)
        .set('Authorization', wide.bearer({ clientId: 'another' }));
      expect(other.status).toBe(200);
    } finally {
      await wide.close();
    }
  });
});
