import { principalFromClaims, readClaim, SAILPOINT_CLAIMS } from './principal';

describe('readClaim', () => {
  const claims = {
    realm_access: { roles: ['ORG_ADMIN'] },
    'https://acme.example/tenant': 'acme',
    https: { '//acme': 'not this' },
    list: [{ a: 1 }],
  };

  it('reads a name, a dot path, and a whole name with dots before splitting it', () => {
    expect(readClaim(claims, 'realm_access.roles')).toEqual(['ORG_ADMIN']);
    expect(readClaim(claims, 'realm_access')).toEqual({ roles: ['ORG_ADMIN'] });
    expect(readClaim(claims, 'https://acme.example/tenant')).toBe('acme');
  });

  it('finds nothing through arrays, primitives, missing steps or inherited properties', () => {
    expect(readClaim(claims, 'list.0.a')).toBeUndefined();
    expect(readClaim(claims, 'realm_access.roles.length')).toBeUndefined();
    expect(readClaim(claims, 'realm_access.missing')).toBeUndefined();
    expect(readClaim(claims, 'constructor')).toBeUndefined();
    expect(readClaim(claims, 'realm_access.__proto__')).toBeUndefined();
  });
});

describe('principalFromClaims', () => {
  const exp = Math.floor(Date.now() / 1000) + 60;

  it('maps SailPoint claims by default; scope may be a string or an array', () => {
    expect(
      principalFromClaims({
        tenant_id: 't',
        client_id: 'c',
        identity_id: 'i',
        authorities: ['A', 3],
        scope: 'x  y',
        exp,
      }),
    ).toEqual({
      tenantId: 't',
      clientId: 'c',
      identityId: 'i',
      userName: undefined,
      authorities: new Set(['A']),
      scopes: new Set(['x', 'y']),
    });
  });

  it('falls back to sub for the client, to DEFAULT_TENANT for the tenant; no tenant or exp is a reason', () => {
    const mapping = { ...SAILPOINT_CLAIMS, defaultTenant: 'd' };
    expect(principalFromClaims({ sub: 's', exp }, mapping)).toMatchObject({ tenantId: 'd', clientId: 's' });
    expect(principalFromClaims({ sub: 's', exp })).toBe('JWT has no tenant');
    expect(principalFromClaims({ tenant_id: '', exp })).toBe('JWT has no tenant');
    expect(principalFromClaims({ tenant_id: 't' })).toBe('JWT has no expiry');
  });
});
