import { useTestApp } from './support/test-app';

/**
 * The order of the global guards (src/common/global-guards.ts) is behaviour: each step below
 * fails if one guard moves. Authentication last: a valid token is a 401. Authorization before
 * the rate limit: a bad token is never a 429. The rate limit before authentication: every
 * caller is counted by IP, so a valid client shares the budget bad tokens used up.
 */
describe('global guards: authentication (deferred) → rate limit → authorization', () => {
  const t = useTestApp('sqlite', { THROTTLE_LIMIT: '2', THROTTLE_TTL_SECONDS: '60' });
  const list = (auth?: string) => {
    const req = t.http().get('/v2024/password-sync-groups');
    return auth === undefined ? req : req.set('Authorization', auth);
  };

  it('a bad token is counted by IP and answered 401 until the budget is spent, then 429', async () => {
    const bad = 'Bearer not-a-jwt';
    expect((await list(bad)).body).toEqual({ error: 'JWT validation failed: JWT is malformed' });
    expect((await list(bad)).status).toBe(401);
    expect((await list(bad)).status).toBe(429);
  });

  it('a valid client from that same IP has a budget of its own, and its missing scope is a 403', async () => {
    expect((await list(t.bearer({ clientId: 'good' }))).status).toBe(200);
    const noScope = await list(t.bearer({ clientId: 'scopeless', scopes: ['openid'] }));
    expect(noScope.status).toBe(403);
  });
});
