import type { IncomingMessage } from 'node:http';
import { API_VERSION_PREFIXES, apiVersionOf, rewriteVersionedUrl } from './api-versions';

const request = (url: string | undefined) => ({ url }) as IncomingMessage;

/** Rewrites `url` and returns the new URL and the version remembered on the request. */
function rewrite(url: string | undefined): [string, string] {
  const req = request(url);
  const rewritten = rewriteVersionedUrl(req);
  return [rewritten, apiVersionOf(req)];
}

describe('rewriteVersionedUrl / apiVersionOf', () => {
  it('knows exactly the prefixes SailPoint serves this API under', () => {
    expect([...API_VERSION_PREFIXES]).toEqual(['v3', 'beta', 'v2024', 'v2025', 'v2026']);
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
    expect(rewrite('/password-sync-groups/v3')).toEqual(['/password-sync-groups/v3', 'bare']);
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
});
