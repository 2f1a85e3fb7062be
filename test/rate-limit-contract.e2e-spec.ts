import { DATABASES } from './support/databases';
import { useTestApp } from './support/test-app';

/**
 * The rate limit as the README states it: THROTTLE_LIMIT requests per THROTTLE_TTL_SECONDS per
 * client per API version prefix, across all routes; unauthenticated callers counted by IP;
 * then 429 with SailPoint's exact body and Retry-After for the rest of the window.
 */
describe.each(DATABASES)('rate limit (%s)', (kind) => {
  const t = useTestApp(kind, { THROTTLE_LIMIT: '3', THROTTLE_TTL_SECONDS: '30' });

  it('allows THROTTLE_LIMIT requests per client and prefix across routes, then answers 429 with Retry-After', async () => {
    const auth = t.bearer({ clientId: 'limited' });
    const first = await t.http().get('/v3/password-sync-groups').set('Authorization', auth);
    expect(first.status).toBe(200);
    expect(first.headers['x-ratelimit-limit']).toBe('3');
    expect(first.headers['x-ratelimit-remaining']).toBe('2');
    // Another route under the same prefix shares the budget.
    const second = await t
      .http()
      .get('/v3/password-sync-groups/00000000-0000-4000-8000-000000000000')
      .set('Authorization', auth);
    expect(second.status).toBe(404);
    expect(second.headers['x-ratelimit-remaining']).toBe('1');
    expect((await t.http().get('/v3/password-sync-groups').set('Authorization', auth)).status).toBe(200);

    const limited = await t.http().get('/v3/password-sync-groups').set('Authorization', auth);
    expect(limited.status).toBe(429);
    expect(limited.text).toBe('{"message":" Rate Limit Exceeded "}');
    expect(limited.headers['retry-after']).toBe('30');
    // Still blocked for the rest of the window.
    const again = await t.http().get('/v3/password-sync-groups').set('Authorization', auth);
    expect(again.status).toBe(429);
    expect(Number(again.headers['retry-after'])).toBeGreaterThanOrEqual(29);

    // Each version prefix (and the bare path) is its own budget; so is each client.
    expect((await t.http().get('/beta/password-sync-groups').set('Authorization', auth)).status).toBe(200);
    expect((await t.http().get('/password-sync-groups').set('Authorization', auth)).status).toBe(200);
    expect(
      (
        await t
          .http()
          .get('/v3/password-sync-groups')
          .set('Authorization', t.bearer({ clientId: 'other' }))
      ).status,
    ).toBe(200);
  });

  it('counts requests that fail authentication by IP, then answers 429 before 401', async () => {
    for (let i = 0; i < 3; i++) {
      expect((await t.http().get('/v2025/password-sync-groups')).status).toBe(401);
    }
    const limited = await t.http().get('/v2025/password-sync-groups').set('Authorization', 'Bearer not-a-jwt');
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual({ message: ' Rate Limit Exceeded ' });
    expect(limited.headers['retry-after']).toBe('30');
  });
});
