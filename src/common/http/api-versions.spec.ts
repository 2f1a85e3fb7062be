import type { IncomingMessage } from 'node:http';
import { API_VERSION_PREFIXES, apiVersionOf, rewriteVersionedUrl, routeAsCalled } from './api-versions';

const request = (url: string | undefined) => ({ url }) as IncomingMessage;

/** Rewrites `url` and returns the new URL and the version remembered on the request. */
function rewrite(url: string | undefined): [string, string] {
  const req = request(url);
  const rewritten = rewriteVersionedUrl(req);
  return [rewritten, apiVersionOf(req)];
}

describe('rewriteVersionedUrl / apiVersionOf', () => {
  it('knows exactly the prefixes SailPoint serves this API under', () => {
    expect([...API_VERSION_PREFIXES]).toEqual(['v3', 'beta', 'v2024', 'v2025', 'v2026', 'latest']);
  });

  it('leaves a bare path alone and records "bare"', () => {
    expect(rewrite('/password-sync-groups')).toEqual(['/password-sync-groups', 'bare']);
    expect(rewrite('/password-sync-groups/abc?x=1')).toEqual(['/password-sync-groups/abc?x=1', 'bare']);
    expect(rewrite('/')).toEqual(['/', 'bare']);
  });

  it('treats a missing url as "/"', () => {
    expect(rewrite(undefined)).toEqual(['/', 'bare']);
  });

  it('reports "bare" for a request that was never rewritten', () => {
    expect(apiVersionOf(request('/v3/password-sync-groups'))).toBe('bare');
  });

  describe.each(API_VERSION_PREFIXES)('prefix /%s', (prefix) => {
    it('is stripped from a path and recorded', () => {
      expect(rewrite(`/${prefix}/password-sync-groups`)).toEqual(['/password-sync-groups', prefix]);
      expect(rewrite(`/${prefix}/password-sync-groups/6881f631-3bd5-4213-9c75-8e05cc3e35dd`)).toEqual([
        '/password-sync-groups/6881f631-3bd5-4213-9c75-8e05cc3e35dd',
        prefix,
      ]);
    });

    it('is stripped with the query string kept', () => {
      expect(rewrite(`/${prefix}/password-sync-groups?limit=10&offset=5`)).toEqual([
        '/password-sync-groups?limit=10&offset=5',
        prefix,
      ]);
    });

    it('alone becomes "/"', () => {
      expect(rewrite(`/${prefix}`)).toEqual(['/', prefix]);
      expect(rewrite(`/${prefix}/`)).toEqual(['/', prefix]);
    });

    it('directly followed by a query string becomes "/?query"', () => {
      expect(rewrite(`/${prefix}?count=true`)).toEqual(['/?count=true', prefix]);
    });
  });

  it('does not treat a longer segment that starts with a prefix as the prefix', () => {
    expect(rewrite('/v30/password-sync-groups')).toEqual(['/v30/password-sync-groups', 'bare']);
    expect(rewrite('/v3abc')).toEqual(['/v3abc', 'bare']);
    expect(rewrite('/betamax/x')).toEqual(['/betamax/x', 'bare']);
    expect(rewrite('/v20245/x')).toEqual(['/v20245/x', 'bare']);
    expect(rewrite('/v2/x')).toEqual(['/v2/x', 'bare']);
  });

  it('only matches a prefix at the start of the path', () => {
    expect(rewrite('/password-sync-groups/beta')).toEqual(['/password-sync-groups/beta', 'bare']);
    expect(rewrite('v3/password-sync-groups')).toEqual(['v3/password-sync-groups', 'bare']);
  });

  it('strips only the first prefix', () => {
    expect(rewrite('/v3/v3/password-sync-groups')).toEqual(['/v3/password-sync-groups', 'v3']);
    expect(rewrite('/beta/v2025/password-sync-groups')).toEqual(['/v2025/password-sync-groups', 'beta']);
  });

  it('overwrites the remembered version when a request is rewritten again', () => {
    const req = request('/beta/x');
    rewriteVersionedUrl(req);
    expect(apiVersionOf(req)).toBe('beta');
    req.url = '/x';
    rewriteVersionedUrl(req);
    expect(apiVersionOf(req)).toBe('bare');
  });

  describe('per-service version /{service}/v1', () => {
    const ID = '6881f631-3bd5-4213-9c75-8e05cc3e35dd';

    it('is removed from after the first segment and recorded', () => {
      expect(rewrite('/password-sync-groups/v1')).toEqual(['/password-sync-groups', 'v1']);
      expect(rewrite(`/password-sync-groups/v1/${ID}`)).toEqual([`/password-sync-groups/${ID}`, 'v1']);
      expect(rewrite('/password-sync-groups/v1?count=True&limit=2')).toEqual([
        '/password-sync-groups?count=True&limit=2',
        'v1',
      ]);
      expect(rewrite(`/password-sync-groups/v1/${ID}?x=/v1`)).toEqual([`/password-sync-groups/${ID}?x=/v1`, 'v1']);
      expect(rewrite('/password-sync-groups/v1/')).toEqual(['/password-sync-groups/', 'v1']);
    });

    it('works for any service, so a new module gets it for free', () => {
      expect(rewrite('/personal-access-tokens/v1/abc')).toEqual(['/personal-access-tokens/abc', 'v1']);
      expect(rewrite('/notes/v1')).toEqual(['/notes', 'v1']);
    });

    it('makes an unknown version, or a version behind a yearly prefix, unroutable rather than an id', () => {
      const [unroutable] = rewrite('/password-sync-groups/v2');
      expect(unroutable.startsWith('//')).toBe(true);
      for (const url of [
        '/password-sync-groups/v2',
        `/password-sync-groups/v0/${ID}`,
        '/password-sync-groups/v10',
        '/password-sync-groups/v01?count=true',
        '/password-sync-groups/V1',
        '/v3/password-sync-groups/v1',
        `/latest/password-sync-groups/v1/${ID}`,
      ]) {
        expect({ url, result: rewrite(url) }).toEqual({ url, result: [unroutable, 'bare'] });
      }
    });

    it('leaves segments that only look a little like a version alone', () => {
      for (const url of [
        `/password-sync-groups/${ID}`,
        '/password-sync-groups/v',
        '/password-sync-groups/v1x',
        '/password-sync-groups/vv1',
        '/password-sync-groups?x=/v1',
        '/password-sync-groups/x/v1',
        '//v1',
        '/v1',
      ]) {
        expect({ url, result: rewrite(url) }).toEqual({ url, result: [url, 'bare'] });
      }
      expect(rewrite('/v3?a/v1')).toEqual(['/?a/v1', 'v3']);
      expect(rewrite('/v3/password-sync-groups/x/v1')).toEqual(['/password-sync-groups/x/v1', 'v3']);
    });
  });

  describe('routeAsCalled', () => {
    const routed = (url: string, pattern: string | undefined) => {
      const raw = request(url);
      rewriteVersionedUrl(raw);
      return routeAsCalled({ raw, routeOptions: { url: pattern }, originalUrl: url });
    };

    it('puts the version where the client put it', () => {
      expect(routed('/password-sync-groups/x', '/password-sync-groups/:id')).toBe('/password-sync-groups/:id');
      expect(routed('/v3/password-sync-groups/x', '/password-sync-groups/:id')).toBe('/v3/password-sync-groups/:id');
      expect(routed('/latest/password-sync-groups', '/password-sync-groups')).toBe('/latest/password-sync-groups');
      expect(routed('/password-sync-groups/v1/x', '/password-sync-groups/:id')).toBe('/password-sync-groups/v1/:id');
      expect(routed('/password-sync-groups/v1?count=true', '/password-sync-groups')).toBe('/password-sync-groups/v1');
    });

    it('is the path as sent, without the query, when no route matched', () => {
      expect(routed('/password-sync-groups/v2?count=true', undefined)).toBe('/password-sync-groups/v2');
      expect(routed('/v3/nothing', undefined)).toBe('/v3/nothing');
    });
  });
});
